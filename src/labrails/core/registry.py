"""The run registry: one row per run, keyed by run name, under a file lock.

It answers "has this exact run (same config, same code) already completed?" without scanning every run
directory, and it is what the guard reads. Each run's own run.json stays the source of truth: the registry
can always be rebuilt from the run directories (``labrails runs --rebuild``). Rows are only ever added or
updated, never dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from labrails.core.errors import LabrailsError, RunAlreadyCompleted
from labrails.core.fsutil import locked, read_json, write_json
from labrails.core.runinfo import mark_crashed_if_dead, read_run_json, registry_row

VERSION = 1
FINAL = ("completed", "failed", "crashed")


def registry_path(state: Path) -> Path:
    return Path(state) / "registry.json"


def lock_path(state: Path) -> Path:
    return Path(state) / "registry.lock"


def _empty() -> dict[str, Any]:
    return {"version": VERSION, "runs": {}}


def read_registry(state: Path) -> dict[str, Any]:
    """Read without the lock (a reader sees a complete file thanks to atomic replace)."""
    path = registry_path(state)
    if not path.is_file():
        return _empty()
    try:
        data = read_json(path)
    except (OSError, json.JSONDecodeError) as exc:
        raise LabrailsError(
            f"registry is unreadable ({exc})", path=path, fix="rebuild it from the run directories: labrails runs --rebuild"
        ) from None
    return upgrade(data, path)


def upgrade(data: Any, path: Path) -> dict[str, Any]:
    """Bring older registry layouts up to VERSION; refuse newer ones rather than guess."""
    if isinstance(data, list):  # an early layout: a bare list of rows
        data = {"version": 1, "runs": {row["run"]: row for row in data if isinstance(row, dict) and "run" in row}}
    if not isinstance(data, dict) or "runs" not in data:
        raise LabrailsError("registry has an unknown layout", path=path, fix="labrails runs --rebuild")
    if data.get("version", 1) > VERSION:
        raise LabrailsError(
            f"registry version {data['version']} is newer than this labrails understands",
            path=path,
            fix="upgrade labrails (pip install -U labrails)",
        )
    data["version"] = VERSION
    return data


class Registry:
    def __init__(self, state: Path):
        self.state = Path(state)

    def rows(self) -> dict[str, dict[str, Any]]:
        return read_registry(self.state)["runs"]

    def _mutate(self, fn) -> Any:
        with locked(lock_path(self.state)):
            data = read_registry(self.state)
            result = fn(data["runs"])
            write_json(registry_path(self.state), data)
            return result

    def refresh(self, runs_dir: Path) -> dict[str, str]:
        """Bring 'running' rows up to date with their run.json, marking dead processes as crashed.

        Returns {run name: new status} for the rows that changed.
        """
        changed: dict[str, str] = {}
        for name, row in self.rows().items():
            if row.get("status") != "running":
                continue
            run_dir = Path(runs_dir) / name
            if not (run_dir / "run.json").is_file():
                continue
            mark_crashed_if_dead(run_dir)
            try:
                status = read_run_json(run_dir).get("status")
            except LabrailsError:
                continue
            if status != "running":
                changed[name] = status
        if changed:
            def apply(runs):
                for name, status in changed.items():
                    runs[name]["status"] = status
            self._mutate(apply)
        return changed

    def claim(self, create, *, identity: str, force: bool, runs_dir: Path) -> dict[str, Any]:
        """prepare() + start() of the lifecycle in one locked step.

        Refuses a run identical to one that completed (or is running), then calls ``create()``, which
        claims the run directory and returns the new row. Under the lock, so concurrent starts serialise.
        """
        self.refresh(runs_dir)

        def apply(runs):
            if not force:
                for other in runs.values():
                    if other.get("identity") != identity:
                        continue
                    earlier = Path(runs_dir) / other["run"]
                    if other.get("status") == "completed" and earlier.is_dir():
                        raise RunAlreadyCompleted(identity, earlier)
                    if other.get("status") == "running" and earlier.is_dir():
                        raise LabrailsError(
                            f"an identical run ({identity}) is running now: {earlier}",
                            fix="wait for it (tail -f its logs/train.log), or pass --force to run a second copy",
                        )
            row = create()
            runs[row["run"]] = row
            return row

        return self._mutate(apply)

    def update(self, run_name: str, /, **fields: Any) -> None:
        def apply(runs):
            runs.setdefault(run_name, {"run": run_name}).update(fields)

        self._mutate(apply)

    def find(self, *, identity: str | None = None, status: Iterable[str] | None = None) -> list[dict[str, Any]]:
        wanted = set(status) if status else None
        return [
            row
            for row in self.rows().values()
            if (identity is None or row.get("identity") == identity) and (wanted is None or row.get("status") in wanted)
        ]

    def rebuild(self, runs_dir: Path) -> int:
        """Recreate every row from the run directories' run.json (keeps rows whose directory is gone)."""
        found: dict[str, dict[str, Any]] = {}
        runs_dir = Path(runs_dir)
        if runs_dir.is_dir():
            for run_dir in sorted(runs_dir.iterdir()):
                if (run_dir / "run.json").is_file():
                    try:
                        found[run_dir.name] = registry_row(read_run_json(run_dir))
                    except LabrailsError:
                        continue

        def apply(runs):
            for name, row in found.items():
                runs[name] = row
            for name, row in runs.items():
                if name not in found:
                    row["missing_dir"] = True

        self._mutate(apply)
        return len(found)
