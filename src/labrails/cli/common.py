"""Options shared by many commands."""

from __future__ import annotations

from pathlib import Path

import typer

from labrails.core.experiment import Experiment, find_experiment

ExperimentOpt = typer.Option(None, "--experiment", "-e", help="Experiment directory (default: the one containing the current directory).")


def experiment_at(path: Path | None) -> Experiment:
    return find_experiment(path)
