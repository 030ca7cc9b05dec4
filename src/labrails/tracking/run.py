"""A run: one execution of an experiment script, in its own timestamped directory.

```python
import labrails

with labrails.start_run("de-risk") as run:          # profile "de-risk" is implied by the name
    cfg = run.config                                  # resolved config.yaml (profile applied)
    run.record_data(source="sklearn.datasets.load_digits", fingerprint_of=(X, y), rows={"train": 1437})
    for step in ...:
        run.log_metrics({"loss": loss}, step=step, split="train")
        run.progress(step, loss=loss)
    run.finish({"test_accuracy": acc})
```

Lifecycle (seed practice "prepare / start / complete or fail"): the config is resolved and validated and
the identity computed before anything is written; the registry refuses a run identical to one that
completed; the run directory and its run.json are made inside the registry's claim, so a process killed at
any point of a start leaves either nothing or a run that reads as crashed; run.json moves
running -> completed | failed | crashed. SIGTERM and SIGHUP record 'failed' with the signal as the reason
(:mod:`labrails.tracking.signals`); closing a run is a list of best-effort steps that starts with a small
pre-allocated outcome file, so a full disk still leaves the status and the reason.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Mapping

from labrails.core import config as config_mod
from labrails.core.errors import LabrailsError
from labrails.core.experiment import Experiment, find_experiment
from labrails.core.fsutil import disk_errors, fault, os_error, write_atomic, write_json
from labrails.core.identity import run_identity
from labrails.tracking.datacheck import PIN_FIX, data_refusal, needs_real_data
from labrails.tracking.discard import discard, discardable
from labrails.tracking.metrics_log import MetricsWriter
from labrails.core.naming import NameProblem, profile_from_name, run_dir_name, sanitize, suggestion
from labrails.core.policy import Refusal
from labrails.tracking.progress import Progress, fmt_duration
from labrails.tracking.provenance import any_synthetic, fingerprint, summarize
from labrails.core.registry import Registry
from labrails.core.runinfo import (
    new_run_record,
    now_iso,
    preallocate_outcome,
    record_outcome,
    registry_row,
    write_run_json,
)
from labrails.core.snapshot import code_version, environment, git_state
from labrails.tracking import cluster, uncaught

HEARTBEAT_S = 15.0
OVERRIDES_ENV = "LABRAILS_OVERRIDES"  # JSON of dotted overrides; set by `labrails sweep`
SUBDIRS = ("logs", "plots", "checkpoints", "data")


class Run:
    """A live run. Use it as a context manager, or call ``finish()`` / ``fail()`` yourself."""

    def __init__(self, experiment: Experiment, directory: Path, info: dict[str, Any], config: dict[str, Any],
                 spec: Any | None, *, t0: float | None = None):
        self.experiment = experiment
        self.dir = directory
        self.info = info
        self.config = config
        self.spec = spec
        self.name: str = info["run"]
        self.profile: str = info["profile"]
        self.identity: str = info["identity"]
        self.logs, self.plots, self.checkpoints, self.data = (directory / d for d in SUBDIRS)
        self.resume_from: Path | None = None
        self.descriptions: dict[str, dict[str, str]] = {}
        self._t0 = time.monotonic() if t0 is None else t0  # the budget counts from start_run, not interpreter start
        self.exit_on_error = False  # set by start_run_or_exit: a labrails error ends the script with exit 2
        self._metrics = MetricsWriter(self.logs / "metrics.jsonl", started=time.time())
        self._progress: Progress | None = None
        self._finished = False
        # Re-entrant: a SIGTERM handler runs on the main thread, possibly while it is writing run.json.
        self._lock = threading.RLock()
        self._data_recorded = self._data_checked = False
        self._data_problem: Refusal | None = None
        self._stop = threading.Event()
        self._gone_reported = False
        self._sink_ids: list[int] = []
        self.log = self._setup_logging()
        self._heartbeat = threading.Thread(target=self._beat, name="labrails-heartbeat", daemon=True)
        self._heartbeat.start()
        from labrails.tracking.signals import SignalGuard

        self._signals = SignalGuard(self._on_signal).install()

    # ---------------------------------------------------------------- logging
    def _setup_logging(self):
        from loguru import logger

        try:
            logger.remove(0)  # loguru's default stderr handler would print every line twice next to ours
        except ValueError:
            pass
        fmt = "{time:YYYY-MM-DD HH:mm:ss} | {level: <7} | {message}"
        self._sink_ids.append(logger.add(str(self.logs / "train.log"), format=fmt, level="DEBUG", buffering=1, encoding="utf-8"))
        if not os.environ.get("LABRAILS_QUIET"):
            self._sink_ids.append(logger.add(sys.stderr, format="<green>{time:HH:mm:ss}</green> | {level: <7} | {message}", level="INFO"))
        return logger.bind(run=self.name)

    def log_metrics(self, values: Mapping[str, Any], *, step: int | None = None, epoch: int | None = None,
                    split: str | None = None) -> None:
        """Append one record per value to logs/metrics.jsonl (flushed at once)."""
        if not self._data_checked:
            self._check_data_once()
        for name, value in values.items():
            self._metrics.write(name, value, step=step, epoch=epoch, split=split)

    def log_metric(self, name: str, value: Any, *, step: int | None = None, epoch: int | None = None,
                   split: str | None = None) -> None:
        if not self._data_checked:
            self._check_data_once()
        self._metrics.write(name, value, step=step, epoch=epoch, split=split)

    def set_total_steps(self, total: int, *, every_s: float = 10.0) -> None:
        self._progress = Progress(total, self.log.info, every_s=every_s, budget_s=self.info.get("budget_seconds"),
                                  warn=self.log.warning)
        self.info["total_steps"] = int(total)

    def progress(self, step: int, **values: Any) -> None:
        """Report progress; step 1 is always printed with s/step and the ETA for the whole run."""
        if not self._data_checked:
            self._check_data_once()
        if self._progress is None:
            raise LabrailsError("progress() before set_total_steps()", fix="call run.set_total_steps(total) once, before the loop")
        line = self._progress.update(step, **{k: float(v) for k, v in values.items()})
        if line and step == 1:
            per_step, remaining = self._progress.eta(1)
            self.info["first_step_s"] = round(per_step, 4)
            self.info["eta_at_step1_s"] = round(remaining + per_step, 1)
            self._write_info()

    def check_initial_loss(self, loss: float, num_classes: int, *, tolerance: float = 0.5) -> bool:
        """Cross-entropy at initialisation should be close to log(num_classes); far off means a bug."""
        import math

        expected = math.log(num_classes)
        ok = abs(float(loss) - expected) <= tolerance * expected
        self.log_metrics({"initial_loss": float(loss), "initial_loss_expected": expected}, step=1, split="train")
        self.info["initial_loss"] = {"value": float(loss), "expected": expected, "ok": ok}
        if ok:
            self.log.info(f"loss at step 1 = {float(loss):.4f}, expected ~log({num_classes}) = {expected:.4f}: ok")
        else:
            self.log.warning(
                f"loss at step 1 = {float(loss):.4f} but log({num_classes}) = {expected:.4f}: check the labels, "
                "the loss inputs (logits vs probabilities) and the initialisation before trusting this run"
            )
        return ok

    def describe_metric(self, name: str, *, direction: str, meaning: str) -> None:
        """Say what a metric means and which way is better; README.txt and reports show it."""
        if direction not in ("higher", "lower"):
            raise LabrailsError(f"direction for metric {name!r} must be 'higher' or 'lower'", fix="e.g. describe_metric('loss', direction='lower', ...)")
        self.descriptions[name] = {"direction": direction, "meaning": meaning}
        self.info["metric_meanings"] = self.descriptions
        self._write_info()

    # ---------------------------------------------------------------- data provenance
    def record_data(self, *, source: str, fingerprint_of: Any = None, files: list[Path | str] | tuple = (),
                    synthetic: bool = False, rows: Mapping[str, int] | None = None,
                    class_counts: Mapping[str, Any] | None = None, subset: str | None = None,
                    split_file: Path | str | None = None, notes: str | None = None) -> dict[str, Any]:
        """Write data.json and enforce the spec: no synthetic data outside the profiles that allow it,
        and the real data must match the spec's fingerprint when one is declared."""
        files = [Path(f) for f in files]
        synthetic_files = any_synthetic(files)
        is_synthetic = bool(synthetic or synthetic_files)
        objects = list(fingerprint_of) if isinstance(fingerprint_of, tuple) else ([fingerprint_of] if fingerprint_of is not None else [])
        fp = fingerprint(*objects, *files) if (objects or files) else None
        summary = summarize(objects, files)
        record = {
            "source": source,
            "fingerprint": fp,
            "synthetic": is_synthetic,
            "synthetic_files": synthetic_files,
            "files": [str(f) for f in files],
            "rows": dict(rows or {}),
            "class_counts": {str(k): v for k, v in (class_counts or {}).items()},
            "subset": subset,
            "split_file": str(split_file) if split_file else None,
            "notes": notes,
            "profile": self.profile,
            "recorded_at": now_iso(),
            "summary": {k: v for k, v in summary.items() if k != "files"},
            "files_detail": summary["files"],
        }
        if split_file and Path(split_file).is_file():
            record["split_sha256"] = fingerprint(Path(split_file))
        problem = data_refusal(self, record)
        write_json(self.dir / "data.json", record, make_parents=False)
        self.info["synthetic_data"] = is_synthetic
        self.info["data_fingerprint"] = fp
        self._data_recorded = problem is None
        self._write_info()
        self.log.info(f"data: {source} | rows {dict(rows or {})} | fingerprint {fp} | synthetic={is_synthetic}")
        allowed = self.spec.synthetic_allowed_in if self.spec is not None else ("de-risk",)
        if is_synthetic and self.profile not in allowed:
            raise LabrailsError(
                f"synthetic data in a '{self.profile}' run: spec.yaml allows it only in {', '.join(allowed) or 'no profile'}",
                path=self.experiment.spec_path,
                fix="load the real dataset declared in spec.yaml (data.source); if it cannot be loaded, stop and tell the human",
            )
        declared = self.spec.data_fingerprint if self.spec is not None else None
        if declared and fp and fp != declared and self.profile not in allowed:
            raise LabrailsError(
                f"the data's fingerprint {fp} differs from the one spec.yaml declares ({declared})",
                path=self.experiment.spec_path,
                fix="use the declared dataset; if the data legitimately changed, the human updates data.fingerprint in spec.yaml",
            )
        if problem:
            self._data_refused(problem)
        return record

    def _data_refused(self, refusal: Refusal) -> None:
        from labrails.core.policy import record_refusal

        if self._data_problem is None:
            record_refusal(self.experiment.state, refusal, script=self.info.get("script"), profile=self.profile, name=self.name)
        self._data_problem = refusal  # sticky: catching the error does not let the run train or complete
        raise LabrailsError(f"[{refusal.rule}] {refusal.reason}", path=self.dir / "data.json", fix=refusal.fix)

    def _check_data_once(self) -> None:
        """At the first logged step: a run that must use the real data has recorded it (cheap, once)."""
        if self._data_problem is not None:
            self._data_refused(self._data_problem)
        if self._data_recorded or not needs_real_data(self):
            self._data_checked = True
            return
        self._data_refused(Refusal("data-pin", f"this {self.profile} run logged a training step before recording its data "
                                   "(call run.record_data with what was loaded, or labrails.load_dataset)", PIN_FIX))

    # ---------------------------------------------------------------- checkpoints
    def checkpoint_path(self, name: str = "last.pt") -> Path:
        return self.checkpoints / name

    # ---------------------------------------------------------------- outcome
    def finish(self, metrics: Mapping[str, Any] | None = None) -> None:
        """Record final metrics and mark the run completed."""
        if self._data_problem is not None:  # its data was refused: it never completes
            problem = self._data_problem
            self.fail(LabrailsError(f"[{problem.rule}] {problem.reason}", path=self.dir / "data.json", fix=problem.fix))
            return
        with self._lock:
            if self._finished:
                return
            self._finished = True
        metrics = {k: _plain(v) for k, v in (metrics or {}).items()}
        try:
            write_json(self.dir / "metrics.json", metrics, make_parents=False)
        except OSError as exc:  # the disk filled, or the directory was deleted: the run cannot be completed
            err = self._write_error(exc, self.dir / "metrics.json")
            self._close("failed", error=_error_record(err))
            self._remove_sinks()
            raise err from None
        problems = self._close("completed", metrics=metrics)
        took = fmt_duration(self.info.get("duration_s"))
        self.log.info(f"run completed in {took}: {json.dumps(metrics)}")
        self._report(problems)
        self.log.info(f"results: {self.dir / 'README.txt'}")
        self._remove_sinks()

    def fail(self, exc: BaseException) -> None:
        with self._lock:
            if self._finished:
                return
            self._finished = True
        error = _error_record(exc)
        if discardable(self, exc) and discard(self, error):
            return
        problems = self._close("failed", error=error)
        self.log.error(f"run failed: {error['type']}: {error['message']}")
        self._report(problems)
        self.log.error(f"traceback saved in {self.dir / 'run.json'}")
        self._remove_sinks()

    def _on_signal(self, signum: int) -> None:
        """SIGTERM/SIGHUP: record the run as failed, with the signal as the reason (no logging: see below)."""
        from labrails.tracking.signals import describe

        with self._lock:
            if self._finished:
                return
            self._finished = True
        name = describe(signum)
        error = {"type": "Terminated", "message": f"terminated by {name} (the job was stopped from outside)",
                 "traceback": ""}
        # loguru's sinks hold locks the interrupted main thread may own: write straight to stderr instead.
        problems = self._close("failed", error=error, readme=False)
        note = f"labrails: run {self.name} recorded as failed: {error['message']}\n"
        note += "".join(f"labrails: {p}\n" for p in problems)
        try:
            os.write(2, note.encode("utf-8", "replace"))
        except OSError:
            pass

    def _write_error(self, exc: OSError, path: Path) -> LabrailsError:
        if not self.dir.is_dir():
            return self._gone_error()
        err = os_error(exc, path)
        return err if isinstance(err, LabrailsError) else LabrailsError(f"cannot write ({exc})", path=path, fix="see the error above")

    def _gone_error(self) -> LabrailsError:
        return LabrailsError("the run directory was deleted while the run was going; its outcome is only in the registry",
                             path=self.dir, fix="do not delete a running run's directory; re-run to get its results")

    def _close(self, status: str, *, metrics: dict[str, Any] | None = None, error: dict[str, Any] | None = None,
               readme: bool = True) -> list[str]:
        """Record the outcome. Each step is tried on its own, so one that fails (a full disk, a deleted
        directory) does not stop the others; returns what could not be done.

        The pre-allocated outcome file comes first: it needs no new disk space.
        """
        self._signals.uninstall()
        self._stop.set()
        problems: list[str] = []
        gone = not self.dir.is_dir()
        if gone:
            status, error = "failed", _error_record(self._gone_error())
        self.info.update(status=status, finished_at=now_iso(), duration_s=round(time.monotonic() - self._t0, 2))
        if error:
            self.info["error"] = error
        primary = (self.spec.primary_metric.get("name") if self.spec is not None else None)
        if metrics and primary and primary in metrics:
            self.info["primary_metric"] = {"name": primary, "value": metrics[primary]}
        if self.info.get("budget_seconds") and self.info["duration_s"] > self.info["budget_seconds"]:
            self.info["over_budget"] = True

        def readme_step() -> None:
            from labrails.tracking.readme import write_run_readme

            write_run_readme(self, metrics=metrics)

        def summary_step() -> None:
            from labrails.core.summary import write_summary

            write_summary(self.dir, self.info, metrics=metrics, config=self.config)

        steps: list[tuple[str, Any]] = []
        if not gone:
            steps += [("the outcome file", lambda: record_outcome(self.dir, status, error, finished_at=self.info["finished_at"])),
                      ("the metrics log", self._metrics.close),
                      ("run.json", lambda: self._write_info(final=True))]
        steps.append(("the registry row", lambda: Registry(self.experiment.state).update(
            self.name, **registry_row(self.info), **_signed_verdict(self.info))))
        if not gone:
            steps.append(("summary.json", summary_step))  # a cache for analysis: the files above stay the record
        if readme and not gone:
            steps.append(("README.txt", readme_step))  # documentation: its failure must not lose the outcome above
        for what, step in steps:
            try:
                step()
            except Exception as exc:
                problems.append(f"could not write {what}: {exc}")
        if gone:
            problems.insert(0, self._gone_error().render())
        return problems

    def _report(self, problems: list[str]) -> None:
        for problem in problems:
            self.log.warning(problem)

    def _write_info(self, *, final: bool = False) -> None:
        with self._lock:
            write_run_json(self.dir, self.info, final=final)

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            if not self.dir.is_dir():
                if not self._gone_reported:  # report once; never recreate what someone deleted
                    self._gone_reported = True
                    self.log.error(self._gone_error().render())
                continue
            self.info["heartbeat_at"] = now_iso()
            self.info["heartbeat_ts"] = time.time()
            try:
                self._write_info()
            except OSError:
                pass

    def _remove_sinks(self) -> None:
        from loguru import logger

        for sink in self._sink_ids:
            try:
                logger.remove(sink)
            except ValueError:
                pass
        self._sink_ids.clear()

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is not None:
            self.fail(exc)
            if self.exit_on_error and isinstance(exc, LabrailsError):
                print(f"error: {exc.render()}", file=sys.stderr)
                raise SystemExit(exc.exit_code) from None
            return False
        self.finish(None if self._finished else {})
        return False


def _error_record(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, KeyboardInterrupt):
        message = "interrupted (Ctrl-C)"
    elif isinstance(exc, LabrailsError):
        message = exc.render()
    else:
        message = str(exc)
    return {"type": type(exc).__name__, "message": message,
            "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))}


def _signed_verdict(info: dict[str, Any]) -> dict[str, Any]:
    """The signed completion verdict for a completed run (the policy trusts only signed ones); {} otherwise."""
    if info.get("status") != "completed":
        return {}
    from labrails.core.verdicts import sign_completion

    return sign_completion(info)


def _plain(value: Any) -> Any:
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return item()
        except (TypeError, ValueError):
            pass
    return value


def resolve_profile(descriptive: str, profile: str | None, profiles: list[str], config_path: Path) -> str:
    if profile:
        if profile not in profiles:
            raise LabrailsError(f"unknown profile '{profile}'{suggestion(profile, profiles)}", path=config_path,
                                fix=f"use one of: {', '.join(profiles)}")
        return profile
    implied = profile_from_name(descriptive, profiles)
    if implied is None:
        raise LabrailsError(
            f"the run name '{descriptive}' does not say which profile to use{suggestion(descriptive, profiles, prefix=True)}",
            path=config_path,
            fix=f"start the name with a profile ({', '.join(profiles)}), e.g. 'de-risk-{descriptive}', or pass --profile",
        )
    return implied


def start_run(name: str, *, experiment: Path | str | None = None, profile: str | None = None,
              overrides: Mapping[str, Any] | None = None, force: bool = False, script: Path | str | None = None,
              command: list[str] | None = None, args: list[str] | None = None) -> Run:
    """Validate everything, refuse duplicates, then create ``runs/<timestamp>-<name>/`` and return the Run.

    ``experiment`` defaults to the experiment containing ``script`` (the calling script) or the cwd.
    Raises RunAlreadyCompleted when an identical run already completed (unless ``force``).
    ``args``: the arguments of a wrapped command (``labrails run``), part of the identity.
    """
    t0 = time.monotonic()
    if script is None and sys.argv and sys.argv[0].endswith(".py"):
        script = sys.argv[0]
    script = Path(script).resolve() if script else None
    exp = find_experiment(experiment or (script.parent if script else None))
    descriptive, notes = _checked_name(exp, name, script, profile)
    data = config_mod.load_config(exp.config_path)  # parsed once for the whole start
    profiles = list(data["profiles"])
    try:
        chosen = resolve_profile(descriptive, profile, profiles, exp.config_path)
    except LabrailsError as err:
        _refuse(exp, [Refusal("profile", err.message, err.fix or "")], script, profile, name)

    all_overrides: dict[str, Any] = {}
    env_overrides = os.environ.get(OVERRIDES_ENV)
    if env_overrides:
        all_overrides.update(config_mod.parse_overrides(env_overrides, source=OVERRIDES_ENV))
    all_overrides.update(overrides or {})
    from labrails.core.overrides import check_overrides

    all_overrides = check_overrides(exp.config_path, all_overrides, source=OVERRIDES_ENV if env_overrides else "--set")
    resolved = config_mod.resolve(exp.config_path, chosen, all_overrides, data=data,
                                  script=config_mod.script_name(script, exp.root))

    spec = None
    if exp.spec_path.is_file():
        from labrails.core.spec import load_spec

        spec = load_spec(exp.spec_path)

    git = git_state(exp.root)
    version = code_version(git, script)
    identity = run_identity(resolved.hash, version, args)
    permit = _may_start(exp, chosen, profiles, descriptive, profile, script, version, resolved.values, spec, name)

    info = new_run_record(
        descriptive_name=descriptive, experiment=exp.name, profile=chosen, identity=identity,
        config_hash=resolved.hash, config_file_sha256=config_mod.file_sha256(exp.config_path), code_version=version,
        git_commit=git.get("commit"), budget_seconds=resolved.budget_seconds, script=str(script) if script else None,
        overrides=all_overrides, forced=force, name_changes=notes,
    )
    info.update(cluster.scheduler_fields())  # inside a SLURM job: its id and node
    if args:
        info["command_args"] = list(args)
    info["startup_s"] = startup_seconds(t0)
    info.update(permit)

    registry = Registry(exp.state)
    run_path = _claim(registry, exp, descriptive, info, force=force)
    try:
        fault("after-claim")
        for sub in SUBDIRS:
            (run_path / sub).mkdir()
        preallocate_outcome(run_path)
        from labrails.core.yamlfile import dump_yaml

        write_atomic(run_path / "config.yaml", dump_yaml(resolved.values), make_parents=False)
        argv = command if command is not None else [sys.executable, *sys.argv]
        env_line = f"{OVERRIDES_ENV}={shlex.quote(env_overrides)} " if env_overrides else ""
        write_atomic(run_path / "command.txt", f"cd {shlex.quote(os.getcwd())}\n{env_line}{shlex.join(argv)}\n",
                     make_parents=False)
        write_json(run_path / "env.json", environment(), make_parents=False)
        diff = git.pop("diff", "")
        write_json(run_path / "git.json", git, make_parents=False)
        if diff:
            write_atomic(run_path / "diff.patch", diff, make_parents=False)
        run = Run(exp, run_path, info, config_mod.ConfigView(resolved.values, exp.config_path), spec, t0=t0)
    except BaseException as exc:
        # The directory is claimed and registered: record why it stopped instead of leaving it half-written.
        raise _abandon_start(registry, run_path, info, exc) from None
    cluster.watch(run)  # SLURM's SIGUSR2 (time limit, preemption) ends the run as failed: Preempted
    uncaught.watch(run)  # outside `with run:`, an uncaught exception still records the run as failed
    for note in notes:
        run.log.warning(f"run name changed: {note} -> '{descriptive}'")
    run.resume_from = _resumable_checkpoint(exp, identity, run_path)
    run.log.info(f"run {run.name} | profile {chosen} | identity {identity} | dir {run_path}")
    run.log.info("resolved config: " + json.dumps(resolved.values, sort_keys=True))
    if resolved.budget_seconds:
        run.log.info(f"budget for this profile: {fmt_duration(resolved.budget_seconds)}")
    return run


def _claim(registry: Registry, exp: Experiment, descriptive: str, info: dict[str, Any], *, force: bool) -> Path:
    """Claim the run in the registry; its directory and run.json are made inside the same transaction.

    A process killed at any point leaves nothing that blocks an identical run: before the commit there is
    no row (at most an empty directory, or one whose run.json reads as crashed); after it, a 'running' row
    whose process is gone, which the next claim marks crashed.
    """
    made: dict[str, Path] = {}

    def create() -> dict[str, Any]:
        run_path = _claim_dir(exp.runs_dir, descriptive)
        made["dir"] = run_path
        info["run"] = run_path.name
        fault("after-mkdir")
        write_run_json(run_path, info)
        return registry_row(info)

    try:
        with disk_errors(exp.runs_dir):
            registry.claim(create, identity=info["identity"], force=force, runs_dir=exp.runs_dir)
    except BaseException:
        if "dir" in made:  # the claim did not happen: take back what this process made, and only that
            for leftover in (made["dir"] / "run.json",):
                try:
                    leftover.unlink()
                except OSError:
                    pass
            try:
                made["dir"].rmdir()
            except OSError:
                pass
        raise
    return made["dir"]


def _abandon_start(registry: Registry, run_path: Path, info: dict[str, Any], exc: BaseException) -> BaseException:
    """A start that failed after its claim: record why (best effort) and return the error to raise."""
    error = _error_record(exc)
    if isinstance(exc, OSError):
        converted = os_error(exc, exc.filename or run_path)
        if isinstance(converted, LabrailsError):
            error["message"] = converted.render()
            exc = converted
    info.update(status="failed", finished_at=now_iso(), error=error)
    for step in (lambda: record_outcome(run_path, "failed", error), lambda: write_run_json(run_path, info, final=True),
                 lambda: registry.update(info["run"], **registry_row(info))):
        try:
            step()
        except Exception:
            pass
    return exc


def startup_seconds(now_monotonic: float) -> float | None:
    """Seconds from the interpreter's start to ``now_monotonic`` (imports, data loading before start_run),
    reported beside the budgeted time; None where the process start time cannot be read (not Linux)."""
    try:
        with open("/proc/self/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        ticks = int(fields[19])  # field 22, starttime, counted after the ")" that closes the command name
        hz = os.sysconf("SC_CLK_TCK")
        with open("/proc/uptime", "rb") as fh:
            uptime = float(fh.read().split()[0])
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    # /proc/uptime and time.monotonic() both count from boot on Linux (CLOCK_BOOTTIME vs CLOCK_MONOTONIC
    # differ only by suspended time); take the age of the process now and subtract the time since t0.
    age = uptime - ticks / hz
    return round(max(0.0, age - (time.monotonic() - now_monotonic)), 2)


def _refuse(exp: Experiment, refusals: list, script: Path | None, profile: str | None, name: str):
    """Log each refusal in .labrails/refusals.jsonl (counted by `labrails status`) and raise RunRefused."""
    from labrails.core.policy import RunRefused, record_refusal

    for refusal in refusals:
        record_refusal(exp.state, refusal, script=str(script) if script else None, profile=profile, name=name)
    raise RunRefused(refusals, path=exp.root)


def _checked_name(exp: Experiment, name: str, script: Path | None, profile: str | None) -> tuple[str, list[str]]:
    """The run name, refused (with the tidied name suggested) when it is not already tidy: a run never
    starts under a name other than the one it was given, so the guard and the library read it alike."""
    try:
        descriptive, notes = sanitize(name)
    except NameProblem as exc:
        _refuse(exp, [Refusal("run-name", str(exc), "pass a short descriptive name such as 'de-risk' or 'full'")], script, profile, name)
    if notes or descriptive != name:
        _refuse(exp, [Refusal("run-name", f"the run name {name!r} is not a plain name ({'; '.join(notes) or 'it needs tidying'})",
                              f"use '{descriptive}'")], script, profile, name)
    return descriptive, notes


def _may_start(exp: Experiment, chosen: str, profiles: list[str], descriptive: str, explicit: str | None,
               script: Path | None, version: str, resolved: dict[str, Any], spec: Any, name: str) -> dict[str, Any]:
    """Ask the policy; refuse before anything is written. Returns what vouches for the run (kept in run.json)."""
    from labrails.core.policy import check_start

    script_rel = config_mod.script_name(script, exp.root) or "train.py"
    launch = f"{script_rel} {descriptive}" + (f" --profile {explicit}" if explicit else "")
    refusals, permit = check_start(
        root=exp.root, profile=chosen, profiles=profiles, launch_text=launch, code_version=version,
        config_sha=config_mod.file_sha256(exp.config_path), resolved=resolved, spec=spec,
        script_name=os.path.basename(script_rel))
    if refusals:
        _refuse(exp, refusals, script, chosen, name)
    return permit


def _claim_dir(runs_dir: Path, descriptive: str) -> Path:
    """Create a fresh run directory; a name already taken (same second) gets -2, -3, ... never reused."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    base = run_dir_name(descriptive)
    for attempt in range(1, 1000):
        candidate = runs_dir / (base if attempt == 1 else f"{base}-{attempt}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise LabrailsError(f"could not find a free run directory name for {base}", path=runs_dir, fix="wait a second and retry")


def _resumable_checkpoint(exp: Experiment, identity: str, current: Path) -> Path | None:
    """The newest checkpoint left by an identical run that crashed or failed, so training can resume.

    The registry names the candidates (one indexed query), so this does not read every run directory.
    """
    from labrails.core.runinfo import observed_status

    best: tuple[float, Path] | None = None
    for row in Registry(exp.state).find(identity=identity, status=("crashed", "failed", "running")):
        run_dir = exp.runs_dir / row["run"]
        if run_dir == current:
            continue
        if row.get("status") == "running" and observed_status(run_dir, row)[0] not in ("crashed", "failed"):
            continue  # still going: its checkpoint is not ours to take
        ckpt = run_dir / "checkpoints" / "last.pt"
        try:
            mtime = ckpt.stat().st_mtime
        except OSError:
            continue
        if best is None or mtime > best[0]:
            best = (mtime, ckpt)
    return best[1] if best else None
