"""Checking and normalising the predictions table before anything is computed or written."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from labrails.core.errors import LabrailsError

REQUIRED = ("sample_id", "ground_truth", "prediction")
OPTIONAL = ("group", "input_id", "raw_output", "input_text", "parse_ok", "valid_min", "valid_max")
TASKS = ("classification", "regression")
MISSING_GROUP = "(missing group)"
_EXAMPLES = 5


def _examples(values) -> str:
    shown = [repr(v) for v in list(values)[:_EXAMPLES]]
    more = len(values) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def label_keys(series: pd.Series) -> pd.Series:
    """Class labels as comparable strings, so ground truth 3 (int), 3.0 (float, because of a NaN
    elsewhere) and " 3" (parsed from text) all count as the same class."""
    if ptypes.is_bool_dtype(series):
        return series.astype("str")
    text = series.astype("str")
    if not ptypes.is_numeric_dtype(series):
        text = text.str.strip()
        numbers = pd.to_numeric(text, errors="coerce")
    else:
        numbers = series.astype("float64")
    values = numbers.to_numpy(dtype="float64", na_value=np.nan)
    integral = np.isfinite(values) & (values == np.round(values))
    if integral.any():
        as_int = pd.Series(values[integral].astype("int64"), dtype="int64").astype("str").to_numpy()
        text = text.copy()
        text.iloc[np.flatnonzero(integral)] = as_int
    return text.where(series.notna())


def _numeric(df: pd.DataFrame, column: str, *, strict: bool) -> pd.Series:
    """``column`` as float64. Values that are present but not numbers raise when ``strict``; otherwise
    they become NaN (a prediction that did not parse)."""
    series = df[column]
    if ptypes.is_bool_dtype(series):
        return series.astype("float64")
    if ptypes.is_numeric_dtype(series):
        return series.astype("float64")
    numbers = pd.to_numeric(series, errors="coerce").astype("float64")
    if strict:
        bad = series[numbers.isna() & series.notna()]
        if len(bad):
            raise LabrailsError(
                f"column '{column}' must hold numbers for a regression drill-down; "
                f"{len(bad)} value(s) are not numeric, e.g. {_examples(bad.unique())}",
                fix=f"convert '{column}' with pandas.to_numeric before calling write_drilldown, "
                "or pass task='classification' if these are class labels",
            )
    return numbers


def prepare(predictions: pd.DataFrame, task: str) -> pd.DataFrame:
    """A normalised copy of ``predictions`` with helper columns (leading underscore) added.

    The caller's frame is left untouched; pandas' copy-on-write keeps this cheap for big tables.
    """
    if not isinstance(predictions, pd.DataFrame):
        raise LabrailsError(
            f"predictions must be a pandas DataFrame, got {type(predictions).__name__}",
            fix="build one with pandas.DataFrame({'sample_id': ..., 'ground_truth': ..., 'prediction': ...})",
        )
    if task not in TASKS:
        raise LabrailsError(
            f"task must be one of {', '.join(TASKS)}, got {task!r}",
            fix="pass task='classification' for labels or task='regression' for numbers",
        )
    missing = [c for c in REQUIRED if c not in predictions.columns]
    if missing:
        present = ", ".join(map(str, predictions.columns)) or "(none)"
        raise LabrailsError(
            f"predictions are missing required column(s) {', '.join(missing)}; columns present: {present}",
            fix="rename your columns, e.g. df.rename(columns={'label': 'ground_truth', 'pred': 'prediction', "
            "'id': 'sample_id'})",
        )
    leaked = [c for c in predictions.columns if str(c).startswith("_")]
    if leaked:
        raise LabrailsError(
            f"column name(s) starting with '_' are reserved for computed columns: {', '.join(map(str, leaked))}",
            fix="rename those columns before calling write_drilldown",
        )
    df = predictions.reset_index(drop=True).copy(deep=False)
    if len(df) == 0:
        raise LabrailsError(
            "predictions are empty (0 rows)", fix="check the evaluation loop produced predictions before writing"
        )

    null_ids = df.index[df["sample_id"].isna()]
    if len(null_ids):
        raise LabrailsError(
            f"column 'sample_id' is missing in {len(null_ids)} row(s), e.g. rows {_examples(null_ids)}",
            fix="give every prediction the id of the dataset row it was made for",
        )

    if "group" in df.columns:
        groups = df["group"]
        df["group"] = groups.astype("str").where(groups.notna(), MISSING_GROUP)
    else:
        df["group"] = "all"

    if "input_id" in df.columns:
        null_inputs = df.index[df["input_id"].isna()]
        if len(null_inputs):
            raise LabrailsError(
                f"column 'input_id' is missing in {len(null_inputs)} row(s), e.g. rows {_examples(null_inputs)}",
                fix="fill it (e.g. with the prompt template name), or drop the column to number inputs per sample",
            )
    else:
        df["input_id"] = df.groupby("sample_id", sort=False).cumcount()

    dup = df.duplicated(["sample_id", "input_id"], keep=False)
    if dup.any():
        pairs = df.loc[dup, ["sample_id", "input_id"]].drop_duplicates()
        shown = [f"(sample_id={s!r}, input_id={i!r})" for s, i in pairs.head(_EXAMPLES).itertuples(index=False)]
        raise LabrailsError(
            f"{len(pairs)} (sample_id, input_id) pair(s) appear more than once ({int(dup.sum())} rows), "
            f"e.g. {', '.join(shown)}",
            fix="give repeated generations for one sample distinct input_id values (e.g. 'seed0', 'seed1'), "
            "or drop the duplicated rows",
        )

    if task == "regression":
        df["_truth"] = _numeric(df, "ground_truth", strict=True)
        df["_pred"] = _numeric(df, "prediction", strict=False)
        pred_present = df["_pred"].notna()
    else:
        df["_truth_key"] = label_keys(df["ground_truth"])
        df["_pred_key"] = label_keys(df["prediction"])
        pred_present = df["_pred_key"].notna()
        # Numeric labels still get value ranges and out-of-range checks.
        df["_pred"] = _numeric(df, "prediction", strict=False)
        df["_truth"] = _numeric(df, "ground_truth", strict=False)

    if "parse_ok" in df.columns:
        given = df["parse_ok"]
        kind = ptypes.infer_dtype(given, skipna=True)
        if kind not in ("boolean", "integer", "empty") and not ptypes.is_bool_dtype(given):
            raise LabrailsError(
                f"column 'parse_ok' must be boolean, got values like {_examples(given.dropna().unique())}",
                fix="set parse_ok to True where the raw output was parsed into a prediction, else False",
            )
        # A missing prediction cannot be scored, whatever the parser claimed.
        df["_parse_ok"] = given.fillna(False).astype(bool) & pred_present
    else:
        df["_parse_ok"] = pred_present

    df["_has_truth"] = df["ground_truth"].notna()
    lo = _numeric(df, "valid_min", strict=True) if "valid_min" in df.columns else None
    hi = _numeric(df, "valid_max", strict=True) if "valid_max" in df.columns else None
    outlier = pd.Series(False, index=df.index)
    if lo is not None:
        outlier |= df["_pred"] < lo
    if hi is not None:
        outlier |= df["_pred"] > hi
    df["_outlier"] = outlier & df["_parse_ok"]
    return df
