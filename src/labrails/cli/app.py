"""The Typer application: argument wiring only; every command calls a function of the library."""

from __future__ import annotations

import sys

import typer

from labrails.core.errors import LabrailsError

app = typer.Typer(
    name="labrails",
    help="Guardrails for ML experiments: timestamped runs, a run registry, a journal, reviews, and hooks "
    "that keep coding agents honest.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



def _version(value: bool) -> None:
    if value:
        from labrails import __version__

        typer.echo(f"labrails {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print labrails' version and exit.")) -> None:
    """Guardrails for ML experiments."""


from labrails.cli import commands  # noqa: E402  (registers the commands on `app`)

commands.register_all(app)


def run() -> None:
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:  # without standalone mode, click returns `raise typer.Exit(n)` as n
            sys.exit(code)
    except LabrailsError as err:
        typer.secho(f"error: {err.render()}", err=True, fg="red")
        sys.exit(err.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except Exception as exc:  # usage errors: click's ClickException, or the copy of it newer typer vendors
        if callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            sys.exit(exc.exit_code)
        raise
