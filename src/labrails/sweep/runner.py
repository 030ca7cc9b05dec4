"""Running a planned sweep: one configuration at a time, its seeds in parallel up to ``max_parallel``.

Configuration k+1 starts only when every job of configuration k has ended, so the first configuration
is complete (trained, evaluated, reviewed, for every seed) before the second starts: a sweep stopped
half-way leaves whole comparisons, and a configuration that reads an earlier one's runs finds them.

A failed job is recorded and the sweep goes on (``stop_on_error`` stops launching instead and lets the
running jobs finish). Ctrl-C or SIGTERM asks every running job to stop and record why; running the same
sweep again skips what completed, waits for runs still going, and runs the rest.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from labrails.core import config as config_mod
from labrails.core.errors import LabrailsError
from labrails.core.journal import add_entry
from labrails.core.runinfo import current_status
from labrails.core.spec import load_spec
from labrails.sweep.job import FINAL, INTERRUPT_GRACE_S, existing_outcome
from labrails.sweep import record as record_mod
from labrails.sweep.launchers import CLUSTERS, LAUNCHERS, LocalLauncher, SubmititLauncher
from labrails.sweep.plan import (
    RUN,
    SKIP,
    WAIT,
    Job,
    Plan,
    format_plan,
    plan_sweep,
    require_derisk,
)
from labrails.sweep.record import SweepRecord
from labrails.sweep.references import newest_match
from labrails.sweep.slurm import job_parameters
from labrails.sweep.suite import Suite, suite_from_configs

DONE = ("completed", "skipped")
POLL_S = 0.2


@dataclass
class SweepResult:
    plan: Plan
    outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)   # run name -> outcome
    record: Path | None = None            # sweeps/<timestamp>-<suite>/ (None for a dry run)
    dry_run: bool = False
    interrupted: bool = False
    stopped: bool = False                 # stop_on_error fired

    def statuses(self) -> dict[str, str]:
        return {job.run_name: self.outcomes.get(job.run_name, {}).get("status", "not started") for job in self.plan.jobs}

    @property
    def ok(self) -> bool:
        return not self.dry_run and all(status in DONE for status in self.statuses().values())

    @property
    def exit_code(self) -> int:
        if self.dry_run:
            return 2 if self.plan.blocker else 0
        if self.interrupted:
            return 130
        return 0 if self.ok else 1


class WatchHandle:
    """A run of this job that was already going when the sweep started: wait for it, do not start a twin."""

    def __init__(self, job: Job, root: Path):
        self.job, self.root = job, root

    def poll(self) -> dict[str, Any] | None:
        if current_status(self.root / "runs" / self.job.existing).get("status") not in FINAL:
            return None
        return existing_outcome(self.job, self.root, self.job.existing, skipped=False)

    def interrupt(self) -> None:
        """Not ours to stop."""


class Scheduler:
    def __init__(self, plan: Plan, launcher: Any, record: SweepRecord, *, max_parallel: int, stop_on_error: bool,
                 echo: Callable[[str], None], poll_s: float = POLL_S):
        self.plan, self.launcher, self.record, self.echo = plan, launcher, record, echo
        self.max_parallel, self.stop_on_error, self.poll_s = max_parallel, stop_on_error, poll_s
        self.root = plan.experiment.root
        self.outcomes: dict[str, dict[str, Any]] = {}
        self.active: dict[str, tuple[Job, Any]] = {}
        self.stopping = False
        self.interrupting = False
        self.progress: dict[str, tuple[str, str]] = {}   # run name -> (pending|running, detail), from the scheduler

    def run(self) -> None:
        for job in self.plan.jobs:
            if job.action == SKIP:
                self.outcomes[job.run_name] = outcome = existing_outcome(job, self.root, job.existing, skipped=True)
                self.record.update(outcome)
        for name, jobs in self.plan.configurations():
            if self.stopping:
                break
            todo = [j for j in jobs if j.action != SKIP]
            if todo:
                self.echo(f"configuration {name}: {len(todo)} job(s), {len(jobs) - len(todo)} skipped")
            self.run_configuration(todo)

    def run_configuration(self, jobs: list[Job]) -> None:
        for job in jobs:
            if job.action == WAIT:
                self.echo(f"  {'wait':<11} {job.run_name}: an identical run is running now (runs/{job.existing})")
                self.active[job.run_name] = (job, WatchHandle(job, self.root))
        queue = [j for j in jobs if j.action == RUN]
        if getattr(self.launcher, "arrays", False) and queue and not self.stopping:
            self.launch_array(queue)  # the scheduler holds them and runs max_parallel at once
            queue = []
        while queue or self.active:
            while queue and self.launched() < self.max_parallel and not self.stopping:
                self.launch(queue.pop(0))
            if self.stopping:
                queue.clear()
            self.collect()
            if queue or self.active:
                time.sleep(self.poll_s)

    def launched(self) -> int:
        return sum(1 for _, handle in self.active.values() if not isinstance(handle, WatchHandle))

    def launch(self, job: Job) -> None:
        if self.blocked(job):
            return
        self.echo(f"  {'start':<11} {job.run_name}  (log: {self.record.log_path(job).relative_to(self.root)})")
        self.active[job.run_name] = (job, self.launcher.start(job, self.record.log_path(job)))

    def launch_array(self, jobs: list[Job]) -> None:
        ready = [job for job in jobs if not self.blocked(job)]
        if not ready:
            return
        handles = self.launcher.start_array(f"{self.plan.suite.name}-{ready[0].config}",
                                            [(job, self.record.log_path(job)) for job in ready])
        for job, handle in zip(ready, handles):
            self.echo(f"  {'submitted':<11} {job.run_name}  (slurm job {handle.job_id}, log: "
                      f"{self.record.log_path(job).relative_to(self.root)})")
            self.active[job.run_name] = (job, handle)
            record_mod.submitted(self.record, job, handle.job_id)

    def blocked(self, job: Job) -> bool:
        blocked = self.blocker(job)
        if blocked:
            self.finish(job, {"run_name": job.run_name, "config": job.config, "seed": job.seed, "status": "blocked",
                              "run": None, "identity": job.identity, "error": blocked})
        return bool(blocked)

    def blocker(self, job: Job) -> str | None:
        """Why a job that reads earlier runs cannot start: one of them did not complete."""

        for dep in job.depends_on:
            status = self.outcomes.get(dep, {}).get("status", "did not run")
            if status not in DONE:
                return f"it reads the runs of {dep}, which {status}"
        for value in job.reads:
            newest = newest_match(self.root, value)
            status = current_status(newest).get("status") if newest else None
            if status != "completed":
                where = f"runs/{newest.name}, which is {status}" if newest else "no run"
                return f"{value} resolves to {where} (the script reads the newest match)"
        for value, needed in job.prerequisites:
            newest = newest_match(self.root, value)
            if newest is not None and not (newest / needed).is_file():
                return f"{value} resolves to runs/{newest.name}, which has no {needed}"
        return None

    def collect(self) -> None:
        moved = False
        for name, (job, handle) in list(self.active.items()):
            outcome = handle.poll()
            if outcome is not None:
                del self.active[name]
                self.finish(job, outcome)
                moved = moved or name in self.progress
            elif hasattr(handle, "progress"):
                moved = self.report(job, handle.progress()) or moved
        if moved:
            self.echo("  " + tally(self))

    def report(self, job: Job, progress: tuple[str, str] | None) -> bool:
        """Say when the scheduler moves a job (pending -> running); True when it did."""
        if progress is None or self.progress.get(job.run_name) == progress:
            return False
        self.progress[job.run_name] = progress
        self.echo(f"  {progress[0]:<11} {job.run_name}  {progress[1]}")
        return True

    def finish(self, job: Job, outcome: dict[str, Any]) -> None:
        if self.interrupting and outcome.get("status") in ("failed", "crashed"):
            outcome["status"] = "interrupted"
        self.outcomes[job.run_name] = outcome
        self.record.update(outcome)
        line = outcome_line(outcome, self.plan, self.root)
        self.echo("  " + line)
        self.journal(outcome, line)
        if outcome.get("status") not in DONE and self.stop_on_error and not self.stopping:
            self.stopping = True
            self.echo(f"stopping (--stop-on-error): {job.run_name} {outcome.get('status')}; "
                      f"letting {len(self.active)} running job(s) finish")

    def journal(self, outcome: dict[str, Any], line: str) -> None:
        """One JOURNAL.md line, tagged SWEEP, for each run this sweep started, wherever its job ran: what ran
        and how it ended. What the run showed is still for a person (or the agent) to write in their own entry."""
        if outcome.get("status") == "skipped" or not outcome.get("run"):
            return
        try:
            add_entry(self.plan.experiment, f"sweep {self.record.dir.name}: {' '.join(line.split())}", tag="SWEEP",
                      run=outcome["run"])
        except (LabrailsError, OSError) as exc:  # the run's own files and the registry remain the record
            self.echo(f"  could not write the journal line for {outcome['run']}: {exc}")

    def interrupt(self) -> None:
        """Ask every running job to stop and record it, and wait (a second Ctrl-C stops waiting)."""
        self.interrupting = True
        running = [handle for _, handle in self.active.values() if not isinstance(handle, WatchHandle)]
        self.echo(f"interrupted: stopping {len(running)} running job(s) so each records its end")
        for _, handle in self.active.values():
            handle.interrupt()
        deadline = time.monotonic() + INTERRUPT_GRACE_S + 10
        try:
            while any(not isinstance(h, WatchHandle) for _, h in self.active.values()) and time.monotonic() < deadline:
                self.collect()
                time.sleep(self.poll_s)
        except KeyboardInterrupt:
            self.echo("stopped waiting; the runs' own run.json will say how they ended")


def tally(scheduler: Scheduler) -> str:
    """``jobs: 1 pending, 1 running, 2 done, 0 failed`` over the whole sweep (not yet submitted counts as pending)."""
    counts = {"pending": 0, "running": 0, "done": 0, "failed": 0}
    for job in scheduler.plan.jobs:
        outcome = scheduler.outcomes.get(job.run_name)
        if outcome is not None:
            counts["done" if outcome.get("status") in DONE else "failed"] += 1
        elif job.run_name in scheduler.active and job.run_name in scheduler.progress:
            counts[scheduler.progress[job.run_name][0] if scheduler.progress[job.run_name][0] == "running" else "pending"] += 1
        else:
            counts["pending"] += 1
    return "jobs: " + ", ".join(f"{n} {word}" for word, n in counts.items())


def outcome_line(outcome: dict[str, Any], plan: Plan, root: Path) -> str:
    status = outcome.get("status", "?")
    parts = [f"{status:<11} {outcome['run_name']}"]
    if outcome.get("started_ts") and outcome.get("ended_ts"):
        parts.append(f"in {outcome['ended_ts'] - outcome['started_ts']:.1f} s")
    if outcome.get("run"):
        parts.append(f"-> runs/{outcome['run']}")
    metric = primary_metric(plan)
    value = (outcome.get("metrics") or {}).get(metric) if metric else None
    if isinstance(value, (int, float)):
        parts.append(f"| {metric} {value:.4f}")
    if status in DONE and outcome.get("review"):
        parts.append(f"| review: {outcome['review'].get('headline')}")
    if status not in DONE and outcome.get("error"):
        parts.append(f"| {outcome['error']}")  # the review of a failed run only repeats it
    return " ".join(parts)


def primary_metric(plan: Plan) -> str | None:
    spec_path = plan.experiment.spec_path
    if not spec_path.is_file():
        return None

    try:
        return load_spec(spec_path).primary_metric.get("name")
    except LabrailsError:
        return None


@contextlib.contextmanager
def terminate_as_interrupt():
    """SIGTERM (a `kill`, a scheduler's preemption) takes the same careful path as Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_sweep(suite: Suite | Path | str | None = None, *, seeds: Sequence[int | str] | None = None,
              experiment: Path | str | None = None, dry_run: bool = False, stop_on_error: bool = False,
              max_parallel: int | None = None, launcher: str | None = None, cluster: str | None = None,
              configs: Sequence[Path | str] | None = None, resume: bool = False,
              echo: Callable[[str], None] = print) -> SweepResult:
    """Plan, check and run a suite; the Python twin of `labrails sweep`.

    ``configs`` (instead of ``suite``): saved resolved configurations, ``runs/<run>/config.yaml``, re-run
    exactly (with ``seeds`` when given, else their own), planned, deduplicated and gated like any suite.
    ``resume``: take the suite, seeds and options left out from the newest sweep record (of ``suite`` when
    given), and first settle that sweep's SLURM jobs (see ``record.settle_earlier_jobs``).

    Raises LabrailsError before anything runs for bad input (suite, overrides, script, de-risk gate,
    launcher options). Returns a SweepResult whose ``exit_code`` the CLI uses: 0 all done, 1 some job
    failed or was blocked, 130 interrupted (run it again to resume), 2 a dry run that would be refused.
    """
    if resume and not configs:
        suite, seeds, options = _resumed(suite, seeds, experiment, echo)
        launcher = launcher or options.get("launcher")
        cluster = cluster or (options.get("cluster") if launcher == "submitit" else None)
        max_parallel = max_parallel or options.get("max_parallel")
        stop_on_error = stop_on_error or bool(options.get("stop_on_error"))
    launcher, max_parallel = launcher or "local", max_parallel or 1
    if configs:
        if suite is not None:
            raise LabrailsError("give a suite file or --configs, not both",
                                fix="labrails sweep suites/cartography.yaml, or labrails sweep --configs runs/*/config.yaml")
        suite, root = suite_from_configs(configs)
        experiment = experiment or root
    elif suite is None:
        raise LabrailsError("no suite file given", fix="labrails sweep suites/cartography.yaml (or --configs runs/<run>/config.yaml), or labrails sweep --resume")
    plan = plan_sweep(suite, seeds=seeds, experiment=experiment)
    _check_options(plan, max_parallel=max_parallel, launcher=launcher, cluster=cluster)
    parameters = _parameters(plan, max_parallel) if launcher == "submitit" else None
    if dry_run:
        echo(format_plan(plan))
        return SweepResult(plan=plan, dry_run=True)
    require_derisk(plan)
    options = {"launcher": launcher, "cluster": cluster or "local", "max_parallel": max_parallel, "stop_on_error": stop_on_error}
    record = SweepRecord.create(plan, options)
    try:
        backend = _launcher(plan, record, launcher=launcher, cluster=cluster or "local", parameters=parameters, max_parallel=max_parallel)
    except LabrailsError:
        shutil.rmtree(record.dir, ignore_errors=True)  # nothing ran: leave no record of a sweep that never was
        raise
    echo(format_plan(plan))
    echo(f"sweep record: {record.dir}")
    scheduler = Scheduler(plan, backend, record, max_parallel=max_parallel, stop_on_error=stop_on_error, echo=echo)
    result = SweepResult(plan=plan, outcomes=scheduler.outcomes, record=record.dir)
    try:
        with terminate_as_interrupt():
            try:
                scheduler.run()
            except KeyboardInterrupt:
                result.interrupted = True
                scheduler.interrupt()
    finally:
        backend.close()
        result.stopped = scheduler.stopping
        record.finish("interrupted" if result.interrupted else ("completed" if result.ok else "failed"))
    echo(summary(result))
    return result


def _check_options(plan: Plan, *, max_parallel: int, launcher: str, cluster: str | None) -> None:
    if not isinstance(max_parallel, int) or max_parallel < 1:
        raise LabrailsError(f"--max-parallel must be 1 or more, not {max_parallel!r}", fix="e.g. --max-parallel 3 (one per seed)")
    if launcher not in LAUNCHERS:
        raise LabrailsError(f"unknown launcher {launcher!r}", fix=f"use one of: {', '.join(LAUNCHERS)}")
    if cluster is not None and cluster not in CLUSTERS:
        raise LabrailsError(f"unknown cluster {cluster!r}", fix=f"use one of: {', '.join(CLUSTERS)}")
    if cluster is not None and launcher != "submitit":
        raise LabrailsError(f"--cluster {cluster} needs --launcher submitit", fix=f"labrails sweep SUITE --launcher submitit --cluster {cluster}")


def _parameters(plan: Plan, max_parallel: int) -> dict[str, Any]:
    budget = config_mod.resolve(plan.experiment.config_path, plan.profile).budget_seconds
    return job_parameters(plan.suite.slurm, profile=plan.profile, budget_seconds=budget, max_parallel=max_parallel)


def _resumed(suite: Suite | Path | str | None, seeds: Sequence[int | str] | None, experiment: Path | str | None,
             echo: Callable[[str], None]) -> tuple[Any, Any, dict[str, Any]]:
    from labrails.core.experiment import find_experiment
    from labrails.sweep.suite import load_suite

    loaded = suite if isinstance(suite, Suite) or suite is None else load_suite(suite)
    root = find_experiment(experiment or (loaded.path.resolve().parent if loaded else None)).root
    directory, data = record_mod.latest(root, loaded.name if loaded else None)
    echo(f"resuming {directory.relative_to(root)} ({data.get('status')})")
    for run in record_mod.settle_earlier_jobs(directory, data):
        echo(f"  marked failed: runs/{run} (its SLURM job ended before the run recorded it)")
    return loaded or Path(data["suite_file"]), seeds or data.get("seeds"), dict(data.get("options") or {})


def _launcher(plan: Plan, record: SweepRecord, *, launcher: str, cluster: str, parameters: dict[str, Any] | None,
              max_parallel: int):
    root, script = plan.experiment.root, plan.script.resolve()
    if launcher == "submitit":
        return SubmititLauncher(root=root, script=script, folder=record.dir / "submitit", cluster=cluster,
                                parameters=parameters or {}, profile=plan.profile, settings_path=plan.suite.path)
    return LocalLauncher(root=root, script=script, max_parallel=max_parallel)


def summary(result: SweepResult) -> str:
    counts: dict[str, int] = {}
    for status in result.statuses().values():
        counts[status] = counts.get(status, 0) + 1
    text = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    lines = [f"sweep '{result.plan.suite.name}': {text}"]
    root = result.plan.experiment.root
    for job in result.plan.jobs:
        outcome = result.outcomes.get(job.run_name) or {"run_name": job.run_name, "status": "not started"}
        lines.append("  " + outcome_line(outcome, result.plan, root))
    lines.append(f"record: {result.record / 'sweep.json'}")
    if result.interrupted:
        lines.append("interrupted: run the same command again to resume (completed runs are skipped)")
    elif not result.ok:
        lines.append("some jobs did not complete: read their run.json (error) and log, fix, and run the same command again")
    return "\n".join(lines)
