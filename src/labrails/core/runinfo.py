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
from labrails.core.liveness import is_crashed, pid_alive
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


def write_run_json(run_dir: Path, info: dict[str, Any], *, final: bool = False) -> None:
    """Replace run.json; a run directory that no longer exists is not recreated (FileNotFoundError).
    ``final``: the run's outcome, made durable; the writes while it runs are rewritten later, so are not."""
    write_json(Path(run_dir) / "run.json", info, make_parents=False, fsync=final)


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


OUTCOME = ".outcome.json"  # a small pre-allocated file: the last word of a run when the disk is full
OUTCOME_BYTES = 4096


def _padded(record: dict[str, Any]) -> bytes:
    data = json.dumps(record, default=str).encode("utf-8")
    if len(data) > OUTCOME_BYTES - 1 and record.get("error"):
        error = dict(record["error"])
        error["message"] = str(error.get("message", ""))[: OUTCOME_BYTES // 2]
        error.pop("traceback", None)
        data = json.dumps({**record, "error": error}, default=str).encode("utf-8")[: OUTCOME_BYTES - 1]
    return data.ljust(OUTCOME_BYTES - 1) + b"\n"


def preallocate_outcome(run_dir: Path) -> None:
    """Reserve the run's last word now, while there is space: later writes overwrite these same blocks."""
    path = os.path.join(str(run_dir), OUTCOME)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:  # not fsynced: the blocks are reserved by the write; the content is rewritten at the end
        os.write(fd, _padded({"status": "running"}))
    finally:
        os.close(fd)


def record_outcome(run_dir: Path, status: str, error: dict[str, Any] | None = None, **facts: Any) -> None:
    """Overwrite the pre-allocated outcome in place (needs no new disk space); raises OSError if it cannot."""
    path = os.path.join(str(run_dir), OUTCOME)
    record = {"status": status, "recorded_at": now_iso(), **facts}
    if error:
        record["error"] = {k: error.get(k) for k in ("type", "message")}
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, _padded(record), 0)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_outcome(run_dir: Path) -> dict[str, Any] | None:
    try:
        with open(os.path.join(str(run_dir), OUTCOME), encoding="utf-8") as fh:
            data = json.loads(fh.read())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _crash_error(info: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "Crashed",
        "message": f"process {info.get('pid')} on {info.get('host')} ended without recording an outcome "
        f"(last heartbeat {info.get('heartbeat_at') or info.get('started_at')})",
    }


def observed(run_dir: Path, info: dict[str, Any]) -> dict[str, Any]:
    """``info`` (a run.json) as the run stands now, without writing anything.

    A 'running' run whose outcome file holds a final status (written when run.json could not be) takes it;
    one whose process is gone is 'crashed'.
    """
    if info.get("status") != "running":
        return info
    outcome = read_outcome(run_dir)
    if outcome and outcome.get("status") in ("completed", "failed", "crashed"):
        return {**info, "status": outcome["status"], "error": info.get("error") or outcome.get("error"),
                "finished_at": info.get("finished_at") or outcome.get("recorded_at")}
    if is_crashed(info):
        return {**info, "status": "crashed", "finished_at": info.get("finished_at"),
                "error": info.get("error") or _crash_error(info)}
    return info


def observed_status(run_dir: Path | str, row: Mapping[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """(status, error) of a run as its files and its process show it now; ``row`` stands in for a missing run.json."""
    try:
        info = read_run_json(Path(run_dir))
    except LabrailsError:
        if row.get("status") == "running" and row_is_dead(row, None):
            return "crashed", {"type": "Crashed", "message": f"process {row.get('pid')} on {row.get('host')} "
                               "ended before its run.json was written"}
        return str(row.get("status")), None
    now = observed(Path(run_dir), info)
    return str(now.get("status")), (now.get("error") if now.get("status") != "completed" else None)


def row_is_dead(row: Mapping[str, Any], run_dir: Path | str | None) -> bool:
    """Is the process of a 'running' registry row gone? Same host: its pid; other host: its heartbeat."""
    if row.get("host") == socket.gethostname():
        return not pid_alive(row.get("pid"))
    info: Mapping[str, Any] = row
    if run_dir is not None:
        try:
            info = read_run_json(Path(run_dir))
        except LabrailsError:
            pass
    return info.get("status") != "running" or is_crashed(info)


def shown_status(row: Mapping[str, Any] | None, files_status: str) -> str:
    """The status to believe, given the registry row and what the run's files say now.

    The files may report a failure or a crash, never a success the registry did not record: a run whose
    files say completed is 'unverified' without a row, and as its row says otherwise (a 'running' row whose
    process is gone: 'crashed').
    """
    if row is None:
        return "unverified" if files_status == "completed" else files_status
    status = str(row.get("status"))
    if status != "running":
        return status
    if files_status != "completed":
        return files_status
    return "crashed" if row_is_dead(row, None) else "running"


def rebuilt_row(info: dict[str, Any], old: Mapping[str, Any] | None, run_dir: Path) -> dict[str, Any]:
    """A run's registry row rebuilt from its run.json, keeping what the old row recorded (see registry)."""
    now = observed(run_dir, info)
    row = registry_row(now)
    if old:
        row.update(old)
    row["status"] = shown_status(old, str(now.get("status")))
    if row["status"] in ("failed", "crashed") and not row.get("error") and now.get("error"):
        row["error"] = (now["error"].get("type"), now["error"].get("message"))
    row.pop("missing_dir", None)
    return row


def scan_run_dirs(runs_dir: Path | str) -> dict[str, tuple[Path, dict[str, Any]]]:
    """Every run directory with a readable run.json: name -> (directory, run.json). Clears dead writers' temp files."""
    from labrails.core.fsutil import remove_stale_temps

    found: dict[str, tuple[Path, dict[str, Any]]] = {}
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        return found
    for run_dir in sorted(runs_dir.iterdir()):
        if not run_dir.is_dir():
            continue
        remove_stale_temps(run_dir)
        try:
            found[run_dir.name] = (run_dir, read_run_json(run_dir))
        except LabrailsError:
            continue
    return found


def mark_crashed_if_dead(run_dir: Path) -> bool:
    try:
        info = read_run_json(run_dir)
    except LabrailsError:
        return False
    now = observed(run_dir, info)
    if now is info:
        return False
    write_run_json(run_dir, now)
    return True


def current_status(run_dir: Path) -> dict[str, Any]:
    """run.json with a dead 'running' process already turned into 'crashed' (writes run.json when it was)."""
    mark_crashed_if_dead(run_dir)
    return read_run_json(run_dir)


def duration(info: dict[str, Any]) -> float | None:
    if info.get("duration_s") is not None:
        return float(info["duration_s"])
    if info.get("status") == "running" and info.get("started_ts"):
        return time.time() - float(info["started_ts"])
    return None
