"""The digits scaffold's time per training step against a bare PyTorch loop of the same model.

Both train the scaffold's MLP on scikit-learn's digits (the scaffold's saved split, its full training
part), with the same batch size, optimizer, seed and number of epochs, in the same process, interleaved:

- scaffold: ``train(...)`` from the experiment's train.py inside a real run, as `uv run train.py full`
  runs it: per-step metric logging and progress, a val evaluation and the configured checkpoint every
  epoch (early stopping switched off so both do every epoch);
- bare:     the same forward / backward / optimizer step over the same shuffled batches, nothing else;
- bare+val: the bare loop plus the scaffold's own val evaluation after every epoch: the training algorithm
            the scaffold runs (early stopping needs it), with none of labrails' bookkeeping.

Reported: median seconds per step of each and the scaffold's ratio to both bare loops, each on its own line.
Target: scaffold <= 1.1x the bare loop of the same algorithm (bare+val); the ratio to the train-only loop
shows what the per-epoch evaluation adds on top.

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
                     "train.log_every_s": 3600, "train.checkpoint_every_s": 60}  # checkpoints as the full profile saves them
        # A de-risk profile run: a full one would (rightly) be refused before a de-risk run vouches for it.
        run = labrails.start_run("de-risk-bench", experiment=exp.root, script=exp.root / "train.py", overrides=overrides)
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

        def bare(with_val: bool = False) -> float:
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
                if with_val:
                    train_py.evaluate(model, data.Xva, data.yva, device)
            return (time.perf_counter() - start) / steps

        scaffold(), bare(), bare(with_val=True)  # warm-up: first-call allocations and lazy imports
        times: dict[str, list[float]] = {"scaffold": [], "bare": [], "bare+val": []}
        for _ in range(args.repeats):
            times["bare"].append(bare())
            times["scaffold"].append(scaffold())
            times["bare+val"].append(bare(with_val=True))
        run.finish({})

    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
          f"1 thread; {steps} steps per repeat ({args.epochs} epochs x batch {batch}), {args.repeats} interleaved repeats")
    print(f"bare PyTorch loop, train only:       {med['bare'] * 1e3:7.3f} ms/step")
    print(f"bare PyTorch loop + val every epoch: {med['bare+val'] * 1e3:7.3f} ms/step")
    print(f"scaffold train():                    {med['scaffold'] * 1e3:7.3f} ms/step")
    print(f"scaffold vs bare + val (the same algorithm): {med['scaffold'] / med['bare+val']:.2f}x (target <= 1.1x)")
    print(f"scaffold vs bare, train only:                {med['scaffold'] / med['bare']:.2f}x")


if __name__ == "__main__":
    main()
