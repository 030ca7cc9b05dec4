"""Where a sweep's jobs run: here (``local``), or through submitit on this machine or a SLURM cluster.

Both launchers hand out handles with the same two methods, so the scheduler (labrails.sweep.runner)
is the same everywhere: ``poll()`` returns None while the job runs and its outcome dict once it ended;
``interrupt()`` asks the run to stop and record why. Every job runs ``labrails.sweep.job.run_job``
(through :func:`cluster_job` with submitit). On SLURM a configuration's seeds go in as one job array
(``--array=0-N%array_parallelism``), and handles also say where a job stands (``progress()``) from sacct.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Mapping

from labrails.core.errors import LabrailsError, MissingDependency
from labrails.sweep import slurm
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


COMPLETED_GRACE_S = 15.0   # a COMPLETED job's result file may reach a shared filesystem a little later
RECORD_GRACE_S = 10.0      # how long a run whose job already ended gets to record its own end


class SubmititHandle:
    def __init__(self, sjob: Any, job: Job, root: Path, submitted: float, log_path: Path,
                 states: slurm.JobStates | None):
        self.sjob, self.job, self.root, self.submitted, self.log_path = sjob, job, root, submitted, log_path
        self.states = states            # None with submitit's local executor
        self.job_id = str(sjob.job_id)
        self.final_seen: float | None = None
        if states is not None:
            states.watch(self.job_id)

    def poll(self) -> dict[str, Any] | None:
        if self.states is None:
            return self._finish(self._result(), None, "") if self.sjob.done() else None
        state, node = self.states.get(self.job_id)
        if self.sjob.paths.result_pickle.exists():
            return self._finish(self._result(), state, node)
        if not slurm.finished(state):
            return None
        self.final_seen = self.final_seen or time.monotonic()
        if state == "COMPLETED" and time.monotonic() - self.final_seen < COMPLETED_GRACE_S:
            return None
        # Killed before it could write a result (scancel, time limit, node failure): the run dir tells the rest.
        return self._finish(self._collect(slurm.ending(self.job_id, state)), state, node)

    def progress(self) -> tuple[str, str] | None:
        """(pending | running | done | failed, "slurm job 12_1 on node03") while SLURM holds the job; None locally."""
        if self.states is None:
            return None
        state, node = self.states.get(self.job_id)
        return slurm.word(state), f"(slurm job {self.job_id}{' on ' + node if node else ''})"

    def interrupt(self) -> None:
        try:
            self.sjob.cancel(check=False)
        except Exception:  # noqa: BLE001 (already finished, or the scheduler is unreachable: nothing to cancel)
            pass

    def _result(self) -> dict[str, Any]:
        try:
            return self.sjob.result()
        except Exception as exc:  # the worker died (time limit, node failure): the run dir still tells the story
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return self._collect(f"submitit job {self.job_id} ended without a result: {first}")

    def _collect(self, error: str) -> dict[str, Any]:
        return collect(self.job, self.root, since=self.submitted - 60, exit_code=None, log_path=self.log_path, error=error)

    def _finish(self, outcome: dict[str, Any], state: str | None, node: str) -> dict[str, Any]:
        from labrails.tracking.cluster import record_ending

        run_dir = self.root / "runs" / outcome["run"] if outcome.get("run") else None
        deadline = time.monotonic() + RECORD_GRACE_S
        while run_dir is not None and outcome.get("status") == "running" and time.monotonic() < deadline:
            time.sleep(0.5)  # the job's wrapper ended first (a signal reached both): give the run time to record its end
            outcome = self._collect(outcome.get("error") or slurm.ending(self.job_id, state or "UNKNOWN"))
        ended = slurm.word(state) == "failed" if state else False
        if run_dir is not None and (ended or outcome.get("status") == "running"):
            reason = slurm.ending(self.job_id, state) if ended else (outcome.get("error") or f"submitit job {self.job_id} ended")
            if record_ending(run_dir, reason):
                outcome = self._collect(reason)
        if run_dir is not None:
            self._capture_logs(run_dir / "logs")
        outcome.update(submitit_job_id=self.job_id, slurm_state=state, node=node or None)
        return outcome

    def _capture_logs(self, logs: Path) -> None:
        """The job's console and its stdout/stderr as the scheduler wrote them, kept with the run."""
        copies = [(self.log_path, logs / "job.log"), (self.sjob.paths.stdout, logs / f"slurm-{self.job_id}.out"),
                  (self.sjob.paths.stderr, logs / f"slurm-{self.job_id}.err")]
        for source, target in copies:
            try:
                if Path(source).is_file() and logs.is_dir():
                    shutil.copyfile(source, target)
            except OSError:
                pass  # logs are a convenience here; the run's own record is already complete


class SubmititLauncher:
    """Jobs go through submitit's AutoExecutor: ``cluster='local'`` runs them as local processes,
    ``cluster='slurm'`` submits each configuration's seeds as one SLURM job array with sbatch."""

    name = "submitit"

    def __init__(self, *, root: Path, script: Path, folder: Path, cluster: str, parameters: Mapping[str, Any],
                 profile: str, settings_path: Path | None = None):
        submitit = _import_submitit()
        self.root, self.script, self.cluster, self.profile = root, script, cluster, profile
        self.settings_path = settings_path
        self.arrays = cluster == "slurm"
        self.states = slurm.JobStates() if cluster == "slurm" else None
        try:
            self.executor = submitit.AutoExecutor(folder=str(folder / "%j"), cluster=cluster)
        except RuntimeError as exc:
            raise LabrailsError(f"submitit cannot use the '{cluster}' cluster here: {exc}",
                                fix="run the sweep on the cluster's login node, or use --cluster local to try it here") from None
        try:
            self.executor.update_parameters(**parameters)
        except (NameError, AssertionError, ValueError, TypeError) as exc:
            raise LabrailsError(f"submitit refuses the suite's slurm settings: {exc}", path=settings_path,
                                fix="fix the `slurm:` section of the suite file (see docs/sweeps.md)") from None

    def start(self, job: Job, log_path: Path) -> SubmititHandle:
        self.executor.update_parameters(name=job.run_name)
        submitted = time.time()
        sjob = self._submit(lambda: self.executor.submit(cluster_job, job, **self._kwargs(log_path)))
        return SubmititHandle(sjob, job, self.root, submitted, log_path, self.states)

    def start_array(self, name: str, jobs: list[tuple[Job, Path]]) -> list[SubmititHandle]:
        """One sbatch for all of ``jobs`` (one array); SLURM runs at most ``array_parallelism`` at once."""
        self.executor.update_parameters(name=name)
        submitted = time.time()

        def submit_all() -> list[Any]:
            with self.executor.batch():
                pending = [self.executor.submit(cluster_job, job, **self._kwargs(log)) for job, log in jobs]
            return pending

        sjobs = self._submit(submit_all)
        return [SubmititHandle(s, job, self.root, submitted, log, self.states) for s, (job, log) in zip(sjobs, jobs)]

    def _kwargs(self, log_path: Path) -> dict[str, Any]:
        return {"experiment_root": str(self.root), "script": str(self.script), "log_path": str(log_path), "profile": self.profile}

    def _submit(self, submit):
        try:
            return submit()
        except Exception as exc:  # sbatch refused the request (no such partition, more than any node has, ...)
            if type(exc).__name__ != "FailedJobError":
                raise
            text = " ".join(str(exc).split())
            raise LabrailsError(f"sbatch refused the job: {text[:400]}", path=self.settings_path,
                                fix="fix the suite's `slurm:` settings to what the cluster offers (sinfo -o '%P %c %m %G' lists it)") from None

    def close(self) -> None:
        pass


def cluster_job(job: Job, *, experiment_root: str, script: str, log_path: str, profile: str) -> dict[str, Any]:
    """What a submitit job runs on its node: the de-risk gate, checked again now, then the run; a run
    that a signal killed before it recorded its end is recorded as failed with the signal as the reason."""
    from labrails.core.policy import derisk_blocker_for
    from labrails.tracking import cluster

    root = Path(experiment_root)
    me = cluster.slurm_job()
    if me is not None:  # requeued: the earlier attempt's run was killed; recording it lets this one resume
        for run_dir in cluster.earlier_attempts(root, me["job_id"]):
            cluster.record_ending(run_dir, f"SLURM job {me['job_id']} was requeued before the run recorded its end")
    blocked = derisk_blocker_for(experiment_root, script, profile)
    if blocked:
        return {"run_name": job.run_name, "config": job.config, "seed": job.seed, "status": "blocked", "run": None,
                "identity": job.identity, "error": f"de-risk gate (checked when the job started): {blocked}",
                "log": log_path, "slurm": me}
    outcome = run_job(job, experiment_root=experiment_root, script=script, log_path=log_path)
    reason = cluster.signal_reason(outcome.get("exit_code"), me)
    if reason and outcome.get("run") and cluster.record_ending(root / "runs" / outcome["run"], reason):
        outcome = collect(job, root, since=outcome["started_ts"], exit_code=outcome["exit_code"], log_path=Path(log_path))
    outcome["slurm"] = me
    return outcome


def _import_submitit():
    try:
        import submitit
    except ImportError:
        raise MissingDependency("submitit", "sweep") from None
    return submitit
