"""Drill-down outputs on real predictions: a classifier on the wine data, a regressor on diabetes, each
asked through LLM-style prompts built from the real rows."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labrails.core.errors import LabrailsError
from labrails.outputs import drilldown, safe_name, safe_names, write_drilldown

datasets = pytest.importorskip("sklearn.datasets")
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, mean_squared_error  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


@pytest.fixture(scope="module")
def wine_predictions() -> pd.DataFrame:
    """Each wine asked twice ('terse' and 'verbose' prompt) of a classifier fitted on half the wines.
    Terse answers about deeply coloured wines come back as prose that fails to parse."""
    wine = datasets.load_wine(as_frame=True)
    features, target = wine.data, wine.target
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(features[::2], target[::2])
    predicted = model.predict(features)
    alcohol_band = pd.qcut(features["alcohol"], 3, labels=["low alcohol", "mid alcohol", "high alcohol"]).astype(str)
    frames = []
    for template in ("terse", "verbose"):
        prompt = [
            f"Wine: alcohol {a}%, colour intensity {c}, proline {p}. Which cultivar (0, 1 or 2)?"
            if template == "terse"
            else f"You are a sommelier. A wine has alcohol {a}%, malic acid {m}, colour intensity {c} and proline "
            f"{p}. Think about the cultivar, then answer with 0, 1 or 2."
            for a, m, c, p in zip(
                features["alcohol"], features["malic_acid"], features["color_intensity"], features["proline"], strict=True
            )
        ]
        fails = (template == "terse") & (features["color_intensity"] > 8).to_numpy()
        raw = np.where(fails, "Hard to say; the colour suggests a full-bodied red.", [f"Answer: {p}" for p in predicted])
        frames.append(
            pd.DataFrame(
                {
                    "sample_id": [f"wine_{i:03d}" for i in features.index],
                    "input_id": template,
                    "group": alcohol_band,
                    "ground_truth": target,
                    # Parsed from the raw text, so a string, while the ground truth is an int.
                    "prediction": pd.Series(predicted.astype(str), dtype=object).where(~fails, None),
                    "input_text": prompt,
                    "raw_output": raw,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def diabetes_predictions() -> pd.DataFrame:
    """A linear model's disease-progression scores for the diabetes patients, grouped by age band. The
    valid range 50..300 stands for what a downstream report accepts; the model strays outside it."""
    data = datasets.load_diabetes(as_frame=True)
    features, target = data.data, data.target
    predicted = LinearRegression().fit(features[::2], target[::2]).predict(features)
    return pd.DataFrame(
        {
            "sample_id": features.index,
            "group": pd.qcut(features["age"], 4, labels=["age q1", "age q2", "age q3", "age q4"]).astype(str),
            "ground_truth": target,
            "prediction": predicted,
            "input_text": [f"Patient bmi {b:+.3f}, blood pressure {p:+.3f}. Progression score?" for b, p in
                           zip(features["bmi"], features["bp"], strict=True)],
            "raw_output": [f"Score: {p:.1f}" for p in predicted],
            "valid_min": 50.0,
            "valid_max": 300.0,
        }
    )


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


# --- classification ------------------------------------------------------------------------------------


def test_classification_metrics_match_sklearn(wine_predictions, tmp_path):
    summary = write_drilldown(wine_predictions, tmp_path, task="classification")

    truth = wine_predictions["ground_truth"].astype(str)
    # sklearn cannot score a missing answer; "failed" never matches a class, and is left out of the average.
    answered = wine_predictions["prediction"].fillna("failed")
    classes = sorted(truth.unique())
    metrics = read_json(tmp_path / "metrics.json")
    assert metrics["accuracy"] == pytest.approx(accuracy_score(truth, answered))
    assert metrics["macro_f1"] == pytest.approx(f1_score(truth, answered, labels=classes, average="macro"))
    assert metrics["direction"] == {"accuracy": "higher", "macro_f1": "higher"}
    assert metrics["n"] == len(wine_predictions) == summary.n_predictions
    assert metrics["parse_failures"] == wine_predictions["prediction"].isna().sum() > 0
    assert metrics["parse_failure_rate"] == pytest.approx(wine_predictions["prediction"].isna().mean())
    assert summary.metrics["accuracy"] == pytest.approx(metrics["accuracy"])


def test_writes_the_documented_layout(wine_predictions, tmp_path):
    write_drilldown(wine_predictions, tmp_path, task="classification", readme_context={"model": "logistic regression"})

    for name in ("predictions.parquet", "raw_outputs.parquet", "metrics.json", "DRILLDOWN.txt", "groups/_index.csv",
                 "diagnostics/parse_failures.csv", "diagnostics/outliers.csv", "diagnostics/value_ranges.json",
                 "diagnostics/actual_vs_predicted.csv"):
        assert (tmp_path / name).is_file(), name
    assert not (tmp_path / "README.txt").exists()
    assert not (tmp_path / "diagnostics/missing_ground_truth.csv").exists()
    note = (tmp_path / "DRILLDOWN.txt").read_text()
    assert "model: logistic regression" in note
    assert "groups/_index.csv" in note

    index = pd.read_csv(tmp_path / "groups/_index.csv")
    assert set(index["group"]) == {"low alcohol", "mid alcohol", "high alcohol"}
    for path in index["path"]:
        for name in ("metrics.json", "predictions.csv", "per_sample.csv"):
            assert (tmp_path / path / name).is_file()

    raw = pd.read_parquet(tmp_path / "raw_outputs.parquet")
    assert {"input_text", "raw_output", "sample_id", "input_id"} <= set(raw.columns)
    assert len(raw) == len(pd.read_parquet(tmp_path / "predictions.parquet")) == len(wine_predictions)


def test_group_index_is_worst_first_and_matches_the_rows(wine_predictions, tmp_path):
    write_drilldown(wine_predictions, tmp_path, task="classification")
    index = pd.read_csv(tmp_path / "groups/_index.csv")

    assert index["accuracy"].is_monotonic_increasing
    assert index["rank"].tolist() == list(range(1, len(index) + 1))
    rows = wine_predictions.assign(correct=wine_predictions["prediction"] == wine_predictions["ground_truth"].astype(str))
    expected = rows.groupby("group")["correct"].mean()
    for _, group in index.iterrows():
        assert group["accuracy"] == pytest.approx(expected[group["group"]])
        group_metrics = read_json(tmp_path / group["path"] / "metrics.json")
        assert group_metrics["rank"] == group["rank"]
        assert group_metrics["accuracy"] == pytest.approx(group["accuracy"])
        assert len(pd.read_csv(tmp_path / group["path"] / "predictions.csv")) == group["n"]


def test_per_sample_csv_lists_worst_samples_first(wine_predictions, tmp_path):
    write_drilldown(wine_predictions, tmp_path, task="classification")
    worst_group = pd.read_csv(tmp_path / "groups/_index.csv")["path"][0]
    per_sample = pd.read_csv(tmp_path / worst_group / "per_sample.csv")

    assert per_sample["sample_id"].is_unique
    assert per_sample["accuracy"].is_monotonic_increasing
    assert (per_sample["n_inputs"] == 2).all()
    summary = (tmp_path / per_sample["folder"][0] / "summary.txt").read_text()
    assert f"sample_id: {per_sample['sample_id'][0]}" in summary
    assert "terse" in summary and "verbose" in summary


def test_input_file_shows_prompt_raw_output_and_metadata(wine_predictions, tmp_path):
    write_drilldown(wine_predictions, tmp_path, task="classification")
    failure = pd.read_csv(tmp_path / "diagnostics/parse_failures.csv").iloc[0]
    per_sample = pd.concat(pd.read_csv(tmp_path / p / "per_sample.csv") for p in pd.read_csv(tmp_path / "groups/_index.csv")["path"])
    folder = per_sample.set_index("sample_id").loc[failure["sample_id"], "folder"]

    text = (tmp_path / folder / "terse.txt").read_text()
    prompt_row = wine_predictions[(wine_predictions["sample_id"] == failure["sample_id"]) & (wine_predictions["input_id"] == "terse")].iloc[0]
    assert text.index("=== INPUT ===") < text.index("=== OUTPUT ===") < text.index("=== METADATA ===")
    assert prompt_row["input_text"] in text
    assert "Hard to say" in text and failure["raw_output"].startswith("Hard to say")
    assert f"sample_id: {failure['sample_id']}" in text
    assert "parse_ok: False" in text
    assert "error: parse failure" in text
    assert f"ground_truth: {prompt_row['ground_truth']}" in text


def test_string_answers_match_integer_labels(wine_predictions, tmp_path):
    # The fixture's predictions are text parsed from the answers ("1"), the ground truth integers (1).
    parsed = wine_predictions.dropna(subset=["prediction"])
    write_drilldown(parsed, tmp_path, task="classification")
    accuracy = read_json(tmp_path / "metrics.json")["accuracy"]
    assert accuracy == pytest.approx((parsed["prediction"] == parsed["ground_truth"].astype(str)).mean())
    assert accuracy > 0.8


def test_missing_ground_truth_is_kept_and_reported(wine_predictions, tmp_path):
    # The unlabelled wines: ground truth lost for every tenth wine.
    unlabelled = wine_predictions["sample_id"].str[-1] == "0"
    predictions = wine_predictions.assign(ground_truth=wine_predictions["ground_truth"].where(~unlabelled))
    summary = write_drilldown(predictions, tmp_path, task="classification")

    metrics = read_json(tmp_path / "metrics.json")
    assert metrics["missing_ground_truth"] == summary.missing_ground_truth == unlabelled.sum()
    assert metrics["n"] == len(predictions)
    assert metrics["n_scored"] == len(predictions) - unlabelled.sum()
    missing = pd.read_csv(tmp_path / "diagnostics/missing_ground_truth.csv")
    assert sorted(missing["sample_id"].unique()) == sorted(predictions.loc[unlabelled, "sample_id"].unique())
    assert len(pd.read_parquet(tmp_path / "predictions.parquet")) == len(predictions)
    assert "without ground truth" in (tmp_path / "DRILLDOWN.txt").read_text()


def test_caller_frame_is_not_modified(wine_predictions, tmp_path):
    before = wine_predictions.copy()
    write_drilldown(wine_predictions, tmp_path, task="classification")
    pd.testing.assert_frame_equal(wine_predictions, before)


# --- regression -----------------------------------------------------------------------------------------


def test_regression_metrics_match_sklearn(diabetes_predictions, tmp_path):
    summary = write_drilldown(diabetes_predictions, tmp_path, task="regression")
    truth, predicted = diabetes_predictions["ground_truth"], diabetes_predictions["prediction"]

    metrics = read_json(tmp_path / "metrics.json")
    assert metrics["mae"] == pytest.approx(mean_absolute_error(truth, predicted))
    assert metrics["rmse"] == pytest.approx(math.sqrt(mean_squared_error(truth, predicted)))
    assert metrics["pearson_r"] == pytest.approx(np.corrcoef(truth, predicted)[0, 1])
    assert metrics["direction"] == {"mae": "lower", "rmse": "lower", "pearson_r": "higher"}
    assert summary.primary_metric == "mae"

    index = pd.read_csv(tmp_path / "groups/_index.csv")
    assert index["mae"].is_monotonic_decreasing
    for _, group in index.iterrows():
        rows = diabetes_predictions[diabetes_predictions["group"] == group["group"]]
        assert group["mae"] == pytest.approx(mean_absolute_error(rows["ground_truth"], rows["prediction"]))
        assert group["pred_mean"] == pytest.approx(rows["prediction"].mean())
        assert group["actual_mean"] == pytest.approx(rows["ground_truth"].mean())


def test_out_of_range_predictions_are_listed(diabetes_predictions, tmp_path):
    write_drilldown(diabetes_predictions, tmp_path, task="regression")
    predicted = diabetes_predictions["prediction"]
    outside = (predicted < 50) | (predicted > 300)

    outliers = pd.read_csv(tmp_path / "diagnostics/outliers.csv")
    assert outside.sum() > 0
    assert read_json(tmp_path / "metrics.json")["outliers"] == len(outliers) == outside.sum()
    assert sorted(outliers["sample_id"]) == sorted(diabetes_predictions.loc[outside, "sample_id"])
    assert outliers["raw_output"].str.startswith("Score:").all()


def test_value_ranges_and_actual_vs_predicted(diabetes_predictions, tmp_path):
    write_drilldown(diabetes_predictions, tmp_path, task="regression")

    ranges = read_json(tmp_path / "diagnostics/value_ranges.json")
    q1 = diabetes_predictions[diabetes_predictions["group"] == "age q1"]
    assert ranges["groups"]["age q1"]["predicted"]["max"] == pytest.approx(q1["prediction"].max())
    assert ranges["groups"]["age q1"]["actual"]["std"] == pytest.approx(q1["ground_truth"].std())
    assert ranges["overall"]["n"] == len(diabetes_predictions)

    bins = pd.read_csv(tmp_path / "diagnostics/actual_vs_predicted.csv")
    overall = bins[bins["scope"] == "all"]
    assert overall["bin"].tolist() == list(range(10))
    assert overall["n"].sum() == len(diabetes_predictions)
    # A linear model shrinks towards the mean: it over-predicts the lowest decile.
    assert overall["predicted_mean"].iloc[0] > overall["actual_mean"].iloc[0]


def test_primary_metric_decides_the_order(diabetes_predictions, tmp_path):
    summary = write_drilldown(diabetes_predictions, tmp_path, task="regression", primary_metric="pearson_r")
    index = pd.read_csv(tmp_path / "groups/_index.csv")
    assert index["pearson_r"].is_monotonic_increasing
    assert list(index.columns[:7]) == ["rank", "group", "path", "n", "n_samples", "n_scored", "pearson_r"]
    assert summary.worst_groups[0]["group"] == index["group"][0]


def test_unparsable_regression_answers_count_as_parse_failures(diabetes_predictions, tmp_path):
    # The raw text as the prediction: "Score: 151.0" is not a number until someone parses it.
    raw_as_prediction = diabetes_predictions.assign(
        prediction=diabetes_predictions["raw_output"].where(diabetes_predictions["sample_id"] % 7 != 0,
                                                            diabetes_predictions["prediction"].round(1).astype(str))
    )
    summary = write_drilldown(raw_as_prediction, tmp_path, task="regression")
    assert summary.parse_failures == (diabetes_predictions["sample_id"] % 7 != 0).sum()
    failures = pd.read_csv(tmp_path / "diagnostics/parse_failures.csv")
    assert failures["raw_output"].str.startswith("Score:").all()


# --- input errors ---------------------------------------------------------------------------------------


def test_missing_columns_are_named_with_what_is_present(wine_predictions, tmp_path):
    with pytest.raises(LabrailsError) as err:
        write_drilldown(wine_predictions.rename(columns={"ground_truth": "label"}), tmp_path, task="classification")
    message = str(err.value)
    assert "ground_truth" in message and "label" in message and "sample_id" in message
    assert err.value.fix


def test_duplicate_sample_and_input_ids_are_refused(wine_predictions, tmp_path):
    doubled = pd.concat([wine_predictions, wine_predictions.head(3)], ignore_index=True)
    with pytest.raises(LabrailsError, match=r"3 \(sample_id, input_id\) pair") as err:
        write_drilldown(doubled, tmp_path, task="classification")
    assert "sample_id='wine_000', input_id='terse'" in str(err.value)


def test_unknown_primary_metric_lists_the_choices(diabetes_predictions, tmp_path):
    with pytest.raises(LabrailsError, match="mae, rmse, pearson_r"):
        write_drilldown(diabetes_predictions, tmp_path, task="regression", primary_metric="accuracy")


def test_non_numeric_regression_targets_are_refused(wine_predictions, tmp_path):
    labelled = wine_predictions.assign(ground_truth="cultivar " + wine_predictions["ground_truth"].astype(str))
    with pytest.raises(LabrailsError, match="cultivar 0"):
        write_drilldown(labelled, tmp_path, task="regression")


# --- names, layout at scale --------------------------------------------------------------------------------


def test_safe_name_keeps_names_inside_their_folder():
    assert safe_name("../../etc/passwd") == "__.._etc_passwd"
    assert safe_name("..") == "_"
    assert safe_name(".hidden") == "_hidden"
    assert safe_name("line\nbreak\ttab\x00nul") == "line_break_tab_nul"
    assert safe_name("") == "_"
    assert safe_name("CON") == "_CON"
    assert safe_name("Gruppe Ärzte") == "Gruppe_Ärzte"


def test_safe_name_limits_length_and_keeps_long_names_apart():
    prompt_a = "Wine: alcohol 14.23%, colour intensity 5.64, proline 1065. Which cultivar (0, 1 or 2)? " * 3
    prompt_b = prompt_a + "!"
    a, b = safe_name(prompt_a), safe_name(prompt_b)
    assert len(a.encode()) <= 80 and len(b.encode()) <= 80
    assert a != b
    assert len(safe_name("Ärzte" * 40).encode()) <= 80


def test_safe_names_disambiguate_collisions():
    names = safe_names(["a/b", "a_b", "A_B", "plain", "a/b"])
    assert names[0] == names[4]
    assert len({n.casefold() for n in names[:4]}) == 4
    assert names[3] == "plain"
    assert safe_names(["summary"], reserved={"summary"})[0] != "summary"


def test_hostile_group_names_stay_inside_the_run(wine_predictions, tmp_path):
    hostile = {"low alcohol": "../../outside", "mid alcohol": "mid/alcohol", "high alcohol": "mid_alcohol"}
    run_dir = tmp_path / "run"
    write_drilldown(wine_predictions.assign(group=wine_predictions["group"].map(hostile)), run_dir, task="classification")

    assert sorted(os.listdir(tmp_path)) == ["run"]
    index = pd.read_csv(run_dir / "groups/_index.csv")
    assert set(index["group"]) == set(hostile.values())
    assert index["path"].is_unique
    for path in index["path"]:
        assert (run_dir / path).resolve().parent == (run_dir / "groups").resolve()


def test_large_groups_only_get_folders_for_their_worst_samples(tmp_path):
    digits = datasets.load_digits(as_frame=True)
    predicted = LogisticRegression(max_iter=3000).fit(digits.data[::3], digits.target[::3]).predict(digits.data)
    predictions = pd.DataFrame(
        {"sample_id": digits.data.index, "group": "digits", "ground_truth": digits.target, "prediction": predicted}
    )
    summary = write_drilldown(predictions, tmp_path, task="classification", max_samples_per_group=25)

    per_sample = pd.read_csv(tmp_path / "groups/digits/per_sample.csv", keep_default_na=False)
    assert len(per_sample) == len(digits.data)
    assert (per_sample["folder"] != "").sum() == 25 == summary.sample_folders_written
    assert (per_sample["folder"][:25] != "").all()
    assert per_sample["accuracy"].iloc[0] == 0.0
    assert len(os.listdir(tmp_path / "groups/digits/samples")) == 25
    assert "worst 25 sample(s) of each group only" in (tmp_path / "DRILLDOWN.txt").read_text()
    assert len(pd.read_parquet(tmp_path / "predictions.parquet")) == len(digits.data)


def test_many_samples_are_spread_over_buckets(tmp_path, monkeypatch):
    # 1,797 digits in one group; a small threshold stands in for the real 2,000 entries per folder.
    monkeypatch.setattr(drilldown, "SAMPLES_PER_FOLDER", 100)
    digits = datasets.load_digits(as_frame=True)
    predictions = pd.DataFrame(
        {"sample_id": digits.data.index, "ground_truth": digits.target, "prediction": digits.target}
    )
    write_drilldown(predictions, tmp_path, task="classification")

    samples_dir = tmp_path / "groups/all/samples"
    buckets = os.listdir(samples_dir)
    assert all(len(b) == 2 and int(b, 16) >= 0 for b in buckets)
    assert max(len(os.listdir(samples_dir / b)) for b in buckets) < 100
    per_sample = pd.read_csv(tmp_path / "groups/all/per_sample.csv")
    assert all((tmp_path / f / "summary.txt").is_file() for f in per_sample["folder"].sample(20, random_state=0))


def test_big_runs_cap_text_files_automatically(tmp_path, monkeypatch):
    monkeypatch.setattr(drilldown, "TEXT_FILE_BUDGET", 500)
    digits = datasets.load_digits(as_frame=True)
    predictions = pd.DataFrame(
        {"sample_id": digits.data.index, "group": "digit " + digits.target.astype(str),
         "ground_truth": digits.target, "prediction": digits.target}
    )
    summary = write_drilldown(predictions, tmp_path, task="classification")
    assert summary.capped
    assert summary.samples_per_group_cap == 50  # 500 files over 10 groups
    assert summary.sample_folders_written == 500


def test_rewriting_replaces_the_previous_drilldown(wine_predictions, diabetes_predictions, tmp_path):
    write_drilldown(wine_predictions, tmp_path, task="classification")
    write_drilldown(diabetes_predictions, tmp_path, task="regression")
    groups = {p.name for p in (tmp_path / "groups").iterdir() if p.is_dir()}
    assert groups == {"age_q1", "age_q2", "age_q3", "age_q4"}


def test_refuses_to_clear_folders_it_did_not_write(wine_predictions, tmp_path):
    (tmp_path / "groups").mkdir()
    (tmp_path / "groups/notes.md").write_text("someone else's")
    with pytest.raises(LabrailsError, match="not written by a drill-down"):
        write_drilldown(wine_predictions, tmp_path, task="classification")
    assert (tmp_path / "groups/notes.md").exists()


def test_many_groups_are_spread_over_buckets(diabetes_predictions, tmp_path, monkeypatch):
    # 4 age bands stand in for thousands of groups.
    monkeypatch.setattr(drilldown, "GROUPS_PER_FOLDER", 2)
    write_drilldown(diabetes_predictions, tmp_path, task="regression")

    index = pd.read_csv(tmp_path / "groups/_index.csv")
    for path in index["path"]:
        bucket = Path(path).parent.name
        assert len(bucket) == 2 and (tmp_path / path / "per_sample.csv").is_file()
    assert "groups are bucketed" in (tmp_path / "DRILLDOWN.txt").read_text()
