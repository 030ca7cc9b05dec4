"""`labrails status` and the session context list a checkpoint as waiting for the human only once its phase
has produced what it must; before that they say what it must produce."""

from __future__ import annotations

from labrails.guard.context import session_context
from labrails.project.status import experiment_status, format_status
from testing.runs import derisked_on


def with_derisk_checkpoint(exp, outputs: str = ""):
    extra = f"    outputs: {outputs}\n" if outputs else ""
    text = exp.spec_path.read_text().replace("    checkpoint: false\n  - name: full", f"    checkpoint: true\n{extra}  - name: full")
    exp.spec_path.write_text(text)


def test_a_checkpoint_with_nothing_produced_is_not_waiting_for_the_human(experiment):
    with_derisk_checkpoint(experiment)
    status = experiment_status(experiment)
    assert status.waiting_for_human == []
    assert status.producing == ["de-risk: a completed run of phase 'de-risk' (train.py de-risk*, train.py derisk*, train.py smoke*)"]
    shown = format_status(status)
    assert "waiting for the human" not in shown
    assert "de-risk          checkpoint, once it has produced: a completed run of phase 'de-risk'" in shown
    context = session_context(str(experiment.root))
    assert "waiting for human approval" not in context and "still to produce before a checkpoint: de-risk:" in context


def test_once_the_phase_has_run_its_checkpoint_waits_for_the_human(experiment):
    with_derisk_checkpoint(experiment)
    derisked_on(experiment)
    status = experiment_status(experiment)
    assert status.waiting_for_human == ["de-risk"] and status.producing == []
    shown = format_status(status)
    assert "waiting for the human: de-risk" in shown and "once it has produced" not in shown
    assert "waiting for human approval: de-risk" in session_context(str(experiment.root))


def test_declared_outputs_are_listed_until_they_exist(experiment):
    with_derisk_checkpoint(experiment, "[split.json, {profile: de-risk}]")
    derisked_on(experiment)
    status = experiment_status(experiment)
    assert status.producing == ["de-risk: a file matching 'split.json'"] and status.waiting_for_human == []
    (experiment.root / "split.json").write_text("{}")
    assert experiment_status(experiment).waiting_for_human == ["de-risk"]
