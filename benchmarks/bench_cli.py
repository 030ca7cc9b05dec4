"""Start-up cost of the CLI: `labrails --help`, `labrails runs` and `labrails status` against `python -c pass`.

Each case is a fresh process (``python -m labrails ...``, the console script's code path), run in
interleaved rounds so machine load hits every case alike; medians are reported, each case separately,
as a ratio to the median of `python -c pass` measured in the same rounds. `runs` and `status` read an
experiment made by `labrails new` holding a few completed runs (the registry, run.json, summary.json).
Target: `labrails --help` <= 5x `python -c pass`.

    python benchmarks/bench_cli.py [--rounds 15] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_experiment(root: Path, runs: int) -> Path:
    os.environ["LABRAILS_QUIET"] = "1"
    import labrails

    exp = labrails.new_experiment(root / "exp")
    for i in range(runs):
        with labrails.start_run(f"de-risk-bench-seed{i}", experiment=exp.root, script=exp.root / "train.py",
                                overrides={"seed": i}) as run:
            run.log_metrics({"loss": 1.0 / (i + 1)}, step=1, split="train")
            run.finish({"test_accuracy": 0.9 + i / 100})
    return exp.root


CPU: dict[tuple[str, ...], list[float]] = {}  # CPU seconds (user + sys) of each command, beside its wall time


def cpu(argv: list[str]) -> float:
    return statistics.median(CPU[tuple(argv)])


def timed(argv: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.setdefault(tuple(argv), []).append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr[-800:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--runs", type=int, default=5, help="completed runs in the experiment listed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        exp = make_experiment(Path(tmp), args.runs)
        env = {**os.environ, "COLUMNS": "120"}
        py = sys.executable
        cases = {
            "python -c pass": [py, "-c", "pass"],
            "labrails --help": [py, "-m", "labrails", "--help"],
            "labrails runs": [py, "-m", "labrails", "runs", "-e", str(exp)],
            "labrails status": [py, "-m", "labrails", "status", "-e", str(exp)],
        }
        for argv in cases.values():  # warm the file cache and .pyc files
            timed(argv, env)
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.rounds):
            for name, argv in cases.items():
                times[name].append(timed(argv, env))
    base = statistics.median(times["python -c pass"])
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"{args.rounds} interleaved rounds, medians; experiment with {args.runs} runs")
    for name, values in times.items():
        med = statistics.median(values)
        target = "   (target <= 5x)" if name == "labrails --help" else ""
        print(f"{name:<18} {med * 1e3:8.1f} ms   {med / base:5.2f}x python -c pass   (cpu {cpu(cases[name]) * 1e3:6.1f} ms){target}")


if __name__ == "__main__":
    main()
