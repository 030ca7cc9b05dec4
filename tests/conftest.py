"""Fixtures every test directory can use: a fresh experiment with the tiny script, and a way to run it.

The helpers themselves live in the ``testing`` package beside this file (importable from any test directory).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Test modules are not packages; with tests/ on the path, ``from testing.<module> import ...`` works from all of them.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from testing.commands import run_script  # noqa: E402
from testing.experiments import tiny_experiment  # noqa: E402


@pytest.fixture(autouse=True)
def _quiet_runs(monkeypatch):
    monkeypatch.setenv("LABRAILS_QUIET", "1")  # keep loguru's terminal sink out of test output


@pytest.fixture(autouse=True, scope="session")
def _private_signing_key(tmp_path_factory):
    """Tests sign with a key of their own, never the user's (see labrails.core.signing)."""
    import os

    os.environ["LABRAILS_CONFIG_DIR"] = str(tmp_path_factory.mktemp("labrails-config"))


@pytest.fixture
def experiment(tmp_path):
    """A fresh experiment (as `labrails new` makes it) with the tiny test script copied in."""
    # The cartography template: its config.yaml has the cartography section the sweep tests override.
    return tiny_experiment(tmp_path / "exp", template="cartography")


@pytest.fixture
def run_in():
    """run_in(exp, SCRIPT, ARGS..., env=None, check=True) -> the finished process (see testing.commands.run_script)."""
    return run_script
