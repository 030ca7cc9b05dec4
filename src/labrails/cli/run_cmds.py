from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from labrails.cli.common import ExperimentOpt, experiment_at


def register(app: typer.Typer) -> None:
    @app.command()
    def runs(
        experiment: Optional[Path] = ExperimentOpt,
        rebuild: bool = typer.Option(False, help="Rebuild the registry from the run directories first (an unreadable registry is moved aside, kept)."),
    ):
        """List runs: name, profile, status, identity, key metric, duration, review (ignored ones marked). Writes nothing unless --rebuild."""
        from labrails.analysis.runs_table import format_table, list_runs

        exp = experiment_at(experiment)
        if rebuild:
            from labrails.core.registry import Registry, rebuild_summary

            typer.echo(rebuild_summary(Registry(exp.state).rebuild(exp.runs_dir)))
        typer.echo(format_table(list_runs(exp)))

    @app.command()
    def review(
        run: str = typer.Argument("latest", help="Run name, unique part of it, path, or 'latest'."),
        experiment: Optional[Path] = ExperimentOpt,
    ):
        """Run the post-run checklist; writes review.md and review.json. Exit 1 when there are blockers."""
        from labrails.review import review_run

        exp = experiment_at(experiment if experiment else (Path(run) if Path(run).is_dir() else None))
        result = review_run(exp.resolve_run(run))
        typer.echo((exp.resolve_run(run) / "review.md").read_text())
        raise typer.Exit(0 if result["passed"] else 1)

    @app.command()
    def plot(
        run: Optional[List[str]] = typer.Argument(None, help="Run name(s), unique part, path, or 'latest' (default: latest; with --compare: every run)."),
        metric: Optional[List[str]] = typer.Option(None, help="Only these logged metrics (repeatable)."),
        compare: bool = typer.Option(False, "--compare", help="Bars across runs instead of curves: each configuration's mean ± std of each --metric (default: the spec's primary metric) from metrics.json, into analysis/plots/."),
        experiment: Optional[Path] = ExperimentOpt,
    ):
        """Draw curves from the run's logs/metrics.jsonl into plots/ (refuses metrics that were not logged)."""
        from labrails.analysis.plots import plot_comparison, plot_run

        refs = list(run or [])
        first = refs[0] if refs else "latest"
        exp = experiment_at(experiment if experiment else (Path(first) if Path(first).is_dir() else None))
        if compare:
            from labrails.analysis.analyze import OUT_DIR, primary_metric_name

            dirs = [exp.resolve_run(r) for r in refs] or exp.run_dirs()
            for name in metric or [primary_metric_name(exp)]:
                typer.echo(str(plot_comparison(dirs, name, exp.root / OUT_DIR / "plots" / f"{name}.webp")))
            return
        for ref in refs or ["latest"]:
            for path in plot_run(exp.resolve_run(ref), metrics=metric or None):
                typer.echo(str(path))
