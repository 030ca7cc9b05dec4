"""The README documents every CLI command, and its two setup commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from labrails.cli.app import app

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()


def command_names():
    import typer.main

    group = typer.main.get_group(app)
    names = []
    for name, command in group.commands.items():
        if getattr(command, "hidden", False) or name == "hook":
            continue
        sub = getattr(command, "commands", None)
        names += [f"{name} {s}" for s in sub] if sub else [name]
    return names


def test_every_command_is_in_the_readme():
    missing = [name for name in command_names() if f"labrails {name}" not in README]
    assert not missing, f"document these in README.md: {missing}"


def test_ci_runs_the_readme_test_command():
    blocks = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
    test_command = next(b for b in blocks if "pytest" in b)
    assert test_command.strip() in (REPO / ".ci" / "run").read_text()
