"""The CLI starts light: `labrails --help` comes from the command table, a command loads only its module."""

from __future__ import annotations

import subprocess
import sys

import typer.main

from labrails.cli import commands
from labrails.cli.app import app, build


def test_the_command_table_matches_what_the_modules_register():
    group = typer.main.get_command(app)
    assert list(group.commands) == list(commands.COMMANDS)
    for name, (module, summary) in commands.COMMANDS.items():
        assert group.commands[name].get_short_help_str(limit=1000) == summary, name
        alone = typer.main.get_command(build((module,)))
        assert name in alone.commands, f"{module} does not register {name}"


def test_help_lists_every_command_without_importing_typer():
    code = ("import sys; sys.argv = ['labrails', '--help']; from labrails.__main__ import main; main(); "
            "print('TYPER' if 'typer' in sys.modules or 'rich' in sys.modules else 'LIGHT')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.rstrip().endswith("LIGHT")
    for name in commands.COMMANDS:
        assert (f"  {name} " in out) == (name != "hook"), name  # hook is for Claude Code, not people


def test_a_command_runs_with_only_its_module_and_errors_keep_their_exit_codes(tmp_path):
    def labrails(*args):
        return subprocess.run([sys.executable, "-m", "labrails", *args], capture_output=True, text=True, cwd=tmp_path)

    probe = labrails("runs", "--help")
    assert probe.returncode == 0 and "Usage: labrails runs [OPTIONS]" in probe.stdout and "--rebuild" in probe.stdout
    outside = labrails("runs")
    assert outside.returncode == 2 and "error:" in outside.stderr and "Traceback" not in outside.stderr
    unknown = labrails("rnus")
    assert unknown.returncode == 2 and "No such command 'rnus'" in unknown.stderr
    journal = labrails("journal", "--help")
    assert journal.returncode == 0 and "add" in journal.stdout and "show" in journal.stdout
