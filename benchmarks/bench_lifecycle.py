"""What a run's start and finish cost with 10,000 runs in the experiment, and under 32 processes at once.

1. Start + finish of a trivial run (``start_run`` then ``finish``, in this process) in an experiment holding
   ``--runs`` runs, against the same in an empty experiment: interleaved rounds, medians, the ratio
   (target <= 1.2x). The big experiment is built from real runs: a few trivial runs are made by labrails, then
   their directories are copied and registered under new names and identities (no training is repeated).
2. ``--procs`` processes each start and finish ``--per-proc`` runs in one experiment at the same moment:
   p50/p95/max of the time ``start_run`` took (waiting for the registry included). A process's first start
   also imports what a run needs; it is reported apart. On a machine with fewer cores than processes the
   latency is mostly waiting for a core, so the cores are printed with it.

    python benchmarks/bench_lifecycle.py [--runs 10000] [--rounds 15] [--procs 32] [--per-proc 50]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORKER = r"""
import json, os, sys, time
os.environ["LABRAILS_QUIET"] = "1"
import labrails
root, n = sys.argv[1], int(sys.argv[2])
times = []
for i in range(n):
    t0 = time.perf_counter()
    run = labrails.start_run("de-risk-bench", experiment=root, script=os.path.join(root, "bench.py"), force=True)
    times.append(time.perf_counter() - t0)
    run.finish({"test_accuracy": 0.5})
print(json.dumps(times))
"""


def make_experiment(path: Path):
    import labrails

    exp = labrails.new_experiment(path)
    (exp.root / "bench.py").write_text("# the script the benchmark's runs are attributed to\n")
    return exp


def start_finish(exp) -> float:
    import labrails

    t0 = time.perf_counter()
    run = labrails.start_run("de-risk-bench", experiment=exp.root, script=exp.root / "bench.py", force=True)
    run.finish({"test_accuracy": 0.5})
    return time.perf_counter() - t0


def fill(exp, total: int) -> None:
    """``total`` runs: a few real ones, the rest copies of them registered under new names and identities."""
    from labrails.core.naming import run_dir_name
    from labrails.core.registry import Registry, _put

    for _ in range(5):
        start_finish(exp)
    originals = exp.run_dirs()
    registry = Registry(exp.state)
    rows = registry.rows()
    base = time.time() - total
    made = []
    for i in range(total - len(originals)):
        src = originals[i % len(originals)]
        from datetime import datetime, timezone

        name = run_dir_name(f"full-c{i % 97}-seed{i}", datetime.fromtimestamp(base + i, timezone.utc))
        shutil.copytree(src, exp.runs_dir / name)
        info = json.loads((src / "run.json").read_text())
        identity = f"{i:08x}_{info['code_version']}"
        info.update(run=name, identity=identity, profile="full", started_ts=base + i)
        (exp.runs_dir / name / "run.json").write_text(json.dumps(info, indent=2))
        made.append({**rows[src.name], "run": name, "identity": identity, "profile": "full", "started_ts": base + i})
    with registry._write() as con:
        for row in made:
            _put(con, row)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--procs", type=int, default=32)
    parser.add_argument("--per-proc", type=int, default=50)
    args = parser.parse_args()
    os.environ["LABRAILS_QUIET"] = "1"
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {sys.platform}")
    with tempfile.TemporaryDirectory() as tmp:
        empty = make_experiment(Path(tmp) / "empty")
        big = make_experiment(Path(tmp) / "big")
        t0 = time.perf_counter()
        fill(big, args.runs)
        print(f"built an experiment of {len(big.run_dirs())} runs in {time.perf_counter() - t0:.0f} s")
        start_finish(empty), start_finish(big)  # warm both
        small_t, big_t = [], []
        for _ in range(args.rounds):
            small_t.append(start_finish(empty))
            big_t.append(start_finish(big))
        a, b = statistics.median(small_t), statistics.median(big_t)
        print(f"start+finish, empty experiment:      median {a * 1000:7.1f} ms  ({args.rounds} rounds, interleaved)")
        print(f"start+finish, {args.runs:>6} runs:          median {b * 1000:7.1f} ms  ratio {b / a:.2f}x (target <= 1.2x)")

        shared = make_experiment(Path(tmp) / "shared")
        t0 = time.perf_counter()
        env = {**os.environ, "LABRAILS_QUIET": "1"}
        procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(shared.root), str(args.per_proc)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(args.procs)]
        latencies: list[float] = []
        firsts: list[float] = []
        for p in procs:
            out, err = p.communicate()
            if p.returncode != 0:
                raise SystemExit(f"a worker failed ({p.returncode}):\n{err}")
            times = json.loads(out)
            firsts.append(times[0])
            latencies.extend(times[1:])
        wall = time.perf_counter() - t0
        runs = len(shared.run_dirs())
        print(f"{args.procs} processes x {args.per_proc} runs: {runs} runs in {wall:.0f} s; start_run latency "
              f"p50 {percentile(latencies, 0.5) * 1000:.0f} ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
              f"max {max(latencies) * 1000:.0f} ms (each process's first start, imports included: "
              f"median {statistics.median(firsts) * 1000:.0f} ms)")
        from labrails.core.registry import Registry

        rows = Registry(shared.state).rows()
        lost = args.procs * args.per_proc - sum(1 for r in rows.values() if r.get("status") == "completed")
        print(f"registry rows completed: {len(rows)}; lost: {lost}")


if __name__ == "__main__":
    main()
