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

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from labrails.core.config import nested_to_dotted
from labrails.core.errors import ConfigError
from labrails.core.schema import ANY, LIST, MAP, NULL, TEXT, Key, Map, apply_defaults, validate
from labrails.sweep.slurm import SLURM_SCHEMA

if TYPE_CHECKING:
    from collections.abc import Mapping
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
