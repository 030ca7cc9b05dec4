"""An experiment around a script that knows nothing about labrails, run through `labrails run`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import labrails

from testing.paths import FIXTURES

if TYPE_CHECKING:
    from collections.abc import Mapping

    from labrails.core.experiment import Experiment

BYO = FIXTURES / "byo"


def byo_experiment(path: Path, config: str | None = None) -> Experiment:
    """``labrails new`` at ``path``, with the digits script of tests/fixtures/byo (main.py, model.py) and
    its config.yaml (or ``config``, the text of another one)."""
    exp = labrails.new_experiment(path, hypothesis="the digits script reaches 90% accuracy", success=["accuracy >= 0.9"])
    for name in ("main.py", "model.py", "config.yaml"):
        shutil.copy(BYO / name, exp.root / name)
    if config is not None:
        (exp.root / "config.yaml").write_text(config)
    return exp


def wrap_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """`python` on PATH is this interpreter (as in an activated venv); labrails' terminal log stays on."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}", **(extra or {})}
    env.pop("LABRAILS_QUIET", None)
    return env


def labrails_run(exp: Experiment, *args: str, env: Mapping[str, str] | None = None, timeout: float = 180,
                 check: bool = False) -> subprocess.CompletedProcess:
    """`labrails run ARGS` in the experiment, as a researcher types it."""
    proc = subprocess.run([sys.executable, "-m", "labrails", "run", *args], cwd=exp.root, env=wrap_env(env),
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"labrails run {args} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc
