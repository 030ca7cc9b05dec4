"""`labrails analyze` on real runs: grouping by configuration, the numbers it writes, what it leaves out."""

from __future__ import annotations

import csv
import json
import math

import pytest

from labrails.analysis.analyze import analyze, format_analysis
from labrails.core.errors import LabrailsError
from labrails.core.journal import ignore_run
from labrails.core.naming import descriptive_part
from testing.scripted_runs import open_gate


def read_csv(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_runs_are_grouped_by_configuration_and_summarised_over_seeds(swept):
    a = analyze(swept)
    assert list(a.configurations) == ["full-base", "full-wide", "full-broken"]  # the order they were first run
    assert [r.seed for r in a.configurations["full-wide"]] == [1, 2, 3]

    summary = {(row["configuration"], row["metric"]): row for row in read_csv(swept.root / "analysis" / "summary.csv")}
    base = summary[("full-base", "test_accuracy")]
    # 0.90, 0.92, 0.97: mean 0.93, sample variance 0.0026 / 2
    assert int(base["n"]) == 3 and float(base["mean"]) == pytest.approx(0.93)
    assert float(base["std"]) == pytest.approx(math.sqrt(0.0013))
    assert (float(base["min"]), float(base["max"])) == (0.90, 0.97)
    assert base["seeds"] == "1 2 3"

    results = read_csv(swept.root / "analysis" / "results.csv")
    assert len(results) == 9
    wide = [r for r in results if r["configuration"] == "full-wide"]
    assert [float(r["test_accuracy"]) for r in wide] == [0.91, 0.95, 0.99]
    assert json.loads(wide[0]["overrides"]) == {"model.hidden": 256}  # the seed is what varies, so it is not listed


def test_nan_is_reported_not_dropped(swept):
    a = analyze(swept)
    broken = a.summaries["full-broken"]["test_loss"]
    assert broken.n == 2 and broken.nonfinite == 1 and broken.mean == pytest.approx(2.3)
    row = next(r for r in read_csv(swept.root / "analysis" / "results.csv") if r["run"].endswith("full-broken-seed1"))
    assert row["test_loss"] == "nan"
    record = json.loads((swept.root / "analysis" / "all_results.json").read_text())  # strict JSON: no bare NaN
    broken_runs = [r for r in record["runs"] if r["configuration"] == "full-broken"]
    assert broken_runs[0]["metrics"]["test_loss"] == "nan"
    assert "test_loss: 2.3000 ± 0.2828 (n=2)  [1 NaN/inf not averaged]" in format_analysis(a)


def test_the_terminal_table_reads_mean_plus_minus_std_with_n(swept):
    text = format_analysis(analyze(swept))
    assert "full-base  (profile full; seeds 1, 2, 3)" in text
    assert "  test_accuracy: 0.9300 ± 0.0361 (n=3)" in text
    assert "  test_accuracy: 0.9500 ± 0.0400 (n=3)" in text
    assert "metric: test_accuracy (higher is better)" in text


def test_paired_comparison_states_seeds_and_the_permutation_floor(swept):
    a = analyze(swept)
    wide = next(c for c in a.comparisons if c["configuration"] == "full-wide")
    assert wide["baseline"] == "full-base" and wide["seeds"] == [1, 2, 3]
    # differences 0.01, 0.03, 0.02 -> t = 2 sqrt(3), df = 2, p = 1 - t / sqrt(2 + t^2)
    assert wide["t"] == pytest.approx(2 * math.sqrt(3)) and wide["df"] == 2
    assert wide["p_t"] == pytest.approx(0.0742, abs=1e-4)
    assert wide["p_permutation"] == 0.25 and wide["min_p_permutation"] == 0.25
    assert "over 3 paired seeds (1, 2, 3)" in wide["note"]
    assert "With n=3 seeds the smallest possible permutation p is 0.25" in wide["note"]
    assert "that needs 6 seeds" in wide["note"]

    against_wide = analyze(swept, baseline="full-wide").comparisons
    assert {c["configuration"] for c in against_wide} == {"full-base", "full-broken"}
    with pytest.raises(LabrailsError, match="no configuration named 'full-nope'"):
        analyze(swept, baseline="full-nope")


def test_early_stop_hints_flag_trivial_and_no_better_configurations(swept):
    hints = {(h["kind"], h["configuration"]): h for h in analyze(swept).hints if "configuration" in h}
    # wide gains 0.02 over base, less than the pooled std sqrt((2*0.0013 + 2*0.0016)/4) = 0.0381
    noise = hints[("no_better_than_previous", "full-wide")]
    assert noise["difference"] == pytest.approx(0.02) and noise["pooled_std"] == pytest.approx(math.sqrt(0.00145))
    # broken averages 0.35; always predicting class 1 scores 48 / 120 = 0.4 (data.json class_counts)
    trivial = hints[("below_trivial_baseline", "full-broken")]
    assert trivial["baseline"]["value"] == 0.4 and trivial["mean"] == pytest.approx(0.35)
    assert "majority-class baseline 0.4" in trivial["message"]
    assert ("below_trivial_baseline", "full-base") not in hints


def test_success_criteria_are_evaluated_from_the_numbers(swept):
    [criterion] = analyze(swept).criteria
    results = {r["configuration"]: r for r in criterion["results"]}
    assert criterion["parsed"] == {"metric": "test_accuracy", "op": ">=", "threshold": 0.9, "stated": "0.9"}
    assert results["full-base"]["met"] and results["full-base"]["runs_meeting"] == 3
    assert not results["full-broken"]["met"] and results["full-broken"]["runs_meeting"] == 0


def test_profile_and_metric_options(swept):
    by_loss = analyze(swept, metric="test_loss", profile="full")
    assert by_loss.metric == "test_loss" and by_loss.direction == "lower"
    assert by_loss.runset.counts()["included"] == 9
    with pytest.raises(LabrailsError, match="no included run logged 'val_f1'") as err:
        analyze(swept, metric="val_f1")
    assert "test_accuracy" in err.value.fix
    with pytest.raises(LabrailsError, match=r"none of the 10 runs can be analyzed \(1 ignored, 9 of another profile\)"):
        analyze(swept, profile="de-risk")


def test_ignored_failed_crashed_running_and_metricless_runs_are_left_out_and_counted(experiment, launch_run, sleeping_run, named):
    start, kill = sleeping_run
    for seed, acc in ((1, 0.91), (2, 0.93)):
        launch_run(experiment, f"full-base-seed{seed}", {"test_accuracy": acc}, overrides={"seed": seed})
    launch_run(experiment, "full-base-seed3", {"test_accuracy": 0.10}, overrides={"seed": 3})
    ignore_run(experiment, named(experiment, "full-base-seed3").name, "loader served one class only")
    launch_run(experiment, "full-base-seed4", {}, overrides={"seed": 4}, check=False, FAIL="loss exploded at step 2")
    launch_run(experiment, "full-base-seed5", {"test_accuracy": 0.95}, overrides={"seed": 5})
    (named(experiment, "full-base-seed5") / "metrics.json").unlink()
    kill(start(experiment, "full-base-seed6"))
    alive = start(experiment, "full-base-seed7")
    try:
        a = analyze(experiment)
    finally:
        kill(alive)

    counts = a.runset.counts()
    assert (counts["included"], counts["ignored"], counts["failed"], counts["crashed"], counts["running"],
            counts["no_metrics"]) == (2, 2, 1, 1, 1, 1)  # ignored: seed3, and the de-risk run that opened the gate
    assert a.summaries["full-base"]["test_accuracy"].mean == pytest.approx(0.92)
    reasons = {descriptive_part(e.name): (e.category, e.reason) for e in a.runset.excluded}
    assert reasons["full-base-seed3"] == ("ignored", "listed in IGNORED_RUNS.md: loader served one class only")
    assert reasons["full-base-seed4"] == ("failed", "RuntimeError: loss exploded at step 2")
    assert reasons["full-base-seed5"][0] == "no_metrics" and "no metrics.json" in reasons["full-base-seed5"][1]
    text = format_analysis(a)
    assert "left out 6 (2 ignored, 1 failed, 1 crashed, 1 still running, 1 without metrics.json)" in text
    excluded = json.loads((experiment.root / "analysis" / "all_results.json").read_text())["excluded"]
    assert {e["category"] for e in excluded} == {"ignored", "failed", "crashed", "running", "no_metrics"}


def test_an_experiment_without_completed_runs_says_what_to_run(experiment, launch_run):
    with pytest.raises(LabrailsError, match="has no runs yet") as err:
        analyze(experiment)
    assert "uv run train.py full" in err.value.fix
    launch_run(experiment, "full-base-seed1", {}, check=False, FAIL="out of memory")
    with pytest.raises(LabrailsError, match=r"none of the 2 runs can be analyzed \(1 ignored, 1 failed\)"):
        analyze(experiment)


def test_hand_launched_runs_without_overrides_group_by_name(experiment, launch_run):
    # No sweep: the seed lives in config.yaml, and the configuration is the name without -seedN.
    for seed in (42, 43):
        experiment.config_path.write_text(experiment.config_path.read_text().replace(f"seed: {seed - 1}", f"seed: {seed}"))
        if seed > 42:
            open_gate(experiment)  # config.yaml changed: the earlier de-risk run no longer vouches
        launch_run(experiment, f"full-seed{seed}", {"test_accuracy": 0.9 + seed / 1000})
    a = analyze(experiment)
    assert list(a.configurations) == ["full"]
    assert [r.seed for r in a.configurations["full"]] == [42, 43]
    assert a.comparisons == []


def test_a_sweep_value_that_embeds_the_seed_does_not_split_the_configuration(experiment, launch_run):
    # `labrails sweep` fills {seed} into values, e.g. the baseline run each seed reads its dynamics from.
    for seed in (1, 2):
        launch_run(experiment, f"full-filter-seed{seed}", {"test_accuracy": 0.9},
                   overrides={"seed": seed, "cartography.dynamics": f"runs/*-full-base-seed{seed}"})
    a = analyze(experiment)
    assert list(a.configurations) == ["full-filter"]
    assert a.configurations["full-filter"][0].overrides == {"cartography.dynamics": "runs/*-full-base-seed{seed}"}
    assert not [h for h in a.hints if h["kind"] == "mixed_configuration"]
