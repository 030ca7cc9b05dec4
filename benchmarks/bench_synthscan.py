"""How long the fabricated-data scan takes on the shipped scaffold, next to just parsing it.

Scans ``scaffold/train.py`` (and the local modules it imports) with ``scan_script`` and, interleaved in
the same run so machine noise hits both alike, parses the same file with ``ast.parse``. Prints both
medians and the scan's ratio to the parse.

    python benchmarks/bench_synthscan.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import ast
import statistics
import time
from pathlib import Path

from labrails.guard.synthscan import scan_script

SCRIPT = Path(__file__).resolve().parents[1] / "scaffold" / "train.py"


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    source = SCRIPT.read_text(encoding="utf-8")
    hits = scan_script(SCRIPT)  # the first call also fills the scanner's name caches
    scans: list[float] = []
    parses: list[float] = []
    for _ in range(args.repeat):
        scans.append(timed(lambda: scan_script(SCRIPT)))
        parses.append(timed(lambda: ast.parse(source, filename=str(SCRIPT))))
    scan, parse = statistics.median(scans), statistics.median(parses)
    print(f"{SCRIPT.name}: {len(source.splitlines())} lines, {len(hits)} hits; medians of {args.repeat} runs each")
    print(f"ast.parse      {parse * 1000:8.2f} ms")
    print(f"scan_script    {scan * 1000:8.2f} ms   {scan / parse:6.2f}x ast.parse")


if __name__ == "__main__":
    main()
