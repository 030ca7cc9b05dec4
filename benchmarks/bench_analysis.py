"""`labrails analyze` and `labrails runs` on experiments of 1,000 and 10,000 runs.

The runs are copies of real ones: the digits scaffold (`labrails new`) is run twice (de-risk, seeds 1
and 2), then each copy takes the small files of one of them (run.json, metrics.json, config.yaml,
data.json, review.json, logs/), renamed into 10 configurations x N/10 seeds (run.json's name, seed and
overrides, and config.yaml's seed, rewritten to match). Checkpoints, plots and eval/ are not copied:
neither command reads them. Metrics are the real runs' own numbers, never invented.

Each command runs as a fresh process (`python -m labrails ...`), like a user runs it:
- analyze, first:  the copies have no valid summary.json yet (each run's files are read and its summary written)
- analyze, again:  every run read from its summary.json (the steady state)
- runs:            the table (reads only)
Reported: wall seconds (median of --repeats) and, beside them, the CPU seconds the process used (user +
sys): on a shared, loaded machine the wall time mostly measures the other processes. `python -c pass`
runs in the same rounds for scale.
Targets: analyze on 10,000 runs <= 3 s, runs <= 1 s.

    python benchmarks/bench_analysis.py [--sizes 1000 10000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SMALL_FILES = ("run.json", "metrics.json", "config.yaml", "data.json", "review.json", "review.md", "README.txt")
CONFIGURATIONS = 10


def _absolute_pythonpath() -> None:
    """Child processes run elsewhere (the experiment): a relative PYTHONPATH would miss this checkout."""
    parts = [str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if parts:
        os.environ["PYTHONPATH"] = os.pathsep.join(parts)


def real_runs(root: Path) -> tuple[Path, list[Path]]:
    os.environ["LABRAILS_QUIET"] = "1"
    import labrails

    exp = labrails.new_experiment(root / "digits", hypothesis="MLP >= 95%", success=["test_accuracy >= 0.95"])
    for seed in (1, 2):
        env = {**os.environ, "LABRAILS_OVERRIDES": json.dumps({"seed": seed})}
        proc = subprocess.run([sys.executable, "train.py", f"de-risk-seed{seed}"], cwd=exp.root, env=env,
                              capture_output=True, text=True, timeout=900)
        if proc.returncode != 0:
            raise SystemExit(f"the scaffold failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    kept = root / "real"  # outside runs/, which each size refills
    kept.mkdir()
    return exp.root, [Path(shutil.move(str(run), kept / run.name)) for run in exp.run_dirs()]


def fill(exp: Path, sources: list[Path], n: int) -> None:
    """Copies of the real runs until runs/ holds ``n``: 10 configurations x n/10 seeds."""
    runs = exp / "runs"
    for old in runs.iterdir():
        shutil.rmtree(old)
    templates = [{name: (src / name).read_bytes() for name in SMALL_FILES if (src / name).is_file()} for src in sources]
    logs = [src / "logs" for src in sources]
    for i in range(n):
        k, seed = i % CONFIGURATIONS, i // CONFIGURATIONS
        which = i % len(sources)
        files = templates[which]
        name = f"2026-01-01T00-00-00-de-risk-h{k}-seed{seed}-{i:05d}"
        target = runs / name
        shutil.copytree(logs[which], target / "logs")
        info = json.loads(files["run.json"])
        info.update(run=name, descriptive_name=f"de-risk-h{k}-seed{seed}", overrides={"seed": seed},
                    started_ts=info["started_ts"] + i)
        (target / "run.json").write_text(json.dumps(info, indent=2))
        config = re.sub(rb"(?m)^seed: \d+$", f"seed: {seed}".encode(), files["config.yaml"])
        (target / "config.yaml").write_bytes(config)
        for fname, data in files.items():
            if fname not in ("run.json", "config.yaml"):
                (target / fname).write_bytes(data)


CPU: dict[tuple[str, ...], list[float]] = {}  # CPU seconds (user + sys) of each command, beside its wall time


def cpu(argv: list[str]) -> float:
    return statistics.median(CPU[tuple(argv)])


def timed(argv: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.setdefault(tuple(argv), []).append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr[-1500:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    _absolute_pythonpath()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        exp, sources = real_runs(Path(tmp))
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
              f"{platform.python_version()}; copies of {len(sources)} real de-risk runs of the digits scaffold")
        analyze = [py, "-m", "labrails", "analyze", "-e", str(exp), "--metric", "test_accuracy"]
        listing = [py, "-m", "labrails", "runs", "-e", str(exp)]
        for n in args.sizes:
            fill(exp, sources, n)
            first = timed(analyze)
            times: dict[str, list[float]] = {"pass": [], "analyze": [], "runs": []}
            for _ in range(args.repeats):
                times["pass"].append(timed([py, "-c", "pass"]))
                times["analyze"].append(timed(analyze))
                times["runs"].append(timed(listing))
            med = {k: statistics.median(v) for k, v in times.items()}
            print(f"{n:>6} runs: analyze first {first:6.2f} s | analyze {med['analyze']:6.2f} s (cpu {cpu(analyze):.2f} s; "
                  f"target <= 3 s at 10,000) | runs {med['runs']:6.2f} s (cpu {cpu(listing):.2f} s; target <= 1 s) | "
                  f"python -c pass {med['pass']:.3f} s (cpu {cpu([py, '-c', 'pass']):.3f} s)")
            CPU.clear()


if __name__ == "__main__":
    main()
