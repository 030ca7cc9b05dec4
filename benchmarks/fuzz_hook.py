"""100,000 hostile hook payloads through the real hook entry: every one must end in a decision, quickly.

Payloads (tests/testing/hook_payloads.py): deeply nested JSON, huge commands, random bytes, wrong JSON types,
random unicode, truncated JSON, shell text built from the parser's hardest pieces. Most run in-process through
labrails.guard.hook.main (as the hook process would, minus interpreter start-up); a sample also runs as a real
`python -c ... hook` process, as Claude Code starts it. Reports the count per outcome, any exit other than 0
or 2, any traceback, and the slowest payloads (target: none slower than 2 s).

    python benchmarks/fuzz_hook.py [--count 100000] [--subprocess 300] [--seed 0]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from testing.hook_payloads import payloads, run_in_process  # noqa: E402


def outcome(code, out: str) -> str:
    if not isinstance(code, int):
        return f"raised {type(code).__name__}"
    if code != 0:
        return f"exit {code}"
    if not out:
        return "allow"
    try:
        decision = json.loads(out)["hookSpecificOutput"]
    except (ValueError, KeyError, TypeError):
        return "exit 0, unreadable output"
    return "deny" if decision.get("permissionDecision") == "deny" else "context"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--subprocess", type=int, default=300, help="how many payloads also run as a real process")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.environ["LABRAILS_QUIET"] = "1"
    import labrails

    with tempfile.TemporaryDirectory() as tmp:
        exp = str(labrails.new_experiment(Path(tmp) / "exp", hypothesis="h", success=["s"]).root)
        counts: collections.Counter[str] = collections.Counter()
        bad: list[str] = []
        slowest: list[tuple[float, str, int]] = []
        start = time.perf_counter()
        for i, (event, raw) in enumerate(payloads(args.seed, args.count, exp if args.seed % 2 == 0 else tmp)):
            t0 = time.perf_counter()
            code, out, err = run_in_process(event, raw)
            took = time.perf_counter() - t0
            kind = outcome(code, out)
            counts[kind] += 1
            if kind not in ("allow", "deny", "context", "exit 2") or "Traceback" in err:
                bad.append(f"#{i} {event} {kind}: {raw[:120]!r} {err[-300:]!r}")
            slowest.append((took, event, i))
            if len(slowest) > 200:
                slowest = sorted(slowest, reverse=True)[:10]
        total = time.perf_counter() - start
        slowest = sorted(slowest, reverse=True)[:5]
        print(f"{args.count} payloads in-process in {total:.1f} s (seed {args.seed})")
        for kind, n in counts.most_common():
            print(f"  {kind:<28} {n}")
        print(f"exits other than 0/2, exceptions or tracebacks: {len(bad)}")
        for line in bad[:20]:
            print("  " + line)
        print("slowest: " + ", ".join(f"#{i} {event} {took * 1000:.0f} ms" for took, event, i in slowest)
              + " (target: none over 2000 ms)")

        from labrails.project.init import HOOK_ENTRY

        entry = [sys.executable, "-c", HOOK_ENTRY, "pretooluse"]
        sub_counts: collections.Counter[str] = collections.Counter()
        sub_bad, sub_worst = [], 0.0
        for i, (event, raw) in enumerate(payloads(args.seed + 1, args.subprocess, exp)):
            t0 = time.perf_counter()
            proc = subprocess.run([*entry[:-1], event], input=raw, capture_output=True, timeout=60)
            took = time.perf_counter() - t0
            sub_worst = max(sub_worst, took)
            kind = outcome(proc.returncode, proc.stdout.decode(errors="replace"))
            sub_counts[kind] += 1
            if proc.returncode not in (0, 2) or b"Traceback" in proc.stderr:
                sub_bad.append(f"#{i} {event} exit {proc.returncode}: {proc.stderr[-300:]!r}")
        print(f"\n{args.subprocess} payloads as real hook processes: "
              + ", ".join(f"{kind} {n}" for kind, n in sub_counts.most_common()))
        print(f"exits other than 0/2 or tracebacks: {len(sub_bad)}; slowest process {sub_worst * 1000:.0f} ms")
        for line in sub_bad[:20]:
            print("  " + line)


if __name__ == "__main__":
    main()
