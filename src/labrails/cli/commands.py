"""Which command modules make up the CLI. Each module exposes ``register(app)``."""

from __future__ import annotations

import importlib

import typer

MODULES = (
    "labrails.cli.experiment_cmds",   # new, status, quickstart
    "labrails.cli.run_cmds",          # runs, review, plot
    "labrails.cli.journal_cmds",      # journal add/show, ignore, stability
    "labrails.cli.guard_cmds",        # approve, init, hook
    "labrails.cli.split_cmd",         # split make/check
    "labrails.cli.sweep_cmds",        # sweep
    "labrails.cli.analysis_cmds",     # analyze, report, report check
    "labrails.cli.wrap_cmd",          # run NAME -- CMD
    "labrails.cli.export_cmd",        # export tensorboard|mlflow|wandb
    "labrails.cli.clusters_cmds",     # clusters
)


def register_all(app: typer.Typer) -> None:
    for name in MODULES:
        importlib.import_module(name).register(app)
