"""labrails: guardrails and a skill pack for ML experiments run by researchers and by coding agents.

The names below are loaded on first use, so ``import labrails`` (and the agent hooks) stay fast.
"""

from __future__ import annotations

__version__ = "0.1.0"

_EXPORTS = {
    "start_run": "labrails.tracking.run",
    "start_run_or_exit": "labrails.tracking.script",
    "Run": "labrails.tracking.run",
    "current_run": "labrails.tracking.attached",
    "run_command": "labrails.tracking.wrap",
    "LabrailsError": "labrails.core.errors",
    "RunAlreadyCompleted": "labrails.core.errors",
    "ConfigError": "labrails.core.errors",
    "new_experiment": "labrails.project.new",
    "find_experiment": "labrails.core.experiment",
    "Experiment": "labrails.core.experiment",
    "seed_everything": "labrails.tracking.seeding",
    "fingerprint": "labrails.tracking.provenance",
    "mark_synthetic": "labrails.tracking.provenance",
    "plot_run": "labrails.analysis.plots",
    "write_predictions": "labrails.tracking.predictions",
}
# Short names for the modules a script or notebook reaches through ``labrails.<name>``.
_MODULES = {
    "split": "labrails.data.split",
    "outputs": "labrails.outputs",
    "cartography": "labrails.recipes.cartography",
    "clusters": "labrails.recipes.clusters",
    "review": "labrails.review",
    "plots": "labrails.analysis.plots",
    "report": "labrails.analysis.report",
    "sweep": "labrails.sweep",
    "analyze": "labrails.analysis.analyze",
    "journal": "labrails.core.journal",
    "registry": "labrails.core.registry",
    "hf": "labrails.hf",
    "llm": "labrails.llm",
}


def __getattr__(name: str):
    import importlib

    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    if name in _MODULES:
        return importlib.import_module(_MODULES[name])
    raise AttributeError(f"module 'labrails' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS, *_MODULES])
