"""A run blocked at a checkpoint is told what the gating phase must produce before the human can approve it."""

from __future__ import annotations

from states import build_checkpoint_pending, derisk_passed, new_digits_experiment

from labrails.guard.engine import decide


def test_the_checkpoint_block_says_what_the_gating_phase_produces(tmp_path):
    build_checkpoint_pending(tmp_path)
    exp = tmp_path / "exp"
    decision = decide({"tool_name": "Bash", "cwd": str(exp),
                       "tool_input": {"command": "python train.py full", "run_in_background": True}})
    assert decision.rule == "checkpoint"
    assert ("Phase 'de-risk' must first produce: Under a minute on a representative subset; every part of the "
            "pipeline fires. (its commands: train.py de-risk*") in decision.reason


def test_a_checkpoint_whose_phase_produced_nothing_sends_the_agent_back_to_that_phase(tmp_path):
    # A baseline phase with a checkpoint, between de-risk and full; the de-risk run passed, no baseline run exists yet.
    exp = new_digits_experiment(tmp_path)
    spec = exp / "spec.yaml"
    text = spec.read_text().replace("  - name: full", "  - name: baseline\n    commands: [\"train.py full-baseline*\"]\n"
                                    "    checkpoint: true\n    outputs: [{profile: full}]\n  - name: full")
    spec.write_text(text)
    derisk_passed(exp)
    decision = decide({"tool_name": "Bash", "cwd": str(exp),
                       "tool_input": {"command": "python train.py full-ours", "run_in_background": True}})
    assert decision.rule == "checkpoint"
    assert "phase 'baseline' comes first and has not produced a completed run of profile 'full' yet" in decision.reason
    assert "Do the work of phase 'baseline' first" in decision.reason
