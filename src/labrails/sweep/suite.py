"""The suite file: which configurations of an experiment to run, on which profile, with which seeds.

```yaml
name: cartography
script: train.py
profile: full
seeds: [42, 43, 44]
seed_key: seed
configurations:
  - name: baseline
    overrides: {cartography.log_dynamics: true}
  - name: filter
    overrides: {cartography.strategy: filter, cartography.dynamics: "runs/*-full-baseline-seed{seed}"}
slurm: {partition: gpu, timeout_min: 60, profiles: {de-risk: {timeout_min: 10}}}
```

This module only reads and checks the file's own shape; whether the overrides fit config.yaml is the
plan's job (labrails.sweep.plan), because that needs the experiment.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from labrails.core.config import nested_to_dotted
from labrails.core.errors import ConfigError
from labrails.core.schema import ANY, LIST, MAP, NULL, TEXT, Key, Map, apply_defaults, validate
from labrails.sweep.slurm import SLURM_SCHEMA

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

PLACEHOLDERS = ("seed", "profile")
_CONFIG_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

CONFIGURATION = Map(
    Key("name", TEXT, required=True, test=_CONFIG_NAME.match,
        message="{parent}: name {value} is missing or not usable in a run name",
        fix="a short name of letters, digits, '.', '_' and '-' (it becomes part of the run name), e.g. baseline"),
    Key("description", ANY, default=""),
    Key("overrides", (MAP, NULL), default={}, message="{parent}: overrides must be a mapping of config keys to values",
        fix="e.g. overrides: {optim.lr: 0.01}"),
    message="{where} must be a mapping with name and overrides", fix="e.g. - {name: baseline, overrides: {optim.lr: 0.01}}",
    known="a configuration has",
)
# Seeds are checked by parse_seeds (shared with --seeds) and the name by load_suite (it defaults to the
# file's stem); everything else about the file's shape is here.
SUITE_SCHEMA = Map(
    Key("name", ANY),
    Key("description", ANY, default=""),
    Key("script", TEXT, default="train.py", test=str.strip, message="script must be the experiment script's file name",
        fix="e.g. script: train.py"),
    Key("profile", TEXT, default="full", nonempty=True, message="profile must be the name of a profile in config.yaml",
        fix="e.g. profile: full"),
    Key("seeds", ANY),
    Key("seed_key", TEXT, default="seed", nonempty=True, message="seed_key must be the config key that receives the seed",
        fix="e.g. seed_key: seed"),
    Key("configurations", LIST, required=True, nonempty=True, items=CONFIGURATION, message="has no configurations",
        fix="add `configurations:` with one entry per setting to compare, e.g. - {name: baseline, overrides: {}}"),
    Key("slurm", (MAP, NULL), default={}, schema=SLURM_SCHEMA, message="slurm must be a mapping of cluster settings",
        fix="e.g. slurm: {partition: gpu, timeout_min: 60} (docs/sweeps.md lists the keys)"),
    known="a suite file has",
)


@dataclass(frozen=True)
class Configuration:
    name: str
    overrides: dict[str, Any]          # dotted keys -> values, placeholders not filled yet
    description: str = ""


@dataclass(frozen=True)
class Suite:
    path: Path
    name: str
    script: str
    profile: str
    seeds: tuple[int, ...]
    seed_key: str
    configurations: tuple[Configuration, ...]
    slurm: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    sources: tuple[Path, ...] = ()     # the saved config.yaml files a `--configs` suite was made from


def parse_seeds(values: Any, *, path: Path | None, where: str) -> tuple[int, ...]:
    """Seeds as integers, each once; ``"42,43"`` is accepted because shells make commas convenient."""
    if isinstance(values, (int, str)):
        values = [values]
    if not isinstance(values, (list, tuple)) or not values:
        raise ConfigError(f"{where} must be a non-empty list of integers", path=path, fix="e.g. seeds: [42, 43, 44]")
    seeds: list[int] = []
    for value in values:
        parts = str(value).split(",") if isinstance(value, str) else [value]
        for part in parts:
            if isinstance(part, bool) or not re.fullmatch(r"-?\d+", str(part).strip()):
                raise ConfigError(f"{where}: {part!r} is not an integer seed", path=path, fix="e.g. --seeds 42 43 44")
            seed = int(str(part).strip())
            if seed in seeds:
                raise ConfigError(f"{where}: seed {seed} is listed twice", path=path, fix="list each seed once")
            seeds.append(seed)
    return tuple(seeds)


def load_suite(path: Path | str) -> Suite:
    """Read and check a suite file; every problem names the file, the key and the fix."""
    from labrails.core.yamlfile import load_yaml

    path = Path(path)
    data = apply_defaults(validate(load_yaml(path, what="suite file"), SUITE_SCHEMA, path=path), SUITE_SCHEMA)
    name = str(data.get("name") or path.stem)
    if not _CONFIG_NAME.match(name):
        raise ConfigError(f"name {name!r} is not usable in file names", path=path, fix="letters, digits, '.', '_' and '-'")
    seed_key = data["seed_key"]
    seeds = parse_seeds(data["seeds"], path=path, where="seeds") if data.get("seeds") is not None else ()
    configurations = tuple(_configuration(raw, path, seed_key) for raw in data["configurations"])
    names = [c.name for c in configurations]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(f"configuration name '{twice[0]}' is used twice", path=path, fix="give every configuration its own name")
    return Suite(path=path, name=name, script=data["script"], profile=data["profile"], seeds=seeds, seed_key=seed_key,
                 configurations=configurations, slurm=dict(data["slurm"] or {}), description=str(data["description"] or ""))


def _configuration(raw: dict[str, Any], path: Path, seed_key: str) -> Configuration:
    """One configuration whose shape the schema already checked: its overrides must leave the seed alone
    and use only the placeholders filled per job."""
    name = raw["name"]
    flat = nested_to_dotted(raw["overrides"] or {})
    if seed_key in flat:
        raise ConfigError(f"configuration '{name}' sets '{seed_key}' itself, but the seed comes from the suite's seeds",
                          path=path, fix="remove it from overrides; use seeds: [...] or --seeds")
    for key, value in flat.items():
        for placeholder in _PLACEHOLDER.findall(value) if isinstance(value, str) else ():
            if placeholder not in PLACEHOLDERS:
                raise ConfigError(
                    f"configuration '{name}': unknown placeholder {{{placeholder}}} in {key}",
                    path=path,
                    fix=f"the placeholders filled per job are {', '.join('{' + p + '}' for p in PLACEHOLDERS)}",
                )
    return Configuration(name=name, overrides=flat, description=str(raw["description"] or ""))


def fill(overrides: Mapping[str, Any], **values: Any) -> dict[str, Any]:
    """Fill ``{seed}`` and ``{profile}`` in string values; other values pass through unchanged."""

    def one(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), value)

    return {key: one(value) for key, value in overrides.items()}


# --------------------------------------------------------------------------------------------- --configs

_SEED_IN_REF = re.compile(r"-seed(-?\d+)(?=$|[^0-9])")


def suite_from_configs(paths: Sequence[Path | str], *, seed_key: str = "seed") -> tuple[Suite, Path]:
    """Saved resolved configurations (``runs/<run>/config.yaml``) as a suite that re-runs exactly them.

    Each file becomes the overrides that turn today's config.yaml (with the file's profile) back into
    the file's values; files that differ only in their seed become one configuration with those seeds.
    A run reference such as ``runs/*-full-baseline-seed42`` in a run made with seed 42 becomes
    ``runs/*-full-baseline-seed{seed}``, so new seeds read their own baseline. Returns the suite and
    the experiment root. Refuses (naming the file and key) a configuration that config.yaml can no
    longer express: a key it lost or gained since.
    """
    from labrails.core import config as config_mod
    from labrails.core.experiment import find_experiment
    from labrails.core.yamlfile import load_yaml

    if not paths:
        raise ConfigError("no saved configurations given", fix="labrails sweep --configs runs/*-full-baseline-*/config.yaml")
    files = [Path(p) for p in paths]
    roots, saved = set(), []
    for path in files:
        if path.name != "config.yaml" or not (path.parent / "run.json").is_file():
            raise ConfigError("not a run's saved configuration (runs/<run>/config.yaml)", path=path,
                              fix="pass the config.yaml inside run directories, e.g. --configs runs/*-full-filter-*/config.yaml")
        exp = find_experiment(path.parent)
        roots.add(exp.root)
        saved.append((path, load_yaml(path, what="saved configuration")))
    if len(roots) > 1:
        raise ConfigError(f"the configurations come from {len(roots)} experiments", path=files[0],
                          fix="re-run configurations of one experiment at a time")
    root = roots.pop()
    config_path = root / "config.yaml"
    profiles = {values.get("profile") for _, values in saved}
    scripts = {values.get("script") or "train.py" for _, values in saved}
    if len(profiles) != 1 or None in profiles:
        raise ConfigError(f"the configurations have profiles {sorted(map(str, profiles))}; a sweep runs one", path=files[0],
                          fix="pass the configurations of one profile (e.g. only runs/*-full-*/config.yaml)")
    if len(scripts) != 1:
        raise ConfigError(f"the configurations were run by different scripts ({', '.join(sorted(scripts))})", path=files[0],
                          fix="pass the configurations of one script at a time")
    profile, script = profiles.pop(), scripts.pop()
    base = config_mod.resolve(config_path, profile, script=script).values

    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for path, values in saved:
        seed = values.get(seed_key)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ConfigError(f"'{seed_key}' is {seed!r}, not an integer seed", path=path,
                              fix="pass configurations saved by runs of this experiment")
        overrides = _overrides_to(values, base, path=path, config_path=config_path, skip={"profile", "script", seed_key})
        check = config_mod.resolve(config_path, profile, {**overrides, seed_key: seed}, script=script).values
        if check != values:
            raise ConfigError("config.yaml with the saved values applied does not give the saved configuration back",
                              path=path, fix="re-run it through a suite file instead")
        templated = {key: _SEED_IN_REF.sub(lambda m: "-seed{seed}" if int(m.group(1)) == seed else m.group(0), value)
                     if isinstance(value, str) and value.startswith("runs/") else value for key, value in overrides.items()}
        name = _configuration_name(path, profile, len(groups))
        key = (name, json.dumps(templated, sort_keys=True, default=str))
        group = groups.setdefault(key, {"name": name, "overrides": templated, "seeds": [], "files": []})
        if seed in group["seeds"]:
            raise ConfigError(f"two of the configurations are the same, with seed {seed}", path=path,
                              fix=f"pass it once (also in {group['files'][0]})")
        group["seeds"].append(seed)
        group["files"].append(path)
    seed_sets = {tuple(sorted(g["seeds"])) for g in groups.values()}
    if len(seed_sets) > 1:
        detail = "; ".join(f"{g['name']}: {', '.join(map(str, sorted(g['seeds'])))}" for g in groups.values())
        raise ConfigError(f"the configurations were run with different seeds ({detail}); a sweep runs every "
                          "configuration with the same seeds", path=files[0],
                          fix="pass --seeds to choose them, or pass configurations that share their seeds")
    configurations, used = [], set()
    for group in groups.values():
        name = group["name"]
        for n in range(2, 1000):
            if name not in used:
                break
            name = f"{group['name']}-{n}"
        used.add(name)
        configurations.append(Configuration(name=name, overrides=group["overrides"],
                                            description=f"re-run of {', '.join(str(f.parent.name) for f in group['files'])}"))
    suite = Suite(path=files[0], name="configs", script=script, profile=profile, seeds=tuple(sorted(seed_sets.pop())),
                  seed_key=seed_key, configurations=tuple(configurations), sources=tuple(files))
    return suite, root


def _configuration_name(path: Path, profile: str, index: int) -> str:
    """``full-filter-seed42`` -> ``filter``: the name the run had in its sweep (or a plain one)."""
    from labrails.core.runinfo import read_run_json

    name = str(read_run_json(path.parent).get("descriptive_name") or "")
    name = re.sub(r"-seed-?\d+$", "", name)
    if name.startswith(f"{profile}-"):
        name = name[len(profile) + 1:]
    return name if name and name != profile and _CONFIG_NAME.match(name) else f"config{index + 1}"


def _overrides_to(values: Mapping[str, Any], base: Mapping[str, Any], *, path: Path, config_path: Path,
                  skip: set[str]) -> dict[str, Any]:
    """The dotted overrides that turn ``base`` into ``values``."""
    saved = nested_to_dotted({k: v for k, v in values.items() if k not in skip})
    now = nested_to_dotted({k: v for k, v in base.items() if k not in skip})
    lost = sorted(set(saved) - set(now))
    if lost:
        raise ConfigError(f"the saved configuration has '{lost[0]}', which config.yaml no longer has", path=path,
                          fix=f"add '{lost[0]}' back to {config_path}, or re-run through a suite file")
    gained = sorted(set(now) - set(saved))
    if gained:
        raise ConfigError(f"config.yaml gained '{gained[0]}' since this configuration ran, so it cannot be re-run exactly",
                          path=path, fix=f"remove '{gained[0]}' from {config_path} for the re-run, or re-run through a suite file")
    return {key: value for key, value in saved.items() if value != now[key]}
