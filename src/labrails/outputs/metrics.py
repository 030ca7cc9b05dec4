"""Metrics per group (and overall) in one vectorised pass over integer group codes.

Overall metrics are computed by the same code with every row in group 0, so the numbers in
``metrics.json`` and in ``groups/_index.csv`` can never disagree about a definition.

Definitions (also written into DRILLDOWN.txt):

* classification: rows with ground truth are evaluated; a parse failure counts as a wrong answer.
  ``macro_f1`` averages F1 over classes seen in the ground truth or the parsed predictions of that
  group (as scikit-learn does), with parse failures as missed answers of their true class.
* regression: rows with ground truth and a parsed prediction are scored; parse failures are left out
  of mae/rmse/pearson_r and reported as ``parse_failure_rate``. Out-of-range predictions are scored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DIRECTIONS = {
    "accuracy": "higher",
    "macro_f1": "higher",
    "mae": "lower",
    "rmse": "lower",
    "pearson_r": "higher",
}
TASK_METRICS = {"classification": ("accuracy", "macro_f1"), "regression": ("mae", "rmse", "pearson_r")}
DEFAULT_PRIMARY = {"classification": "accuracy", "regression": "mae"}


def _counts(key: np.ndarray, k: int, weights=None) -> np.ndarray:
    return np.bincount(key, weights=weights, minlength=k)[:k]


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def value_stats(values: np.ndarray, key: np.ndarray, mask: np.ndarray, k: int) -> pd.DataFrame:
    """mean, min, max, std (ddof=1) of ``values[mask]`` per key, NaN where a key has no values."""
    frame = pd.DataFrame({"k": key[mask], "v": values[mask]})
    stats = frame.groupby("k", sort=True)["v"].agg(["mean", "min", "max", "std"])
    return stats.reindex(range(k))


def macro_f1(truth: np.ndarray, pred: np.ndarray, key: np.ndarray, evaluated: np.ndarray, parsed: np.ndarray, k: int):
    """Macro F1 per key from integer class codes; sparse in (key, class) so free-text labels with many
    distinct values do not blow up into a dense groups x classes matrix."""
    n_classes = int(max(truth.max(initial=-1), pred.max(initial=-1))) + 1
    width = np.int64(max(n_classes, 1))
    t_rows = evaluated
    p_rows = evaluated & parsed
    tp_rows = p_rows & (truth == pred)
    combo = np.concatenate(
        [key[t_rows].astype(np.int64) * width + truth[t_rows], key[p_rows].astype(np.int64) * width + pred[p_rows]]
    )
    if combo.size == 0:
        return np.full(k, np.nan)
    cells, inverse = np.unique(combo, return_inverse=True)
    n_t = int(t_rows.sum())
    support = np.bincount(inverse[:n_t], minlength=len(cells))
    predicted = np.bincount(inverse[n_t:], minlength=len(cells))
    tp_combo = key[tp_rows].astype(np.int64) * width + truth[tp_rows]
    tp = np.bincount(np.searchsorted(cells, tp_combo), minlength=len(cells))
    f1 = 2 * tp / (support + predicted)  # every cell has support or predictions, so no zero division
    cell_key = (cells // width).astype(np.int64)
    return _ratio(_counts(cell_key, k, f1), _counts(cell_key, k))


def group_metrics(df: pd.DataFrame, key: np.ndarray, k: int, task: str) -> pd.DataFrame:
    """One row per key (0..k-1) with counts, task metrics and prediction/actual summaries."""
    parsed = df["_parse_ok"].to_numpy(bool)
    has_truth = df["_has_truth"].to_numpy(bool)
    outlier = df["_outlier"].to_numpy(bool)
    n = _counts(key, k)
    out = pd.DataFrame({"n": n.astype(np.int64)})

    if task == "classification":
        both = pd.concat([df["_truth_key"], df["_pred_key"]], ignore_index=True)
        codes, _ = pd.factorize(both, use_na_sentinel=True)
        truth, pred = codes[: len(df)], codes[len(df) :]
        correct = has_truth & parsed & (truth == pred)
        evaluated = has_truth
        out["n_scored"] = _counts(key, k, evaluated).astype(np.int64)
        out["accuracy"] = _ratio(_counts(key, k, correct), out["n_scored"].to_numpy())
        out["macro_f1"] = macro_f1(truth, pred, key, evaluated, parsed, k)
        if k > 1:  # within a group of one true class, macro F1 only restates accuracy: left empty there
            classes = pd.DataFrame({"k": key[evaluated], "t": truth[evaluated]}).drop_duplicates()["k"].value_counts()
            out.loc[out.index.isin(classes[classes == 1].index), "macro_f1"] = np.nan
        scored = evaluated & parsed
    else:
        scored = has_truth & parsed
        t = df["_truth"].to_numpy(float)
        p = df["_pred"].to_numpy(float)
        err = np.where(scored, p - t, 0.0)
        n_scored = _counts(key, k, scored)
        out["n_scored"] = n_scored.astype(np.int64)
        out["mae"] = _ratio(_counts(key, k, np.abs(err)), n_scored)
        out["rmse"] = np.sqrt(_ratio(_counts(key, k, err * err), n_scored))
        # Pearson r from centred sums: raw-moment formulas lose precision on large, offset targets.
        t0 = np.where(scored, t, 0.0)
        p0 = np.where(scored, p, 0.0)
        mt = _ratio(_counts(key, k, t0), n_scored)
        mp = _ratio(_counts(key, k, p0), n_scored)
        ct = np.where(scored, t - np.nan_to_num(mt)[key], 0.0)
        cp = np.where(scored, p - np.nan_to_num(mp)[key], 0.0)
        sxy = _counts(key, k, ct * cp)
        sxx = _counts(key, k, ct * ct)
        syy = _counts(key, k, cp * cp)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where((n_scored >= 2) & (sxx > 0) & (syy > 0), sxy / np.sqrt(sxx * syy), np.nan)
        out["pearson_r"] = np.clip(r, -1.0, 1.0)

    out["parse_failures"] = (n - _counts(key, k, parsed)).astype(np.int64)
    out["parse_failure_rate"] = _ratio(out["parse_failures"].to_numpy(), n)
    out["outliers"] = _counts(key, k, outlier).astype(np.int64)
    out["missing_ground_truth"] = (n - _counts(key, k, has_truth)).astype(np.int64)

    # Means over scored rows, so prediction and ground truth describe the same rows.
    pred_vals = df["_pred"].to_numpy(float)
    truth_vals = df["_truth"].to_numpy(float)
    numeric = scored & np.isfinite(pred_vals) & np.isfinite(truth_vals)
    if task == "regression":  # a mean of class labels means nothing; per_class.py has precision and recall
        out["pred_mean"] = _ratio(_counts(key, k, np.where(numeric, pred_vals, 0.0)), _counts(key, k, numeric))
        out["actual_mean"] = _ratio(_counts(key, k, np.where(numeric, truth_vals, 0.0)), _counts(key, k, numeric))
    if task == "classification":
        for side, column, mask in (("pred", "_pred_key", scored), ("actual", "_truth_key", has_truth)):
            top = _top_label(df[column], key, mask, k)
            out[f"{side}_top"] = top["label"].to_numpy()
            out[f"{side}_top_share"] = top["share"].to_numpy()
    return out


def _top_label(labels: pd.Series, key: np.ndarray, mask: np.ndarray, k: int) -> pd.DataFrame:
    """Most frequent label per key and its share, to spot a model that collapsed onto one class."""
    frame = pd.DataFrame({"k": key[mask], "label": labels[mask].to_numpy()})
    counts = frame.value_counts(["k", "label"]).reset_index(name="count")
    counts = counts.sort_values(["k", "count", "label"], ascending=[True, False, True], kind="stable")
    top = counts.drop_duplicates("k").set_index("k")
    totals = counts.groupby("k")["count"].sum()
    top["share"] = top["count"] / totals
    return top.reindex(range(k))[["label", "share"]]


def worst_first_order(table: pd.DataFrame, metric: str) -> np.ndarray:
    """Row positions of ``table`` with the worst ``metric`` first. A metric that could not be computed
    (every prediction failed to parse, constant predictions for pearson_r) counts as worst."""
    values = table[metric].to_numpy(float)
    badness = -values if DIRECTIONS[metric] == "higher" else values
    badness = np.where(np.isnan(badness), np.inf, badness)
    # lexsort: last key is primary. Ties: more parse failures first, then bigger groups.
    return np.lexsort((-table["n"].to_numpy(), -table["parse_failures"].to_numpy(), -badness))
