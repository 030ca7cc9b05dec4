"""One job of a sweep: run the script for one configuration and seed, find the run it made, review it.

It runs where the launcher puts it: in a thread of the sweep (local) or in a submitit worker (a local
process or a SLURM node), so it takes and returns plain data and never raises for a failed run: the
outcome says what happened. The script is launched exactly as a researcher would launch it,
``python train.py full-baseline-seed42``, with the job's overrides in ``LABRAILS_OVERRIDES``; the run
itself records everything (run.json, metrics, logs), so a crash here loses nothing the run wrote.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

from labrails.core.errors import LabrailsError
from labrails.core.registry import Registry
from labrails.core.runinfo import current_status, read_run_json
from labrails.sweep.plan import Job
from labrails.tracking.run import OVERRIDES_ENV

FINAL = ("completed", "failed", "crashed")
INTERRUPT_GRACE_S = 30.0   # how long a run gets to record its outcome after Ctrl-C before it is killed


def run_job(job: Job, *, experiment_root: str, script: str, log_path: str,
            on_start: Callable[[subprocess.Popen], None] | None = None) -> dict[str, Any]:
    """Run ``job`` to its end and return its outcome (see ``collect``)."""
    root = Path(experiment_root)
    log = Path(log_path)
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, OVERRIDES_ENV: json.dumps(job.overrides)}
    command = [sys.executable, str(script), job.run_name]
    started = time.time()
    with open(log, "ab") as out:
        out.write(f"$ cd {shlex.quote(str(root))} && {OVERRIDES_ENV}={shlex.quote(env[OVERRIDES_ENV])} {shlex.join(command)}\n".encode())
        out.flush()
        # Its own session: a Ctrl-C at the terminal reaches only the sweep, which passes it on exactly once
        # (a second one could cut short the run recording its end); a killed sweep leaves its runs going.
        proc = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        if on_start is not None:
            on_start(proc)
        try:
            code = proc.wait()
        except KeyboardInterrupt:
            # In a submitit worker a cancel arrives here; the run must still get to record its end.
            code = stop(proc)
    return collect(job, root, since=started, exit_code=code, log_path=log, pid=proc.pid)


def stop(proc: subprocess.Popen, grace_s: float = INTERRUPT_GRACE_S) -> int:
    """Ctrl-C the run (it records 'failed: interrupted'), then kill it if it does not end in time."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def find_run(root: Path, run_name: str, *, since: float, pid: int | None = None) -> Path | None:
    """The newest run directory named ``run_name`` that started at or after ``since`` (in process ``pid``
    when known: a twin started by another sweep at the same moment is not ours)."""

    runs = Path(root) / "runs"
    best: tuple[float, Path] | None = None
    for candidate in runs.glob(f"*-{run_name}*") if runs.is_dir() else ():
        try:
            info = read_run_json(candidate)
        except LabrailsError:
            continue
        started = float(info.get("started_ts") or 0)
        ours = info.get("descriptive_name") == run_name and started >= since - 1 and (pid is None or info.get("pid") == pid)
        if ours and (best is None or started > best[0]):
            best = (started, candidate)
    return best[1] if best else None


def collect(job: Job, root: Path, *, since: float, exit_code: int | None, log_path: Path | None,
            error: str | None = None, pid: int | None = None) -> dict[str, Any]:
    """The outcome of a finished job, read from the run it made (run.json is the truth).

    status: completed | failed | crashed (the run's own status), skipped (an identical run completed
    meanwhile), or failed without a run (the script stopped before creating one: see error and log).
    """
    outcome = _blank(job, since=since, exit_code=exit_code, log_path=log_path, error=error)
    run_dir = find_run(root, job.run_name, since=since, pid=pid)
    if run_dir is not None:
        return _read_run(outcome, job, run_dir)
    earlier = _completed_elsewhere(root, job) if exit_code == 0 else None
    if earlier is not None:
        outcome.update(status="skipped", run=earlier.name)
        return outcome
    outcome["error"] = error or f"exited {exit_code} before creating a run directory: {_tail(log_path) or 'no output'}"
    return outcome


def existing_outcome(job: Job, root: Path, run_name: str, *, skipped: bool) -> dict[str, Any]:
    """The outcome of a run the sweep did not launch: completed before (skipped), or waited for."""
    outcome = _read_run(_blank(job, since=None, exit_code=None, log_path=None), job, Path(root) / "runs" / run_name)
    if skipped:
        outcome["status"] = "skipped"
    return outcome


def _blank(job: Job, *, since: float | None, exit_code: int | None, log_path: Path | None,
           error: str | None = None) -> dict[str, Any]:
    return {
        "run_name": job.run_name, "config": job.config, "seed": job.seed, "status": "failed", "run": None,
        "identity": job.identity, "exit_code": exit_code, "started_ts": since, "ended_ts": time.time() if since else None,
        "metrics": {}, "review": None, "error": error, "log": str(log_path) if log_path else None,
    }


def _read_run(outcome: dict[str, Any], job: Job, run_dir: Path) -> dict[str, Any]:
    info = current_status(run_dir)
    outcome.update(status=info.get("status"), run=run_dir.name, identity=info.get("identity"))
    if info.get("identity") != job.identity:
        outcome["note"] = (f"the run's identity {info.get('identity')} differs from the planned {job.identity}: "
                           "the code or config.yaml changed during the sweep")
    if info.get("error"):
        outcome["error"] = f"{info['error'].get('type')}: {info['error'].get('message')}"
    if (run_dir / "metrics.json").is_file():
        try:
            outcome["metrics"] = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    if outcome["status"] in FINAL:
        outcome["review"] = review_of(run_dir)
    return outcome


def review_of(run_dir: Path) -> dict[str, Any] | None:
    """The run's review: the one the script wrote, else made now (train -> eval -> review, every job)."""
    path = run_dir / "review.json"
    try:
        if not path.is_file():
            from labrails.review import review_run

            review_run(run_dir)
        data = json.loads(path.read_text(encoding="utf-8"))
    except Exception as exc:  # a review that cannot be made must not turn a finished run into a lost one
        return {"passed": False, "headline": f"review failed: {type(exc).__name__}: {exc}"}
    return {"passed": bool(data.get("passed")), "headline": data.get("headline")}


def _completed_elsewhere(root: Path, job: Job) -> Path | None:
    for row in Registry(Path(root) / ".labrails").find(identity=job.identity, status=["completed"]):
        if (Path(root) / "runs" / row["run"]).is_dir():
            return Path(root) / "runs" / row["run"]
    return None


def _tail(log_path: Path | None, lines: int = 3) -> str:
    if log_path is None or not Path(log_path).is_file():
        return ""
    text = Path(log_path).read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return " | ".join(line.strip() for line in text[-lines:])
