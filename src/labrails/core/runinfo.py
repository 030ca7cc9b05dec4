"""run.json: a run's identity, status, times, process and heartbeat; its shape and its registry row."""

from __future__ import annotations

import json
import os
import socket
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from labrails.core.errors import LabrailsError
from labrails.core.fsutil import read_json, write_json
from labrails.core.liveness import is_crashed
from labrails.core.schema import BOOL, INT, LIST, MAP, NULL, NUMBER, TEXT, Key, Map, validate

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

SCHEMA_VERSION = 1
STATUSES = ("running", "completed", "failed", "crashed")

ERROR = Map(Key("type", TEXT), Key("message", TEXT), Key("traceback", TEXT))
RUN_JSON = Map(
    # written when the run starts (new_run_record), in this order
    Key("schema_version", INT, required=True),
    Key("run", (TEXT, NULL), required=True),        # the directory name, set once it is claimed
    Key("descriptive_name", TEXT, required=True),
    Key("experiment", TEXT, required=True),
    Key("profile", TEXT, required=True),
    Key("identity", TEXT, required=True),           # {config_hash[:8]}_{code_version}
    Key("config_hash", TEXT, required=True),
    Key("config_file_sha256", TEXT, required=True),
    Key("code_version", TEXT, required=True),
    Key("git_commit", (TEXT, NULL), required=True),
    Key("status", TEXT, required=True, choices=STATUSES),
    Key("started_at", TEXT, required=True),
    Key("started_ts", NUMBER, required=True),
    Key("heartbeat_at", TEXT, required=True),
    Key("heartbeat_ts", NUMBER, required=True),
    Key("finished_at", (TEXT, NULL), required=True),
    Key("duration_s", (NUMBER, NULL), required=True),
    Key("budget_seconds", (NUMBER, NULL), required=True),
    Key("pid", INT, required=True),
    Key("host", TEXT, required=True),
    Key("script", (TEXT, NULL), required=True),
    Key("overrides", (MAP, NULL), required=True),
    Key("forced", BOOL, required=True),
    Key("name_changes", LIST, required=True),
    Key("error", (MAP, NULL), required=True, schema=ERROR),
    # added while the run goes on
    Key("total_steps", INT),
    Key("first_step_s", NUMBER),
    Key("eta_at_step1_s", NUMBER),
    Key("initial_loss", MAP),
    Key("metric_meanings", MAP),
    Key("synthetic_data", BOOL),
    Key("primary_metric", MAP),
    Key("over_budget", BOOL),
    extra=True,  # a script may record its own facts in run.info
)
# The registry keeps these of run.json (plus the error's type and message) for every run.
REGISTRY_KEYS = ("run", "identity", "profile", "status", "started_at", "finished_at", "duration_s", "pid", "host",
                 "started_ts", "heartbeat_ts", "code_version", "config_file_sha256", "budget_seconds", "primary_metric")


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


def new_run_record(*, descriptive_name: str, experiment: str, profile: str, identity: str, config_hash: str,
                   config_file_sha256: str, code_version: str, git_commit: str | None, budget_seconds: float | None,
                   script: str | None, overrides: Mapping[str, Any] | None, forced: bool,
                   name_changes: list[str]) -> dict[str, Any]:
    """The run.json of a run starting now in this process (status running, no directory claimed yet)."""
    started = time.time()
    stamp = now_iso()
    info = {
        "schema_version": SCHEMA_VERSION,
        "run": None,
        "descriptive_name": descriptive_name,
        "experiment": experiment,
        "profile": profile,
        "identity": identity,
        "config_hash": config_hash,
        "config_file_sha256": config_file_sha256,
        "code_version": code_version,
        "git_commit": git_commit,
        "status": "running",
        "started_at": stamp,
        "started_ts": started,
        "heartbeat_at": stamp,
        "heartbeat_ts": started,
        "finished_at": None,
        "duration_s": None,
        "budget_seconds": budget_seconds,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "script": script,
        "overrides": dict(overrides) if overrides else None,
        "forced": bool(forced),
        "name_changes": list(name_changes),
        "error": None,
    }
    return validate(info, RUN_JSON, path="run.json", fix="this is a bug in labrails: please report it")


def registry_row(info: dict[str, Any]) -> dict[str, Any]:
    row = {k: info.get(k) for k in REGISTRY_KEYS}
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
