from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from labrails.cli.common import ExperimentOpt, experiment_for_run


def register(app: typer.Typer) -> None:
    @app.command()
    def clusters(
        run: str = typer.Argument("latest", help="Run name, unique part of it, path, or 'latest'."),
        min_cluster_size: Optional[int] = typer.Option(None, "--min-cluster-size", help="HDBSCAN's smallest cluster (default: the run's, else 10)."),
        min_samples: Optional[int] = typer.Option(None, "--min-samples", help="HDBSCAN's min_samples (default: the run's, else min_cluster_size)."),
        pca_components: Optional[int] = typer.Option(None, "--pca-components", help="Project the embeddings to this many components first."),
        replace: bool = typer.Option(False, "--replace", help="Re-cluster even if the run has assignments (runs that used them recorded their sha256)."),
        experiment: Optional[Path] = ExperimentOpt,
    ):
        """Show a completed run's clusters, clustering its saved embeddings (clusters/embeddings.npz) with
        HDBSCAN when it has none yet; writes clusters/assignments.csv, summary.json and clusters.webp."""
        from labrails.recipes.clusters.artifact import cluster_run, format_summary

        exp = experiment_for_run("clusters", run, experiment)
        run_dir = exp.resolve_run(run)
        summary = cluster_run(run_dir, min_cluster_size=min_cluster_size, min_samples=min_samples,
                              pca_components=pca_components, replace=replace)
        typer.echo(format_summary(summary, run_dir))
