"""The sweep's own record: ``sweeps/<timestamp>-<suite>/sweep.json`` plus one console log per job.

The runs hold the results; this file holds what only the sweep knows: the plan, which jobs it skipped
and why, jobs that failed before their script could create a run, and whether it was interrupted.
It is rewritten atomically after every job, so a sweep killed at any point leaves a readable record.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from labrails.core.fsutil import write_json
from labrails.core.naming import run_dir_name
from labrails.core.runinfo import now_iso
from labrails.sweep.plan import Job, Plan

SWEEPS_DIR = "sweeps"


class SweepRecord:
    def __init__(self, directory: Path, data: dict[str, Any]):
        self.dir = directory
        self.data = data

    @classmethod
    def create(cls, plan: Plan, options: dict[str, Any]) -> "SweepRecord":
        base = plan.experiment.root / SWEEPS_DIR
        base.mkdir(parents=True, exist_ok=True)
        stem = run_dir_name(plan.suite.name)
        for attempt in range(1, 1000):  # two sweeps started in the same second get -2, -3, ...
            directory = base / (stem if attempt == 1 else f"{stem}-{attempt}")
            try:
                directory.mkdir()
                break
            except FileExistsError:
                continue
        (directory / "jobs").mkdir()
        suite_path = plan.suite.path.resolve()
        data = {
            "suite": plan.suite.name,
            "suite_file": str(suite_path),
            "suite_sha256": hashlib.sha256(suite_path.read_bytes()).hexdigest(),
            "configs": [str(p) for p in plan.suite.sources],   # the saved configurations a --configs sweep re-runs
            "experiment": str(plan.experiment.root),
            "script": plan.script.name,
            "profile": plan.profile,
            "seeds": list(plan.seeds),
            "code_version": plan.code_version,
            "options": options,
            "status": "running",
            "started_at": now_iso(),
            "started_ts": time.time(),
            "finished_at": None,
            "jobs": [_job_row(job) for job in plan.jobs],
        }
        record = cls(directory, data)
        record.save()
        return record

    def log_path(self, job: Job) -> Path:
        return self.dir / "jobs" / f"{job.run_name}.log"

    def update(self, outcome: dict[str, Any]) -> None:
        for row in self.data["jobs"]:
            if row["run_name"] == outcome["run_name"]:
                row["outcome"] = outcome
        self.save()

    def finish(self, status: str) -> None:
        self.data.update(status=status, finished_at=now_iso(), duration_s=round(time.time() - self.data["started_ts"], 1))
        self.save()

    def save(self) -> None:
        write_json(self.dir / "sweep.json", self.data)


def _job_row(job: Job) -> dict[str, Any]:
    return {
        "run_name": job.run_name, "config": job.config, "seed": job.seed, "identity": job.identity,
        "overrides": job.overrides, "planned": job.action, "existing_run": job.existing,
        "depends_on": list(job.depends_on), "outcome": None,
    }


def submitted(record: SweepRecord, job: Job, job_id: str | None) -> None:
    """Note the scheduler's id of a job as soon as it is submitted, so a later ``--resume`` can ask about it."""
    for row in record.data["jobs"]:
        if row["run_name"] == job.run_name:
            row["job_id"] = job_id
    record.save()


def latest(root: Path, suite: str | None = None) -> tuple[Path, dict[str, Any]]:
    """The newest sweep record of the experiment (of the suite named ``suite``), for ``labrails sweep --resume``."""
    from labrails.core.errors import LabrailsError
    from labrails.core.fsutil import read_json

    found: list[tuple[float, Path, dict[str, Any]]] = []
    for path in (Path(root) / SWEEPS_DIR).glob("*/sweep.json"):
        try:
            data = read_json(path)
        except (OSError, ValueError):
            continue
        if suite is None or data.get("suite") == suite:
            found.append((float(data.get("started_ts") or 0), path.parent, data))
    if not found:
        raise LabrailsError(f"no earlier sweep{' of ' + suite if suite else ''} to resume in {root}",
                            path=Path(root) / SWEEPS_DIR, fix="start it: labrails sweep SUITE (same options as you would resume with)")
    _, directory, data = max(found, key=lambda item: item[0])
    return directory, data


def settle_earlier_jobs(directory: Path, data: dict[str, Any]) -> list[str]:
    """Before resuming: every SLURM job of the earlier sweep must have left the queue, and a run whose job
    ended without recording it (cancelled, timed out, node lost) is marked failed with the scheduler's reason.
    Returns the runs so marked; raises while earlier jobs are still pending or running."""
    from labrails.core.errors import LabrailsError
    from labrails.core.runinfo import read_run_json
    from labrails.sweep import slurm
    from labrails.tracking.cluster import record_ending

    ids = {row["job_id"]: row for row in data.get("jobs", []) if row.get("job_id") and data.get("options", {}).get("cluster") == "slurm"}
    if not ids:
        return []
    states = slurm.query({job_id.split("_")[0] for job_id in ids})
    busy = [f"{job_id} ({states[job_id][0].lower()})" for job_id in ids if job_id in states and not slurm.finished(states[job_id][0])]
    if busy:
        raise LabrailsError(f"jobs of the earlier sweep are still in the queue: {', '.join(sorted(busy))}",
                            path=directory / "sweep.json", fix="wait for them (squeue) or cancel them (scancel ID), then resume")
    marked = []
    runs = Path(data["experiment"]) / "runs"
    for run_dir in sorted(runs.iterdir()) if runs.is_dir() else ():
        try:
            job_id = (read_run_json(run_dir).get("slurm") or {}).get("job_id")
        except LabrailsError:
            continue
        if job_id in ids and job_id in states and record_ending(run_dir, slurm.ending(job_id, states[job_id][0])):
            marked.append(run_dir.name)
    return marked
