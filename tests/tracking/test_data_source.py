"""Before the data is pinned, spec.yaml's data.source is what ties a run's data to the experiment: a loader
edited to other data gets a de-risk run the review warns about and a full run that never trains."""

from __future__ import annotations

import pytest

from labrails.core import datapin
from labrails.core.fsutil import read_json
from labrails.core.policy import read_refusals
from labrails.review import review_run
from testing.experiments import tiny_experiment


@pytest.fixture
def digits_lab(tmp_path):
    """spec.yaml declares the digits; tests/fixtures/tiny_run.py loads wine (the loader an agent swapped)."""
    return tiny_experiment(tmp_path / "digits", data_source="sklearn.datasets.load_digits")


def test_a_derisk_run_on_other_data_completes_with_a_warning_and_the_full_run_fails_before_training(digits_lab, run_in):
    run_in(digits_lab, "tiny_run.py", "de-risk")
    derisk = digits_lab.run_dirs()[-1]
    review = review_run(derisk)
    assert review["passed"], "de-risk may try other data; the warning says so"
    [warning] = [w for w in review["findings"] if w["check"] == "data-source" and w["severity"] == "warning"]
    assert "'sklearn.datasets.load_digits'" in warning["message"] and "'sklearn.datasets.load_wine'" in warning["message"]
    shown = datapin.describe(*datapin.proposal(digits_lab.root))  # what the human reads before pinning
    assert "spec.yaml    declares 'sklearn.datasets.load_digits': NOT the data this run loaded" in shown

    proc = run_in(digits_lab, "tiny_run.py", "full", check=False)
    assert proc.returncode != 0
    assert ("[data-source] spec.yaml declares data.source 'sklearn.datasets.load_digits', "
            "but this run recorded 'sklearn.datasets.load_wine'") in proc.stderr
    assert "fix: load the dataset spec.yaml declares (data.source)" in proc.stderr
    full = digits_lab.run_dirs()[-1]
    assert read_json(full / "run.json")["status"] == "failed"
    assert "loss" not in (full / "logs" / "metrics.jsonl").read_text(), "no training step was logged"
    assert read_json(full / "data.json")["spec_source"] == {"declared": "sklearn.datasets.load_digits", "matches": False}
    assert read_refusals(digits_lab.state)[-1]["rule"] == "data-source"
    blockers = [b for b in review_run(full)["blockers"] if b["check"] == "data-source"]
    assert blockers and "but this run recorded 'sklearn.datasets.load_wine'" in blockers[0]["message"]


def test_the_declared_data_spelled_differently_trains(tmp_path, run_in):
    lab = tiny_experiment(tmp_path / "wine", data_source="load_wine")
    run_in(lab, "tiny_run.py", "de-risk")
    assert review_run(lab.run_dirs()[-1])["passed"]
    run_in(lab, "tiny_run.py", "full")
    full = lab.run_dirs()[-1]
    assert read_json(full / "run.json")["status"] == "completed"
    assert read_json(full / "data.json")["spec_source"]["matches"] is True
    assert not [f for f in review_run(full)["findings"] if f["check"] == "data-source"]
