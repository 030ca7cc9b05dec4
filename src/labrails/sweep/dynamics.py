"""Prerequisites: a configuration that reads what an earlier run made finds it, current, before anything runs.

Two inputs are read this way:

| input | read through | made by a run with | the file |
|---|---|---|---|
| training dynamics | ``cartography.dynamics`` (strategy other than none) | ``cartography.log_dynamics: true`` | ``logs/dynamics.jsonl`` |
| cluster assignments | ``clusters.assignments`` (``exclude_clusters`` or ``min_cluster_probability`` set) | ``clusters.embed: true`` | ``clusters/assignments.csv`` |

Checked before anything runs, so a suite cannot spend an hour on baselines and then fail on the first
filtered job. A configuration that needs an input gets it from, in order:

1. its own key (a run directory or a glob under runs/), which must name an earlier configuration of
   the suite that makes it, or an existing run that has it and is current: made by the code this sweep
   runs, on the split file the experiment has now (a stale input stops the sweep, saying what remakes it);
2. otherwise the nearest earlier configuration that makes it, same seed (the plan fills the key with
   ``runs/*-{profile}-{that configuration}-seed{seed}`` and says so).

Experiments whose config.yaml has no ``cartography`` or ``clusters`` section are not affected.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labrails.core.errors import ConfigError, LabrailsError
from labrails.recipes.cartography.strategies import STRATEGIES

if TYPE_CHECKING:
    from collections.abc import Mapping

KEY = "cartography.dynamics"


@dataclass(frozen=True)
class Prerequisite:
    what: str          # "training dynamics"
    key: str           # the config key that names the run to read
    flag: str          # the config key that makes a run produce it
    file: str          # what the producing run holds, relative to its directory
    user: str          # what needs it, for messages: "a cartography strategy"

    @property
    def section(self) -> str:
        return self.key.split(".")[0]

    def makes(self, values: Mapping[str, Any]) -> bool:
        section = values.get(self.section)
        return isinstance(section, dict) and bool(section.get(self.flag.split(".")[1]))


DYNAMICS = Prerequisite("training dynamics", KEY, "cartography.log_dynamics", "logs/dynamics.jsonl", "a cartography strategy")
ASSIGNMENTS = Prerequisite("cluster assignments", "clusters.assignments", "clusters.embed", "clusters/assignments.csv",
                           "cluster filtering")
PREREQUISITES = (DYNAMICS, ASSIGNMENTS)


def section(values: Mapping[str, Any]) -> dict[str, Any] | None:
    carto = values.get("cartography")
    return carto if isinstance(carto, dict) and "strategy" in carto else None


def logs_dynamics(values: Mapping[str, Any]) -> bool:
    return DYNAMICS.makes(values)


def needs(prereq: Prerequisite, values: Mapping[str, Any], *, suite_path: Path, config: str) -> bool:
    """True when the configuration reads ``prereq``; a bad strategy or clusters section is an error here, not mid-sweep."""
    if prereq is DYNAMICS:
        return needs_dynamics(values, suite_path=suite_path, config=config)
    from labrails.recipes.clusters.filters import check_section, filters_active

    return filters_active(check_section(values, path=suite_path, where=f"configuration '{config}'"))


def needs_dynamics(values: Mapping[str, Any], *, suite_path: Path, config: str) -> bool:
    """True when the strategy reads dynamics; an unknown strategy is an error here, not mid-sweep."""
    carto = section(values)
    if carto is None:
        return False
    strategy = carto.get("strategy")
    if strategy not in STRATEGIES:
        raise ConfigError(
            f"configuration '{config}': cartography.strategy {strategy!r} is not a strategy",
            path=suite_path,
            fix=f"use one of: {', '.join(STRATEGIES)}",
        )
    return strategy != "none"


def default_source(config: str, earlier: list[tuple[str, Mapping[str, Any]]], *, suite_path: Path,
                   profile: str, seed: int, prereq: Prerequisite = DYNAMICS) -> str:
    """The glob for the nearest earlier configuration that makes ``prereq``, or a clear error."""
    for name, values in reversed(earlier):
        if prereq.makes(values):
            return f"runs/*-{profile}-{name}-seed{seed}"
    user = "uses a cartography strategy" if prereq is DYNAMICS else "filters by clusters"
    raise ConfigError(
        f"configuration '{config}' {user} but has no {prereq.what}: "
        f"{prereq.key} is not set and no earlier configuration makes them",
        path=suite_path,
        fix=f"list a baseline with `{prereq.flag}: true` before it, or set {prereq.key} "
        "to a run that made them (e.g. \"runs/*-full-baseline-seed{seed}\")",
    )


def check_source(config: str, value: str, producers: list[tuple[str, Mapping[str, Any]]], existing: Path | None,
                 *, suite_path: Path, prereq: Prerequisite = DYNAMICS, code_version: str | None = None,
                 split_file: Path | None = None) -> str:
    """The runs ``value`` names must make ``prereq`` (earlier configurations) or hold it, current (an
    existing run). Returns the note the plan prints: where the input comes from."""
    verb = "log them" if prereq is DYNAMICS else "make them"
    for name, values in producers:
        if not prereq.makes(values):
            raise ConfigError(
                f"configuration '{config}' reads {prereq.what} from '{name}' ({value}), but '{name}' does not {verb}",
                path=suite_path,
                fix=f"add `{prereq.flag}: true` to the overrides of '{name}'",
            )
    if producers:
        names = ", ".join(sorted({name for name, _ in producers}))
        return f"needs {prereq.what} ({prereq.file}) from configuration '{names}' of this sweep ({value}), which runs first"
    if existing is None:
        return f"needs {prereq.what} from {value}"
    if not (existing / prereq.file).is_file():
        raise ConfigError(
            f"configuration '{config}' reads {prereq.what} from {existing}, which has no {prereq.file}",
            path=suite_path,
            fix=f"point {prereq.key} at a run made with {prereq.flag}: true, or list such a baseline before "
            f"'{config}' in the suite" + ("" if prereq is DYNAMICS else "; `labrails clusters RUN` clusters a run "
                                          "that saved clusters/embeddings.npz"),
        )
    stale = _stale(prereq, existing, code_version=code_version, split_file=split_file)
    if stale:
        raise ConfigError(
            f"configuration '{config}' reads {prereq.what} from runs/{existing.name}, which are stale: {stale}",
            path=suite_path,
            fix=f"remake them with the current code and data: list a baseline with `{prereq.flag}: true` before "
            f"'{config}' in the suite (the sweep runs it first), or run `python <script> full-baseline` with "
            f"{prereq.flag}: true and point {prereq.key} at it",
        )
    return f"needs {prereq.what} ({prereq.file}) from runs/{existing.name} (completed, current)"


def _stale(prereq: Prerequisite, run_dir: Path, *, code_version: str | None, split_file: Path | None) -> str | None:
    """Why an existing run's input no longer describes this experiment, or None."""
    from labrails.core.fsutil import read_json
    from labrails.core.runinfo import read_run_json

    try:
        info = read_run_json(run_dir)
    except LabrailsError as exc:
        return exc.message
    made_by = info.get("code_version")
    if code_version and made_by and made_by != code_version:
        return f"made by code {made_by}, this sweep runs code {code_version}"
    data = read_json(run_dir / "data.json") if (run_dir / "data.json").is_file() else {}
    split_sha = data.get("split_sha256")
    if prereq is ASSIGNMENTS:
        summary = run_dir / "clusters" / "summary.json"
        made = (read_json(summary).get("provenance") or {}) if summary.is_file() else {}
        if not made:
            return "clusters/summary.json (their provenance) is missing"
        if made.get("identity") != info.get("identity"):
            return f"they were made by run identity {made.get('identity')}, not this run's {info.get('identity')}"
        split_sha = made.get("split_sha256") or split_sha
    if split_file is not None and split_sha and split_file.is_file():
        from labrails.tracking.provenance import fingerprint

        now = fingerprint(split_file)
        if now != split_sha:
            return f"made on split file sha {split_sha[:19]}..., but {split_file.name} is now {now[:19]}..."
    return None
