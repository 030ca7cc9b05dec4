"""`labrails status` flags the settings `labrails new` wrote that the experiment's real data no longer fits."""

from __future__ import annotations

import labrails
from labrails.project.status import experiment_status, format_status
from testing.scripted_runs import launch


def test_scaffold_defaults_that_do_not_fit_the_data_are_flagged(tmp_path):
    exp = labrails.new_experiment(tmp_path / "wine", hypothesis="h", success=["test_accuracy >= 0.9"])
    assert experiment_status(exp).problems == []  # nothing to compare with before a run
    launch(exp, "de-risk", {"test_accuracy": 0.55})  # wine: 120 train and 58 test rows
    problems = experiment_status(exp).problems
    assert any("data.source is sklearn.datasets.load_digits, but run" in p and "sklearn.datasets.load_wine" in p
               for p in problems), problems
    assert any("evaluation.min_test_size is" in p and "has 58 test rows (178 rows in all)" in p for p in problems)
    assert any("expected_range [0.9, 0.99] does not hold test_accuracy of 1 run(s)" in p for p in problems)
    assert "data.source is" in format_status(experiment_status(exp))
