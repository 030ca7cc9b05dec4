"""Where a sweep's jobs run: here (``local``), or through submitit on this machine or a SLURM cluster.

Both launchers hand out handles with the same two methods, so the scheduler (labrails.sweep.runner)
is the same everywhere: ``poll()`` returns None while the job runs and its outcome dict once it ended;
``interrupt()`` asks the run to stop and record why. Every job runs ``labrails.sweep.job.run_job``.
"""

from __future__ import annotations

import math
import subprocess
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Mapping

from labrails.core.errors import LabrailsError, MissingDependency
from labrails.sweep.job import collect, run_job, stop
from labrails.sweep.plan import Job

LAUNCHERS = ("local", "submitit")
CLUSTERS = ("local", "slurm")


class LocalHandle:
    def __init__(self, future: Future, launcher: "LocalLauncher", job: Job):
        self.future, self.launcher, self.job = future, launcher, job

    def poll(self) -> dict[str, Any] | None:
        if not self.future.done():
            return None
        return self.future.result()

    def interrupt(self) -> None:
        proc = self.launcher.procs.get(self.job.run_name)
        if proc is not None and proc.poll() is None:
            threading.Thread(target=stop, args=(proc,), daemon=True).start()


class LocalLauncher:
    """Each job is a child process of the sweep, watched from a thread (at most ``max_parallel`` at once)."""

    name = "local"

    def __init__(self, *, root: Path, script: Path, max_parallel: int):
        self.root, self.script = root, script
        self.pool = ThreadPoolExecutor(max_workers=max_parallel, thread_name_prefix="labrails-sweep")
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, job: Job, log_path: Path) -> LocalHandle:
        def started(proc: subprocess.Popen) -> None:
            self.procs[job.run_name] = proc

        future = self.pool.submit(run_job, job, experiment_root=str(self.root), script=str(self.script),
                                  log_path=str(log_path), on_start=started)
        return LocalHandle(future, self, job)

    def close(self) -> None:
        self.pool.shutdown(wait=True)


class SubmititHandle:
    def __init__(self, sjob: Any, job: Job, root: Path, submitted: float, log_path: Path):
        self.sjob, self.job, self.root, self.submitted, self.log_path = sjob, job, root, submitted, log_path

    def poll(self) -> dict[str, Any] | None:
        if not self.sjob.done():
            return None
        try:
            outcome = self.sjob.result()
        except Exception as exc:  # the worker died (time limit, node failure): the run dir still tells the story
            reason = f"submitit job {self.sjob.job_id} ended without a result: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}"
            outcome = collect(self.job, self.root, since=self.submitted - 60, exit_code=None, log_path=self.log_path, error=reason)
        outcome["submitit_job_id"] = str(self.sjob.job_id)
        return outcome

    def interrupt(self) -> None:
        try:
            self.sjob.cancel(check=False)
        except Exception:  # noqa: BLE001 (already finished, or the scheduler is unreachable: nothing to cancel)
            pass


class SubmititLauncher:
    """Jobs go through submitit's AutoExecutor: ``cluster='local'`` runs them as local processes (what the
    tests exercise), ``cluster='slurm'`` submits them with sbatch, one SLURM job per run."""

    name = "submitit"

    def __init__(self, *, root: Path, script: Path, folder: Path, cluster: str, parameters: Mapping[str, Any]):
        submitit = _import_submitit()
        self.root, self.script, self.cluster = root, script, cluster
        try:
            self.executor = submitit.AutoExecutor(folder=str(folder / "%j"), cluster=cluster)
        except RuntimeError as exc:
            raise LabrailsError(f"submitit cannot use the '{cluster}' cluster here: {exc}",
                                fix="run the sweep on the cluster's login node, or use --cluster local to try it here") from None
        try:
            self.executor.update_parameters(**parameters)
        except (NameError, AssertionError, ValueError, TypeError) as exc:
            raise LabrailsError(f"submitit refuses the suite's slurm parameters: {exc}",
                                fix="fix the `slurm:` section of the suite file (see docs/sweeps.md)") from None

    def start(self, job: Job, log_path: Path) -> SubmititHandle:
        self.executor.update_parameters(name=job.run_name)
        submitted = time.time()
        sjob = self.executor.submit(run_job, job, experiment_root=str(self.root), script=str(self.script), log_path=str(log_path))
        return SubmititHandle(sjob, job, self.root, submitted, log_path)

    def close(self) -> None:
        pass


def _import_submitit():
    try:
        import submitit
    except ImportError:
        raise MissingDependency("submitit", "sweep") from None
    return submitit


def submitit_parameters(slurm: Mapping[str, Any], *, budget_seconds: float | None, path: Path | None = None) -> dict[str, Any]:
    """The suite's ``slurm:`` section as AutoExecutor parameters.

    Shared keys (timeout_min, mem_gb, cpus_per_task, gpus_per_node, nodes, tasks_per_node) pass as they
    are and apply to every cluster; SLURM-only keys may be written bare (``partition: gpu``) and get the
    ``slurm_`` prefix submitit wants. Without ``timeout_min`` a job gets twice the profile's budget, so
    neither SLURM nor submitit's local executor (whose own default is 2 minutes) kills a healthy run.
    """
    submitit = _import_submitit()
    shared = submitit.AutoExecutor._valid_parameters()
    slurm_only = submitit.SlurmExecutor._valid_parameters()
    params: dict[str, Any] = {}
    for key, value in slurm.items():
        if key in shared or (key.startswith("slurm_") and key[len("slurm_"):] in slurm_only):
            params[key] = value
        elif key in slurm_only:
            params[f"slurm_{key}"] = value
        else:
            raise LabrailsError(
                f"slurm.{key} is not a submitit parameter",
                path=path,
                fix=f"shared: {', '.join(sorted(shared))}; SLURM only: {', '.join(sorted(slurm_only))}",
            )
    if "timeout_min" not in params:
        params["timeout_min"] = max(10, math.ceil(2 * budget_seconds / 60)) if budget_seconds else 24 * 60
    return params
