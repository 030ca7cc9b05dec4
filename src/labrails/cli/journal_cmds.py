from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from labrails.cli.common import ExperimentOpt, StrayArgs, experiment_at, refuse_positional_experiment

journal_app = typer.Typer(help="The experiment's journal (JOURNAL.md): add and read timestamped entries.", no_args_is_help=True)


@journal_app.command("add")
def journal_add(
    text: str = typer.Argument(..., help="What you observed, suspect, or must do."),
    tag: str = typer.Option("NOTE", "--tag", "-t", help="WEIRD, HUNCH, TODO, RESOLVED, NOTE or ASSUMPTION."),
    run: Optional[str] = typer.Option(None, help="The run this entry is about (name or unique part)."),
    experiment: Optional[Path] = ExperimentOpt,
):
    """Append a timestamped, tagged entry to JOURNAL.md."""
    from labrails.core.journal import add_entry

    exp = experiment_at(experiment)
    run_name = exp.resolve_run(run).name if run else None
    entry = add_entry(exp, text, tag=tag, run=run_name)
    typer.echo(f"{entry.timestamp} [{entry.tag}] added to {exp.journal}")


@journal_app.command("show")
def journal_show(
    stray: Optional[List[str]] = StrayArgs,
    tag: Optional[List[str]] = typer.Option(None, "--tag", "-t", help="Only entries with this tag (repeatable)."),
    last: int = typer.Option(0, help="Only the last N entries (0 = all)."),
    experiment: Optional[Path] = ExperimentOpt,
):
    """Print journal entries, optionally filtered by tag."""
    from labrails.core.journal import entries

    refuse_positional_experiment("journal show", stray)
    wanted = {t.upper() for t in tag or []}
    found = [e for e in entries(experiment_at(experiment)) if not wanted or e.tag in wanted]
    for e in found[-last:] if last else found:
        typer.echo(f"{e.timestamp} [{e.tag}]" + (f" ({e.run})" if e.run else "") + f" {e.text}")


def register(app: typer.Typer) -> None:
    app.add_typer(journal_app, name="journal")

    @app.command()
    def ignore(
        run: str = typer.Argument(..., help="Run name or unique part of it."),
        reason: str = typer.Option(..., help="Why it is left out of plots and reports."),
        experiment: Optional[Path] = ExperimentOpt,
    ):
        """List a run in IGNORED_RUNS.md: left out of plots, analyses and reports, never deleted."""
        from labrails.core.journal import ignore_run

        exp = experiment_at(experiment)
        name = exp.resolve_run(run).name
        ignore_run(exp, name, reason)
        typer.echo(f"{name} ignored ({reason}); it stays on disk")

    @app.command()
    def stability(
        run: str = typer.Argument(..., help="Run name or unique part of it."),
        state: str = typer.Argument(..., help="stable, unstable or investigating."),
        note: str = typer.Option("", help="Why: what was seen."),
        experiment: Optional[Path] = ExperimentOpt,
    ):
        """Record in runs.yaml whether a run is safe to trust (with commit, date, environment, metrics)."""
        from labrails.core.stability import record

        exp = experiment_at(experiment)
        entry = record(exp, exp.resolve_run(run), state, note=note)
        typer.echo(f"{entry['run']}: {state} (recorded in {exp.stability_log})")
