from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from labrails.cli.common import ExperimentOpt, StrayArgs, experiment_at, experiment_for_run, refuse_positional_experiment


def register(app: typer.Typer) -> None:
    @app.command()
    def runs(
        stray: Optional[List[str]] = StrayArgs,
        experiment: Optional[Path] = ExperimentOpt,
        rebuild: bool = typer.Option(False, help="Rebuild the registry from the run directories first (an unreadable registry is moved aside, kept)."),
        as_json: bool = typer.Option(False, "--json", help="Print the runs as a JSON list (name, profile, status, identity, metrics, duration_s, review, path, ...)."),
    ):
        """List runs: name, profile, status, identity, key metric, duration, review (ignored ones marked). Writes nothing unless --rebuild."""
        from labrails.analysis.runs_table import format_table, list_runs, rows_as_json

        refuse_positional_experiment("runs", stray)
        exp = experiment_at(experiment)
        if rebuild:
            from labrails.core.registry import Registry, rebuild_summary

            summary = rebuild_summary(Registry(exp.state).rebuild(exp.runs_dir))
            typer.echo(summary, err=as_json)  # stdout stays pure JSON with --json
        typer.echo(rows_as_json(list_runs(exp)) if as_json else format_table(list_runs(exp)))

    @app.command()
    def review(
        run: str = typer.Argument("latest", help="Run name, unique part of it, path, or 'latest'."),
        experiment: Optional[Path] = ExperimentOpt,
    ):
        """Run the post-run checklist; writes review.md and review.json. Exit 1 when there are blockers."""
        from labrails.review import review_run

        exp = experiment_for_run("review", run, experiment)
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
        exp = experiment_for_run("plot", first, experiment)
        if compare:
            from labrails.analysis.analyze import OUT_DIR, primary_metric_name

            dirs = [exp.resolve_run(r) for r in refs] or exp.run_dirs()
            for name in metric or [primary_metric_name(exp)]:
                typer.echo(str(plot_comparison(dirs, name, exp.root / OUT_DIR / "plots" / f"{name}.webp")))
            return
        for ref in refs or ["latest"]:
            for path in plot_run(exp.resolve_run(ref), metrics=metric or None):
                typer.echo(str(path))

    @app.command()
    def diff(
        run_a: str = typer.Argument(..., metavar="RUN_A", help="Run name, unique part of it, path, or 'latest'."),
        run_b: str = typer.Argument(..., metavar="RUN_B", help="The run to compare it with (same forms)."),
        all_keys: bool = typer.Option(False, "--all", help="Also list the config and environment values the runs share."),
        as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
        experiment: Optional[Path] = ExperimentOpt,
    ):
        """Compare two runs side by side: resolved config, code (commit, uncommitted changes), environment, metrics."""
        from labrails.analysis.rundiff import compare_runs, format_diff

        exp = experiment_for_run("diff", run_a, experiment)
        result = compare_runs(exp.resolve_run(run_a), exp.resolve_run(run_b))
        typer.echo(result.to_json() if as_json else format_diff(result, all_keys=all_keys))

    @app.command()
    def logs(
        run: str = typer.Argument("latest", help="Run name, unique part of it, path, or 'latest'."),
        follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines while the run is running; exit 0 when it completes, 1 when it fails or crashes."),
        experiment: Optional[Path] = ExperimentOpt,
    ):
        """Print a run's console log (logs/train.log); with -f, follow it until the run ends."""
        import sys

        from labrails.tracking.runlog import follow_log, read_log

        run_dir = experiment_for_run("logs", run, experiment).resolve_run(run)
        if not follow:
            sys.stdout.write(read_log(run_dir))
            return
        def write(text: str) -> None:
            sys.stdout.write(text)
            sys.stdout.flush()  # a pipe (`| grep`) sees each line as it comes, not when the run ends

        try:
            status = follow_log(run_dir, write)
        except KeyboardInterrupt:  # Ctrl-C stops following; the run goes on
            raise typer.Exit(130) from None
        typer.echo(f"labrails: run {run_dir.name} is {status}", err=True)
        raise typer.Exit(0 if status == "completed" else 1)
