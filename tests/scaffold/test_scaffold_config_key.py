"""The digits scaffold reading a key config.yaml no longer has: the error and its fix, exit 2, and no failed run
directory left behind (the registry keeps the attempt)."""

from __future__ import annotations

import pytest

import labrails
from labrails.core.registry import Registry
from testing.commands import run_script

pytestmark = pytest.mark.slow


def test_a_renamed_key_exits_2_with_the_keys_that_exist_and_leaves_no_run_directory(tmp_path):
    exp = labrails.new_experiment(tmp_path / "digits-mlp", hypothesis="MLP >= 95%", success=["test_accuracy >= 0.95"])
    text = exp.config_path.read_text()
    assert "  lr: 0.003" in text and "optim.lr: positive" in text
    # Renamed with its check, so config.yaml is valid and the script only finds out when it reads optim.lr.
    exp.config_path.write_text(text.replace("  lr: 0.003", "  lrr: 0.003").replace("optim.lr: positive", "optim.lrr: positive"))
    proc = run_script(exp, "train.py", "de-risk", check=False, timeout=300)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "the script reads 'optim.lr', which config.yaml does not have" in proc.stderr
    assert "keys under 'optim': lrr, weight_decay" in proc.stderr
    assert exp.run_dirs() == []
    [row] = Registry(exp.state).rows().values()
    assert row["status"] == "failed" and row["discarded"] is True
