"""`uv run train.py de-risk --set optim.lr=3e-4`: typed, part of the identity, shown where the run is described."""

from __future__ import annotations

import pytest

import labrails
from labrails.core.fsutil import read_json
from testing.commands import run_script

pytestmark = pytest.mark.slow


def test_set_changes_the_run_and_is_recorded(tmp_path):
    exp = labrails.new_experiment(tmp_path / "digits-mlp", hypothesis="MLP >= 95%", success=["test_accuracy >= 0.95"])
    run_script(exp, "train.py", "de-risk", timeout=300)
    run_script(exp, "train.py", "de-risk", "--set", "optim.lr=0.01", "--set", "model.hidden=64", timeout=300)
    first, second = exp.run_dirs()
    assert read_json(first / "run.json")["identity"] != read_json(second / "run.json")["identity"]
    assert "--set optim.lr=0.01 --set model.hidden=64" in (second / "command.txt").read_text()
    assert "Overridden for this run: optim.lr=0.01, model.hidden=64" in (second / "README.txt").read_text()
    config = (second / "config.yaml").read_text()
    assert "lr: 0.01" in config and "hidden: 64" in config
    wrong = run_script(exp, "train.py", "de-risk", "--set", "model.hiddden=64", check=False)
    assert wrong.returncode == 2 and "model.hiddden" in wrong.stdout and "fix:" in wrong.stdout
