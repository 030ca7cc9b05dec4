"""Run a script, or the `labrails` CLI, inside an experiment the way a researcher types it."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from labrails.core.experiment import Experiment


def quiet_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment, with labrails' terminal log off and ``extra`` on top."""
    return {**os.environ, "LABRAILS_QUIET": "1", **(extra or {})}


def run_script(exp: Experiment, *args, env: Mapping[str, str] | None = None, check: bool = True,
               timeout: float = 120) -> subprocess.CompletedProcess:
    """`python ARGS` with cwd = the experiment; with ``check``, a non-zero exit fails with both outputs."""
    proc = subprocess.run([sys.executable, *map(str, args)], cwd=exp.root, env=quiet_env(env), capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def labrails_cli(exp: Experiment, *args, env: Mapping[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`labrails ARGS` with cwd = the experiment (the caller checks the exit code)."""
    return subprocess.run([sys.executable, "-m", "labrails", *map(str, args)], cwd=exp.root, env=quiet_env(env),
                          capture_output=True, text=True, timeout=timeout)
