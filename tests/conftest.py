"""Shared fixtures: real experiments created with labrails itself, in temporary directories."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _quiet_runs(monkeypatch):
    monkeypatch.setenv("LABRAILS_QUIET", "1")  # keep loguru's terminal sink out of test output


@pytest.fixture
def experiment(tmp_path):
    """A fresh experiment (as `labrails new` makes it) with the tiny test script copied in."""
    import labrails

    # The cartography template: its config.yaml has the cartography section the sweep's rules read.
    exp = labrails.new_experiment(tmp_path / "exp", hypothesis="the tiny script completes", success=["it completes"],
                                  template="cartography")
    shutil.copy(FIXTURES / "tiny_run.py", exp.root / "tiny_run.py")
    return exp


def run_script(exp, *args, env=None, check=True, timeout=120):
    """Run a script in the experiment as a user would: `python SCRIPT ARGS` with cwd = experiment."""
    full_env = {**os.environ, "LABRAILS_QUIET": "1", **(env or {})}
    proc = subprocess.run([sys.executable, *map(str, args)], cwd=exp.root, env=full_env, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


@pytest.fixture
def run_in():
    return run_script
