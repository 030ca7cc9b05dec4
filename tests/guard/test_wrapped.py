"""The guard knows scripts an experiment runs through `labrails run`: their launches, wrapped or plain,
are runs of a profile, and a synthetic-data flag in a full launch is blocked."""

from __future__ import annotations

import pytest

from labrails.guard.engine import decide
from testing.byo import byo_experiment, labrails_run


def bash(exp, command, **extra):
    return decide({"tool_name": "Bash", "cwd": str(exp.root), "tool_input": {"command": command, "run_in_background": True, **extra}})


@pytest.fixture
def byo(tmp_path):
    return byo_experiment(tmp_path / "digits-byo")


def test_a_synthetic_full_launch_is_blocked_in_every_form(byo):
    for command in ("labrails run full -- python main.py --synthetic",
                    "labrails run full -- SYNTHETIC=1 python main.py",
                    "python main.py --epochs 14 --synthetic",
                    "SYNTHETIC=1 python main.py",
                    "torchrun --nproc_per_node 2 main.py --synthetic"):
        decision = bash(byo, command)
        assert not decision.allow and decision.rule == "synthetic-flag", (command, decision)
    assert bash(byo, "labrails run de-risk -- python main.py --synthetic").rule != "synthetic-flag"


def test_full_waits_for_de_risk_and_plain_launches_are_sent_to_labrails_run(byo):
    assert bash(byo, "labrails run full").rule == "derisk-first"
    assert bash(byo, "python main.py --epochs 14").rule == "derisk-first"  # the script's defaults: a full run
    plain_derisk = bash(byo, "python main.py --epochs 1 --limit-train 0.3")  # carries de-risk's args
    assert not plain_derisk.allow and plain_derisk.rule == "wrapped-script"
    assert "labrails run de-risk" in plain_derisk.reason
    assert bash(byo, "labrails run de-risk").allow


@pytest.mark.slow
def test_an_identical_wrapped_run_is_not_mistaken_for_a_new_one(byo):
    labrails_run(byo, "de-risk", check=True)
    assert bash(byo, "labrails run de-risk -- python main.py --lr 0.5").allow
