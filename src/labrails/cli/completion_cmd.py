"""``labrails completion SHELL``: the shell's completion script (Typer's, over click's env-var protocol)."""

from __future__ import annotations

from enum import Enum

import typer

COMPLETE_VAR = "_LABRAILS_COMPLETE"


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"
    powershell = "powershell"


def register(app: typer.Typer) -> None:
    @app.command()
    def completion(shell: Shell = typer.Argument(..., help="bash, zsh, fish or powershell.")):
        """Print the shell completion script: add `eval "$(labrails completion bash)"` to ~/.bashrc.

        zsh: `eval "$(labrails completion zsh)"` in ~/.zshrc; fish: `labrails completion fish >
        ~/.config/fish/completions/labrails.fish`. The script asks labrails itself for the candidates, so
        commands, options and choices complete as this version has them.
        """
        from typer.completion import get_completion_script

        typer.echo(get_completion_script(prog_name="labrails", complete_var=COMPLETE_VAR, shell=shell.value))
