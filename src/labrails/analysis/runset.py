"""Which runs an analysis may use, what each one measured, and which configuration and seed it belongs to.

A run is left out, with its reason kept, when IGNORED_RUNS.md lists it, when it did not complete
(failed, crashed, still running) or when it completed without a metrics.json. Nothing is left out
silently: every excluded run is returned with a category and a reason, and callers print the counts.

A *configuration* is the set of runs that differ only in their seed: the same profile, the same
overrides once the seed is taken out (run.json ``overrides``, as ``labrails sweep`` writes them) and the
same descriptive name once a trailing ``-seed<N>`` is removed (``full-baseline-seed42`` -> ``full-baseline``).
The name is part of the key so two hand-launched runs with different edits to config.yaml are never
averaged together just because neither had overrides.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from labrails.core.errors import LabrailsError
from labrails.core.experiment import Experiment, find_experiment
from labrails.core.fsutil import read_json
from labrails.core.journal import ignored_runs
from labrails.core.naming import descriptive_part
from labrails.core.runinfo import current_status
from labrails.core.summary import FINISHED, read_summary, write_summary

_SEED_SUFFIX = re.compile(r"-seed(\d+)$")
CATEGORIES = ("ignored", "failed", "crashed", "running", "no_metrics", "other_profile", "unreadable")


@dataclass
class RunResult:
    name: str
    path: Path
    profile: str
    configuration: str  # display name; unique per configuration key
    key: tuple[str, str, str]
    seed: int | None
    overrides: dict[str, Any]  # without the seed
    metrics: dict[str, float]  # numeric final metrics; NaN and inf kept, never dropped
    info: dict[str, Any]
    config: dict[str, Any]
    data: dict[str, Any] | None


@dataclass(frozen=True)
class Excluded:
    name: str
    category: str
    reason: str


@dataclass
class RunSet:
    experiment: Experiment
    included: list[RunResult]
    excluded: list[Excluded]
    profile: str | None = None

    def counts(self) -> dict[str, int]:
        counts = {"runs": len(self.included) + len(self.excluded), "included": len(self.included),
                  "configurations": len(self.configurations()), "excluded": len(self.excluded)}
        counts.update({c: sum(1 for e in self.excluded if e.category == c) for c in CATEGORIES})
        return counts

    def configurations(self) -> dict[str, list[RunResult]]:
        """Configuration name -> its runs sorted by seed, in the order each configuration was first run
        (computed once: the included runs do not change after loading)."""
        cached = self.__dict__.get("_configurations")
        if cached is not None and cached[0] == len(self.included):
            return cached[1]
        groups: dict[str, list[RunResult]] = {}
        # Start times, not directory names: runs started within one second would sort by name.
        for run in sorted(self.included, key=lambda r: (float(r.info.get("started_ts") or 0.0), r.name)):
            groups.setdefault(run.configuration, []).append(run)
        out = {name: sorted(runs, key=lambda r: (r.seed is None, r.seed if r.seed is not None else 0, r.name))
               for name, runs in groups.items()}
        self.__dict__["_configurations"] = (len(self.included), out)
        return out


def strip_seed(descriptive: str) -> str:
    return _SEED_SUFFIX.sub("", descriptive)


def seed_of(info: dict[str, Any], config: dict[str, Any], descriptive: str) -> int | None:
    """The seed the run used: its overrides (``seed`` or a sweep's ``seed_key`` such as ``train.seed``),
    else its resolved config.yaml, else its name."""
    overrides = info.get("overrides") or {}
    candidates = [overrides.get("seed"), *(v for k, v in overrides.items() if _is_seed_key(k)), config.get("seed")]
    for value in candidates:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return int(value)
    m = _SEED_SUFFIX.search(descriptive)
    return int(m.group(1)) if m else None


def seedless(overrides: dict[str, Any], seed: int | None) -> dict[str, Any]:
    """Overrides with the seed taken out, so the runs of one configuration share them.

    A sweep may put the seed into other values too (``runs/*-full-baseline-seed{seed}``); those become
    the placeholder again.
    """
    out = {}
    for key, value in overrides.items():
        if _is_seed_key(key) and (seed is None or value == seed):
            continue
        if seed is not None and isinstance(value, str):
            value = re.sub(rf"(?<!\d){seed}(?!\d)", "{seed}", value)
        out[key] = value
    return out


def _is_seed_key(key: str) -> bool:
    last = key.rsplit(".", 1)[-1].lower()
    return last == "seed" or last.endswith("_seed")


def numeric_metrics(raw: dict[str, Any]) -> dict[str, float]:
    out = {}
    for name, value in raw.items():
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            out[name] = value  # ints stay ints so counts print as counts
        elif isinstance(value, str) and value.lower() in ("nan", "inf", "-inf"):  # the metrics.jsonl convention
            out[name] = float(value)
    return out


def load_runs(experiment: Experiment, *, profile: str | None = None, run_dirs: Iterable[Path] | None = None,
              cache: bool = True) -> RunSet:
    """Read every run of the experiment (or only ``run_dirs``) and sort it into included or excluded.

    Each run is read once: from the experiment's runs index while its files are unchanged, else from its
    summary.json when that is still true to its files, else from its own files. With ``cache``, what was
    read is kept (summary.json for a finished run, and the index), so the next analysis reads one file.
    """
    from labrails.analysis import index

    ignored = ignored_runs(experiment)
    entries = index.load(experiment)
    changed = False
    included: list[RunResult] = []
    excluded: list[Excluded] = []
    dirs = list(run_dirs) if run_dirs is not None else experiment.run_dirs()
    for run_dir in dirs:
        run_dir = Path(run_dir)
        if run_dir.name in ignored:
            excluded.append(Excluded(run_dir.name, "ignored", f"listed in IGNORED_RUNS.md: {ignored[run_dir.name]}"))
            continue
        facts, now = index.fresh(entries, run_dir)
        if facts is None:
            try:
                facts = run_facts(run_dir, cache=cache)
            except LabrailsError as err:
                excluded.append(Excluded(run_dir.name, "unreadable", err.message))
                continue
            if cache and facts["info"].get("status") in FINISHED and "metrics_error" not in facts:
                entries[run_dir.name] = index.entry(facts, now, index.review_state(run_dir))
                changed = True
        result = _sort_one(run_dir, facts, profile)
        (excluded if isinstance(result, Excluded) else included).append(result)
    if cache and run_dirs is None:
        present = {d.name for d in dirs}
        if changed or any(name not in present for name in entries):
            index.save(experiment, {name: e for name, e in entries.items() if name in present})
    _name_configurations(included)
    return RunSet(experiment, included, excluded, profile)


def load_run_dirs(run_dirs: Iterable[Path]) -> RunSet:
    run_dirs = [Path(p) for p in run_dirs]
    if not run_dirs:
        raise LabrailsError("no runs given", fix="name at least one run directory")
    return load_runs(find_experiment(run_dirs[0]), run_dirs=run_dirs)


def run_facts(run_dir: Path, *, cache: bool = False) -> dict[str, Any]:
    """A run's info, final metrics, resolved config and data record, from summary.json when it is still
    valid, else from the run's own files (then cached as summary.json if ``cache`` and the run finished).

    Raises LabrailsError when run.json cannot be read; ``metrics_error`` names an unreadable metrics.json.
    """
    summary = read_summary(run_dir)
    if summary is not None:
        return summary
    info = current_status(run_dir)  # turns a dead 'running' process into 'crashed'
    facts: dict[str, Any] = {"info": info, "metrics": None, "config": {}, "data": None}
    if (run_dir / "metrics.json").is_file():
        try:
            facts["metrics"] = read_json(run_dir / "metrics.json")
        except (OSError, ValueError) as exc:
            facts["metrics_error"] = f"metrics.json is unreadable ({exc})"
    if info.get("status") not in FINISHED:
        return facts  # a running run: the rest is not needed yet and will change
    facts["config"] = read_config(run_dir / "config.yaml")
    if (run_dir / "data.json").is_file():
        try:
            facts["data"] = read_json(run_dir / "data.json")
        except (OSError, ValueError):
            facts["data"] = None
    if cache and "metrics_error" not in facts:
        try:
            write_summary(run_dir, info, metrics=facts["metrics"], config=facts["config"], data=facts["data"])
        except OSError:
            pass  # a read-only experiment: analysis still works, only slower
    return facts


def _sort_one(run_dir: Path, facts: dict[str, Any], profile: str | None) -> RunResult | Excluded:
    name = run_dir.name
    info = facts["info"]
    if profile is not None and info.get("profile") != profile:  # not part of the question, whatever its status
        return Excluded(name, "other_profile", f"profile {info.get('profile')}, not {profile}")
    status = info.get("status")
    if status in ("failed", "crashed"):
        error = info.get("error") or {}
        why = ": ".join(str(x) for x in (error.get("type"), error.get("message")) if x) or "no error recorded"
        return Excluded(name, str(status), why)
    if status == "running":
        return Excluded(name, "running", f"still running (last heartbeat {info.get('heartbeat_at')})")
    if facts.get("metrics_error"):
        return Excluded(name, "unreadable", facts["metrics_error"])
    raw = facts["metrics"]
    if raw is None:
        return Excluded(name, "no_metrics", f"status {status} but no metrics.json: the run never called run.finish(metrics)")
    config = facts["config"] if isinstance(facts["config"], dict) else {}
    descriptive = str(info.get("descriptive_name") or descriptive_part(name))
    seed = seed_of(info, config, descriptive)
    overrides = seedless(info.get("overrides") or {}, seed)
    key = (str(info.get("profile")), json.dumps(overrides, sort_keys=True, default=str), strip_seed(descriptive))
    return RunResult(name=name, path=run_dir, profile=str(info.get("profile")), configuration=key[2], key=key,
                     seed=seed, overrides=overrides,
                     metrics=numeric_metrics(raw if isinstance(raw, dict) else {}), info=info, config=config,
                     data=facts["data"])


def _name_configurations(runs: list[RunResult]) -> None:
    """Use the seedless run name; add the profile, then the overrides, only when that name is ambiguous."""
    keys = list(dict.fromkeys(r.key for r in runs))
    for key in keys:
        label = key[2]
        if sum(1 for k in keys if k[2] == label) > 1:
            label = f"{label} [{key[0]}]"
            if sum(1 for k in keys if k[2] == key[2] and k[0] == key[0]) > 1:
                label = f"{key[2]} [{key[0]}, {key[1]}]"
        for run in runs:
            if run.key == key:
                run.configuration = label


def read_config(path: Path) -> dict[str, Any]:
    """A run's resolved config.yaml as a mapping; empty when missing or unreadable."""
    if not path.is_file():
        return {}
    import yaml

    from labrails.core.yamlfile import DuplicateKey, parse_yaml

    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, DuplicateKey):
        return {}
    return data if isinstance(data, dict) else {}


def flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{'optim': {'lr': 0.01}} -> {'optim.lr': 0.01}: the same dotted keys overrides use."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out
