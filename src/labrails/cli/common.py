"""Options shared by many commands, and the one way every command names its experiment: -e/--experiment."""

from __future__ import annotations

from pathlib import Path

import typer

from labrails.core.errors import LabrailsError
from labrails.core.experiment import Experiment, find_experiment, is_experiment

ExperimentOpt = typer.Option(None, "--experiment", "-e", help="Experiment directory (default: the one containing the current directory).")
# Catches a directory given where -e belongs, so the error can say so instead of click's "unexpected extra argument".
StrayArgs = typer.Argument(None, hidden=True, metavar="")


def experiment_at(path: Path | None) -> Experiment:
    return find_experiment(path)


def refuse_positional_experiment(command: str, stray: list[str] | None) -> None:
    """A command given words it does not take: most often an experiment directory, which goes after -e."""
    if stray:
        raise LabrailsError(f"unexpected argument '{stray[0]}': every command names its experiment with -e/--experiment",
                            fix=f"labrails {command} -e {stray[0]}")


def experiment_for_run(command: str, ref: str, experiment: Path | None) -> Experiment:
    """The experiment of a command that takes RUN: -e, else the run directory's own experiment when RUN is a
    path, else the one containing the current directory. An experiment given as RUN is an error naming -e."""
    path = Path(ref)
    if experiment is None and path.is_dir():
        if is_experiment(path):
            raise LabrailsError(f"'{ref}' is an experiment, not a run: the experiment is named with -e/--experiment",
                                fix=f"labrails {command} -e {ref} latest")
        return find_experiment(path)
    return find_experiment(experiment)
