"""One file holding what analysis and listing need from every finished run, so 10,000 runs are one read.

``.labrails/cache/runs_index.json`` maps each finished run to the facts analysis reads (the few run.json
fields it uses, final metrics, resolved config, class counts) and to the size and modification time of
the run's run.json, metrics.json and review.json. An entry is used only while those three still match
(three ``stat`` calls instead of opening four files and parsing YAML); anything else is read from the
run's summary.json or its own files. Like summary.json it is a cache, never the record: deleting it
only costs speed. ``labrails analyze`` writes it; ``labrails runs`` only reads it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from labrails.core.experiment import Experiment

NAME = "runs_index.json"
VERSION = 1
STAMPED = ("run.json", "metrics.json", "review.json")
# The run.json fields analysis and listing read (analysis/runset.py, runs_table.py, judgements.py).
INFO_KEYS = ("run", "descriptive_name", "profile", "identity", "status", "started_ts", "heartbeat_at", "finished_at",
             "duration_s", "overrides", "error", "metric_meanings", "budget_seconds", "primary_metric")


def path_of(exp: Experiment) -> Path:
    return exp.state / "cache" / NAME


def stamp(run_dir: Path) -> list[list[int] | None]:
    out: list[list[int] | None] = []
    for name in STAMPED:
        try:
            st = os.stat(os.path.join(run_dir, name))
        except OSError:
            out.append(None)
        else:
            out.append([st.st_size, st.st_mtime_ns])
    return out


def load(exp: Experiment) -> dict[str, Any]:
    try:
        with open(path_of(exp), encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("runs"), dict):
        return {}
    return data["runs"]


def fresh(entries: dict[str, Any], run_dir: Path) -> tuple[dict[str, Any] | None, list[list[int] | None]]:
    """The run's cached facts if its files have not changed since, and the stamp taken now."""
    now = stamp(run_dir)
    entry = entries.get(run_dir.name)
    if entry is not None and entry.get("stamp") == now:
        return entry["facts"], now
    return None, now


def entry(facts: dict[str, Any], now: list[list[int] | None], review: Any = None) -> dict[str, Any]:
    info = facts["info"]
    data = facts.get("data") if isinstance(facts.get("data"), dict) else None
    return {"stamp": now, "facts": {
        "info": {k: info[k] for k in INFO_KEYS if k in info},
        "metrics": facts.get("metrics"),
        "config": facts.get("config") or {},
        "data": {"class_counts": data.get("class_counts")} if data else None,
        "review": review,
    }}


def review_state(run_dir: Path) -> str:
    """What `labrails runs` shows in its review column: passed, N blocker(s), - (none) or ? (unreadable)."""
    path = Path(run_dir) / "review.json"
    if not path.is_file():
        return "-"
    try:
        with open(path, encoding="utf-8") as fh:
            review = json.load(fh)
    except (OSError, ValueError):
        return "?"
    if not isinstance(review, dict):
        return "?"
    return "passed" if review.get("passed") else f"{len(review.get('blockers', []))} blocker(s)"


def save(exp: Experiment, entries: dict[str, Any]) -> None:
    """Replace the index atomically; a read-only experiment keeps working, only slower."""
    target = path_of(exp)
    tmp = target.with_name(f".{NAME}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"version": VERSION, "runs": entries}, fh, separators=(",", ":"), default=str)
        os.replace(tmp, target)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
