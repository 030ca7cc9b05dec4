"""Override values that name other runs (``runs/*-full-baseline-seed{seed}``), and what they depend on.

A configuration may read what an earlier one produced: cartography reads the baseline's training
dynamics. Such a value is a path or glob under ``runs/``; the script resolves it to the newest match.
The sweep works out, before anything runs, which earlier jobs each value will match, so it can refuse
a reference to nothing (or to a configuration that runs later), and run a job only once the runs it
reads have completed.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

# Any real run directory name has this shape; used to ask "would this job's directory match?"
_EXAMPLE_STAMP = "2000-01-01T00-00-00"


def run_pattern(value: Any) -> str | None:
    """The run-directory part of a value under runs/ (``runs/*-x/logs/a.jsonl`` -> ``*-x``), else None."""
    if not isinstance(value, str):
        return None
    parts = Path(value).parts
    if len(parts) < 2 or parts[0] != "runs":
        return None
    return parts[1]


def would_match(pattern: str, run_name: str) -> bool:
    """Whether the directory a run named ``run_name`` will get matches ``pattern``."""
    return fnmatch.fnmatchcase(f"{_EXAMPLE_STAMP}-{run_name}", pattern)


def existing_matches(root: Path, pattern: str) -> list[Path]:
    """Run directories matching ``pattern``, oldest first (names start with their timestamp)."""
    runs = Path(root) / "runs"
    if not runs.is_dir():
        return []
    return sorted(p for p in runs.glob(pattern) if p.is_dir() and (p / "run.json").is_file())


def newest_match(root: Path, value: str) -> Path | None:
    """The run directory the script will read for ``value``: the newest match, as the scaffold picks it."""
    pattern = run_pattern(value)
    if pattern is None:
        return None
    matches = existing_matches(root, pattern)
    return matches[-1] if matches else None


def references(overrides: dict[str, Any]) -> dict[str, str]:
    """``{key: value}`` for the override values that name runs."""
    return {key: value for key, value in overrides.items() if run_pattern(value) is not None}
