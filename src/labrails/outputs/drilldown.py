"""Drill-down outputs for an evaluation or inference run.

A single metric hides where a model fails. ``write_drilldown`` lays the predictions out so a person or
an agent can go from the overall number to the worst group, to its worst samples, to the exact prompt
and raw generation behind one prediction, with CSV/text for reading and parquet for code.

Everything except the per-input text files is computed with vectorised pandas/numpy, so a run with a
million predictions stays quick; the text files are capped on large runs (see ``max_samples_per_group``).
"""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from pandas.api import types as ptypes

from labrails.core.errors import LabrailsError
from labrails.outputs import _samples, per_class
from labrails.outputs._frame import prepare
from labrails.outputs.metrics import (
    DEFAULT_PRIMARY,
    DIRECTIONS,
    TASK_METRICS,
    group_metrics,
    value_stats,
    worst_first_order,
)
from labrails.outputs.names import bucket_of, bucket_width, safe_names

# Folders with more entries than this are split into hash buckets; file browsers and `ls` stay usable.
SAMPLES_PER_FOLDER = 2000
GROUPS_PER_FOLDER = 2000
# On runs with more predictions than this, per-input text files are written for the worst samples only.
TEXT_FILE_BUDGET = 20_000
MIN_SAMPLES_PER_GROUP = 10
MAX_AUTO_SAMPLES_PER_GROUP = 2000
_MARKERS = {"groups": "_index.csv", "diagnostics": "value_ranges.json"}
_TEXT_COLUMNS = ("raw_output", "input_text")


@dataclass
class DrilldownSummary:
    """What ``write_drilldown`` wrote, with the headline numbers."""

    run_dir: Path
    task: str
    primary_metric: str
    metrics: dict[str, Any]
    n_predictions: int
    n_groups: int
    n_samples: int
    parse_failures: int
    outliers: int
    missing_ground_truth: int
    worst_groups: list[dict[str, Any]] = field(default_factory=list)
    samples_per_group_cap: int | None = None
    sample_folders_written: int = 0
    text_files_written: int = 0

    @property
    def capped(self) -> bool:
        return self.samples_per_group_cap is not None

    def to_text(self) -> str:
        value = self.metrics.get(self.primary_metric)
        lines = [
            f"{self.task} drill-down in {self.run_dir}: {self.n_predictions} predictions, "
            f"{self.n_groups} group(s), {self.n_samples} sample(s)",
            f"{self.primary_metric}: {_num(value)} ({DIRECTIONS[self.primary_metric]} is better); "
            f"parse failures {self.parse_failures}, outliers {self.outliers}, "
            f"missing ground truth {self.missing_ground_truth}",
        ]
        if self.worst_groups:
            worst = self.worst_groups[0]
            lines.append(f"worst group: {worst['group']} ({self.primary_metric} {_num(worst[self.primary_metric])}) "
                         f"-> {worst['path']}/")
        lines.append(f"start with {self.run_dir / 'DRILLDOWN.txt'}")
        return "\n".join(lines)


def _num(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float | np.floating):
        return f"{value:.4g}"
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(value) else float(value)
    if value is pd.NA or value is None:
        return None
    if isinstance(value, str | int):
        return value
    return str(value)


def _csv_ready(frame: pd.DataFrame) -> pa.Table:
    """An arrow table of ``frame`` for CSV writing (pyarrow writes CSV several times faster than pandas).
    Columns arrow cannot take as they are (mixed-type ids, intervals, categories) become text, as they
    would in any CSV."""
    frame = frame.copy(deep=False)
    for column in frame.columns:
        dtype = frame[column].dtype
        keep = dtype != object and (
            ptypes.is_numeric_dtype(dtype) or ptypes.is_bool_dtype(dtype)
            or ptypes.is_string_dtype(dtype) or ptypes.is_datetime64_any_dtype(dtype)
        )
        if not keep or isinstance(dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype("str")
    frame.columns = [str(c) for c in frame.columns]
    return pa.Table.from_pandas(frame, preserve_index=False)


def _write_csv(table: pa.Table | pd.DataFrame, path: Path) -> None:
    if isinstance(table, pd.DataFrame):
        table = _csv_ready(table)
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Parquet needs one type per column: object columns mixing types (ids that are partly numbers,
    labels that are partly None-like objects) are stored as text."""
    frame = frame.copy(deep=False)
    for column in frame.columns:
        if frame[column].dtype == object:
            kind = ptypes.infer_dtype(frame[column], skipna=True)
            if kind.startswith("mixed") and kind != "mixed-integer-float":
                frame[column] = frame[column].astype("str")
    try:
        frame.to_parquet(path, index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        text = {c: frame[c].astype("str") for c in frame.columns if frame[c].dtype == object}
        frame.assign(**text).to_parquet(path, index=False)


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(_jsonable(data), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _check_primary(task: str, primary_metric: str | None) -> str:
    if primary_metric is None:
        return DEFAULT_PRIMARY.get(task, "accuracy")
    allowed = TASK_METRICS.get(task, ())
    if primary_metric not in allowed:
        raise LabrailsError(
            f"primary_metric {primary_metric!r} is not a {task} metric",
            fix=f"use one of: {', '.join(allowed)}" if allowed else "pass task='classification' or 'regression'",
        )
    return primary_metric


def _clear_previous(run_dir: Path) -> None:
    """Remove folders from an earlier drill-down of this run so no stale group lingers; refuse to touch
    folders that were not written by a drill-down."""
    for folder, marker in _MARKERS.items():
        path = run_dir / folder
        if not path.exists():
            continue
        if (path / marker).exists() or (path.is_dir() and not any(path.iterdir())):
            shutil.rmtree(path)
        else:
            raise LabrailsError(
                f"{folder}/ already exists and was not written by a drill-down (no {marker})",
                fix=f"move {path} aside, or write the drill-down into a fresh run directory",
                path=path,
            )


def _auto_cap(n_rows: int, n_samples: int, n_groups: int) -> int | None:
    if n_rows <= TEXT_FILE_BUDGET:
        return None
    inputs_per_sample = max(1.0, n_rows / max(n_samples, 1))
    per_group = int(TEXT_FILE_BUDGET / inputs_per_sample / max(n_groups, 1))
    return max(MIN_SAMPLES_PER_GROUP, min(MAX_AUTO_SAMPLES_PER_GROUP, per_group))


def _sample_table(df: pd.DataFrame, scode: np.ndarray, first_rows: np.ndarray, task: str) -> pd.DataFrame:
    """One row per (group, sample) with what a reader needs to pick the samples worth opening."""
    n_samples = len(first_rows)
    table = pd.DataFrame(
        {
            "group": df["group"].take(first_rows).to_numpy(),
            "sample_id": df["sample_id"].take(first_rows).to_numpy(),
            "ground_truth": df["ground_truth"].take(first_rows).to_numpy(),
        }
    )
    count = lambda w=None: np.bincount(scode, weights=w, minlength=n_samples)  # noqa: E731
    parsed = df["_parse_ok"].to_numpy(bool)
    has_truth = df["_has_truth"].to_numpy(bool)
    table["n_inputs"] = count().astype(np.int64)
    table["parse_failures"] = (table["n_inputs"] - count(parsed)).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if task == "classification":
            correct = df["_correct"].fillna(False).to_numpy(bool)
            evaluated = count(has_truth)
            table["n_correct"] = count(correct).astype(np.int64)
            table["accuracy"] = np.where(evaluated > 0, table["n_correct"] / np.where(evaluated > 0, evaluated, 1), np.nan)
            scored = has_truth & parsed
            labels = pd.DataFrame({"s": scode[scored], "p": df["prediction"][scored].to_numpy()})
            top = labels.value_counts(["s", "p"], sort=True).reset_index(name="c").drop_duplicates("s").set_index("s")
            table["top_prediction"] = top["p"].reindex(range(n_samples)).to_numpy()
            table["top_prediction_count"] = top["c"].reindex(range(n_samples)).fillna(0).astype(np.int64).to_numpy()
            badness = -table["accuracy"].to_numpy()
        else:
            err = df["_error"].to_numpy(float)
            scored = np.isfinite(err)
            n_scored = count(scored)
            table["n_scored"] = n_scored.astype(np.int64)
            stats = value_stats(df["_pred"].to_numpy(float), scode, parsed, n_samples)
            table["pred_mean"] = stats["mean"].to_numpy()
            table["pred_min"] = stats["min"].to_numpy()
            table["pred_max"] = stats["max"].to_numpy()
            table["pred_std"] = stats["std"].to_numpy()
            table["mae"] = np.where(n_scored > 0, count(np.where(scored, np.abs(err), 0.0)) / n_scored, np.nan)
            table["bias"] = np.where(n_scored > 0, count(np.where(scored, err, 0.0)) / n_scored, np.nan)
            table["max_abs_error"] = (
                pd.Series(np.abs(err[scored])).groupby(scode[scored]).max().reindex(range(n_samples)).to_numpy()
            )
            badness = table["mae"].to_numpy()
        table["outliers"] = count(df["_outlier"].to_numpy(bool)).astype(np.int64)
    no_truth = count(has_truth) == 0
    # Samples without ground truth cannot be ranked; a sample whose predictions all failed ranks worst.
    table["_no_truth"] = no_truth
    table["_badness"] = np.where(no_truth, 0.0, np.where(np.isnan(badness), np.inf, badness))
    return table


def _public_predictions(df: pd.DataFrame, task: str) -> pd.DataFrame:
    """The predictions table as written: the caller's columns plus what was computed, minus long text."""
    front = ["group", "sample_id", "input_id", "ground_truth", "prediction"]
    extra = [c for c in df.columns if not str(c).startswith("_") and c not in _TEXT_COLUMNS + tuple(front)]
    out = df[front + extra].copy(deep=False)
    computed = {"parse_ok": df["_parse_ok"], "outlier": df["_outlier"]}
    if task == "classification":
        computed["correct"] = df["_correct"]
    else:
        computed["error"] = df["_error"]
        computed["abs_error"] = df["_error"].abs()
    # A caller's own column with one of these names is kept under another name, never overwritten.
    out = out.rename(columns={c: f"{c}_given" for c in computed if c in out.columns})
    for name, values in computed.items():
        out[name] = values
    return out


def write_drilldown(
    predictions: pd.DataFrame,
    run_dir: Path | str,
    *,
    task: str,
    primary_metric: str | None = None,
    readme_context: dict | None = None,
    max_samples_per_group: int | None = None,
) -> DrilldownSummary:
    """Write drill-down outputs for ``predictions`` under ``run_dir`` and return a summary.

    ``predictions`` needs ``sample_id``, ``ground_truth`` and ``prediction``; optional columns are
    ``group``, ``input_id``, ``raw_output``, ``input_text``, ``parse_ok``, ``valid_min`` and ``valid_max``.
    Other columns are carried into ``predictions.parquet`` and the per-group CSVs.

    ``max_samples_per_group`` limits how many samples per group (worst first) get a folder with text
    files. By default every sample does, up to 20,000 predictions in the run; above that a per-group
    share of about 20,000 text files, at least 10 samples per group. The parquet files always hold every
    row. ``readme_context`` (e.g. model, dataset, command) is listed at the top of DRILLDOWN.txt.
    """
    if max_samples_per_group is not None and max_samples_per_group < 0:
        raise LabrailsError(
            f"max_samples_per_group must be 0 or more, got {max_samples_per_group}",
            fix="pass None for the automatic limit, 0 for no sample folders",
        )
    primary = _check_primary(task, primary_metric)
    df = prepare(predictions, task)
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    _clear_previous(run_dir)

    if task == "classification":
        correct = (df["_truth_key"] == df["_pred_key"]) & df["_parse_ok"]
        df["_correct"] = correct.astype("boolean").where(df["_has_truth"], pd.NA)
    else:
        scored = df["_has_truth"] & df["_parse_ok"]
        df["_error"] = (df["_pred"] - df["_truth"]).where(scored)

    # Integer codes for groups and (group, sample) pairs; all aggregation runs on these.
    gcode, group_names = pd.factorize(df["group"], sort=False)
    n_groups = len(group_names)
    sid_code, sid_uniques = pd.factorize(df["sample_id"], sort=False)
    scode, _ = pd.factorize(gcode.astype(np.int64) * len(sid_uniques) + sid_code, sort=False)
    n_samples = int(scode.max()) + 1

    gm = group_metrics(df, gcode, n_groups, task)
    gm.insert(0, "group", np.asarray(group_names, dtype=object))
    gm.insert(1, "n_samples", np.bincount(gcode[np.unique(scode, return_index=True)[1]], minlength=n_groups))
    group_order = worst_first_order(gm, primary)
    group_rank = np.empty(n_groups, dtype=np.int64)
    group_rank[group_order] = np.arange(n_groups)
    overall = group_metrics(df, np.zeros(len(df), dtype=np.int64), 1, task).iloc[0]

    # Samples: worst first within each group, groups in worst-first order.
    first_row_of_sample = np.full(n_samples, len(df), dtype=np.int64)
    np.minimum.at(first_row_of_sample, scode, np.arange(len(df)))
    samples = _sample_table(df, scode, first_row_of_sample, task)
    sample_group = gcode[first_row_of_sample]
    sample_order = np.lexsort(
        (
            first_row_of_sample,
            -samples["parse_failures"].to_numpy(),
            -samples["_badness"].to_numpy(),
            samples["_no_truth"].to_numpy(),
            group_rank[sample_group],
        )
    )
    sample_pos = np.empty(n_samples, dtype=np.int64)
    sample_pos[sample_order] = np.arange(n_samples)
    samples = samples.iloc[sample_order].reset_index(drop=True)
    sorted_sample_group = sample_group[sample_order]
    rank_in_group = np.arange(n_samples) - np.searchsorted(group_rank[sorted_sample_group], group_rank[sorted_sample_group])

    cap = _auto_cap(len(df), n_samples, n_groups) if max_samples_per_group is None else max_samples_per_group
    if cap is not None and cap >= int(gm["n_samples"].max()):
        cap = None  # nothing would be left out

    # Group folders.
    group_dirs = [f"groups/{n}" for n in safe_names(group_names, reserved={"_index.csv"})]
    if n_groups > GROUPS_PER_FOLDER:
        width = bucket_width(n_groups, GROUPS_PER_FOLDER)
        group_dirs = [
            f"groups/{bucket_of(g, width)}/{d.rsplit('/', 1)[1]}" for g, d in zip(group_names, group_dirs, strict=True)
        ]
    group_dirs_arr = np.asarray(group_dirs, dtype=object)

    # Sample folders, only for the selected samples of each group.
    sample_folder = np.full(n_samples, "", dtype=object)
    group_sel_start = np.searchsorted(group_rank[sorted_sample_group], np.arange(n_groups))
    group_sel_end = np.searchsorted(group_rank[sorted_sample_group], np.arange(n_groups), side="right")
    sample_ids_sorted = samples["sample_id"].to_numpy()
    for rank in range(n_groups):
        start, end = int(group_sel_start[rank]), int(group_sel_end[rank])
        stop = end if cap is None else min(end, start + cap)
        if stop > start:
            g = group_order[rank]
            sample_folder[start:stop] = _samples.sample_folders(
                group_dirs[g], list(sample_ids_sorted[start:stop]), SAMPLES_PER_FOLDER
            )
    samples.insert(0, "rank_in_group", rank_in_group + 1)
    samples["folder"] = sample_folder

    # Rows: grouped by sample in display order, inputs in their original order.
    row_order = np.argsort(sample_pos[scode], kind="stable")
    public = _public_predictions(df, task)
    sorted_public = public.take(row_order).reset_index(drop=True)
    row_group_rank = group_rank[gcode[row_order]]

    # Top-level files for code.
    _write_parquet(public, run_dir / "predictions.parquet")
    raw_cols = ["group", "sample_id", "input_id"] + [c for c in ("input_text", "raw_output") if c in df.columns]
    raw = df[raw_cols].copy(deep=False)
    raw["prediction"] = df["prediction"]
    raw["parse_ok"] = df["_parse_ok"]
    _write_parquet(raw, run_dir / "raw_outputs.parquet")

    metric_names = TASK_METRICS[task]
    ordered_metrics = [primary] + [m for m in metric_names if m != primary]
    overall_metrics = {m: overall[m] for m in metric_names}
    counts = {
        "n": int(overall["n"]),
        "n_scored": int(overall["n_scored"]),
        "n_groups": n_groups,
        "n_samples": n_samples,
        "parse_failures": int(overall["parse_failures"]),
        "parse_failure_rate": overall["parse_failure_rate"],
        "outliers": int(overall["outliers"]),
        "missing_ground_truth": int(overall["missing_ground_truth"]),
    }
    _write_json(
        run_dir / "metrics.json",
        {
            "task": task,
            "primary_metric": primary,
            **overall_metrics,
            "direction": {m: DIRECTIONS[m] for m in metric_names},
            **counts,
            "written_by": "labrails.outputs.write_drilldown",
        },
    )

    # groups/_index.csv and one folder per group.
    groups_root = run_dir / "groups"
    groups_root.mkdir()
    samples_written = np.bincount(sample_group[sample_order][sample_folder != ""], minlength=n_groups)
    index = gm.iloc[group_order].copy()
    index.insert(0, "rank", np.arange(1, n_groups + 1))
    index.insert(2, "path", group_dirs_arr[group_order])
    front = ["rank", "group", "path", "n", "n_samples", "n_scored", *ordered_metrics]
    index = index[front + [c for c in index.columns if c not in front]]
    index["samples_with_folders"] = samples_written[group_order]
    _write_csv(index, groups_root / "_index.csv")

    row_bounds = np.searchsorted(row_group_rank, np.arange(n_groups + 1))
    sample_cols = [c for c in samples.columns if not c.startswith("_")]
    public_csv = _csv_ready(sorted_public)
    samples_csv = _csv_ready(samples[sample_cols])
    index_rows = index.to_dict("records")
    for rank in range(n_groups):
        g = group_order[rank]
        gdir = run_dir / group_dirs[g]
        gdir.mkdir(parents=True)
        row = index_rows[rank]
        _write_json(
            gdir / "metrics.json",
            {
                "group": group_names[g],
                "rank": rank + 1,
                "of_groups": n_groups,
                "path": group_dirs[g],
                "task": task,
                "n": int(row["n"]),
                "n_samples": int(row["n_samples"]),
                "n_scored": int(row["n_scored"]),
                "primary_metric": primary,
                **{m: row[m] for m in ordered_metrics},
                "direction": {m: DIRECTIONS[m] for m in metric_names},
                **{c: row[c] for c in index.columns if c not in front},
            },
        )
        start, end = int(row_bounds[rank]), int(row_bounds[rank + 1])
        _write_csv(public_csv.slice(start, end - start), gdir / "predictions.csv")
        start, end = int(group_sel_start[rank]), int(group_sel_end[rank])
        _write_csv(samples_csv.slice(start, end - start), gdir / "per_sample.csv")

    # Per-sample text files for the selected samples.
    row_folder = sample_folder[sample_pos[scode[row_order]]]
    chosen = np.flatnonzero(row_folder != "")
    text_cols = [c for c in _TEXT_COLUMNS if c in df.columns]
    rows = sorted_public.iloc[chosen].reset_index(drop=True)
    for c in text_cols:
        rows[c] = df[c].take(row_order[chosen]).to_numpy()
    rows["_has_truth"] = df["_has_truth"].to_numpy()[row_order[chosen]]
    text_files = _samples.write_sample_files(run_dir, rows, row_folder[chosen], task)

    # Diagnostics.
    diag = run_dir / "diagnostics"
    diag.mkdir()
    _write_diagnostics(diag, df, sorted_public, row_order, task, gcode, n_groups, group_names, group_order)

    summary = DrilldownSummary(
        run_dir=run_dir,
        task=task,
        primary_metric=primary,
        metrics={m: _jsonable(overall[m]) for m in metric_names},
        n_predictions=len(df),
        n_groups=n_groups,
        n_samples=n_samples,
        parse_failures=counts["parse_failures"],
        outliers=counts["outliers"],
        missing_ground_truth=counts["missing_ground_truth"],
        worst_groups=[
            {"group": r["group"], "path": r["path"], "n": int(r["n"]), primary: _jsonable(r[primary])}
            for _, r in index.head(5).iterrows()
        ],
        samples_per_group_cap=cap,
        sample_folders_written=int((sample_folder != "").sum()),
        text_files_written=text_files,
    )
    (run_dir / "DRILLDOWN.txt").write_text(
        _navigation(summary, index, counts, readme_context, bucketed_groups=n_groups > GROUPS_PER_FOLDER),
        encoding="utf-8",
    )
    return summary


def _write_diagnostics(
    diag: Path,
    df: pd.DataFrame,
    sorted_public: pd.DataFrame,
    row_order: np.ndarray,
    task: str,
    gcode: np.ndarray,
    n_groups: int,
    group_names,
    group_order: np.ndarray,
) -> None:
    ids = ["group", "sample_id", "input_id", "ground_truth", "prediction"]
    def with_raw_output(mask: np.ndarray, columns: list[str]) -> pd.DataFrame:
        # Only the selected rows' raw outputs are materialised; the column can be gigabytes of text.
        rows = sorted_public.loc[mask, columns].copy()
        if "raw_output" in df.columns:
            rows["raw_output"] = df["raw_output"].take(row_order[mask]).to_numpy()
        return rows

    failures = with_raw_output(~sorted_public["parse_ok"].to_numpy(bool), ids)
    if "raw_output" not in df.columns:
        failures["raw_output"] = "(no raw_output column)"
    _write_csv(failures, diag / "parse_failures.csv")

    bounds = [c for c in ("valid_min", "valid_max") if c in sorted_public.columns]
    _write_csv(with_raw_output(sorted_public["outlier"].to_numpy(bool), ids + bounds), diag / "outliers.csv")

    no_truth = sorted_public["ground_truth"].isna().to_numpy()
    if no_truth.any():
        _write_csv(with_raw_output(no_truth, ids + ["parse_ok"]), diag / "missing_ground_truth.csv")

    parsed = df["_parse_ok"].to_numpy(bool)
    has_truth = df["_has_truth"].to_numpy(bool)
    scored = parsed & has_truth
    names = list(group_names)
    if task == "regression":
        everything = np.zeros(len(df), dtype=np.int64)
        ranges: dict[str, Any] = {
            "task": task,
            "basis": "rows with ground truth and a parsed prediction",
            "overall": _ranges(df, everything, scored, 1)[0],
            "groups": {},
        }
        per_group = _ranges(df, gcode, scored, n_groups)
        for g in group_order:
            ranges["groups"][names[g]] = per_group[g]
        _write_csv(_actual_vs_predicted_regression(df, gcode, scored, names), diag / "actual_vs_predicted.csv")
    else:
        ranges = {
            "task": task,
            "basis": "actual: rows with ground truth; predicted: those rows' parsed predictions",
            "overall": _label_counts(df, np.zeros(len(df), dtype=np.int64), scored, has_truth, 1)[0],
            "groups": {},
        }
        per_group = _label_counts(df, gcode, scored, has_truth, n_groups)
        for g in group_order:
            ranges["groups"][names[g]] = per_group[g]
        _write_csv(_confusion(df, gcode, has_truth, names, group_order), diag / "actual_vs_predicted.csv")
        _write_csv(per_class.per_class(df), diag / "per_class.csv")  # recall and precision, lowest recall first
        _write_csv(per_class.confusion_pairs(df), diag / "confusion_pairs.csv")  # mistakes, most frequent first
    _write_json(diag / "value_ranges.json", ranges)


def _ranges(df: pd.DataFrame, key: np.ndarray, mask: np.ndarray, k: int) -> list[dict]:
    pred = value_stats(df["_pred"].to_numpy(float), key, mask, k)
    truth = value_stats(df["_truth"].to_numpy(float), key, mask, k)
    n = np.bincount(key[mask], minlength=k)
    return [
        {
            "n": int(n[i]),
            "predicted": {s: pred[s].iat[i] for s in ("mean", "min", "max", "std")},
            "actual": {s: truth[s].iat[i] for s in ("mean", "min", "max", "std")},
        }
        for i in range(k)
    ]


_MAX_LABELS = 50


def _label_counts(df: pd.DataFrame, key: np.ndarray, scored: np.ndarray, has_truth: np.ndarray, k: int) -> list[dict]:
    def counts(column: str, mask: np.ndarray) -> list[dict]:
        frame = pd.DataFrame({"k": key[mask], "label": df[column][mask].to_numpy()})
        vc = frame.value_counts(["k", "label"]).reset_index(name="n")
        vc = vc.sort_values(["k", "n", "label"], ascending=[True, False, True], kind="stable")
        out: list[dict] = [{} for _ in range(k)]
        for kk, part in vc.groupby("k", sort=True):
            top = dict(zip(part["label"].head(_MAX_LABELS), part["n"].head(_MAX_LABELS).astype(int), strict=True))
            rest = int(part["n"].iloc[_MAX_LABELS:].sum())
            if rest:
                top["(other labels)"] = rest
            out[int(kk)] = top
        return out

    actual = counts("_truth_key", has_truth)
    predicted = counts("_pred_key", scored)
    n_actual = np.bincount(key[has_truth], minlength=k)
    n_pred = np.bincount(key[scored], minlength=k)
    return [
        {"n_actual": int(n_actual[i]), "n_predicted": int(n_pred[i]), "actual_counts": actual[i], "predicted_counts": predicted[i]}
        for i in range(k)
    ]


def _actual_vs_predicted_regression(df: pd.DataFrame, gcode: np.ndarray, scored: np.ndarray, names: list) -> pd.DataFrame:
    """Decile bins of the ground truth, overall and per group: does the model track the target across its
    range, or regress to the mean?"""
    truth = df["_truth"].to_numpy(float)[scored]
    pred = df["_pred"].to_numpy(float)[scored]
    frames = []
    for scope_key, scope_names in ((np.zeros(int(scored.sum()), dtype=np.int64), ["all"]), (gcode[scored], names)):
        frame = pd.DataFrame({"k": scope_key, "actual": truth, "predicted": pred})
        pct = frame.groupby("k")["actual"].rank(method="first", pct=True)
        frame["bin"] = np.minimum((pct.to_numpy() * 10).astype(int), 9) if len(frame) else []
        frame["abs_error"] = (frame["predicted"] - frame["actual"]).abs()
        table = frame.groupby(["k", "bin"], sort=True).agg(
            n=("actual", "size"),
            actual_min=("actual", "min"),
            actual_max=("actual", "max"),
            actual_mean=("actual", "mean"),
            predicted_mean=("predicted", "mean"),
            mae=("abs_error", "mean"),
        )
        table = table.reset_index()
        table.insert(0, "scope", np.asarray(scope_names, dtype=object)[table["k"].to_numpy()])
        frames.append(table.drop(columns="k"))
    return pd.concat(frames, ignore_index=True)


def _confusion(df: pd.DataFrame, gcode: np.ndarray, has_truth: np.ndarray, names: list, group_order) -> pd.DataFrame:
    """Confusion counts in long form, overall then per group worst-first; parse failures get their own row."""
    pred = df["_pred_key"].where(df["_parse_ok"], "(parse failure)")[has_truth].to_numpy()
    truth = df["_truth_key"][has_truth].to_numpy()
    rank = np.empty(len(names), dtype=np.int64)
    rank[group_order] = np.arange(len(names))
    frames = []
    for scope, key in (("all", np.full(int(has_truth.sum()), -1)), (None, rank[gcode[has_truth]])):
        frame = pd.DataFrame({"k": key, "ground_truth": truth, "prediction": pred})
        table = frame.value_counts(["k", "ground_truth", "prediction"]).reset_index(name="n")
        table = table.sort_values(["k", "ground_truth", "n"], ascending=[True, True, False], kind="stable")
        table.insert(
            0, "scope", "all" if scope else np.asarray(names, dtype=object)[np.asarray(group_order)[table["k"].to_numpy()]]
        )
        frames.append(table.drop(columns="k"))
    confusion = pd.concat(frames, ignore_index=True)
    confusion["correct"] = confusion["ground_truth"] == confusion["prediction"]
    return confusion


def _navigation(summary: DrilldownSummary, index: pd.DataFrame, counts: dict, context: dict | None, *, bucketed_groups: bool) -> str:
    primary = summary.primary_metric
    n = counts["n"]
    pct = lambda x: f"{100 * x / n:.2f}%" if n else "n/a"  # noqa: E731
    lines = ["DRILL-DOWN OF THIS RUN'S PREDICTIONS", ""]
    if context:
        for key, value in context.items():
            text = " ".join(str(value).split())
            lines.append(f"{key}: {text[:200]}")
        lines.append("")
    metric_text = ", ".join(
        f"{m} {_num(summary.metrics[m])} ({DIRECTIONS[m]} is better)" for m in [primary] + [m for m in summary.metrics if m != primary]
    )
    lines += [
        f"{summary.task}: {n} predictions, {summary.n_samples} samples, {summary.n_groups} group(s)",
        f"overall: {metric_text}   [metrics.json]",
        f"parse failures: {counts['parse_failures']} ({pct(counts['parse_failures'])})   [diagnostics/parse_failures.csv]",
        f"out-of-range predictions: {counts['outliers']}   [diagnostics/outliers.csv]",
    ]
    if counts["missing_ground_truth"]:
        lines.append(
            f"rows without ground truth: {counts['missing_ground_truth']} (kept, not scored)   "
            "[diagnostics/missing_ground_truth.csv]"
        )
    lines += ["", "WHERE TO LOOK FIRST", f"1. groups/_index.csv: one row per group, worst {primary} first. Worst groups:"]
    for _, row in index.head(3).iterrows():
        lines.append(f"     {row['group']}: {primary} {_num(row[primary])}, n={int(row['n'])}, "
                     f"parse failures {int(row['parse_failures'])} -> {row['path']}/")
    lines += [
        "2. In a group folder: per_sample.csv lists samples worst first (its 'folder' column is the sample's folder);",
        "   predictions.csv has every prediction of the group in the same order; metrics.json the group's numbers.",
        "3. A sample folder: summary.txt shows all its predictions at a glance; <input_id>.txt shows the prompt",
        "   (=== INPUT ===), the raw generation (=== OUTPUT ===) and the scoring (=== METADATA ===).",
        "4. diagnostics/: value_ranges.json (predicted vs actual per group: a collapsed or shifted range shows here),",
        "   actual_vs_predicted.csv (" + ("decile bins of the target" if summary.task == "regression" else "confusion counts")
        + "), parse_failures.csv and outliers.csv (with the raw outputs).",
        "5. For code: predictions.parquet (every row, with parse_ok/outlier/"
        + ("correct" if summary.task == "classification" else "error")
        + ") and raw_outputs.parquet (prompts and raw generations).",
        "",
        "LAYOUT NOTES",
        "- Folder names are made file-system safe (no '/', '..' or control characters, at most 80 bytes; names that",
        "  would collide get a short hash). Look a group or sample up by name in _index.csv / per_sample.csv.",
    ]
    if summary.capped:
        lines.append(
            f"- Sample folders were written for the worst {summary.samples_per_group_cap} sample(s) of each group only "
            f"({summary.sample_folders_written} folders); per_sample.csv lists every sample (an empty 'folder' means none "
            "was written) and the parquet files hold every row."
        )
    lines.append(
        f"- Groups or samples above {SAMPLES_PER_FOLDER} per folder are spread over hash buckets "
        "(e.g. samples/3f/<sample_id>/) so no folder grows past a few thousand entries."
        + (" This run's groups are bucketed." if bucketed_groups else "")
    )
    lines.append(f"- A sample folder holds at most {_samples.MAX_INPUT_FILES_PER_SAMPLE} input files.")
    return "\n".join(lines) + "\n"
