"""Fixtures for the analysis tests: experiments with real runs whose final metrics the test chooses.

The runs come from testing/scripted_runs.py; see SWEEP there for the values every test aggregates.
"""

from __future__ import annotations

import pytest

import labrails
from testing.runs import run_named
from testing.scripted_runs import kill, launch, run_sweep, start_sleeping_run


@pytest.fixture(scope="session")
def launch_run():
    """launch_run(exp, NAME, metrics, overrides=None, check=True, **env) -> the finished process."""
    return launch


@pytest.fixture(scope="session")
def named():
    """named(exp, DESCRIPTIVE) -> the one run directory of that name."""
    return run_named


@pytest.fixture
def sleeping_run():
    """start(exp, name) -> a live process; kill(proc) ends it the hard way."""
    return start_sleeping_run, kill


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """One experiment with the three-configuration sweep, shared read-only by a module's tests."""
    exp = labrails.new_experiment(tmp_path_factory.mktemp("sweep") / "wine-mlp", hypothesis="a wider MLP is more accurate",
                                  success=["test_accuracy >= 0.9"], data_source="sklearn.datasets.load_wine")
    run_sweep(exp)
    return exp
