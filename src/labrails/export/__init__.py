"""Keep your UI: runs exported to TensorBoard, MLflow or W&B, from the files every run leaves.

``labrails export tensorboard|mlflow|wandb [RUNS...]``: one module per target, each using the target's
official client (an optional extra: ``pip install 'labrails[tensorboard]'``). Exports are idempotent:
exporting a run again updates what is there and never duplicates a value.
"""

from __future__ import annotations

TARGETS = {
    "tensorboard": ("labrails.export.tensorboard", "tensorboard", "tensorboard"),
    "mlflow": ("labrails.export.mlflow", "mlflow", "mlflow"),
    "wandb": ("labrails.export.wandb", "wandb", "wandb"),
}


def export_runs(target: str, run_dirs, *, destination: str | None = None, echo=print) -> list[str]:
    """Export each run directory to ``target``; returns one line per run saying where it went."""
    import importlib

    from labrails.core.errors import LabrailsError, MissingDependency
    from labrails.export.source import read_run

    if target not in TARGETS:
        raise LabrailsError(f"unknown export target '{target}'", fix=f"use one of: {', '.join(TARGETS)}")
    module_name, package, extra = TARGETS[target]
    if importlib.util.find_spec(package) is None:
        raise MissingDependency(package, extra)
    module = importlib.import_module(module_name)
    lines = []
    for run_dir in run_dirs:
        line = module.export_run(read_run(run_dir), destination)
        echo(line)
        lines.append(line)
    return lines
