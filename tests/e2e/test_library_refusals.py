"""With no hook at all, the library still refuses a full run before de-risk, and the real client's model is told why.

The agent's commands here are ones a shell-text guard cannot read as a launch (a shell script, ``python -m``);
the client runs without the labrails plugin, so the only thing standing in the way is ``start_run``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from testing.fake_model import bash

import labrails

pytestmark = pytest.mark.e2e


def venv_path() -> dict[str, str]:
    return {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}", "LABRAILS_QUIET": "1"}


@pytest.fixture
def project(tmp_path):
    root = labrails.new_experiment(tmp_path / "digits-mlp", hypothesis="MLP >= 95% on digits", success=["test_accuracy >= 0.95"]).root
    (root / "run_full.sh").write_text("#!/bin/sh\npython train.py full\n")
    return root


@pytest.mark.parametrize("command", ["bash run_full.sh", "python -m train full"])
def test_a_full_run_the_hook_never_sees_is_refused_by_the_library(claude, project, command):
    run = claude(project, "run the full experiment", [[bash(command, timeout=120000)]], extra_env=venv_path(), timeout=240)
    run.check()
    assert list((project / "runs").iterdir()) == [], "the library must refuse before writing a run directory"
    (result,) = run.tool_results()
    assert "run refused [derisk-first]" in result.content and "de-risk" in result.content, result.content
    refusals = (project / ".labrails" / "refusals.jsonl").read_text().splitlines()
    assert len(refusals) == 1 and '"rule": "derisk-first"' in refusals[0]
