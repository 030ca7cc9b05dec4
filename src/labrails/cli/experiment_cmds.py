from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from labrails.cli.common import ExperimentOpt, StrayArgs, experiment_at, refuse_positional_experiment


def register(app: typer.Typer) -> None:
    @app.command()
    def new(
        name: Path = typer.Argument(..., help="Directory of the new experiment (e.g. digits-mlp)."),
        hypothesis: Optional[str] = typer.Option(None, help="One testable claim. Left as a TODO placeholder when omitted."),
        success: Optional[List[str]] = typer.Option(None, help="A success criterion (repeatable)."),
        metric: str = typer.Option("test_accuracy", help="The primary metric's name."),
        direction: str = typer.Option("higher", help="Which way the primary metric is better: higher or lower."),
        derisk_checkpoint: bool = typer.Option(False, help="Require a human approval after the de-risk phase."),
        template: str = typer.Option("digits", help="Starting point, one of: digits (train.py: a PyTorch MLP on "
                                     "scikit-learn's digits); cartography (train.py: the same with dataset cartography "
                                     "and suites/cartography.yaml); wine-llm (predict.py: a tiny language model with "
                                     "free-text answers); llm (llm.py: a small causal LM fine-tuned with HF Trainer, "
                                     "evaluated with labrails.llm.generate; needs labrails[hf])."),
    ):
        """Create an experiment: JOURNAL.md, IGNORED_RUNS.md, spec.yaml, config.yaml, runs.yaml, train.py, runs/."""
        from labrails.project.new import new_experiment

        exp = new_experiment(name, hypothesis=hypothesis, success=success, primary_metric=metric, direction=direction,
                             derisk_checkpoint=derisk_checkpoint, template=template)
        from labrails.project.new import TEMPLATES
        from labrails.project.shell_names import shell_name

        typer.echo(f"created {exp.root}: {TEMPLATES[template]['about']}")
        typer.echo(f"next: fill in the TODOs ({shell_name('labrails')} status lists them), then: "
                   f"cd {name} && {shell_name('uv')} run {TEMPLATES[template]['script']} de-risk")

    @app.command()
    def status(stray: Optional[List[str]] = StrayArgs, experiment: Optional[Path] = ExperimentOpt):
        """Show unfilled placeholders, phases and approvals, what waits for the human, and run counts."""
        from labrails.project.status import experiment_status, format_status

        refuse_positional_experiment("status", stray)
        typer.echo(format_status(experiment_status(experiment_at(experiment))))

    @app.command()
    def quickstart(directory: Path = typer.Argument(Path("quickstart"), help="Where to create the example experiment.")):
        """Create a digits experiment, run de-risk, review it, run full, review it, and say where to look."""
        from labrails.project.quickstart import quickstart as run_quickstart

        run_quickstart(directory)
