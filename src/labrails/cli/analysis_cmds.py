"""analyze, report, report check: wiring only; the work is in labrails.analysis.analyze and labrails.analysis.report."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from labrails.cli.common import ExperimentOpt, experiment_at

CHECK = "check"


def register(app: typer.Typer) -> None:
    @app.command()
    def analyze(
        experiment_dir: Optional[Path] = typer.Argument(None, metavar="[EXPERIMENT]", help="Experiment directory (default: the one containing the current directory)."),
        metric: Optional[str] = typer.Option(None, help="Metric to compare configurations on (default: spec.yaml's primary metric)."),
        profile: Optional[str] = typer.Option(None, help="Only runs of this profile (e.g. full)."),
        baseline: Optional[str] = typer.Option(None, help="Configuration the others are compared to (default: the first one run)."),
        experiment: Optional[Path] = ExperimentOpt,
    ):
        """Group completed runs by configuration and summarise over seeds: analysis/results.csv, summary.csv,
        all_results.json and comparison plots, with paired significance tests and early-stop hints."""
        from labrails.analysis.analyze import analyze as run_analysis, format_analysis

        exp = experiment_at(experiment_dir or experiment)
        typer.echo(format_analysis(run_analysis(exp, metric=metric, profile=profile, baseline=baseline)))

    @app.command(context_settings={"help_option_names": ["-h", "--help"]})
    def report(
        args: Optional[List[str]] = typer.Argument(None, metavar="[check] [EXPERIMENT]",
                                                   help="`check` to verify an existing REPORT.md; then the experiment directory."),
        metric: Optional[str] = typer.Option(None, help="Metric the results and conclusion focus on (default: spec.yaml's primary metric)."),
        profile: Optional[str] = typer.Option(None, help="Only runs of this profile (e.g. full)."),
        baseline: Optional[str] = typer.Option(None, help="Configuration the others are compared to."),
        experiment: Optional[Path] = ExperimentOpt,
    ):
        """Write REPORT.md from logged data only (runs the analysis first).

        `labrails report check [EXPERIMENT]` traces every number in REPORT.md to a logged value and exits 1
        listing each one it cannot find.
        """
        from labrails.core.errors import LabrailsError
        from labrails.analysis.report import check, report as write_report

        args = list(args or [])
        checking = bool(args) and args[0] == CHECK  # an experiment directory named "check" is ./check
        if checking:
            args = args[1:]
        if len(args) > 1:
            raise LabrailsError(f"unexpected arguments: {' '.join(args[1:])}", fix="labrails report [check] [EXPERIMENT]")
        exp = experiment_at(Path(args[0]) if args else experiment)
        if checking:
            result = check(exp)
            typer.echo(result.render())
            raise typer.Exit(0 if result.ok else 1)
        path = write_report(exp, metric=metric, profile=profile, baseline=baseline)
        typer.echo(f"wrote {path}\nverify it with: labrails report check")
