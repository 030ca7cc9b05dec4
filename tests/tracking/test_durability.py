"""Which files a run flushes to disk (fsync): the rule in labrails.core.fsutil, checked on a real run."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

from testing.runs import record_run

WRITERS = ("write_atomic", "record_outcome", "preallocate_outcome", "append_line")


def _flushed_file() -> str:
    """The file the writer up the stack is making durable."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name in WRITERS and "path" in frame.f_locals:
            return Path(frame.f_locals["path"]).name
        frame = frame.f_back
    return "?"


def test_a_run_flushes_each_record_once_and_nothing_it_rewrites_or_can_rebuild(experiment, monkeypatch):
    flushed: Counter[str] = Counter()
    real = os.fsync

    def counting_fsync(fd: int) -> None:
        flushed[_flushed_file()] += 1
        real(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    run_dir = record_run(experiment, "de-risk", script="tiny_run.py")
    # What the run started from and loaded, and its outcome: once each.
    assert flushed == Counter(["config.yaml", "command.txt", "env.json", "git.json", "data.json",
                               "metrics.json", ".outcome.json", "run.json"])
    # Written, but not flushed: rewritten before the end, or rendered again from the files above.
    assert (run_dir / "README.txt").is_file() and "README.txt" not in flushed
