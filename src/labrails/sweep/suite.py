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
slurm: {partition: gpu, timeout_min: 60}
```

This module only reads and checks the file's own shape; whether the overrides fit config.yaml is the
plan's job (labrails.sweep.plan), because that needs the experiment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from labrails.core.errors import ConfigError

TOP_KEYS = ("name", "description", "script", "profile", "seeds", "seed_key", "configurations", "slurm")
CONFIGURATION_KEYS = ("name", "description", "overrides")
PLACEHOLDERS = ("seed", "profile")
_CONFIG_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


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


def flatten(overrides: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"optim": {"lr": 0.1}}`` and ``{"optim.lr": 0.1}`` both become ``{"optim.lr": 0.1}``.

    One spelling everywhere makes plans comparable and lets a placeholder be found in any value.
    """
    flat: dict[str, Any] = {}
    for key, value in overrides.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, dotted))
        else:
            flat[dotted] = value
    return flat


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
    data = load_yaml(path, what="suite file")
    unknown = [k for k in data if k not in TOP_KEYS]
    if unknown:
        raise ConfigError(f"unknown key '{unknown[0]}'", path=path, fix=f"a suite file has: {', '.join(TOP_KEYS)}")

    name = str(data.get("name") or path.stem)
    if not _CONFIG_NAME.match(name):
        raise ConfigError(f"name {name!r} is not usable in file names", path=path, fix="letters, digits, '.', '_' and '-'")
    script = data.get("script", "train.py")
    if not isinstance(script, str) or not script.strip():
        raise ConfigError("script must be the experiment script's file name", path=path, fix="e.g. script: train.py")
    profile = data.get("profile", "full")
    if not isinstance(profile, str) or not profile:
        raise ConfigError("profile must be the name of a profile in config.yaml", path=path, fix="e.g. profile: full")
    seed_key = data.get("seed_key", "seed")
    if not isinstance(seed_key, str) or not seed_key:
        raise ConfigError("seed_key must be the config key that receives the seed", path=path, fix="e.g. seed_key: seed")
    seeds = parse_seeds(data["seeds"], path=path, where="seeds") if data.get("seeds") is not None else ()
    slurm = data.get("slurm") or {}
    if not isinstance(slurm, dict):
        raise ConfigError("slurm must be a mapping of submitit parameters", path=path, fix="e.g. slurm: {partition: gpu, timeout_min: 60}")

    raw_configs = data.get("configurations")
    if not isinstance(raw_configs, list) or not raw_configs:
        raise ConfigError(
            "has no configurations",
            path=path,
            fix="add `configurations:` with one entry per setting to compare, e.g. - {name: baseline, overrides: {}}",
        )
    configurations = tuple(_configuration(raw, i, path, seed_key) for i, raw in enumerate(raw_configs))
    names = [c.name for c in configurations]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(f"configuration name '{twice[0]}' is used twice", path=path, fix="give every configuration its own name")
    return Suite(path=path, name=name, script=script, profile=profile, seeds=seeds, seed_key=seed_key,
                 configurations=configurations, slurm=dict(slurm), description=str(data.get("description") or ""))


def _configuration(raw: Any, index: int, path: Path, seed_key: str) -> Configuration:
    where = f"configurations[{index}]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a mapping with name and overrides", path=path,
                          fix="e.g. - {name: baseline, overrides: {optim.lr: 0.01}}")
    unknown = [k for k in raw if k not in CONFIGURATION_KEYS]
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}'", path=path, fix=f"a configuration has: {', '.join(CONFIGURATION_KEYS)}")
    name = raw.get("name")
    if not isinstance(name, str) or not _CONFIG_NAME.match(name):
        raise ConfigError(
            f"{where}: name {name!r} is missing or not usable in a run name",
            path=path,
            fix="a short name of letters, digits, '.', '_' and '-' (it becomes part of the run name), e.g. baseline",
        )
    overrides = raw.get("overrides") or {}
    if not isinstance(overrides, dict):
        raise ConfigError(f"configuration '{name}': overrides must be a mapping of config keys to values", path=path,
                          fix="e.g. overrides: {optim.lr: 0.01}")
    flat = flatten(overrides)
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
    return Configuration(name=name, overrides=flat, description=str(raw.get("description") or ""))


def fill(overrides: Mapping[str, Any], **values: Any) -> dict[str, Any]:
    """Fill ``{seed}`` and ``{profile}`` in string values; other values pass through unchanged."""

    def one(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), value)

    return {key: one(value) for key, value in overrides.items()}
