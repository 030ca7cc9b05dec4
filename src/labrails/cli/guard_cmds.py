from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from labrails.cli.common import ExperimentOpt, experiment_at


def register(app: typer.Typer) -> None:
    @app.command()
    def approve(
        phase: str = typer.Argument(..., help="The spec.yaml phase whose checkpoint you approve."),
        note: str = typer.Option("", help="What you looked at."),
        experiment: Optional[Path] = ExperimentOpt,
    ):
        """Approve a spec checkpoint: for the human, at an interactive terminal, typing the phase name to confirm."""
        from labrails.core.approvals import approve as record_approval
        from labrails.core.spec import load_spec

        exp = experiment_at(experiment)
        spec = load_spec(exp.spec_path)
        todos = spec.placeholders()
        show = [f"spec.yaml {exp.spec_path} (sha256 {spec.sha256[:12]})"]
        show += (["still TODO in the spec (approving does not fill them):"] + [f"  - {t}" for t in todos]) if todos else ["no TODOs left in the spec"]
        show.append("checkpoints: " + (", ".join(p.name for p in spec.phases if p.checkpoint) or "none"))
        row = record_approval(exp.state, phase, spec.sha256, known_phases=[p.name for p in spec.phases], note=note,
                              checkpoints=[p.name for p in spec.phases if p.checkpoint], show="\n".join(show))
        typer.echo(f"approved phase '{phase}' as {row['by']} at {row['at']} (spec sha256 {spec.sha256[:12]}); "
                   "editing spec.yaml voids this approval")

    @app.command()
    def init(
        directory: Path = typer.Argument(Path("."), help="The project to set up (default: here)."),
    ):
        """Install labrails' skills and hooks into DIR/.claude/ and add a labrails section to CLAUDE.md (idempotent)."""
        from labrails.project.init import install_into

        for line in install_into(directory):
            typer.echo(line)

    from labrails.cli.hook_help import command_help

    @app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True}, help=command_help())
    def hook(
        ctx: typer.Context,
        event: str = typer.Argument(..., help="pretooluse, posttooluse, sessionstart or stop (reads the hook JSON on stdin)."),
    ):
        from labrails.guard.hook import main as hook_main

        raise typer.Exit(hook_main([event, *ctx.args]))
