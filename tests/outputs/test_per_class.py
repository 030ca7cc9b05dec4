"""The classification drill-down on real digits predictions: per-class recall and precision, the confusion pairs
worst first, and per sample the input as text with its probabilities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_score, recall_score
from sklearn.model_selection import train_test_split

from labrails.outputs import write_drilldown


@pytest.fixture(scope="module")
def digits_predictions():
    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte, _, ids = train_test_split(X, y, np.arange(len(y)), test_size=0.3, stratify=y, random_state=0)
    model = LogisticRegression(max_iter=200).fit(Xtr / 16, ytr)  # few iterations: some mistakes to look at
    probs = model.predict_proba(Xte / 16)
    pred = probs.argmax(1)
    text = ["\n".join("".join(" .:#"[int(v) // 5] for v in row) for row in x.reshape(8, 8)) for x in Xte]
    return pd.DataFrame({"sample_id": ids, "ground_truth": yte, "prediction": pred, "group": [f"digit {c}" for c in yte],
                         "input_text": text, "probabilities": [f"{p.max():.3f}" for p in probs]})


def test_per_class_recall_and_precision_match_scikit_learn(digits_predictions, tmp_path):
    write_drilldown(digits_predictions, tmp_path, task="classification")
    table = pd.read_csv(tmp_path / "diagnostics" / "per_class.csv")
    truth, pred = digits_predictions["ground_truth"], digits_predictions["prediction"]
    labels = sorted(truth.unique())
    recall = dict(zip(labels, recall_score(truth, pred, labels=labels, average=None)))
    precision = dict(zip(labels, precision_score(truth, pred, labels=labels, average=None)))
    for _, row in table.iterrows():
        assert row["recall"] == pytest.approx(recall[int(row["class"])])
        assert row["precision"] == pytest.approx(precision[int(row["class"])])
    assert table["recall"].is_monotonic_increasing  # worst class first


def test_confusion_pairs_are_mistakes_most_frequent_first(digits_predictions, tmp_path):
    write_drilldown(digits_predictions, tmp_path, task="classification")
    pairs = pd.read_csv(tmp_path / "diagnostics" / "confusion_pairs.csv")
    wrong = digits_predictions[digits_predictions["ground_truth"] != digits_predictions["prediction"]]
    assert len(wrong) > 0 and pairs["n"].sum() == len(wrong)
    assert (pairs["ground_truth"] != pairs["prediction"]).all() and pairs["n"].is_monotonic_decreasing


def test_groups_of_one_true_class_show_no_macro_f1_or_label_means(digits_predictions, tmp_path):
    write_drilldown(digits_predictions, tmp_path, task="classification")
    index = pd.read_csv(tmp_path / "groups" / "_index.csv")
    assert index["macro_f1"].isna().all() and "pred_mean" not in index.columns
    assert index["accuracy"].notna().all()


def test_each_sample_file_shows_the_input_and_the_probabilities(digits_predictions, tmp_path):
    write_drilldown(digits_predictions, tmp_path, task="classification")
    files = [p for p in (tmp_path / "groups").rglob("*.txt") if p.name != "summary.txt"]
    text = files[0].read_text()
    assert "no input_text column" not in text and "probabilities: 0." in text
    body = text.split("=== INPUT ===\n", 1)[1].split("\n\n", 1)[0]
    assert len(body.splitlines()) == 8
