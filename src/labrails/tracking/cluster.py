"""A run inside a SLURM job: which job and node it is (recorded in run.json), and how the job ended.

``start_run`` calls :func:`scheduler_fields` (run.json's ``slurm`` block: job id, array job and task,
node, partition, restart count) and :func:`watch` (SIGUSR2, which SLURM sends before a time limit or a
preemption when the job asked with ``--signal=USR2@...``, as submitit's jobs do: the run records
``failed: Preempted`` and stops, so its requeued or re-submitted twin resumes from its checkpoint).

A job cancelled with ``scancel`` gets SIGTERM, then SIGKILL after KillWait: a run killed before it could
record its end is marked failed afterwards, with the signal or the scheduler's state as the reason, by
:func:`record_ending` (called by the sweep, which sees the job end, and by the job's own wrapper).
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from labrails.core.errors import LabrailsError
from labrails.core.registry import Registry
from labrails.core.runinfo import now_iso, read_run_json, record_outcome, registry_row, write_run_json

if TYPE_CHECKING:
    from typing import Any

ENDED_TYPE = "SlurmJobEnded"      # error type of an ending recorded from outside the run
INFERRED = ("Crashed",)           # error types guessed from a dead pid: a known ending replaces them


class Preempted(BaseException):
    """SIGUSR2 from SLURM: the job is near its time limit or being preempted. A BaseException, so a
    training loop's ``except Exception`` does not swallow it; ``with run:`` records it and re-raises."""


def slurm_job(environ: dict[str, str] | None = None) -> dict[str, Any] | None:
    """This process's SLURM job from its environment, or None outside SLURM."""
    env = os.environ if environ is None else environ
    raw = env.get("SLURM_JOB_ID") or env.get("SLURM_JOBID")
    if not raw:
        return None
    array, task = env.get("SLURM_ARRAY_JOB_ID"), env.get("SLURM_ARRAY_TASK_ID")
    return {
        "job_id": f"{array}_{task}" if array and task else raw,   # what squeue and scancel show
        "array_job_id": array,
        "array_task_id": int(task) if task and task.isdigit() else None,
        "node": env.get("SLURMD_NODENAME"),
        "partition": env.get("SLURM_JOB_PARTITION"),
        "cluster": env.get("SLURM_CLUSTER_NAME"),
        "restart_count": int(env.get("SLURM_RESTART_COUNT") or 0),
    }


def scheduler_fields() -> dict[str, Any]:
    """What run.json records about the scheduler: ``{"slurm": {...}}`` inside a SLURM job, else nothing."""
    job = slurm_job()
    return {"slurm": job} if job else {}


def job_label(info: dict[str, Any]) -> str:
    """``12_1@node03`` for a run made by a SLURM job, ``""`` otherwise (the column of `labrails runs`)."""
    job = info.get("slurm") or {}
    if not job.get("job_id"):
        return ""
    return f"{job['job_id']}@{job['node']}" if job.get("node") else str(job["job_id"])


def watch(run: Any) -> None:
    """Inside SLURM, turn SIGUSR2 into :class:`Preempted` in the run's main thread (when nothing else handles it)."""
    if "slurm" not in run.info or threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGUSR2) not in (signal.SIG_DFL, None):
        return  # the script handles it itself

    def handler(signum, frame):
        job = run.info["slurm"]
        raise Preempted(f"SIGUSR2 from SLURM job {job['job_id']} on {job.get('node')}: the job is near its time "
                        "limit or being preempted; a requeued or re-submitted run resumes from checkpoints/last.pt")

    signal.signal(signal.SIGUSR2, handler)


def record_ending(run_dir: Path, reason: str) -> bool:
    """Mark a run that did not record its own end (still 'running', or 'crashed' only because its pid is
    gone) as failed with ``reason``; a run that recorded its end keeps it. True when it was marked."""
    run_dir = Path(run_dir)
    try:
        info = read_run_json(run_dir)
    except LabrailsError:
        return False
    inferred = info.get("status") == "crashed" and (info.get("error") or {}).get("type") in INFERRED
    if info.get("status") != "running" and not inferred:
        return False
    info.update(status="failed", finished_at=info.get("finished_at") or now_iso(),
                error={"type": ENDED_TYPE, "message": reason})
    try:  # the run's own last word, where it has one, says the same
        record_outcome(run_dir, "failed", info["error"])
    except OSError:
        pass
    write_run_json(run_dir, info, final=True)
    Registry(run_dir.parent.parent / ".labrails").update(info["run"], **registry_row(info))
    return True


def signal_reason(exit_code: int | None, job: dict[str, Any] | None) -> str | None:
    """The ending of a script that a signal killed (exit code -N), in words; None when no signal did."""
    if exit_code is None or exit_code >= 0:
        return None
    try:
        name = signal.Signals(-exit_code).name
    except ValueError:
        name = f"signal {-exit_code}"
    where = f" in SLURM job {job['job_id']} on {job.get('node')}" if job else ""
    return f"killed by {name}{where} before the run recorded its end (scancel sends SIGTERM, then SIGKILL after KillWait)"


def earlier_attempts(root: Path, job_id: str) -> list[Path]:
    """Runs made by an earlier attempt of this same SLURM job (a requeue keeps the job id) that never ended."""
    runs = Path(root) / "runs"
    found = []
    for run_dir in sorted(runs.iterdir()) if runs.is_dir() else ():
        try:
            info = read_run_json(run_dir)
        except LabrailsError:
            continue
        if (info.get("slurm") or {}).get("job_id") == job_id and info.get("status") in ("running", "crashed"):
            found.append(run_dir)
    return found
