"""labrails: guardrails and a skill pack for ML experiments run by researchers and by coding agents.

The names below are loaded on first use, so ``import labrails`` (and the agent hooks) stay fast.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "start_run": "labrails.run",
    "Run": "labrails.run",
    "LabrailsError": "labrails.errors",
    "RunAlreadyCompleted": "labrails.errors",
    "ConfigError": "labrails.errors",
    "new_experiment": "labrails.new",
    "find_experiment": "labrails.experiment",
    "Experiment": "labrails.experiment",
    "seed_everything": "labrails.seeding",
    "fingerprint": "labrails.provenance",
    "mark_synthetic": "labrails.provenance",
    "plot_run": "labrails.plots",
    "write_predictions": "labrails.predictions",
}
_MODULES = {"split", "outputs", "cartography", "review", "plots", "report", "sweep", "analyze", "journal", "registry"}


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    if name in _MODULES:
        return importlib.import_module(f"labrails.{name}")
    raise AttributeError(f"module 'labrails' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS, *_MODULES])
