"""Tests against a real one-node SLURM cluster (tests/slurm/cluster.sh). Without one they skip, and the
reason is printed at the end of the session, never silently."""

from __future__ import annotations

import pytest

from testing.slurm import unavailable

_WHY: list[str] = []


@pytest.fixture(scope="session")
def slurm_cluster():
    """The cluster is up (SLURM_CONF set for this process and its children), or the test skips saying why."""
    why = unavailable()
    if why:
        _WHY.append(why)
        pytest.skip(why)


def pytest_terminal_summary(terminalreporter):
    if _WHY:
        terminalreporter.write_line(f"SLURM tests skipped: {_WHY[0]}", yellow=True)


TINY_SUITE = """
name: tiny
script: tiny_run.py
profile: full
seeds: [1, 2]
configurations:
  - {name: small-lr, overrides: {optim.lr: 0.001}}
slurm: {timeout_min: 60, cpus_per_task: 1, mem_gb: 1}
"""


@pytest.fixture
def tiny_sweep(experiment, run_in, slurm_cluster):
    """An experiment with a passing de-risk run of the tiny script and suites/tiny.yaml (1 configuration x 2 seeds)."""
    from testing.reviews import assert_review_passed

    run_in(experiment, "tiny_run.py", "de-risk")
    assert_review_passed(experiment.run_dirs()[-1])
    (experiment.root / "suites").mkdir(exist_ok=True)
    (experiment.root / "suites" / "tiny.yaml").write_text(TINY_SUITE)
    return experiment
