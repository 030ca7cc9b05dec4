"""analyze, report, report check: wiring only; the work is in labrails.analysis.analyze and labrails.analysis.report."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from typer.core import TyperGroup

from labrails.cli.common import ExperimentOpt, StrayArgs, experiment_at, refuse_positional_experiment


class _ReportGroup(TyperGroup):
    """`labrails report` writes REPORT.md; `labrails report check` is its one subcommand. Any other word is
    most often an experiment directory, which goes after -e."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            refuse_positional_experiment("report", args)
        return super().resolve_command(ctx, args)


def register(app: typer.Typer) -> None:
    @app.command()
    def analyze(
        stray: Optional[List[str]] = StrayArgs,
        metric: Optional[str] = typer.Option(None, help="Metric to compare configurations on (default: spec.yaml's primary metric)."),
        profile: Optional[str] = typer.Option(None, help="Only runs of this profile (e.g. full)."),
        baseline: Optional[str] = typer.Option(None, help="Configuration the others are compared to (default: the first one run)."),
        experiment: Optional[Path] = ExperimentOpt,
    ):
        """Group completed runs by configuration and summarise over seeds: analysis/results.csv, summary.csv,
        all_results.json and comparison plots, with paired significance tests and early-stop hints."""
        from labrails.analysis.analyze import analyze as run_analysis, format_analysis

        refuse_positional_experiment("analyze", stray)
        exp = experiment_at(experiment)
        typer.echo(format_analysis(run_analysis(exp, metric=metric, profile=profile, baseline=baseline)))

    report_app = typer.Typer(cls=_ReportGroup, invoke_without_command=True,
                             context_settings={"help_option_names": ["-h", "--help"]})
    app.add_typer(report_app, name="report")

    @report_app.callback()
    def report(
        ctx: typer.Context,
        metric: Optional[str] = typer.Option(None, help="Metric the results and conclusion focus on (default: spec.yaml's primary metric)."),
        profile: Optional[str] = typer.Option(None, help="Only runs of this profile (e.g. full)."),
        baseline: Optional[str] = typer.Option(None, help="Configuration the others are compared to."),
        experiment: Optional[Path] = ExperimentOpt,
    ):
        """Write REPORT.md from logged data only (runs the analysis first).

        Then `labrails report check` traces every number in REPORT.md to a logged value.
        """
        if ctx.invoked_subcommand:
            return
        from labrails.analysis.report import report as write_report

        path = write_report(experiment_at(experiment), metric=metric, profile=profile, baseline=baseline)
        typer.echo(f"wrote {path}\nverify it with: labrails report check")

    @report_app.command("check")
    def check(
        ctx: typer.Context,
        stray: Optional[List[str]] = StrayArgs,
        experiment: Optional[Path] = ExperimentOpt,
    ):
        """Trace every number in REPORT.md to a logged value, every claim to the runs; exit 1 listing each one
        it cannot find."""
        from labrails.analysis.report import check as check_report

        refuse_positional_experiment("report check", stray)
        if experiment is None and ctx.parent is not None:  # `labrails report -e EXP check` names it too
            experiment = ctx.parent.params.get("experiment")
        result = check_report(experiment_at(experiment))
        typer.echo(result.render())
        raise typer.Exit(0 if result.ok else 1)

