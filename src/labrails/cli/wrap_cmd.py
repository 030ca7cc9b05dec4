"""``labrails run NAME [--profile P] -- CMD ...``: wiring for labrails.tracking.wrap."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from labrails.cli.common import ExperimentOpt


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run_cmd(
        name: str = typer.Argument(..., help="Descriptive run name; its prefix picks the profile (de-risk..., full...)."),
        command: Optional[List[str]] = typer.Argument(None, help="The command to run, after `--` (default: config.yaml's `command:`)."),
        profile: Optional[str] = typer.Option(None, help="Profile from config.yaml, when the name does not start with one."),
        force: bool = typer.Option(False, help="Run even if an identical run (same config, arguments, code) already completed."),
        metrics_file: Optional[str] = typer.Option(None, help="A JSONL or CSV file of metric rows the command writes ({run_dir} is replaced)."),
        final_metrics: Optional[str] = typer.Option(None, help="A JSON file of final metrics the command writes ({run_dir} is replaced)."),
        experiment: Optional[Path] = ExperimentOpt,
    ):
        """Run any command as a labrails run: `labrails run de-risk -- python main.py`.

        The profile's `args` (config.yaml) are appended to the command; its output goes to the terminal
        and to logs/train.log; its exit status decides completed or failed.
        """
        from labrails.tracking.wrap import run_command

        raise typer.Exit(run_command(name, command or None, profile=profile, experiment=experiment, force=force,
                                     metrics_file=metrics_file, final_metrics=final_metrics))
