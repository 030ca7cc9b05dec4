"""The digits scaffold's time per training step against a bare PyTorch loop of the same model.

Both train the scaffold's MLP on scikit-learn's digits (the scaffold's saved split, its full training
part), with the same batch size, optimizer, seed and number of epochs, in the same process, interleaved:

- scaffold: ``train(...)`` from the experiment's train.py inside a real run, as `uv run train.py full`
  runs it: per-step metric logging and progress, a val evaluation and the configured checkpoint every
  epoch (early stopping switched off so both do every epoch);
- bare:     the same forward / backward / optimizer step over the same shuffled batches, nothing else.

Reported: median seconds per step of each and their ratio (target: scaffold <= 1.1x bare).

    python benchmarks/bench_scaffold_step.py [--epochs 30] [--repeats 7]
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path


def load_scaffold(root: Path):
    spec = importlib.util.spec_from_file_location("bench_train", root / "train.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_train"] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    os.environ["LABRAILS_QUIET"] = "1"
    import torch
    import torch.nn.functional as F

    import labrails

    torch.set_num_threads(1)  # one core for both: the comparison is of the loops, not of thread scheduling
    with tempfile.TemporaryDirectory() as tmp:
        exp = labrails.new_experiment(Path(tmp) / "digits")
        sys.path[:] = [os.path.abspath(p) if p else p for p in sys.path]  # chdir must not change what imports
        os.chdir(exp.root)
        train_py = load_scaffold(exp.root)
        overrides = {"train.max_epochs": args.epochs, "train.patience": args.epochs + 1, "train.device": "cpu",
                     "train.log_every_s": 3600}
        run = labrails.start_run("full-bench", experiment=exp.root, script=exp.root / "train.py", overrides=overrides)
        cfg = run.config
        X, y, ids = train_py.load_digits_table()
        _, split = train_py.load_or_make_split(cfg, y, ids)
        data = train_py.select(X, y, split["train"], split)
        device = torch.device("cpu")
        batch = cfg["optim"]["batch_size"]
        steps = args.epochs * math.ceil(len(data.ytr) / batch)

        def fresh():
            torch.manual_seed(cfg["seed"])
            model = train_py.MLP(X.shape[1], data.n_classes, cfg["model"]["hidden"], cfg["model"]["dropout"])
            opt = torch.optim.AdamW(model.parameters(), lr=cfg["optim"]["lr"], weight_decay=cfg["optim"]["weight_decay"])
            return model, opt

        def scaffold() -> float:
            model, opt = fresh()
            loop = train_py.Loop()
            start = time.perf_counter()
            train_py.train(run, cfg, model, opt, data, loop, device)
            assert loop.step == steps, (loop.step, steps)
            return (time.perf_counter() - start) / steps

        def bare() -> float:
            model, opt = fresh()
            gen = torch.Generator().manual_seed(cfg["seed"])
            Xtr, ytr = torch.from_numpy(data.Xtr), torch.from_numpy(data.ytr)
            start = time.perf_counter()
            for _ in range(args.epochs):
                model.train()
                order = torch.randperm(len(ytr), generator=gen)
                for i in range(0, len(ytr), batch):
                    idx = order[i:i + batch]
                    loss = F.cross_entropy(model(Xtr[idx]), ytr[idx])
                    loss.backward()
                    opt.step()
                    opt.zero_grad(set_to_none=True)
            return (time.perf_counter() - start) / steps

        scaffold(), bare()  # warm-up: first-call allocations and lazy imports
        times: dict[str, list[float]] = {"scaffold": [], "bare": []}
        for _ in range(args.repeats):
            times["bare"].append(bare())
            times["scaffold"].append(scaffold())
        run.finish({})

    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
          f"1 thread; {steps} steps per repeat ({args.epochs} epochs x batch {batch}), {args.repeats} interleaved repeats")
    print(f"bare PyTorch loop: {med['bare'] * 1e3:7.3f} ms/step")
    print(f"scaffold train():  {med['scaffold'] * 1e3:7.3f} ms/step   ratio {med['scaffold'] / med['bare']:.2f}x (target <= 1.1x)")


if __name__ == "__main__":
    main()
