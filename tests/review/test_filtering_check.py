"""The filtering check: a run whose data strategy emptied a class or dropped most of the data is warned about."""

from __future__ import annotations

import numpy as np
from testing.runs import record_run

import labrails
from labrails.recipes.cartography import StrategyPlan
from labrails.recipes.combined import record_plan
from labrails.review import review_run

from review_runs import findings


def _filtered_run(tmp_path, kept_classes, n_per_class=10, name="de-risk-filtered"):
    """A completed run that trained on the examples of ``kept_classes`` only, as its plan records."""
    exp = labrails.new_experiment(tmp_path / "exp", template="cartography")
    run_dir = record_run(exp, name)
    labels = np.repeat(np.arange(3), n_per_class)
    ids = list(range(len(labels)))
    kept = [i for i in ids if labels[i] in kept_classes]
    plan = StrategyPlan("clusters", kept, n_train=len(ids), steps=[{
        "rule": "clusters.exclude_clusters", "removed": len(ids) - len(kept), "kept": len(kept), "before": len(ids),
        "removed_by_class": {str(c): n_per_class for c in range(3) if c not in kept_classes}}])
    plan.classes = {"before": {str(c): n_per_class for c in range(3)},
                    "after": {str(c): n_per_class for c in kept_classes}}
    record_plan(run_dir, plan)
    return run_dir


def test_a_filter_that_empties_a_class_and_drops_most_data_is_warned_about(tmp_path):
    result = review_run(_filtered_run(tmp_path, kept_classes=[0]))
    emptied = [f for f in findings(result, "filtering") if "every training example of class(es) 1, 2" in f["message"]]
    most = [f for f in findings(result, "filtering") if "removed 20 of 30 training examples (67%)" in f["message"]]
    assert emptied[0]["severity"] == "warning" and "clusters.exclude_clusters" in emptied[0]["message"]
    assert most[0]["severity"] == "warning" and most[0]["where"] == "data/strategy.json"
    assert result["passed"]  # warnings, not blockers: the run is sound, the comparison needs care


def test_a_mild_filter_gets_a_note_only(tmp_path):
    result = review_run(_filtered_run(tmp_path, kept_classes=[0, 1, 2], name="de-risk-mild"))
    (note,) = findings(result, "filtering")
    assert note["severity"] == "note" and "trained on 30 of 30 examples" in note["message"]


def test_a_run_without_a_data_strategy_has_no_filtering_finding(tmp_path):
    exp = labrails.new_experiment(tmp_path / "exp", template="cartography")
    assert findings(review_run(record_run(exp, "de-risk-plain")), "filtering") == []
