"""run.json: a run's identity, status, times, process and heartbeat."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path

from labrails.core.errors import LabrailsError
from labrails.core.fsutil import read_json, write_json
from labrails.core.liveness import is_crashed

SCHEMA_VERSION = 1
STATUSES = ("running", "completed", "failed", "crashed")


def now_iso() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def read_run_json(run_dir: Path) -> dict[str, Any]:
    path = Path(run_dir) / "run.json"
    try:
        data = read_json(path)
    except FileNotFoundError:
        raise LabrailsError("run.json is missing", path=path, fix="is this a run directory? list runs with `labrails runs`") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise LabrailsError(f"run.json is unreadable ({exc})", path=path, fix="restore it from the registry or remove the run from reports with `labrails ignore`") from None
    if not isinstance(data, dict) or "status" not in data:
        raise LabrailsError("run.json has no 'status'", path=path, fix="it was not written by labrails; ignore this run with `labrails ignore`")
    return data


def write_run_json(run_dir: Path, info: dict[str, Any]) -> None:
    write_json(Path(run_dir) / "run.json", info)


def registry_row(info: dict[str, Any]) -> dict[str, Any]:
    keys = ("run", "identity", "profile", "status", "started_at", "finished_at", "duration_s", "pid", "host",
            "started_ts", "heartbeat_ts", "code_version", "config_file_sha256", "budget_seconds", "primary_metric")
    row = {k: info.get(k) for k in keys}
    if info.get("error"):
        row["error"] = (info["error"].get("type"), info["error"].get("message"))
    return row


def mark_crashed_if_dead(run_dir: Path) -> bool:
    try:
        info = read_run_json(run_dir)
    except LabrailsError:
        return False
    if not is_crashed(info):
        return False
    info["status"] = "crashed"
    info["finished_at"] = info.get("finished_at") or now_iso()
    info["error"] = info.get("error") or {
        "type": "Crashed",
        "message": f"process {info.get('pid')} on {info.get('host')} ended without recording an outcome "
        f"(last heartbeat {info.get('heartbeat_at')})",
    }
    write_run_json(run_dir, info)
    return True


def current_status(run_dir: Path) -> dict[str, Any]:
    """run.json with a dead 'running' process already turned into 'crashed'."""
    mark_crashed_if_dead(run_dir)
    return read_run_json(run_dir)


def duration(info: dict[str, Any]) -> float | None:
    if info.get("duration_s") is not None:
        return float(info["duration_s"])
    if info.get("status") == "running" and info.get("started_ts"):
        return time.time() - float(info["started_ts"])
    return None
