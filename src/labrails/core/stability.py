"""runs.yaml: is a run safe to trust and to run unwatched?

The registry records what ran; this log records a human (or agent) judgement about it, with the code
version, date and environment it was made under, because a run stable on one GPU or library version can
break on another. Entries are appended; the latest entry for a run is its current status.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from labrails.core.errors import LabrailsError
from labrails.core.experiment import Experiment
from labrails.core.fsutil import append_line, locked, read_json

STATUSES = ("stable", "unstable", "investigating")


def record(exp: Experiment, run_dir: Path, status: str, *, note: str = "", now: datetime | None = None) -> dict[str, Any]:
    import yaml

    if status not in STATUSES:
        raise LabrailsError(f"unknown stability status '{status}'", fix=f"use one of: {', '.join(STATUSES)}")
    info = read_json(run_dir / "run.json")
    env = read_json(run_dir / "env.json") if (run_dir / "env.json").is_file() else {}
    metrics = read_json(run_dir / "metrics.json") if (run_dir / "metrics.json").is_file() else {}
    entry = {
        "id": info.get("identity"),
        "run": info.get("run"),
        "profile": info.get("profile"),
        "status": status,
        "git_commit": (info.get("git_commit") or "")[:7] or info.get("code_version"),
        "date": (now or datetime.now()).strftime("%Y-%m-%d %H:%M"),
        "env": {
            "host": env.get("host"),
            "python": env.get("python"),
            "gpus": env.get("gpus") or "cpu",
            "cuda": env.get("cuda"),
            **{k: v for k, v in (env.get("packages") or {}).items() if k in ("torch", "vllm", "transformers", "jax")},
        },
        "notes": " ".join(note.split()),
        "metrics": {k: v for k, v in metrics.items() if isinstance(v, (int, float))},
    }
    text = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True).rstrip("\n")
    with locked(exp.state / "journal.lock"):
        append_line(exp.stability_log, text)
    return entry


def entries(exp: Experiment) -> list[dict[str, Any]]:
    import yaml

    if not exp.stability_log.is_file():
        return []
    data = yaml.safe_load(exp.stability_log.read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise LabrailsError("runs.yaml must be a list of entries", path=exp.stability_log, fix="each entry starts with '- id: ...'")
    return data


def latest(exp: Experiment) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for entry in entries(exp):
        if isinstance(entry, dict) and entry.get("run"):
            out[entry["run"]] = entry
    return out
