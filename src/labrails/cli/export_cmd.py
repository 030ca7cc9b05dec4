"""``labrails export tensorboard|mlflow|wandb [RUNS...]``: wiring for labrails.export."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from labrails.cli.common import ExperimentOpt, experiment_at


def register(app: typer.Typer) -> None:
    @app.command()
    def export(
        target: str = typer.Argument(..., help="tensorboard, mlflow or wandb."),
        runs: Optional[List[str]] = typer.Argument(None, help="Run names, unique parts or 'latest' (default: every run)."),
        to: Optional[str] = typer.Option(None, "--to", help="Where: a folder (tensorboard, wandb), an MLflow tracking URI "
                                         "(sqlite:///mlflow.db, http://host:5000, file:///path) (default: exports/ in the experiment)."),
        experiment: Optional[Path] = ExperimentOpt,
    ):
        """Export runs to the UI you know; exporting again updates, never duplicates."""
        from labrails.export import export_runs

        exp = experiment_at(experiment)
        dirs = [exp.resolve_run(r) for r in runs] if runs else exp.run_dirs()
        export_runs(target, dirs, destination=to, echo=typer.echo)
