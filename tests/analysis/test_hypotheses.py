"""spec.yaml hypotheses, judged from real runs whose final metrics the test chooses (testing/scripted_runs.py)."""

from __future__ import annotations

import pytest
from testing.scripted_runs import open_gate

import labrails
from labrails.analysis import hypotheses
from labrails.analysis.analyze import analyze
from labrails.core.errors import LabrailsError


def test_claims_parse_into_comparisons_and_thresholds():
    sup = hypotheses.parse({"claim": "full-mlp > full-logreg on test_accuracy", "min_effect": 0.01})
    assert (sup.kind, sup.a, sup.b, sup.metric, sup.min_effect, sup.alpha) == ("superiority", "full-mlp", "full-logreg",
                                                                               "test_accuracy", 0.01, 0.05)
    assert hypotheses.parse({"claim": "full-a <= full-b on loss", "margin": 0.1}).kind == "noninferiority"
    th = hypotheses.parse("full-mlp: test_accuracy >= 95%")
    assert (th.kind, th.a, th.threshold) == ("threshold", "full-mlp", 0.95)
    with pytest.raises(LabrailsError, match="not a claim labrails can test"):
        hypotheses.parse({"claim": "the MLP is better"})


def test_the_t_quantile_matches_tables():
    assert hypotheses.t_quantile(0.975, 4) == pytest.approx(2.776, abs=1e-3)
    assert hypotheses.t_quantile(0.95, 2) == pytest.approx(2.920, abs=1e-3)


@pytest.fixture
def exp(tmp_path):
    return labrails.new_experiment(tmp_path / "wine", hypothesis="h", success=["test_accuracy >= 0.95"],
                                   data_source="sklearn.datasets.load_wine")


def _spec_hypotheses(exp, *items):
    import yaml

    spec = yaml.safe_load(exp.spec_path.read_text())
    spec["hypotheses"] = list(items)
    exp.spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))


def test_one_seed_whose_interval_crosses_the_threshold_is_inconclusive(exp, launch_run):
    launch_run(exp, "full", {"test_accuracy": 0.9593, "n_test": 540})
    criterion = analyze(exp, metric="test_accuracy", plots=False).criteria[0]["results"][0]
    assert criterion["verdict"] == "inconclusive" and criterion["met"]
    assert criterion["low"] < 0.95 < criterion["high"]
    assert "crosses the threshold" in criterion["summary"] and "Wilson" in criterion["summary"]


def test_a_configuration_still_improving_makes_a_comparison_inconclusive(exp, launch_run):
    _spec_hypotheses(exp, {"claim": "full-b > full-a on test_accuracy"})
    for seed, (a, b) in enumerate([(0.90, 0.95), (0.91, 0.96), (0.89, 0.97)], 1):
        launch_run(exp, f"full-a-seed{seed}", {"test_accuracy": a, "best_epoch": 60, "epochs_run": 60},
                   overrides={"seed": seed})
        launch_run(exp, f"full-b-seed{seed}", {"test_accuracy": b, "best_epoch": 12, "epochs_run": 20},
                   overrides={"seed": seed, "model.hidden": 256})
    a = analyze(exp, metric="test_accuracy", plots=False)
    judged = a.hypotheses[0]
    assert judged["test_says"] == "supported" and judged["verdict"] == "inconclusive"
    assert any("full-a was still improving when training ended: its best epoch was the last one in 3 of 3 runs" in r
               for r in judged["reasons"])
    assert any("very different training budgets" in r for r in judged["reasons"])
    assert any(h["kind"] == "still_improving" for h in a.hints)


def test_a_clear_difference_over_seeds_is_supported(exp, launch_run):
    _spec_hypotheses(exp, {"claim": "full-b > full-a on test_accuracy", "min_effect": 0.01})
    for seed, (a, b) in enumerate([(0.90, 0.95), (0.91, 0.96), (0.89, 0.95), (0.90, 0.96)], 1):
        launch_run(exp, f"full-a-seed{seed}", {"test_accuracy": a}, overrides={"seed": seed})
        launch_run(exp, f"full-b-seed{seed}", {"test_accuracy": b}, overrides={"seed": seed, "model.hidden": 256})
    judged = analyze(exp, metric="test_accuracy", plots=False).hypotheses[0]
    assert judged["verdict"] == "supported" and judged["n"] == 4 and judged["p_one_sided"] < 0.05
    assert judged["mean_diff"] == pytest.approx(0.055)


def test_early_stopping_that_never_fired_is_a_reason_and_a_review_note(exp, launch_run):
    from labrails.review import review_run

    # the default config allows 60 epochs with patience 6: these runs used them all, best epoch before the last
    launch_run(exp, "full", {"test_accuracy": 0.97, "best_epoch": 55, "epochs_run": 60, "n_test": 540})
    result = analyze(exp, metric="test_accuracy", plots=False)
    assert [h["kind"] for h in result.hints if h["kind"] == "early_stop_never"] == ["early_stop_never"]
    assert result.criteria[0]["results"][0]["verdict"] == "inconclusive"
    review = review_run(result.runset.included[0].path)
    notes = [f for f in review["findings"] if f["check"] == "convergence"]
    assert notes and notes[0]["severity"] == "note" and "early stopping never triggered" in notes[0]["message"]


def test_de_risk_runs_leave_the_analysis_saying_whether_their_review_failed(exp, launch_run):
    from labrails.review import review_run

    launch_run(exp, "de-risk", {"test_accuracy": 0.95, "n_test": 50})  # 50 of 58 test rows scored: a blocker
    from labrails.core.journal import ignored_runs

    (derisk,) = [d for d in exp.run_dirs() if d.name not in ignored_runs(exp)]  # not the gate's own de-risk run
    review = review_run(derisk)
    open_gate(exp)  # a later de-risk run that passes: no full run starts before one does
    launch_run(exp, "full", {"test_accuracy": 0.96, "n_test": 58})
    a = analyze(exp, metric="test_accuracy", plots=False)
    assert list(a.configurations) == ["full"]
    (left,) = [e for e in a.runset.excluded if e.name == derisk.name]
    assert left.category == "other_profile" and "evidence that the pipeline works, not a result" in left.reason
    assert not review["passed"] and "its review FAILED" in left.reason, review["headline"]
