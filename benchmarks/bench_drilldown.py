"""Benchmark: write_drilldown on a million predictions in a thousand groups.

This measures IO and bookkeeping, not model quality. The predictions are scikit-learn's bundled diabetes
table tiled to the requested size, with jitter on target and prediction so values differ row to row,
an LLM-style prompt and raw output per row, and about 1% raw outputs that fail to parse.

The baseline, measured in the same run on the same frame, is what saving the table with no drill-down
costs: ``df.to_parquet`` + ``df.to_csv``. Each measurement runs in a fresh child process so peak memory
of one does not leak into the other.

    python benchmarks/bench_drilldown.py [--n 1000000 --groups 1000]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def build_frame(n: int, groups: int):
    import numpy as np
    import pandas as pd
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LinearRegression

    data = load_diabetes(as_frame=True)
    features, target = data.data, data.target
    fitted = LinearRegression().fit(features, target).predict(features)
    rng = np.random.default_rng(0)
    base = np.arange(n) % len(target)
    truth = target.to_numpy()[base] + rng.normal(0, 5, n)
    pred = fitted[base] + rng.normal(0, 10, n)
    failed = rng.random(n) < 0.01

    prompts = np.array(
        [
            f"Patient: age {a:+.3f}, bmi {b:+.3f}, blood pressure {p:+.3f}, s5 {s:+.3f}.\n"
            "Predict the disease progression score one year from now. Reply with a number."
            for a, b, p, s in zip(features["age"], features["bmi"], features["bp"], features["s5"], strict=True)
        ],
        dtype=object,
    )
    raw = np.where(failed, "I cannot determine this from the data given.", np.char.add("Score: ", pred.round(1).astype(str)))
    return pd.DataFrame(
        {
            "sample_id": np.char.add("p", np.arange(n).astype(str)),
            "group": np.char.add("site_", (np.arange(n) % groups).astype(str)),
            "ground_truth": truth,
            "prediction": np.where(failed, np.nan, pred),
            "input_text": pd.array(prompts[base], dtype="str"),
            "raw_output": pd.array(raw, dtype="str"),
            "valid_min": 25.0,
            "valid_max": 346.0,
        }
    )


def _rss_now_mb() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    # Linux lets a process reset its own high-water mark; elsewhere the peak includes building the frame.
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _tree_size(path: Path) -> tuple[int, int]:
    files = total = 0
    for root, _, names in os.walk(path):
        for name in names:
            files += 1
            total += os.path.getsize(os.path.join(root, name))
    return files, total


def run_phase(phase: str, n: int, groups: int) -> dict:
    frame = build_frame(n, groups)
    out = Path(tempfile.mkdtemp(prefix=f"bench_{phase}_"))
    if hasattr(os, "sync"):
        os.sync()  # earlier runs' dirty pages would otherwise be flushed during, and charged to, this one
    gc.collect()
    rss_before = _rss_now_mb()
    peak_is_reset = _reset_peak()
    start = time.perf_counter()
    if phase == "baseline":
        frame.to_parquet(out / "predictions.parquet", index=False)
        frame.to_csv(out / "predictions.csv", index=False)
        extra = {}
    else:
        from labrails.outputs import write_drilldown

        summary = write_drilldown(frame, out, task="regression", readme_context={"benchmark": "bench_drilldown.py"})
        extra = {
            "sample_folders": summary.sample_folders_written,
            "text_files": summary.text_files_written,
            "samples_per_group_cap": summary.samples_per_group_cap,
            "mae": summary.metrics["mae"],
        }
    seconds = time.perf_counter() - start
    files, size = _tree_size(out)
    return {
        "phase": phase,
        "seconds": seconds,
        "peak_rss_mb": _peak_mb(),
        "rss_before_mb": rss_before,
        "peak_is_call_only": peak_is_reset,
        "files": files,
        "bytes": size,
        "out": str(out),
        **extra,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="number of predictions")
    parser.add_argument("--groups", type=int, default=1000, help="number of groups")
    parser.add_argument("--keep", action="store_true", help="keep the output folders for inspection")
    parser.add_argument("--phase", choices=["baseline", "drilldown"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        print(json.dumps(run_phase(args.phase, args.n, args.groups)))
        return

    results = {}
    for phase in ("baseline", "drilldown"):
        cmd = [sys.executable, __file__, "--phase", phase, "--n", str(args.n), "--groups", str(args.groups)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"{phase} run failed:\n{done.stderr}")
        results[phase] = json.loads(done.stdout.strip().splitlines()[-1])
        if not args.keep:
            subprocess.run(["rm", "-rf", results[phase]["out"]], check=False)

    base, drill = results["baseline"], results["drilldown"]
    print(f"write_drilldown benchmark: {args.n:,} predictions, {args.groups:,} groups (IO benchmark, tiled diabetes data)")
    print(f"{'':24}{'seconds':>10}{'peak RSS MB':>14}{'RSS before MB':>15}{'files':>9}{'MB written':>12}")
    for name, r in (("baseline parquet+csv", base), ("write_drilldown", drill)):
        print(
            f"{name:24}{r['seconds']:>10.2f}{r['peak_rss_mb']:>14.0f}{(r['rss_before_mb'] or 0):>15.0f}"
            f"{r['files']:>9,}{r['bytes'] / 1e6:>12.1f}"
        )
    print(f"time ratio drilldown / baseline: {drill['seconds'] / base['seconds']:.2f}x")
    extra_mb = drill["peak_rss_mb"] - (drill["rss_before_mb"] or 0)
    print(f"memory: peak {drill['peak_rss_mb']:.0f} MB, {extra_mb:.0f} MB above the loaded frame "
          f"(baseline {base['peak_rss_mb'] - (base['rss_before_mb'] or 0):.0f} MB above)"
          + ("" if drill["peak_is_call_only"] else "; peak includes building the frame"))
    print(f"sample folders: {drill['sample_folders']:,} (cap {drill['samples_per_group_cap']} per group), "
          f"text files: {drill['text_files']:,}")
    if args.keep:
        print(f"outputs kept in {base['out']} and {drill['out']}")


if __name__ == "__main__":
    main()
