"""Train/validation/test split hygiene.

A split is made once, saved as a file next to the data, and checked before results are trusted:
the same id in two splits, one patient (or any grouping unit) on both sides, or an exact copy of a test
row in training all make a test score look better than the model is.

Split files are JSON: {"strategy", "seed", "id_col", "unit", "train": [ids], "val": [...], "test": [...],
"created_at", "counts", ...}. Ids are written as JSON numbers or strings, the way they appear in the data.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from labrails.core.errors import LabrailsError
from labrails.core.schema import ANY, LIST, MAP, TEXT, Key, Map, validate

STRATEGIES = ("random", "stratified", "grouped", "temporal")
SPLITS = ("train", "val", "test")
SCHEMA_VERSION = 1
_RECREATE = "recreate the split"
# Ids are written the way they appear in the data: numbers or strings (numpy scalars before saving).
_ID = Key(None, (str, int, float, np.integer, np.floating), message="split '{key}' holds a value that is not an id: {value}",
          fix="ids must be numbers or strings")
# The keys every reader relies on; a split also carries how it was made (label_col, unit, time_cutoffs, ...).
SPLIT_SCHEMA = Map(
    Key("strategy", ANY, required=True, choices=STRATEGIES,
        message=f"split strategy {{value}} is not one of {', '.join(STRATEGIES)}", fix=_RECREATE),
    Key("seed", ANY, required=True),
    Key("id_col", TEXT, required=True, nonempty=True, message="split id_col must be a column name", fix=_RECREATE),
    *(Key(name, LIST, required=True, items=_ID, message="split '{key}' must be a list of ids, got {type}", fix=_RECREATE)
      for name in SPLITS),
    Key("counts", MAP, required=True, message="split counts must be an object {train, val, test}", fix=_RECREATE),
    extra=True,
    message="a split must be a JSON object, got {type}",
    missing="split is missing key(s) {missing}; keys present: {present}",
    fix="recreate it with `labrails split make` rather than editing it by hand",
)
# Keys that may differ between two saves of the same split.
_VOLATILE_KEYS = ("created_at",)
_EXAMPLES = 5


def _examples(values) -> str:
    values = list(values)
    shown = ", ".join(repr(v) for v in values[:_EXAMPLES])
    more = len(values) - _EXAMPLES
    return shown + (f" and {more} more" if more > 0 else "")


def _plain(value: Any) -> Any:
    """An id as a JSON-friendly Python value (numpy ints become ints; anything exotic becomes text)."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        value = float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _id_key(value: Any) -> str:
    if isinstance(value, float | np.floating) and value.is_integer():
        return str(int(value))
    return str(value)


def _id_keys(values: pd.Series | list) -> pd.Series:
    """Ids as comparable text, so 7 (int column), 7.0 (float column, because of a NaN elsewhere) and 7
    (read back from JSON) match. Strings stay as they are: "007" and 7 are different ids."""
    if isinstance(values, pd.Series) and ptypes.is_integer_dtype(values):
        return values.astype("str").reset_index(drop=True)
    return pd.Series([_id_key(v) for v in values], dtype="str")


def _require_columns(df: pd.DataFrame, columns: dict[str, str | None]) -> None:
    for option, column in columns.items():
        if column is not None and column not in df.columns:
            raise LabrailsError(
                f"{option} {column!r} is not a column of the data; columns: {', '.join(map(str, df.columns))}",
                fix=f"pass one of the columns above as {option}",
            )


def _check_fractions(test_size: float, val_size: float) -> None:
    for name, value in (("test_size", test_size), ("val_size", val_size)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
            raise LabrailsError(
                f"{name} must be a fraction in [0, 1), got {value!r}",
                fix=f"pass e.g. {name}=0.2 for 20% of the rows",
            )
    if test_size <= 0:
        raise LabrailsError("test_size must be above 0", fix="pass e.g. test_size=0.2")
    if test_size + val_size >= 1:
        raise LabrailsError(
            f"test_size + val_size = {test_size + val_size:g} leaves nothing to train on",
            fix="make test_size + val_size below 1 (e.g. 0.2 + 0.1)",
        )


def _sizes(n: int, test_size: float, val_size: float) -> tuple[int, int]:
    n_test = math.ceil(test_size * n)
    n_val = math.ceil(val_size * n) if val_size > 0 else 0
    if n - n_test - n_val < 1:
        raise LabrailsError(
            f"{n} unit(s) are too few for test_size={test_size:g} and val_size={val_size:g}: nothing is left to train on",
            fix="use more data or smaller test/val fractions",
        )
    return n_test, n_val


def _assign_by_position(n: int, n_test: int, n_val: int) -> np.ndarray:
    """Split labels for positions 0..n-1 of an already shuffled (or time-ordered) sequence: test last."""
    labels = np.full(n, "train", dtype=object)
    labels[n - n_test :] = "test"
    if n_val:
        labels[n - n_test - n_val : n - n_test] = "val"
    return labels


def make_split(
    df: pd.DataFrame,
    *,
    id_col: str,
    strategy: str,
    label_col: str | None = None,
    group_col: str | None = None,
    time_col: str | None = None,
    test_size: float = 0.2,
    val_size: float = 0.0,
    seed: int = 42,
) -> dict:
    """Assign every row of ``df`` (by its ``id_col``) to train, val or test.

    * ``random``: rows shuffled with ``seed``.
    * ``stratified``: each class of ``label_col`` split in the same proportions (a missing label is a
      class of its own).
    * ``grouped``: whole units of ``group_col`` (patient, user, site) go to one split, so nothing learned
      about a unit in training leaks into test; fractions are met approximately, by rows.
    * ``temporal``: the latest rows by ``time_col`` are test, the ones before them val; rows sharing a
      timestamp never straddle a boundary.

    Sizes round up for test and val (as scikit-learn does), so a small test set is never empty.
    """
    if not isinstance(df, pd.DataFrame):
        raise LabrailsError(f"data must be a pandas DataFrame, got {type(df).__name__}", fix="load it with pandas")
    if strategy not in STRATEGIES:
        raise LabrailsError(
            f"unknown split strategy {strategy!r}",
            fix=f"use one of: {', '.join(STRATEGIES)}",
        )
    needs = {"stratified": ("label_col", label_col), "grouped": ("group_col", group_col), "temporal": ("time_col", time_col)}
    if strategy in needs and needs[strategy][1] is None:
        option = needs[strategy][0]
        raise LabrailsError(
            f"strategy {strategy!r} needs {option}",
            fix=f"pass {option}=<column> (on the command line: --{option.replace('_', '-')})",
        )
    _require_columns(df, {"id_col": id_col, "label_col": label_col, "group_col": group_col, "time_col": time_col})
    _check_fractions(test_size, val_size)
    if len(df) < 2:
        raise LabrailsError(f"the data has {len(df)} row(s); a split needs at least 2", fix="check the data file")

    ids = df[id_col]
    if ids.isna().any():
        rows = df.index[ids.isna()]
        raise LabrailsError(
            f"id column {id_col!r} is empty in {len(rows)} row(s), e.g. rows {_examples(rows)}",
            fix="give every row an id (e.g. df.reset_index(names='row_id')) and save the data with it",
        )
    dup = ids[ids.duplicated(keep=False)].unique()
    if len(dup):
        raise LabrailsError(
            f"id column {id_col!r} has {len(dup)} repeated value(s), e.g. {_examples(dup)}",
            fix="ids must identify rows; if rows of one entity share an id, add a row id and use "
            "strategy='grouped' with that entity as group_col",
        )

    rng = np.random.default_rng(seed)
    n = len(df)
    extra: dict[str, Any] = {}
    if strategy == "random":
        n_test, n_val = _sizes(n, test_size, val_size)
        order = rng.permutation(n)
        labels = np.empty(n, dtype=object)
        labels[order] = _assign_by_position(n, n_test, n_val)
    elif strategy == "stratified":
        labels = _stratified(df[label_col], rng, test_size, val_size)
    elif strategy == "grouped":
        labels, extra = _grouped(df[group_col], group_col, rng, test_size, val_size)
    else:
        labels, extra = _temporal(df[time_col], time_col, test_size, val_size)

    id_values = ids.tolist()
    assigned = {s: [_plain(id_values[i]) for i in np.flatnonzero(labels == s)] for s in SPLITS}
    split = {
        "schema_version": SCHEMA_VERSION,
        "strategy": strategy,
        "seed": seed,
        "id_col": id_col,
        "unit": group_col if strategy == "grouped" else id_col,
        "label_col": label_col,
        "group_col": group_col,
        "time_col": time_col,
        "test_size": test_size,
        "val_size": val_size,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "counts": {s: len(assigned[s]) for s in SPLITS},
        **extra,
        **assigned,
    }
    return split


def _largest_remainder(quota: np.ndarray, total: int, capacity: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Whole numbers close to ``quota`` (per class) that add up to ``total`` without exceeding ``capacity``."""
    counts = np.minimum(np.floor(quota).astype(np.int64), capacity)
    # Ties in the remainder are broken at random, so no class is favoured by its position.
    order = np.lexsort((rng.random(len(quota)), -(quota - np.floor(quota))))
    short = total - int(counts.sum())
    while short > 0:
        progressed = False
        for c in order:
            if short == 0:
                break
            if counts[c] < capacity[c]:
                counts[c] += 1
                short -= 1
                progressed = True
        if not progressed:
            break
    return counts


def _stratified(labels: pd.Series, rng: np.random.Generator, test_size: float, val_size: float) -> np.ndarray:
    codes, classes = pd.factorize(labels, use_na_sentinel=False)
    n = len(labels)
    n_test, n_val = _sizes(n, test_size, val_size)
    sizes = np.bincount(codes, minlength=len(classes))
    # Split totals as for a random split; each class gets its proportional share of them.
    test_per_class = _largest_remainder(test_size * sizes, n_test, sizes, rng)
    val_per_class = _largest_remainder(val_size * sizes, n_val, sizes - test_per_class, rng)
    shuffle = rng.permutation(n)
    rank = pd.Series(codes[shuffle]).groupby(codes[shuffle]).cumcount().to_numpy()
    class_of = codes[shuffle]
    out_shuffled = np.where(
        rank < test_per_class[class_of],
        "test",
        np.where(rank < test_per_class[class_of] + val_per_class[class_of], "val", "train"),
    )
    out = np.empty(n, dtype=object)
    out[shuffle] = out_shuffled
    return out


def _grouped(units: pd.Series, group_col: str, rng, test_size: float, val_size: float) -> tuple[np.ndarray, dict]:
    if units.isna().any():
        raise LabrailsError(
            f"group column {group_col!r} is empty in {int(units.isna().sum())} row(s)",
            fix="fill it (a row without a unit cannot be kept on one side of the split) or drop those rows",
        )
    codes, uniques = pd.factorize(units)
    n_units = len(uniques)
    needed = 2 + (val_size > 0)
    if n_units < needed:
        raise LabrailsError(
            f"group column {group_col!r} has {n_units} distinct value(s); a grouped split needs at least {needed}",
            fix="check group_col names the unit (patient, user, site), or use strategy='random'",
        )
    rows_per_unit = np.bincount(codes, minlength=n_units)
    order = rng.permutation(n_units)
    cumulative = np.cumsum(rows_per_unit[order])
    n = len(units)
    # Units are taken in shuffled order until a split's row count is closest to its share; always at
    # least one unit per split and one left for training.
    n_test_units = _units_for(cumulative, test_size * n)
    n_test_units = min(n_test_units, n_units - 1 - (val_size > 0))
    unit_split = np.full(n_units, "train", dtype=object)
    unit_split[order[:n_test_units]] = "test"
    if val_size > 0:
        rest = cumulative[n_test_units:] - cumulative[n_test_units - 1]
        n_val_units = min(_units_for(rest, val_size * n), n_units - n_test_units - 1)
        unit_split[order[n_test_units : n_test_units + n_val_units]] = "val"
    counts = {s: int((unit_split == s).sum()) for s in SPLITS}
    return unit_split[codes], {"unit_counts": counts}


def _units_for(cumulative_rows: np.ndarray, target: float) -> int:
    k = int(np.searchsorted(cumulative_rows, target, side="left")) + 1
    k = min(k, len(cumulative_rows))
    if k > 1 and abs(cumulative_rows[k - 2] - target) <= abs(cumulative_rows[k - 1] - target):
        k -= 1
    return max(1, k)


def _temporal(times: pd.Series, time_col: str, test_size: float, val_size: float) -> tuple[np.ndarray, dict]:
    values = times
    if not (ptypes.is_numeric_dtype(values) or ptypes.is_datetime64_any_dtype(values)):
        values = pd.to_datetime(values, errors="coerce", utc=True)
        bad = times[values.isna() & times.notna()]
        if len(bad):
            raise LabrailsError(
                f"time column {time_col!r} has values that are neither numbers nor dates, e.g. {_examples(bad.unique())}",
                fix="store times as ISO dates (2024-05-01T12:00:00) or numbers (epoch seconds, step index)",
            )
    if values.isna().any():
        raise LabrailsError(
            f"time column {time_col!r} is empty in {int(values.isna().sum())} row(s)",
            fix="fill or drop rows without a time; a temporal split cannot place them",
        )
    n = len(values)
    n_test, n_val = _sizes(n, test_size, val_size)
    ordered = values.sort_values(kind="stable").reset_index(drop=True)
    test_from = ordered.iloc[n - n_test]
    labels = np.where((values >= test_from).to_numpy(), "test", "train").astype(object)
    cut = {"test_from": str(test_from)}
    if n_val:
        val_from = ordered.iloc[n - n_test - n_val]
        labels[(values >= val_from).to_numpy() & (labels != "test")] = "val"
        cut["val_from"] = str(val_from)
    if (labels == "train").sum() == 0:
        raise LabrailsError(
            f"every row shares the earliest test/val timestamp of {time_col!r}; nothing is left to train on",
            fix="use a finer time column or smaller test/val fractions",
        )
    return labels, {"time_cutoffs": cut}


# --- files -------------------------------------------------------------------------------------------


def _validate(split: Any, path: Path | None) -> dict:
    validate(split, SPLIT_SCHEMA, path=path)
    counts = split["counts"]
    wrong = {s: (counts.get(s), len(split[s])) for s in SPLITS if counts.get(s) != len(split[s])}
    if wrong:
        detail = ", ".join(f"{s}: counts says {c}, list has {n}" for s, (c, n) in wrong.items())
        raise LabrailsError(
            f"split counts do not match its id lists ({detail}); the file was probably edited by hand",
            fix="recreate it with `labrails split make`, or fix the counts to match",
            path=path,
        )
    return split


def _comparable(split: dict) -> dict:
    return {k: v for k, v in split.items() if k not in _VOLATILE_KEYS}


def load_split(path: Path | str) -> dict:
    """Read and validate a split file."""
    path = Path(path)
    if not path.is_file():
        raise LabrailsError("split file not found", fix="create it with `labrails split make ... --out FILE`", path=path)
    try:
        split = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise LabrailsError(
            f"split file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            fix="restore it from version control or recreate it with `labrails split make`",
            path=path,
        ) from None
    return _validate(split, path)


def save_split(split: dict, path: Path | str, *, overwrite: bool = False) -> Path:
    """Write ``split`` to ``path`` atomically (a reader never sees half a file).

    Saving the same split again is a no-op. A different split already at ``path`` is kept unless
    ``overwrite=True``: results reported on the old split would silently stop being comparable.
    """
    path = Path(path)
    _validate(split, path)
    split = {k: [_plain(v) for v in split[k]] if k in SPLITS else v for k, v in split.items()}
    if path.exists() and not overwrite:
        try:
            existing = load_split(path)
        except LabrailsError as exc:
            raise LabrailsError(
                f"{path.name} exists and is not a readable split ({exc.message})",
                fix="pass overwrite=True (--overwrite) to replace it, or choose another path",
                path=path,
            ) from None
        if _comparable(existing) == _comparable(json.loads(json.dumps(split, default=_plain))):
            return path
        moved = sum(
            len(set(map(str, existing.get(s, []))) ^ set(map(str, split.get(s, [])))) for s in SPLITS
        )
        raise LabrailsError(
            f"{path.name} already holds a different split ({existing['strategy']}, seed {existing['seed']}, "
            f"counts {existing['counts']}; {moved} id placement(s) differ)",
            fix="keep the existing split (results depend on it), write to another path, "
            "or pass overwrite=True (--overwrite) to replace it on purpose",
            path=path,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(split, out, indent=1, ensure_ascii=False, default=_plain)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --- checking ----------------------------------------------------------------------------------------


@dataclass
class SplitIssue:
    """One problem (or note) check_split found in a split: how bad, a stable code, what and a few examples."""

    severity: str  # "error" | "warning" | "info"
    code: str
    message: str
    examples: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.examples = list(self.examples)[:_EXAMPLES]

    def to_text(self) -> str:
        text = f"[{self.severity}] {self.code}: {self.message}"
        if self.examples:
            text += "\n    e.g. " + ", ".join(map(str, self.examples))
        return text


@dataclass
class SplitReport:
    findings: list[SplitIssue]
    counts: dict[str, int]
    n_rows: int

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> list[SplitIssue]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[SplitIssue]:
        return [f for f in self.findings if f.severity == "warning"]

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "n_rows": self.n_rows,
            "counts": self.counts,
            "findings": [
                {"severity": f.severity, "code": f.code, "message": f.message, "examples": [_plain(e) for e in f.examples]}
                for f in self.findings
            ],
        }

    def to_text(self) -> str:
        counts = ", ".join(f"{s} {self.counts.get(s, 0)}" for s in SPLITS)
        verdict = "OK" if self.ok else f"{len(self.errors)} ERROR(S)"
        lines = [f"split check: {verdict} ({self.n_rows} rows; {counts})"]
        lines += [f.to_text() for f in self.findings]
        if self.ok and not self.findings:
            lines.append("no leakage found: no shared ids, units or identical feature rows across splits")
        return "\n".join(lines)


def check_split(
    df: pd.DataFrame,
    split: dict | Path | str,
    *,
    id_col: str,
    group_col: str | None = None,
    label_col: str | None = None,
    ignore_cols: tuple[str, ...] | list[str] = (),
) -> SplitReport:
    """Look for leakage between the splits of ``split`` on the data ``df``.

    Errors: an id listed in two splits; a unit of ``group_col`` (default: the split's unit when it was
    made grouped) with rows in two splits; identical feature rows in two splits (features are all
    columns except the id, label, group and ``ignore_cols``). Warnings: split ids missing from the data,
    data rows in no split, repeated ids in the data, an empty test split.
    """
    if not isinstance(split, dict):
        split = load_split(split)
    else:
        split = _validate(split, None)
    _require_columns(df, {"id_col": id_col, "group_col": group_col, "label_col": label_col})
    if group_col is None and split.get("strategy") == "grouped" and split.get("unit") in df.columns:
        group_col = split["unit"]
    if label_col is None and split.get("label_col") in df.columns:
        label_col = split["label_col"]

    findings: list[SplitIssue] = []
    counts = {s: len(split[s]) for s in SPLITS}
    if split["id_col"] != id_col:
        findings.append(
            SplitIssue(
                "warning",
                "id_col_differs",
                f"the split was made with id column {split['id_col']!r}, checked here with {id_col!r}",
            )
        )

    # 1. The split file itself: an id in two lists.
    membership = pd.concat(
        [pd.DataFrame({"key": _id_keys(split[s]), "id": pd.Series(split[s], dtype=object), "split": s}) for s in SPLITS],
        ignore_index=True,
    )
    per_id = membership.groupby("key")["split"].nunique()
    shared = per_id[per_id > 1]
    if len(shared):
        examples = membership.drop_duplicates("key").set_index("key").loc[shared.index, "id"].tolist()
        findings.append(
            SplitIssue("error", "id_in_two_splits", f"{len(shared)} id(s) are listed in more than one split", examples)
        )
    # Where an id is listed twice, the first split (train, val, test order) wins for the checks below.
    split_of = membership.drop_duplicates("key").set_index("key")["split"]

    data_keys = _id_keys(df[id_col])
    repeated = data_keys[data_keys.duplicated(keep=False)].unique()
    if len(repeated):
        findings.append(
            SplitIssue("warning", "repeated_ids_in_data", f"{len(repeated)} id(s) appear on more than one data row",
                    df[id_col][data_keys.duplicated().to_numpy()].unique().tolist())
        )
    row_split = data_keys.map(split_of).to_numpy()
    in_split = pd.notna(row_split)

    missing = split_of.index.difference(pd.Index(data_keys.unique()))
    if len(missing):
        examples = membership.drop_duplicates("key").set_index("key").loc[missing[:_EXAMPLES], "id"].tolist()
        findings.append(
            SplitIssue(
                "warning",
                "ids_missing_from_data",
                f"{len(missing)} id(s) in the split are not in the data (rows dropped or ids changed since the split "
                "was made?)",
                examples,
            )
        )
    if (~in_split).any():
        findings.append(
            SplitIssue(
                "warning",
                "rows_not_in_split",
                f"{int((~in_split).sum())} data row(s) have an id in no split; they would be used by nobody or by "
                "whichever code defaults them",
                df[id_col][~in_split].head(_EXAMPLES).tolist(),
            )
        )

    # 2. Units on both sides.
    if group_col is not None:
        frame = pd.DataFrame({"unit": df[group_col].to_numpy(), "split": row_split})[in_split]
        spread = frame.groupby("unit", dropna=False)["split"].nunique()
        leaking = spread[spread > 1]
        if len(leaking):
            findings.append(
                SplitIssue(
                    "error",
                    "unit_in_two_splits",
                    f"{len(leaking)} of {len(spread)} unit(s) of {group_col!r} have rows in more than one split",
                    leaking.index.tolist(),
                )
            )

    # 3. Identical feature rows across splits.
    exclude = {id_col, label_col, group_col, *ignore_cols} - {None}
    features = [c for c in df.columns if c not in exclude]
    if not features:
        findings.append(SplitIssue("info", "no_feature_columns", "no feature columns left to compare for duplicates"))
    else:
        hashes = pd.util.hash_pandas_object(df[features], index=False).to_numpy()
        frame = pd.DataFrame({"h": hashes[in_split], "split": row_split[in_split], "id": df[id_col][in_split].to_numpy()})
        spread = frame.groupby("h")["split"].nunique()
        dup_hashes = spread.index[spread > 1]
        if len(dup_hashes):
            rows = frame[frame["h"].isin(dup_hashes)]
            # One example per duplicated row: where its copies sit, e.g. "train:12 / test:10000".
            shown = rows[rows["h"].isin(dup_hashes[:_EXAMPLES])]
            examples = []
            for _, part in shown.groupby("h", sort=False):
                copies = [f"{s}:{i!r}" for s, i in zip(part["split"], part["id"], strict=True)]
                more = len(copies) - _EXAMPLES
                examples.append(" / ".join(copies[:_EXAMPLES]) + (f" / ... {more} more" if more > 0 else ""))
            findings.append(
                SplitIssue(
                    "error",
                    "duplicate_rows_across_splits",
                    f"{len(dup_hashes)} distinct feature row(s) occur in more than one split ({len(rows)} rows; "
                    f"compared on {len(features)} column(s), ignoring {', '.join(sorted(map(str, exclude)))})",
                    examples,
                )
            )

    if counts["test"] == 0:
        findings.append(SplitIssue("warning", "empty_test", "the test split is empty"))
    return SplitReport(findings=findings, counts=counts, n_rows=len(df))
