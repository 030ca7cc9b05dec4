"""Sweep fixtures: an experiment with the tiny script, a suite file writer, and a de-risk run that vouches."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pytest

from testing.reviews import assert_review_passed

if TYPE_CHECKING:
    from pathlib import Path

TWO_BY_TWO = """
name: tiny
script: tiny_run.py
profile: full
seeds: [1, 2]
configurations:
  - name: small-lr
    overrides: {optim.lr: 0.001}
  - name: large-lr
    overrides: {optim.lr: 0.01}
"""


@pytest.fixture
def write_suite(experiment):
    """write_suite(text, name="tiny.yaml") -> the suite's path inside experiment/suites/."""

    def write(text: str = TWO_BY_TWO, name: str = "tiny.yaml") -> Path:
        path = experiment.root / "suites" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def derisked(experiment, run_in):
    """The experiment after a de-risk run that completed and passed its review: full sweeps may start."""
    run_in(experiment, "tiny_run.py", "de-risk")
    assert_review_passed(experiment.run_dirs()[-1])
    return experiment
