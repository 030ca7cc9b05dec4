"""The policy holds where every run passes, `start_run`, however the run was launched, and at its first step."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import labrails
from labrails.core.fsutil import read_json
from labrails.core.policy import RunRefused, read_refusals
from labrails.review import review_run
from testing.experiments import tiny_experiment
from testing.human import pin_at_terminal
from testing.runs import derisked_on, record_run

# A full run of the tiny script, launched the ways an agent might try to get around a guard reading shell text.
LAUNCHES = {
    "shell script": ["bash", "run_full.sh"],
    "python -m": [sys.executable, "-m", "tiny_run", "full"],
    "python -c runpy": [sys.executable, "-c",
                        "import runpy, sys; sys.argv = ['tiny_run.py', 'full']; runpy.run_path('tiny_run.py', run_name='__main__')"],
    "subprocess": [sys.executable, "-c", "import subprocess, sys; sys.exit(subprocess.call([sys.executable, 'tiny_run.py', 'full']))"],
}


@pytest.mark.parametrize("how", list(LAUNCHES))
def test_a_full_run_without_derisk_is_refused_however_it_is_launched(experiment, how):
    (experiment.root / "run_full.sh").write_text("#!/bin/sh\npython tiny_run.py full\n")
    path = f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}"  # `python` is this interpreter
    proc = subprocess.run(LAUNCHES[how], cwd=experiment.root, capture_output=True, text=True, check=False,
                          env={**os.environ, "PATH": path})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "[derisk-first]" in proc.stderr and "de-risk" in proc.stderr
    assert experiment.run_dirs() == [], "a refused start writes no run directory"
    assert [r["rule"] for r in read_refusals(experiment.state)] == ["derisk-first"]


def test_the_same_script_starts_once_a_derisk_run_vouches_for_it(experiment, run_in):
    run_in(experiment, "tiny_run.py", "de-risk")
    review_run(experiment.run_dirs()[-1])
    run_in(experiment, "tiny_run.py", "full")
    info = read_json(experiment.run_dirs()[-1] / "run.json")
    assert info["status"] == "completed" and info["derisk_run"] == experiment.run_dirs()[0].name


def test_a_launch_whose_name_needs_tidying_is_refused_before_the_policy_even_looks(experiment):
    with pytest.raises(RunRefused) as refused:
        record_run(experiment, "full@seed2", script="tiny_run.py")
    assert refused.value.rule == "run-name" and "use 'full-seed2'" in refused.value.render()
    assert experiment.run_dirs() == []


# --------------------------------------------------------------------------- the data
@pytest.fixture
def digits_lab(tmp_path):
    """An experiment whose spec.yaml declares the digits data (the tests below load it)."""
    return tiny_experiment(tmp_path / "digits", data_source="sklearn.datasets.load_digits")


def digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    return {"source": "sklearn.datasets.load_digits", "fingerprint_of": (d.data, d.target), "rows": {"train": 1257, "test": 540}}


def wine():
    """The wine data under the digits' name: only its fingerprint tells."""
    from sklearn.datasets import load_wine

    d = load_wine()
    return {"source": "sklearn.datasets.load_digits", "fingerprint_of": (d.data, d.target), "rows": {"train": 120, "test": 58}}


def train_full_on(exp, data) -> None:
    """A full run as the scaffold writes one: start, record the data it loaded, then train (inside `with run:`)."""
    with labrails.start_run("full", experiment=exp.root, script=exp.root / "train.py") as run:
        run.record_data(**data)
        run.log_metrics({"loss": 2.3}, step=1, split="train")


def test_a_derisk_run_proposes_what_it_loaded_and_the_human_pins_it(digits_lab):
    derisked_on(digits_lab, digits(), metrics={"test_accuracy": 0.93, "n_test": 540})
    data = read_json(digits_lab.run_dirs()[-1] / "data.json")
    summary = data["summary"]
    assert summary["arrays"][0]["shape"] == [1797, 64] and summary["class_counts"]["0"] == 178
    assert len(summary["samples"]) == 3 and summary["samples"][-1]["row"] == 1796
    shown = pin_at_terminal(digits_lab.root)
    assert "shape [1797, 64]" in shown and data["fingerprint"] in shown
    assert labrails.core.datapin.current_pin(digits_lab.state)["fingerprint"] == data["fingerprint"]


def test_a_swapped_dataset_in_a_full_run_fails_before_training_and_the_review_blocks_it(digits_lab):
    derisked_on(digits_lab, digits(), metrics={"test_accuracy": 0.93, "n_test": 540})
    pin_at_terminal(digits_lab.root)
    with pytest.raises(labrails.LabrailsError, match=r"\[data-pin\].*pinned data"):
        train_full_on(digits_lab, wine())
    full = digits_lab.run_dirs()[-1]
    assert read_json(full / "run.json")["status"] == "failed"
    assert "loss" not in (full / "logs" / "metrics.jsonl").read_text(), "no training step was logged"
    review = review_run(full)
    assert not review["passed"] and any("not the pinned data" in b["message"] for b in review["blockers"])
    assert read_refusals(digits_lab.state)[-1]["rule"] == "data-pin"


def test_without_a_pin_the_vouching_derisk_runs_data_is_the_anchor(digits_lab):
    derisked_on(digits_lab, digits(), metrics={"test_accuracy": 0.93, "n_test": 540})
    with pytest.raises(labrails.LabrailsError, match=r"\[data-pin\].*de-risk run"):
        train_full_on(digits_lab, wine())


def test_a_refused_dataset_stays_refused_when_the_script_catches_the_error(experiment):
    derisked_on(experiment)
    with labrails.start_run("full", experiment=experiment.root, script=experiment.root / "train.py") as run:
        with pytest.raises(labrails.LabrailsError):
            run.record_data(**wine())
        with pytest.raises(labrails.LabrailsError, match=r"\[data-source\]"):
            run.log_metrics({"loss": 2.3}, step=1, split="train")
    assert read_json(run.dir / "run.json")["status"] == "failed"


def test_a_full_run_that_trains_before_recording_its_data_fails_at_its_first_step(experiment):
    derisked_on(experiment)
    run = labrails.start_run("full", experiment=experiment.root, script=experiment.root / "train.py")
    with pytest.raises(labrails.LabrailsError, match="before recording its data"), run:
        run.log_metrics({"loss": 2.3}, step=1, split="train")
    assert read_json(run.dir / "run.json")["status"] == "failed"
    assert not review_run(run.dir)["passed"]


def test_a_generated_csv_written_over_the_pinned_file_stops_the_full_run_at_start(digits_lab):
    from sklearn.datasets import load_digits

    path = digits_lab.root / "data" / "digits.csv"
    path.parent.mkdir()
    d = load_digits()
    np.savetxt(path, np.column_stack([d.data, d.target]), delimiter=",", fmt="%g")
    real = {"source": "data/digits.csv", "files": [path], "rows": {"train": 1257, "test": 540}}
    derisked_on(digits_lab, real, metrics={"test_accuracy": 0.93, "n_test": 540})
    pin_at_terminal(digits_lab.root)
    rng = np.random.default_rng(0)  # what an agent writes "because the real file would not load"
    np.savetxt(path, np.column_stack([rng.random((1797, 64)), rng.integers(0, 10, 1797)]), delimiter=",", fmt="%g")
    before = digits_lab.run_dirs()
    with pytest.raises(RunRefused) as refused:
        record_run(digits_lab, "full", data=real)
    assert refused.value.rule == "data-pin" and "data/digits.csv: content differs" in refused.value.render()
    assert digits_lab.run_dirs() == before
