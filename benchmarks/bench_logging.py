"""Per-call cost of logging a metric inside a training loop.

Baseline: appending one JSON line to a file ourselves (json.dumps + write, line-buffered, as labrails
does so `tail -f` works). Measured in the same run; target (DESIGN.md): within 2x of the baseline.
If MLflow is installed, its local store (SQLite) is timed too, for scale.

    python benchmarks/bench_logging.py [--calls 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path


def per_call(fn, calls: int) -> float:
    start = time.perf_counter()
    for i in range(calls):
        fn(i)
    return (time.perf_counter() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    os.environ["LABRAILS_QUIET"] = "1"
    import labrails

    with tempfile.TemporaryDirectory() as tmp:
        with open(Path(tmp) / "plain.jsonl", "a", buffering=1) as fh:
            def plain(i):
                fh.write(json.dumps({"t": time.time(), "name": "loss", "value": 1.0 / (i + 1), "step": i, "split": "train"}) + "\n")

            base = per_call(plain, args.calls)

        exp = labrails.new_experiment(Path(tmp) / "exp")
        run = labrails.start_run("de-risk-bench", experiment=exp.root, script=__file__)
        ours = per_call(lambda i: run.log_metrics({"loss": 1.0 / (i + 1)}, step=i, split="train"), args.calls)
        run.finish({})

        print(f"append a JSON line ourselves: {base * 1e6:7.2f} us/call")
        print(f"labrails run.log_metrics:     {ours * 1e6:7.2f} us/call   ratio {ours / base:.2f}x (target <= 2x)")
        try:
            import mlflow
        except ImportError:
            print("MLflow not installed: skipped (pip install mlflow to compare with its local store)")
            return
        # A local SQLite store: recent MLflow refuses new file stores (kept in maintenance mode).
        mlflow.set_tracking_uri(f"sqlite:///{tmp}/mlflow.db")
        with mlflow.start_run():
            calls = min(args.calls, 2000)
            theirs = per_call(lambda i: mlflow.log_metric("loss", 1.0 / (i + 1), step=i), calls)
        print(f"mlflow.log_metric (sqlite):   {theirs * 1e6:7.2f} us/call   ratio {theirs / base:.2f}x")


if __name__ == "__main__":
    main()
