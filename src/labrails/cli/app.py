"""The Typer application: argument wiring only; every command calls a function of the library.

``app`` is the whole CLI (tests and docs read it). ``run`` builds a smaller one holding only the module
that defines the command being run, and ``labrails --help`` never reaches Typer (see cli/commands.py).
Typer's rich output is off: plain click help reads the same and starts without importing rich.
"""

from __future__ import annotations

import os
import sys

import typer

from labrails.cli import commands
from labrails.cli.completion_cmd import COMPLETE_VAR
from labrails.core.errors import LabrailsError

_FULL: typer.Typer | None = None


def _version(value: bool) -> None:
    if value:
        from labrails import __version__

        typer.echo(f"labrails {__version__}")
        raise typer.Exit()


def build(modules: tuple[str, ...] = commands.MODULES) -> typer.Typer:
    cli = typer.Typer(
        name="labrails",
        help=commands.HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )

    @cli.callback()
    def _group(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                            help="Print labrails' version and exit.")) -> None:
        # keeps `labrails COMMAND` a group even when one command is registered
        pass

    commands.register_all(cli, modules)
    return cli


def __getattr__(name: str):
    global _FULL
    if name == "app":
        if _FULL is None:
            _FULL = build()
        return _FULL
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if os.environ.get(COMPLETE_VAR):
        # a shell asking for candidates (see cli/completion_cmd.py): Typer's completion classes answer it
        from typer.completion import completion_init

        completion_init()
    cli = build(commands.modules_for(argv))
    try:
        code = cli(args=argv, prog_name="labrails", standalone_mode=False)
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
