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
