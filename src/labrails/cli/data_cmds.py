"""``labrails data show`` and ``labrails data pin``: the human checks the data a run loaded, then pins it."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from labrails.cli.common import ExperimentOpt, experiment_at


def register(app: typer.Typer) -> None:
    data = typer.Typer(help="The experiment's real data: show what runs loaded, and pin it (human only).", no_args_is_help=True)
    app.add_typer(data, name="data")

    @data.command("show")
    def show(
        run: Optional[str] = typer.Argument(None, help="A run directory name (default: the newest de-risk run that recorded real data)."),
        experiment: Optional[Path] = ExperimentOpt,
    ):
        """Show the data a run recorded (fingerprint, shapes, class balance, sample rows) and the current pin."""
        from labrails.core.datapin import current_pin, describe, proposal

        exp = experiment_at(experiment)
        name, record = proposal(exp.root, run)
        typer.echo(describe(name, record, current_pin(exp.state)))

    @data.command("pin")
    def pin(
        run: Optional[str] = typer.Argument(None, help="The run whose data to pin (default: the newest de-risk run that recorded real data)."),
        experiment: Optional[Path] = ExperimentOpt,
    ):
        """Pin a run's data as the experiment's real dataset (for the human, at an interactive terminal; type 'pin')."""
        from labrails.core.datapin import pin as pin_data

        exp = experiment_at(experiment)
        row = pin_data(exp.root, run)
        typer.echo(f"pinned {row['fingerprint']} ({row['source']}, from run {row['from_run']}) as {row['by']} at {row['pinned_at']}; "
                   "runs that must use the real data now have to load exactly this")
