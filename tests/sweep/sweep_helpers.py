"""`labrails sweep` as a researcher types it (fixtures are in conftest.py; shared helpers in the testing package)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from testing.commands import labrails_cli

if TYPE_CHECKING:
    import subprocess

    from labrails.core.experiment import Experiment


def sweep_cli(exp: Experiment, *args, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`labrails sweep ARGS` in the experiment."""
    return labrails_cli(exp, "sweep", *args, env=env, timeout=timeout)
