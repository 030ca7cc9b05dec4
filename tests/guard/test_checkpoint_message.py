"""A run blocked at a checkpoint is told what the gating phase must produce before the human can approve it."""

from __future__ import annotations

from states import build_checkpoint_pending

from labrails.guard.engine import decide


def test_the_checkpoint_block_says_what_the_gating_phase_produces(tmp_path):
    build_checkpoint_pending(tmp_path)
    exp = tmp_path / "exp"
    decision = decide({"tool_name": "Bash", "cwd": str(exp),
                       "tool_input": {"command": "python train.py full", "run_in_background": True}})
    assert decision.rule == "checkpoint"
    assert ("Phase 'de-risk' must first produce: Under a minute on a representative subset; every part of the "
            "pipeline fires. (its commands: train.py de-risk*") in decision.reason
