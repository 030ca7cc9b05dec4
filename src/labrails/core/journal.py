"""JOURNAL.md and IGNORED_RUNS.md: the experiment's memory, append-only.

Entries are appended under a lock with O_APPEND, so concurrent writers never lose a line and nothing
already written is rewritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from labrails.core.errors import LabrailsError
from labrails.core.experiment import Experiment
from labrails.core.fsutil import append_line, locked

TAGS = ("WEIRD", "HUNCH", "TODO", "RESOLVED", "NOTE", "ASSUMPTION", "SWEEP")  # ASSUMPTION: taken with no one to ask
# Written by labrails itself (`labrails sweep`, one per job it ran); not what a person observed.
AUTOMATIC_TAGS = ("SWEEP",)
_ENTRY = re.compile(r"^- (?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?) \[(?P<tag>[A-Z]+)\](?: \((?P<run>[^)]*)\))? (?P<text>.*)$")


@dataclass(frozen=True)
class Entry:
    timestamp: str
    tag: str
    text: str
    run: str | None
    line: int


def _journal_lock(exp: Experiment) -> Path:
    return exp.state / "journal.lock"


def add_entry(exp: Experiment, text: str, *, tag: str = "NOTE", run: str | None = None, now: datetime | None = None) -> Entry:
    tag = tag.upper().strip("[]")
    if tag not in TAGS:
        raise LabrailsError(f"unknown journal tag '{tag}'", fix=f"use one of: {', '.join(TAGS)}")
    text = " ".join(str(text).split())  # one entry is one line, so readers and hooks can parse it
    if not text:
        raise LabrailsError("empty journal entry", fix="say what you observed, e.g. 'val loss flat after epoch 3'")
    if not exp.journal.is_file():
        raise LabrailsError("JOURNAL.md is missing", path=exp.journal, fix="restore it from version control; labrails never deletes it")
    stamp = (now or datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    run_part = f" ({run})" if run else ""
    line = f"- {stamp} [{tag}]{run_part} {text}"
    with locked(_journal_lock(exp)):
        existing = exp.journal.read_bytes()
        if existing and not existing.endswith(b"\n"):
            append_line(exp.journal, "")
        append_line(exp.journal, line)
    return Entry(stamp, tag, text, run, -1)


def entries(exp: Experiment) -> list[Entry]:
    if not exp.journal.is_file():
        return []
    out = []
    for i, line in enumerate(exp.journal.read_text(encoding="utf-8").splitlines(), 1):
        m = _ENTRY.match(line.strip())
        if m:
            out.append(Entry(m["ts"], m["tag"], m["text"], m["run"], i))
    return out


def open_todos(exp: Experiment) -> list[Entry]:
    """TODO entries with no later [RESOLVED] entry that quotes their text or names the same run."""
    all_entries = entries(exp)
    resolved_texts = " ".join(e.text.lower() for e in all_entries if e.tag == "RESOLVED")
    return [e for e in all_entries if e.tag == "TODO" and e.text.lower()[:40] not in resolved_texts]


def last_entry_time(exp: Experiment, *, people_only: bool = False) -> datetime | None:
    """When the newest entry was written; ``people_only`` skips the lines labrails writes itself."""
    found = [e for e in entries(exp) if not (people_only and e.tag in AUTOMATIC_TAGS)]
    if not found:
        return None
    stamp = found[-1].timestamp
    fmt = "%Y-%m-%d %H:%M:%S" if stamp.count(":") == 2 else "%Y-%m-%d %H:%M"
    return datetime.strptime(stamp, fmt)


# ------------------------------------------------------------------ IGNORED_RUNS.md
_IGNORED_ROW = re.compile(r"^\|\s*(?P<run>[^|]+?)\s*\|\s*(?P<at>[^|]*?)\s*\|\s*(?P<reason>.*?)\s*\|\s*$")


def ignored_runs(exp: Experiment) -> dict[str, str]:
    """Run name -> reason, from IGNORED_RUNS.md (and a JOURNAL.md 'Ignored runs' list if present)."""
    out: dict[str, str] = {}
    if exp.ignored.is_file():
        for line in exp.ignored.read_text(encoding="utf-8").splitlines():
            m = _IGNORED_ROW.match(line.strip())
            if m and m["run"] not in ("run",) and not set(m["run"]) <= set("-: "):
                out[m["run"]] = m["reason"]
    return out


def ignore_run(exp: Experiment, run_name: str, reason: str, *, now: datetime | None = None) -> None:
    reason = " ".join(reason.split()).replace("|", "/")
    if not reason:
        raise LabrailsError("a reason is required to ignore a run", fix='labrails ignore RUN --reason "loss diverged: lr too high"')
    if run_name in ignored_runs(exp):
        raise LabrailsError(f"{run_name} is already ignored", path=exp.ignored, fix="nothing to do; the first reason is kept")
    stamp = (now or datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    with locked(_journal_lock(exp)):
        if not exp.ignored.is_file():
            append_line(exp.ignored, "| run | ignored at | reason |\n|-----|------------|--------|")
        append_line(exp.ignored, f"| {run_name} | {stamp} | {reason} |")
