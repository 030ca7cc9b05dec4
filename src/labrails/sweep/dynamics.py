"""The cartography rule: a strategy other than ``none`` needs training dynamics from a baseline.

Checked before anything runs, so a suite cannot spend an hour on baselines and then fail on the first
filtered job. A configuration whose strategy needs dynamics gets them from, in order:

1. its own ``cartography.dynamics`` (a run directory or a glob under runs/), which must name an earlier
   configuration of the suite that logs dynamics, or an existing run that has them;
2. otherwise the nearest earlier configuration with ``cartography.log_dynamics: true``, same seed
   (the plan fills ``cartography.dynamics`` with ``runs/*-{profile}-{that configuration}-seed{seed}``).

Experiments whose config.yaml has no ``cartography`` section are not affected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labrails.core.errors import ConfigError
from labrails.recipes.cartography.strategies import STRATEGIES

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

KEY = "cartography.dynamics"


def section(values: Mapping[str, Any]) -> dict[str, Any] | None:
    carto = values.get("cartography")
    return carto if isinstance(carto, dict) and "strategy" in carto else None


def logs_dynamics(values: Mapping[str, Any]) -> bool:
    carto = section(values)
    return bool(carto and carto.get("log_dynamics"))


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
                   profile: str, seed: int) -> str:
    """The glob for the nearest earlier configuration that logs dynamics, or a clear error."""
    for name, values in reversed(earlier):
        if logs_dynamics(values):
            return f"runs/*-{profile}-{name}-seed{seed}"
    raise ConfigError(
        f"configuration '{config}' uses a cartography strategy but has no training dynamics: "
        "cartography.dynamics is not set and no earlier configuration logs them",
        path=suite_path,
        fix="list a baseline with `cartography.log_dynamics: true` before it, or set cartography.dynamics "
        "to a run that logged them (e.g. \"runs/*-full-baseline-seed{seed}\")",
    )


def check_source(config: str, value: str, producers: list[tuple[str, Mapping[str, Any]]], existing: Path | None,
                 *, suite_path: Path) -> None:
    """The runs ``value`` names must have (or will have) logs/dynamics.jsonl."""
    for name, values in producers:
        if not logs_dynamics(values):
            raise ConfigError(
                f"configuration '{config}' reads training dynamics from '{name}' ({value}), but '{name}' does not log them",
                path=suite_path,
                fix=f"add `cartography.log_dynamics: true` to the overrides of '{name}'",
            )
    if not producers and existing is not None and not (existing / "logs" / "dynamics.jsonl").is_file():
        raise ConfigError(
            f"configuration '{config}' reads training dynamics from {existing}, which has no logs/dynamics.jsonl",
            path=suite_path,
            fix="point cartography.dynamics at a run made with cartography.log_dynamics: true",
        )
