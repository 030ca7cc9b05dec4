"""A checkpoint waits for the human only once its phase has produced what it must (spec.yaml `outputs:`)."""

from __future__ import annotations

import pytest

from labrails.core import gates
from labrails.core.errors import ConfigError
from labrails.core.policy import RunRefused
from labrails.core.spec import load_spec
from testing.runs import derisked_on, record_run


def with_derisk_checkpoint(exp, outputs: str = ""):
    """The de-risk phase is a checkpoint; ``outputs`` is the YAML flow list it must produce (none: its own runs)."""
    extra = f"    outputs: {outputs}\n" if outputs else ""
    text = exp.spec_path.read_text().replace("    checkpoint: false\n  - name: full", f"    checkpoint: true\n{extra}  - name: full")
    exp.spec_path.write_text(text)
    spec = load_spec(exp.spec_path)
    return spec, spec.phases[0]


def test_without_outputs_a_phase_must_have_a_completed_run_of_its_own(experiment):
    spec, derisk = with_derisk_checkpoint(experiment)
    assert gates.missing(spec, derisk) == ["a completed run of phase 'de-risk' (train.py de-risk*, train.py derisk*, train.py smoke*)"]
    record_run(experiment, "de-risk-crashed", error=RuntimeError("loader broke"))
    assert gates.missing(spec, derisk), "a failed run produced nothing"
    derisked_on(experiment)
    assert gates.missing(spec, derisk) == []


def test_declared_files_and_runs_must_all_exist(experiment):
    spec, derisk = with_derisk_checkpoint(experiment, "[split.json, 'runs/*/review.md', {profile: de-risk}]")
    assert gates.required(spec, derisk) == ["a file matching 'split.json'", "a file matching 'runs/*/review.md'",
                                            "a completed run of profile 'de-risk'"]
    assert gates.missing(spec, derisk) == gates.required(spec, derisk)
    derisked_on(experiment)
    assert gates.missing(spec, derisk) == ["a file matching 'split.json'"]
    (experiment.root / "split.json").write_text("{}")
    assert gates.missing(spec, derisk) == []


def test_a_run_name_glob_counts_only_matching_completed_runs(experiment):
    spec, derisk = with_derisk_checkpoint(experiment, "[{run: 'de-risk-overfit*'}]")
    derisked_on(experiment)
    assert gates.missing(spec, derisk) == ["a completed run named 'de-risk-overfit*'"]
    record_run(experiment, "de-risk-overfit-one-batch", force=True)
    assert gates.missing(spec, derisk) == []


@pytest.mark.parametrize("outputs", ["split.json", "[{model: x}]", "[3]", "[{profile: a, run: b}]"])
def test_a_wrong_outputs_entry_names_the_file_the_field_and_the_fix(experiment, outputs):
    with pytest.raises(ConfigError) as err:
        with_derisk_checkpoint(experiment, outputs)
    text = err.value.render()
    assert "spec.yaml" in text and "outputs" in text and "profile: de-risk" in text


def test_the_checkpoint_message_says_what_the_phase_must_produce_first(experiment):
    with_derisk_checkpoint(experiment, "[split.json]")
    derisked_on(experiment)
    with pytest.raises(RunRefused) as refused:
        record_run(experiment, "full")
    text = refused.value.render()
    assert refused.value.rule == "checkpoint"
    assert "has not produced a file matching 'split.json' yet" in text and "Do the work of phase 'de-risk' first" in text
    (experiment.root / "split.json").write_text("{}")
    with pytest.raises(RunRefused) as refused:
        record_run(experiment, "full")
    text = refused.value.render()
    assert "has not produced" not in text and "stop and show the human" in text
