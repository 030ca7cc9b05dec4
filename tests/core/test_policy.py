"""The policy trusts only records the human or the library signed; forged ones count as absent and show as tampering."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

import labrails
from labrails.core import signing
from labrails.core.approvals import approve, valid_approvals
from labrails.core.errors import LabrailsError
from labrails.core.fsutil import read_json, write_json
from labrails.core.human import NotHuman
from labrails.core.policy import RunRefused, tampering
from labrails.core.registry import Registry
from labrails.core.spec import load_spec
from labrails.project.status import experiment_status, format_status
from labrails.review import review_run
from testing.human import approve_at_terminal, at_terminal
from testing.runs import WINE_DATA, derisked_on, record_run


def start_full(exp):
    return record_run(exp, "full")


def spec_of(exp):
    return load_spec(exp.spec_path)


def with_derisk_checkpoint(exp):
    """The spec the human wrote: the de-risk phase must be approved before any later run."""
    text = exp.spec_path.read_text().replace("    checkpoint: false\n  - name: full", "    checkpoint: true\n  - name: full")
    exp.spec_path.write_text(text)
    return exp


# --------------------------------------------------------------------------- approvals
def test_the_approval_api_refuses_without_a_person_at_a_terminal(experiment):
    spec = spec_of(experiment)
    with pytest.raises(NotHuman, match="not an interactive terminal"):
        approve(experiment.state, "de-risk", spec.sha256, known_phases=["de-risk", "full"])
    assert not (experiment.state / "approvals.json").exists()


def test_a_renamed_copy_of_the_cli_under_claude_code_cannot_approve(experiment, tmp_path):
    renamed = tmp_path / "lr"
    renamed.write_text((Path(sys.executable).parent / "labrails").read_text())  # the console script, under another name
    renamed.chmod(0o755)
    code, shown = at_terminal([sys.executable, str(renamed), "approve", "de-risk", "-e", str(experiment.root)], "de-risk",
                              cwd=experiment.root, env={"CLAUDECODE": "1"})
    assert code == 2 and "Claude Code environment is set (CLAUDECODE)" in shown
    assert not (experiment.state / "approvals.json").exists()


def test_a_row_appended_by_a_script_counts_as_absent_and_is_reported(experiment):
    with_derisk_checkpoint(experiment)
    derisked_on(experiment)
    spec = spec_of(experiment)
    forged = {"phase": "de-risk", "by": "human", "at": "2026-01-01T00:00:00", "spec_sha256": spec.sha256, "note": "ok"}
    write_json(experiment.state / "approvals.json", {"version": 2, "approvals": [forged]})
    assert valid_approvals(experiment.state, spec.sha256) == {}
    with pytest.raises(RunRefused) as refused:
        start_full(experiment)
    assert refused.value.rule == "checkpoint"
    status = format_status(experiment_status(experiment))
    assert "TAMPERING" in status and "approvals.json: record 'de-risk' is unsigned" in status


def test_an_approval_signed_with_another_key_counts_as_absent(experiment, tmp_path, monkeypatch):
    with_derisk_checkpoint(experiment)
    spec = spec_of(experiment)
    row = {"phase": "de-risk", "by": "human", "at": "2026-01-01T00:00:00", "spec_sha256": spec.sha256, "note": ""}
    monkeypatch.setenv("LABRAILS_CONFIG_DIR", str(tmp_path / "another-key"))
    forged = signing.signed(row)
    monkeypatch.undo()
    write_json(experiment.state / "approvals.json", {"version": 2, "approvals": [forged]})
    assert valid_approvals(experiment.state, spec.sha256) == {}
    assert any("approvals.json" in line for line in tampering(experiment.root))


def test_the_human_approves_at_their_terminal_and_the_checkpoint_opens(experiment):
    with_derisk_checkpoint(experiment)
    derisked_on(experiment)
    with pytest.raises(RunRefused, match=r"\[checkpoint\]"):
        start_full(experiment)
    shown = approve_at_terminal(experiment.root, "de-risk")
    assert "still TODO in the spec" in shown and "metrics.primary.meaning" in shown
    assert start_full(experiment).is_dir()
    assert tampering(experiment.root) == []


# --------------------------------------------------------------------------- checkpoints
def test_a_launch_matching_no_phase_is_placed_by_its_profile(experiment):
    with_derisk_checkpoint(experiment)
    derisked_on(experiment)
    # "tweak" matches no phase's command pattern; its profile, full, puts it in the full phase.
    with pytest.raises(RunRefused) as refused:
        labrails.start_run("tweak", profile="full", experiment=experiment.root, script=experiment.root / "train.py")
    assert refused.value.rule == "checkpoint" and "phase 'full'" in refused.value.render()


def test_a_checkpoint_the_human_set_cannot_be_dropped_before_the_first_approval(tmp_path):
    exp = labrails.new_experiment(tmp_path / "exp", hypothesis="h", success=["s"], derisk_checkpoint=True)
    derisked = exp.spec_path.read_text().replace("checkpoint: true", "checkpoint: false")
    exp.spec_path.write_text(derisked)  # the agent "simplifies" the spec before the human has approved anything
    with pytest.raises(RunRefused) as refused:
        record_run(exp, "de-risk")
    assert refused.value.rule == "checkpoint-removed" and "de-risk" in refused.value.render()


# --------------------------------------------------------------------------- run verdicts
def test_an_edited_run_json_and_a_rebuilt_registry_do_not_make_a_passing_derisk_run(experiment, run_in):
    run_in(experiment, "tiny_run.py", "de-risk", env={"TINY_FAIL": "diverged"}, check=False)
    [failed] = experiment.run_dirs()
    info = read_json(failed / "run.json")
    info.update(status="completed", error=None)  # what the agent tried
    (failed / "run.json").write_text(json.dumps(info))
    Registry(experiment.state).rebuild(experiment.runs_dir)
    review_run(failed)  # even a review of the edited run does not sign a completion
    proc = run_in(experiment, "tiny_run.py", "full", check=False)
    # The rebuild keeps the registry's 'failed' (it never takes a status from run.json), and a completion
    # verdict without the library's signature would count as absent anyway.
    assert proc.returncode == 2 and "[derisk-first]" in proc.stderr, proc.stderr
    assert [d.name for d in experiment.run_dirs()] == [failed.name]
    assert any(failed.name in line and "not signed" in line for line in tampering(experiment.root))


def test_a_failed_review_verdict_edited_to_passed_does_not_count(experiment):
    chance = {**WINE_DATA, "class_counts": {"class_0": 40, "class_1": 48, "class_2": 32}}
    derisk = record_run(experiment, "de-risk", data=chance, metrics={"test_accuracy": 0.33, "n_test": 58})
    assert not review_run(derisk)["passed"]
    with sqlite3.connect(experiment.state / "registry.sqlite") as db:  # what an agent with sqlite3 could do
        (raw,) = db.execute("SELECT row FROM runs WHERE run = ?", (derisk.name,)).fetchone()
        row = json.loads(raw)
        row["review_verdict"]["passed"] = True
        db.execute("UPDATE runs SET row = ? WHERE run = ?", (json.dumps(row), derisk.name))
    with pytest.raises(RunRefused, match="signature does not match"):
        start_full(experiment)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("name", ["approvals.json", "registry.json", "data_pin.json"])
def test_an_unreadable_state_file_is_a_refusal_naming_it(experiment, name):
    (experiment.state / name).write_text("{not json")
    with pytest.raises(LabrailsError) as err:
        record_run(experiment, "de-risk")
    assert name in str(err.value.path) + err.value.message and err.value.fix
    assert experiment.run_dirs() == []


def test_an_unparseable_spec_refuses_with_the_file_named(experiment, run_in):
    experiment.spec_path.write_text("phases: [unclosed\n")
    proc = run_in(experiment, "tiny_run.py", "de-risk", check=False)
    assert proc.returncode == 2 and "spec.yaml" in proc.stderr and "Traceback" not in proc.stderr
    assert experiment.run_dirs() == []


def test_a_missing_key_voids_every_verdict_and_says_where_the_key_was(experiment, tmp_path, monkeypatch):
    derisked_on(experiment)
    monkeypatch.setenv("LABRAILS_CONFIG_DIR", str(tmp_path / "no-key-here"))
    with pytest.raises(RunRefused) as refused:
        start_full(experiment)
    assert "signing key" in refused.value.render() and "no-key-here" in refused.value.render()
