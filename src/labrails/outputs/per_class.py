"""The classification view a drill-down needs: each class's recall and precision, and which classes are
mistaken for which, worst first.

Per group, accuracy is all a group of one true class can say (its macro F1 is degenerate and the mean of
predicted labels is an average of class names); precision needs every row predicted as the class, so it is
computed here over the whole table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def per_class(df: pd.DataFrame) -> pd.DataFrame:
    """One row per class: n_true, n_predicted, correct, recall, precision, f1; lowest recall first."""
    import numpy as np
    import pandas as pd

    has_truth = df["_has_truth"].to_numpy(bool)
    parsed = df["_parse_ok"].to_numpy(bool)
    truth = df["_truth_key"].where(has_truth)
    pred = df["_pred_key"].where(has_truth & parsed)
    classes = pd.unique(pd.concat([truth.dropna(), pred.dropna()]))
    rows = []
    for c in classes:
        n_true = int((truth == c).sum())
        n_pred = int((pred == c).sum())
        correct = int(((truth == c) & (pred == c)).sum())
        recall = correct / n_true if n_true else np.nan
        precision = correct / n_pred if n_pred else np.nan
        f1 = 2 * recall * precision / (recall + precision) if n_true and n_pred and recall + precision else (
            0.0 if n_true or n_pred else np.nan)
        rows.append({"class": c, "n_true": n_true, "n_predicted": n_pred, "correct": correct, "recall": recall,
                     "precision": precision, "f1": f1})
    table = pd.DataFrame(rows, columns=["class", "n_true", "n_predicted", "correct", "recall", "precision", "f1"])
    return table.sort_values(["recall", "precision", "n_true"], ascending=[True, True, False], na_position="first",
                             kind="stable").reset_index(drop=True)


def confusion_pairs(df: pd.DataFrame) -> pd.DataFrame:
    """(true class, predicted class, n, share of the true class) for every mistake, most frequent first."""
    import pandas as pd

    has_truth = df["_has_truth"].to_numpy(bool)
    truth = df["_truth_key"][has_truth]
    pred = df["_pred_key"].where(df["_parse_ok"], "(parse failure)")[has_truth]
    wrong = pd.DataFrame({"ground_truth": truth.to_numpy(), "prediction": pred.to_numpy()})
    totals = wrong["ground_truth"].value_counts()
    wrong = wrong[wrong["ground_truth"] != wrong["prediction"]]
    pairs = wrong.value_counts(["ground_truth", "prediction"]).reset_index(name="n")
    pairs["share_of_true_class"] = pairs["n"] / pairs["ground_truth"].map(totals).to_numpy()
    return pairs.sort_values(["n", "share_of_true_class"], ascending=False, kind="stable").reset_index(drop=True)
