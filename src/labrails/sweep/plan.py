"""A suite expanded into jobs (configurations x seeds), validated against the experiment before anything runs.

Each job gets its run name (``{profile}-{configuration}-seed{seed}``), its overrides with placeholders
filled, and the identity its run will have (``{config_hash[:8]}_{code_version}``, computed exactly as
``start_run`` computes it), so the plan can say which jobs already completed and will be skipped.
Every configuration is resolved with ``labrails.core.config.resolve``: an unknown key fails the whole
sweep here, not in job 7 after an hour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from labrails.core import config as config_mod
from labrails.core.errors import ConfigError, LabrailsError
from labrails.core.experiment import Experiment, find_experiment
from labrails.core.identity import run_identity
from labrails.core.naming import profile_from_name, sanitize
from labrails.core.policy import derisk_blocker_for, pending_checkpoints
from labrails.sweep import dynamics, references
from labrails.sweep.suite import Configuration, Suite, fill, load_suite, parse_seeds

RUN, SKIP, WAIT = "run", "skip", "wait"   # what the sweep will do with a job


@dataclass
class Job:
    config: str
    config_index: int
    seed: int
    run_name: str
    overrides: dict[str, Any]           # dotted keys, placeholders filled, seed included: LABRAILS_OVERRIDES
    identity: str
    depends_on: tuple[str, ...] = ()    # run names of earlier jobs whose runs this one reads
    reads: tuple[str, ...] = ()         # override values that name runs (checked again at launch)
    prerequisites: tuple[tuple[str, str], ...] = ()  # (override value, file its newest match must hold)
    action: str = RUN
    existing: str | None = None         # the completed (skip) or running (wait) run's directory name
    notes: tuple[str, ...] = ()


@dataclass
class Plan:
    suite: Suite
    experiment: Experiment
    script: Path
    profile: str
    seeds: tuple[int, ...]
    code_version: str
    jobs: list[Job]
    blocker: str | None = None          # why the de-risk gate refuses this sweep (None: it may start)
    notes: list[str] = field(default_factory=list)

    def configurations(self) -> list[tuple[str, list[Job]]]:
        """Jobs grouped by configuration, in suite order: the order the sweep runs them."""
        return [(c.name, [j for j in self.jobs if j.config == c.name]) for c in self.suite.configurations]

    def count(self, action: str) -> int:
        return sum(1 for j in self.jobs if j.action == action)


def plan_sweep(suite: Suite | Path | str, *, seeds: Sequence[int | str] | None = None,
               experiment: Path | str | None = None) -> Plan:
    """Expand and validate a suite; raises LabrailsError (naming file, key and fix) on any bad input."""
    suite = suite if isinstance(suite, Suite) else load_suite(suite)
    exp = find_experiment(experiment or suite.path.resolve().parent)
    if not exp.config_path.is_file():
        raise ConfigError("config.yaml not found: the suite's overrides have nothing to apply to", path=exp.config_path,
                          fix="run the sweep inside an experiment made by `labrails new`")
    script = exp.root / suite.script
    if not script.is_file():
        found = sorted(p.name for p in exp.root.glob("*.py"))
        raise ConfigError(f"script '{suite.script}' does not exist in {exp.root}", path=suite.path,
                          fix=f"set `script:` to one of: {', '.join(found) or '(no .py files there)'}")
    profiles = config_mod.profiles_of(exp.config_path)
    if suite.profile not in profiles:
        raise ConfigError(f"profile '{suite.profile}' is not in config.yaml", path=suite.path,
                          fix=f"use one of: {', '.join(profiles)}")
    chosen_seeds = parse_seeds(list(seeds), path=None, where="--seeds") if seeds else suite.seeds
    if not chosen_seeds:
        raise ConfigError("no seeds: the suite has no `seeds:` and none were given", path=suite.path,
                          fix="add `seeds: [42, 43, 44]` to the suite, or pass --seeds 42 43 44")

    from labrails.core.snapshot import code_version, git_state

    version = code_version(git_state(exp.root), script.resolve())
    names = {(i, seed): _run_name(suite, c, seed, profiles) for i, c in enumerate(suite.configurations) for seed in chosen_seeds}
    plan = Plan(suite=suite, experiment=exp, script=script, profile=suite.profile, seeds=chosen_seeds,
                code_version=version, jobs=[])
    resolved: dict[str, dict[str, Any]] = {}
    for i, conf in enumerate(suite.configurations):
        for seed in chosen_seeds:
            job = _plan_job(plan, i, conf, seed, names, resolved)
            plan.jobs.append(job)
    _mark_existing(plan)
    plan.blocker = derisk_blocker_for(str(exp.root), str(script.resolve()), suite.profile) or _checkpoint_blocker(exp, suite)
    return plan


def _run_name(suite: Suite, conf: Configuration, seed: int, profiles: list[str]) -> str:
    name = f"{suite.profile}-{conf.name}-seed{seed}"
    safe, changes = sanitize(name)
    if changes or safe != name:
        raise ConfigError(f"configuration '{conf.name}' makes the run name {name!r}, which is not a safe name",
                          path=suite.path, fix="use letters, digits, '_' and '-' in configuration names")
    implied = profile_from_name(name, profiles)
    if implied != suite.profile:
        raise ConfigError(
            f"the run name {name!r} would pick profile '{implied}', not the suite's '{suite.profile}'",
            path=suite.path, fix=f"rename configuration '{conf.name}' so that '{suite.profile}-{conf.name}' is not a profile name",
        )
    return name


def _checkpoint_blocker(exp: Experiment, suite: Suite) -> str | None:
    """A sweep belongs to the phase its runs would: it may not start past an unapproved checkpoint."""
    if not exp.spec_path.is_file():
        return None
    from labrails.core.approvals import valid_approvals
    from labrails.core.spec import load_spec

    spec = load_spec(exp.spec_path)
    example = f"{suite.script} {suite.profile}-{suite.configurations[0].name}-seed0" if suite.configurations else suite.script
    phase = spec.phase_of(example)
    if phase is None:
        return None
    approved = valid_approvals(exp.state, spec.sha256)
    pending = pending_checkpoints(spec, phase, approved)
    if not pending:
        return None
    return (f"this sweep's runs belong to phase '{phase.name}', but the checkpoint of phase '{pending[0]}' is not approved yet; "
            f"the human approves it with `labrails approve {pending[0]}` in their own terminal")


def _resolve(plan: Plan, conf: Configuration, seed: int, overrides: Mapping[str, Any]) -> config_mod.ResolvedConfig:
    try:
        return config_mod.resolve(plan.experiment.config_path, plan.profile, overrides,
                                  script=config_mod.script_name(plan.script.resolve(), plan.experiment.root))
    except ConfigError as exc:
        raise ConfigError(f"configuration '{conf.name}' (seed {seed}) does not fit config.yaml: {exc.message}",
                          path=plan.suite.path, fix=exc.fix) from None


def _plan_job(plan: Plan, index: int, conf: Configuration, seed: int, names: dict[tuple[int, int], str],
              resolved: dict[str, dict[str, Any]]) -> Job:
    suite = plan.suite
    overrides = fill(conf.overrides, seed=seed, profile=plan.profile)
    overrides[suite.seed_key] = seed
    notes: list[str] = []
    values = _resolve(plan, conf, seed, overrides).values
    earlier = [(c.name, resolved[names[(i, seed)]]) for i, c in enumerate(suite.configurations[:index])]
    needed = [p for p in dynamics.PREREQUISITES if dynamics.needs(p, values, suite_path=suite.path, config=conf.name)]
    for prereq in needed:
        if not _get(values, prereq.key):
            overrides[prereq.key] = dynamics.default_source(conf.name, earlier, suite_path=suite.path, profile=plan.profile,
                                                            seed=seed, prereq=prereq)
            notes.append(f"{prereq.key} = {overrides[prereq.key]} (from the earlier configuration that "
                         f"{'logs dynamics' if prereq is dynamics.DYNAMICS else 'makes cluster assignments'})")
    result = _resolve(plan, conf, seed, overrides)
    resolved[names[(index, seed)]] = result.values

    depends: list[str] = []
    reads = references.references(overrides)
    for key, value in reads.items():
        depends += [name for _, name in _producers(plan, conf, index, key, value, names)]
    files, prereq_notes = _prerequisites(plan, conf, index, seed, needed, result.values, reads, names, resolved)
    return Job(config=conf.name, config_index=index, seed=seed, run_name=names[(index, seed)], overrides=overrides,
               identity=run_identity(result.hash, plan.code_version), depends_on=tuple(dict.fromkeys(depends)),
               reads=tuple(reads.values()), notes=tuple(notes + prereq_notes), prerequisites=files)


def _get(values: Mapping[str, Any], dotted: str) -> Any:
    section, key = dotted.split(".", 1)
    inner = values.get(section)
    return inner.get(key) if isinstance(inner, dict) else None


def _prerequisites(plan: Plan, conf: Configuration, index: int, seed: int, needed: list, values: Mapping[str, Any],
                   reads: Mapping[str, str], names: dict[tuple[int, int], str],
                   resolved: dict[str, dict[str, Any]]) -> tuple[tuple[tuple[str, str], ...], list[str]]:
    """Each input the job reads (dynamics, cluster assignments): made by an earlier configuration, or held,
    current, by an existing run. Returns ``((value, file), ...)`` for the launch-time check, and the notes
    the plan prints (the prerequisite steps)."""
    root, suite = plan.experiment.root, plan.suite
    files: list[tuple[str, str]] = []
    notes: list[str] = []
    for prereq in needed:
        source = _get(values, prereq.key)
        if prereq.key in reads:
            value = reads[prereq.key]
            producers = _producers(plan, conf, index, prereq.key, value, names)
            producer_values = [(suite.configurations[i].name, resolved[name]) for i, name in producers]
            existing = references.newest_match(root, value)
            split = values.get("data", {}).get("split_file") if isinstance(values.get("data"), dict) else None
            notes.append(dynamics.check_source(conf.name, value, producer_values, existing, suite_path=suite.path,
                                               prereq=prereq, code_version=plan.code_version,
                                               split_file=root / split if isinstance(split, str) else None))
            if not producers and existing is not None and prereq is dynamics.ASSIGNMENTS:
                _check_cluster_rules(conf, values, existing, suite.path)
            files.append((value, prereq.file))
        elif isinstance(source, str) and not _exists(root, source):
            raise ConfigError(f"configuration '{conf.name}': {prereq.key} {source!r} does not exist", path=suite.path,
                              fix=f"point it at a run directory (or a glob under runs/) made with {prereq.flag}: true")
    return tuple(files), notes


def _check_cluster_rules(conf: Configuration, values: Mapping[str, Any], run_dir: Path, suite_path: Path) -> None:
    """Excluded clusters that the existing assignments do not have fail here, not in the job."""
    from labrails.recipes.clusters import check_rules, check_section, load_assignments

    try:
        check_rules(check_section(values) or {}, load_assignments(run_dir), config_path=suite_path)
    except LabrailsError as exc:
        raise ConfigError(f"configuration '{conf.name}': {exc.message}", path=suite_path, fix=exc.fix) from None


def _exists(root: Path, value: str) -> bool:
    pattern = references.run_pattern(value)
    return bool(references.existing_matches(root, pattern)) if pattern else (root / value).exists()


def _producers(plan: Plan, conf: Configuration, index: int, key: str, value: str,
               names: dict[tuple[int, int], str]) -> list[tuple[int, str]]:
    """The jobs of earlier configurations whose runs ``value`` will match; refuses later ones and nothing."""
    pattern = references.run_pattern(value)
    matched = [(i, name) for (i, _), name in names.items() if references.would_match(pattern, name)]
    later = sorted({plan.suite.configurations[i].name for i, _ in matched if i >= index})
    if later:
        raise ConfigError(
            f"configuration '{conf.name}': {key} = {value!r} names runs of '{later[0]}', which does not run before it",
            path=plan.suite.path,
            fix=f"list '{later[0]}' earlier in `configurations:` (each configuration completes before the next starts)",
        )
    if not matched and not references.existing_matches(plan.experiment.root, pattern):
        raise ConfigError(
            f"configuration '{conf.name}': {key} = {value!r} matches no run in runs/ and no earlier configuration of the suite",
            path=plan.suite.path,
            fix="check the spelling against the run names this suite makes ({profile}-{configuration}-seed{seed})",
        )
    return matched


def _mark_existing(plan: Plan) -> None:
    """Completed identities are skipped; one running now (another sweep, an orphan) is waited for."""
    from labrails.core.registry import Registry

    exp = plan.experiment
    registry = Registry(exp.state)
    registry.refresh(exp.runs_dir)
    rows = registry.rows().values()
    for job in plan.jobs:
        same = sorted((r for r in rows if r.get("identity") == job.identity and (exp.runs_dir / str(r.get("run"))).is_dir()),
                      key=lambda r: r.get("started_ts") or 0)
        done = [r for r in same if r.get("status") == "completed"]
        running = [r for r in same if r.get("status") == "running"]
        if done:
            job.action, job.existing = SKIP, done[-1]["run"]
        elif running:
            job.action, job.existing = WAIT, running[-1]["run"]


def describe(overrides: Mapping[str, Any]) -> str:
    """Overrides as one line, the way a reader compares configurations."""
    import json

    return " ".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in overrides.items()) or "(config.yaml as is)"


def format_plan(plan: Plan) -> str:
    """The plan as the CLI prints it: what runs, what is skipped and why, in the order it happens."""
    root = plan.experiment.root
    lines = [
        f"sweep '{plan.suite.name}': {len(plan.suite.configurations)} configuration(s) x {len(plan.seeds)} seed(s) = "
        f"{len(plan.jobs)} jobs on profile '{plan.profile}' with {plan.script.name} (code {plan.code_version})",
        f"  experiment {root}",
        f"  {plan.count(RUN)} to run, {plan.count(SKIP)} already completed (skipped), {plan.count(WAIT)} running now (waited for)",
    ]
    for conf, (name, jobs) in zip(plan.suite.configurations, plan.configurations()):
        lines.append(f"configuration {name}: {describe(conf.overrides)}")
        for job in jobs:
            if job.action == SKIP:
                what = f"skip  {job.run_name:<32} already completed: runs/{job.existing}"
            elif job.action == WAIT:
                what = f"wait  {job.run_name:<32} running now: runs/{job.existing}"
            else:
                after = f"  (after {', '.join(job.depends_on)})" if job.depends_on else ""
                what = f"run   {job.run_name:<32} identity {job.identity}{after}"
            lines.append("  " + what)
            lines += [f"        note: {note}" for note in job.notes]
    if plan.blocker:
        lines.append(f"refused: {plan.blocker}")
    return "\n".join(lines)


def require_derisk(plan: Plan) -> None:
    if plan.blocker:
        raise LabrailsError(f"the sweep cannot start: {plan.blocker}", path=plan.experiment.root,
                            fix=f"run `python {plan.script.name} de-risk`, read its review, then start the sweep again")
