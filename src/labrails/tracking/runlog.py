"""A run's console log, ``logs/train.log``: read it, or follow it while the run runs (``labrails logs -f RUN``).

Following ends when the run's status leaves "running" (completed, failed, or crashed: a process that died
without recording an outcome, see :func:`labrails.core.runinfo.observed`), after the last lines it wrote.
From Python::

    from labrails.tracking.runlog import follow_log
    status = follow_log(run_dir, print_fn)   # print_fn receives chunks of text as the log grows
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from labrails.core.errors import LabrailsError
from labrails.core.runinfo import observed, read_run_json

LOG = Path("logs") / "train.log"


def log_path(run_dir: Path) -> Path:
    return Path(run_dir) / LOG


def read_log(run_dir: Path) -> str:
    """The whole log as it stands now."""
    path = log_path(run_dir)
    if not path.is_file():
        raise LabrailsError("this run has no console log", path=path,
                            fix="runs started by `uv run train.py NAME` or `labrails run NAME -- CMD` write one")
    return path.read_text(encoding="utf-8", errors="replace")


def run_status(run_dir: Path) -> str:
    """The run's status as its files and its process show it now (writes nothing)."""
    return str(observed(Path(run_dir), read_run_json(Path(run_dir))).get("status"))


def follow_log(run_dir: Path, write: Callable[[str], object], *, poll_s: float = 0.5) -> str:
    """Pass the log to ``write`` as it grows, whole lines at a time, until the run is no longer running;
    return its final status. The status is read before each read of the log, so once it says the run ended,
    the read that follows holds everything the run wrote."""
    path = log_path(run_dir)
    offset, pending = 0, b""
    while True:
        status = run_status(run_dir)
        if path.is_file():
            with path.open("rb") as fh:
                fh.seek(offset)
                chunk = fh.read()
            offset += len(chunk)
            pending += chunk
            complete, _, pending = pending.rpartition(b"\n") if status == "running" else (pending, b"", b"")
            text = complete + (b"\n" if status == "running" and complete else b"")
            if text:
                write(text.decode("utf-8", errors="replace"))
        if status != "running":
            if not path.is_file():
                raise LabrailsError(f"the run is {status} and wrote no console log", path=path,
                                    fix="look at its run.json and README.txt")
            return status
        time.sleep(poll_s)
