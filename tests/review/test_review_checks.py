"""The review's checks on what a run saved: parse failures, prediction vs actual distributions, per-group
spread, out-of-range predictions, counts, and a too-good result traced to its split."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import labrails
from testing.reviews import assert_review_passed
from labrails.cli.app import app

from review_runs import REPO, diabetes_run, findings, only, reviewed_run, wine_split

WINE = "sklearn.datasets.load_wine"


def llm_run(exp, answers_table):
    return reviewed_run(exp, source=WINE, data=({"rows": 178},), rows={"train": 120, "test": 58},
                        metrics={"n_test": len(answers_table["sample_ids"])}, **answers_table)


# --------------------------------------------------------------------------- parse failures
def test_parse_failures_over_5_percent_block_the_run_and_quote_the_raw_answers(lab, wine_answers, monkeypatch):
    table = wine_answers.table(hot_failures=5)  # 5 of 58 answers (8.6%) did not parse
    result = llm_run(lab, table)
    finding = only(result, "parse-failures")
    assert finding["severity"] == "blocker" and not result["passed"]
    assert "5 of 58 outputs could not be parsed (8.6%" in finding["message"] and "prompt/parsing" in finding["message"]
    assert finding["where"] == "eval/diagnostics/parse_failures.csv"
    failed = [text for text, ok in zip(table["raw_output"], table["parse_ok"]) if not ok]
    assert any(repr(text[:57]).rstrip("'") in finding["message"] for text in failed)  # quoted as the model wrote it

    monkeypatch.chdir(lab.root)
    shown = CliRunner().invoke(app, ["review", "latest"])
    assert shown.exit_code == 1
    assert shown.output.index("## Blockers") < shown.output.index("## Notes")
    assert "[parse-failures] 5 of 58" in shown.output


def test_a_few_parse_failures_are_a_warning(lab, wine_answers):
    result = llm_run(lab, wine_answers.table(hot_failures=2))  # 3.4%
    finding = only(result, "parse-failures")
    assert finding["severity"] == "warning" and "2 of 58" in finding["message"] and result["passed"]


def test_sampling_too_hot_breaks_the_answer_format(lab, wine_answers):
    table = wine_answers.table(hot=True)
    failed = table["parse_ok"].count(False)
    finding = only(llm_run(lab, table), "parse-failures")
    assert failed > 0.05 * 58 and finding["severity"] == "blocker"
    assert f"{failed} of 58 outputs" in finding["message"]


def test_greedy_answers_of_a_trained_model_all_parse(lab, wine_answers):
    result = llm_run(lab, wine_answers.table())
    assert only(result, "parse-failures") == {"check": "parse-failures", "severity": "note",
                                              "message": "0 parse failures in 58 generations",
                                              "where": "eval/diagnostics/parse_failures.csv"}
    assert result["passed"]


def test_a_drilldown_written_into_the_run_directory_is_reviewed_too(lab, wine_answers):
    table = pd.DataFrame(wine_answers.table(hot_failures=5)).rename(columns={"sample_ids": "sample_id"})
    result = reviewed_run(lab, source=WINE, data=({"rows": 178},), rows={"train": 120, "test": 58}, metrics={"n_test": 58},
                          at_root=table)
    assert only(result, "parse-failures")["where"] == "diagnostics/parse_failures.csv"
    assert only(result, "group-spread")["where"] == "groups/_index.csv"  # overall accuracy rebuilt from the groups


# --------------------------------------------------------------------------- counts
def test_dropping_the_answers_that_did_not_parse_is_silent_data_loss(lab, wine_answers):
    table = wine_answers.table(hot_failures=5)
    kept = [i for i, ok in enumerate(table["parse_ok"]) if ok]
    result = llm_run(lab, {k: [v[i] for i in kept] for k, v in table.items()})
    messages = [f["message"] for f in findings(result, "counts")]
    assert "53 predictions for 58 test rows: silent data loss" in messages  # the 5 unparseable answers vanished


def test_prompts_without_a_raw_output_are_lost_generations(lab, wine_answers):
    table = wine_answers.table()
    for i in range(48, 58):  # the last batch of ten never came back
        table["raw_output"][i], table["prediction"][i], table["parse_ok"][i] = None, None, False
    finding = only(llm_run(lab, table), "counts")
    assert finding["severity"] == "blocker" and "10 of 58 prompts have no raw output" in finding["message"]


# --------------------------------------------------------------------------- distributions and groups
def _wine_classifier(lab, train_rows):
    from sklearn.datasets import load_wine
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    wine = load_wine()
    test = np.asarray(wine_split()["test"])
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(wine.data[train_rows], wine.target[train_rows])
    names = np.asarray(wine.target_names)
    pred, truth = names[model.predict(wine.data[test])], names[wine.target[test]]
    return reviewed_run(lab, source=WINE, data=(wine.data, wine.target), rows={"train": len(train_rows), "test": len(test)},
                        metrics={"test_accuracy": float((pred == truth).mean()), "n_test": len(test)},
                        sample_ids=test, ground_truth=truth, prediction=pred, group=truth)


def test_training_on_the_first_rows_never_predicts_the_last_cultivar(lab):
    # The bundled wine data is sorted by cultivar: the first 60 training rows hold no class_2 at all.
    result = _wine_classifier(lab, np.sort(wine_split()["train"])[:60])
    distribution = only(result, "distribution")
    assert distribution["severity"] == "warning" and "never predicted: class_2 (16 of 58 true)" in distribution["message"]
    groups = only(result, "group-spread")
    assert groups["severity"] == "warning" and "'class_2' 0 (n=16)" in groups["message"]
    assert "eval/groups/class_2/per_sample.csv" in groups["message"]


def test_a_classifier_that_shows_its_inputs_is_not_asked_for_raw_outputs(lab):
    # The digits scaffold draws each input as text beside its prediction; a classifier generates no answer to read.
    from sklearn.datasets import load_wine

    wine = load_wine()
    test = np.asarray(wine_split()["test"])
    truth = np.asarray(wine.target_names)[wine.target[test]]
    result = reviewed_run(lab, source=WINE, data=(wine.data, wine.target), rows={"train": 120, "test": len(test)},
                          metrics={"test_accuracy": 1.0, "n_test": len(test)}, sample_ids=test, ground_truth=truth,
                          prediction=truth, group=truth, input_text=[f"alcohol {a:.2f}" for a in wine.data[test, 0]])
    assert not [f for f in findings(result, "counts") if "raw output" in f["message"]]


def test_parsed_answers_without_their_raw_outputs_are_flagged(lab, wine_answers):
    table = wine_answers.table()
    del table["raw_output"]
    counts = [f for f in findings(llm_run(lab, table), "counts") if "no raw outputs" in f["message"]]
    assert len(counts) == 1 and counts[0]["severity"] == "warning"


def test_a_sound_classifier_gets_notes_only(lab):
    result = _wine_classifier(lab, np.asarray(wine_split()["train"]))
    assert only(result, "distribution")["severity"] == "note"
    assert "none catastrophic" in only(result, "group-spread")["message"]
    assert result["passed"] and not [f for f in result["findings"] if f["severity"] != "note"]


def test_an_over_regularised_regressor_collapses_to_the_mean(diabetes_lab, diabetes):
    from sklearn.linear_model import Ridge

    finding = only(diabetes_run(diabetes_lab, diabetes, Ridge(alpha=100)), "distribution")
    assert finding["severity"] == "warning" and "regresses to the mean" in finding["message"]


def test_a_linear_regressor_stays_in_range(diabetes_lab, diabetes):
    from sklearn.linear_model import LinearRegression

    result = diabetes_run(diabetes_lab, diabetes, LinearRegression())
    assert only(result, "outliers") == {"check": "outliers", "severity": "note", "where": "eval/diagnostics/outliers.csv",
                                        "message": "all 133 parsed predictions are inside the valid range [25, 346]"}
    assert only(result, "distribution")["severity"] == "note"


def test_without_a_valid_range_outliers_are_not_counted(diabetes_lab, diabetes):
    from sklearn.linear_model import LinearRegression

    finding = only(diabetes_run(diabetes_lab, diabetes, LinearRegression(), valid_range=False), "outliers")
    assert finding["severity"] == "note" and "no valid range was given" in finding["message"]


def test_extrapolating_to_unseen_patients_puts_outliers_in_one_group(diabetes_lab, diabetes):
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures

    # A quadratic model fitted on the lower-BMI half of the training patients, asked about everyone.
    train = diabetes["train"]
    lower_bmi = train[diabetes["X"]["bmi"].to_numpy()[train] < np.median(diabetes["X"]["bmi"])]
    finding = only(diabetes_run(diabetes_lab, diabetes, make_pipeline(PolynomialFeatures(2), LinearRegression()), lower_bmi), "outliers")
    assert finding["severity"] == "blocker" and "systematic" in finding["message"] and "'bmi high'" in finding["message"]


def test_an_overfitted_cubic_model_scatters_outliers_over_every_group(diabetes_lab, diabetes):
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures

    finding = only(diabetes_run(diabetes_lab, diabetes, make_pipeline(PolynomialFeatures(3), LinearRegression())), "outliers")
    assert finding["severity"] == "blocker" and "spread over 3 group(s)" in finding["message"]


# --------------------------------------------------------------------------- too good to trust
@pytest.fixture
def tiny(modest_lab, run_in):
    """modest_lab with the tiny script and a de-risk run of it that passed its review (so full runs may start)."""
    shutil.copy(REPO / "tests" / "fixtures" / "tiny_run.py", modest_lab.root / "tiny_run.py")
    run_in(modest_lab, "tiny_run.py", "de-risk")
    assert_review_passed(modest_lab.run_dirs()[-1])
    return modest_lab


def _save_split(exp, leaked: int = 0):
    split = wine_split()
    split["train"] += split["test"][:leaked]  # test wines that also went into training
    split["counts"]["train"] += leaked
    labrails.split.save_split(split, exp.root / "split.json")
    return split


def test_too_good_result_runs_the_split_check_and_finds_the_leak(tiny, run_in):
    _save_split(tiny, leaked=5)
    run_in(tiny, "tiny_run.py", "full")  # test_accuracy 0.93, above the spec's [0.5, 0.9]
    result = labrails.review.review_run(tiny.run_dirs()[-1])
    assert only(result, "too-good")["severity"] == "blocker"
    leak = only(result, "leakage")
    assert leak["severity"] == "blocker" and leak["where"] == "split.json"
    assert "sklearn.datasets.load_wine rebuilt" in leak["message"] and "id_in_two_splits: 5 id(s)" in leak["message"]


def test_too_good_result_on_a_clean_split_names_what_is_left_to_rule_out(tiny, run_in):
    _save_split(tiny)
    run_in(tiny, "tiny_run.py", "full")
    leak = only(labrails.review.review_run(tiny.run_dirs()[-1]), "leakage")
    assert leak["severity"] == "note" and "no id, unit or identical feature row in two splits" in leak["message"]


def test_too_good_result_without_a_split_file_says_it_could_not_look(tiny, run_in):
    run_in(tiny, "tiny_run.py", "full")
    leak = only(labrails.review.review_run(tiny.run_dirs()[-1]), "leakage")
    assert leak["severity"] == "warning" and "labrails split check" in leak["message"]


def test_data_that_cannot_be_rebuilt_still_gets_its_split_file_read(modest_lab):
    from sklearn.datasets import load_wine

    split = _save_split(modest_lab, leaked=3)
    wine = load_wine()
    train, test = np.asarray(split["train"]), np.asarray(split["test"])
    pred = _fit_predict(wine.data, wine.target, train, test)
    result = reviewed_run(modest_lab, source="wine.csv (exported from the cellar's database)", data=(wine.data, wine.target),
                          rows={"train": len(train), "test": len(test)}, split_file=modest_lab.root / "split.json",
                          metrics={"test_accuracy": float((pred == wine.target[test]).mean()), "n_test": len(test)},
                          sample_ids=test, ground_truth=wine.target[test], prediction=pred)
    leak = only(result, "leakage")
    assert leak["severity"] == "blocker" and "3 id(s) in two splits (3 in train and test" in leak["message"]
    assert "`labrails split check DATA --split split.json --id-col id`" in leak["message"]


def _fit_predict(X, y, train, test):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X[train], y[train]).predict(X[test])


def test_review_json_lists_blockers_before_everything_else(lab, wine_answers):
    result = llm_run(lab, wine_answers.table(hot=True))
    severities = [f["severity"] for f in json.loads((result["dir"] / "review.json").read_text())["findings"]]
    assert severities == sorted(severities, key=["blocker", "warning", "note"].index)


def test_a_chance_level_run_is_a_blocker(experiment, run_in):
    """A diverged run (lr far too high) that still 'completes' must not pass its review."""
    from labrails.review import review_run

    script = experiment.root / "tiny_run.py"
    script.write_text(script.read_text().replace('run.finish({"test_accuracy": 0.93, "n_test": 58})',
                                                 'run.finish({"test_accuracy": 0.33, "n_test": 58})'))
    run_in(experiment, "tiny_run.py", "de-risk")
    run = experiment.run_dirs()[-1]
    data = __import__("json").loads((run / "data.json").read_text())
    data["class_counts"] = {"class_0": 40, "class_1": 48, "class_2": 32}  # wine's training split: majority 0.40
    (run / "data.json").write_text(__import__("json").dumps(data))
    review = review_run(run)
    assert not review["passed"] and review["blockers"][0]["check"] == "chance"


# --------------------------------------------------------------------------- the registry
def test_every_check_in_the_checklist_order_has_a_function_and_no_other_name_is_accepted():
    from labrails.review.registry import ORDER, check, registered

    assert [name for name, _ in registered()] == list(ORDER)
    with pytest.raises(ValueError, match="not in labrails.review.registry.ORDER"):
        check("not-a-listed-check")


# --------------------------------------------------------------------------- the data spec.yaml declares
def test_a_full_run_on_data_other_than_spec_yaml_declares_is_blocked(lab):
    from labrails.review import review_run
    from testing.runs import derisked_on, record_run

    data = {"source": "load_wine", "fingerprint_of": ({"rows": 178},), "rows": {"train": 120, "test": 58}}
    derisked_on(lab, data)
    full = record_run(lab, "full", data=data)
    assert not findings(review_run(full), "data-source"), "load_wine is spec.yaml's sklearn.datasets.load_wine, spelled shorter"
    text = lab.spec_path.read_text()  # the human says what the experiment is about
    lab.spec_path.write_text(text.replace('source: "sklearn.datasets.load_wine"', 'source: "sklearn.datasets.load_digits"'))
    finding = only(review_run(full), "data-source")
    assert finding["severity"] == "blocker" and finding["where"] == "data.json"
    assert finding["message"].startswith("spec.yaml declares data.source 'sklearn.datasets.load_digits', "
                                         "but this run recorded 'load_wine'")
