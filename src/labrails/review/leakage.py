"""Too good to trust: a primary metric above its expected range (or near-perfect) and what the run's split
file, or the rebuilt bundled dataset, says about leakage between the splits."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labrails.core.errors import LabrailsError
from labrails.review.finding import Finding
from labrails.review.registry import check

if TYPE_CHECKING:
    from labrails.review.context import Context


@check("too-good")
def _too_good(ctx: Context) -> list[Finding]:
    primary = ctx.spec.primary_metric if ctx.spec is not None else {}
    name = primary.get("name")
    value = ctx.metrics.get(name) if name else None
    if not isinstance(value, (int, float)) or ctx.info.get("profile") == "de-risk":
        return []
    expected = primary.get("expected_range")
    higher = primary.get("direction", "higher") == "higher"
    suspicious = None
    if isinstance(expected, list) and len(expected) == 2:
        if higher and value > expected[1]:
            suspicious = f"above the expected range {expected}"
        if not higher and value < expected[0]:
            suspicious = f"below the expected range {expected}"
    if suspicious is None and higher and 0.995 <= value <= 1.0 and "acc" in name:
        suspicious = "near-perfect"
    if suspicious:
        return [Finding("too-good", "blocker", f"{name} = {value:.4f} is {suspicious}: check for leakage (ids in two splits, duplicated rows, "
                        "labels in the features, templated inputs) with `labrails split check` before believing it", "metrics.json"),
                *_leakage(ctx)]
    return []


# Datasets that ship inside scikit-learn: rebuilding them downloads nothing. (fetch_* loaders download.)
_BUNDLED = ("load_iris", "load_wine", "load_digits", "load_breast_cancer", "load_diabetes")


def _leakage(ctx: Context) -> list[Finding]:
    """What can be checked for leakage from the run alone: the split file's id lists, and, when the data
    is a bundled scikit-learn dataset whose ids are its row numbers, the full `labrails split check`."""
    path = _split_path(ctx)
    if path is None:
        return [Finding("leakage", "warning", "no split file was found (data.json split_file, spec.yaml evaluation.split_file), so the "
                        "test ids cannot be checked: save the split with `labrails split make` and run `labrails split check`")]
    shown = _relative(path, ctx.experiment_root)
    try:
        split = json.loads(path.read_text(encoding="utf-8"))
        lists = {part: list(split.get(part) or []) for part in ("train", "val", "test")}
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        return [Finding("leakage", "warning", f"the split file could not be read ({exc})", shown)]
    command = f"`labrails split check DATA --split {shown} --id-col {split.get('id_col') or 'ID'}`"
    rebuilt = _check_rebuilt(ctx, split)
    if isinstance(rebuilt, Finding):
        return [rebuilt]
    shared = _ids_in_two_splits(lists)
    if shared:
        pairs = ", ".join(f"{n} in {a} and {b}" for (a, b), n in _pair_counts(shared).items())
        examples = ", ".join(str(i) for i in list(shared)[:5])
        return [Finding("leakage", "blocker", f"{shown} lists {len(shared)} id(s) in two splits ({pairs}; e.g. {examples}): the score is "
                        f"measured partly on training data; remake the split and confirm with {command}" + (f" ({rebuilt})" if rebuilt else ""), shown)]
    return [Finding("leakage", "note", f"{shown} has no id in two splits (train {len(lists['train'])}, val {len(lists['val'])}, "
                    f"test {len(lists['test'])}); identical rows across splits need the data: run {command}" + (f" ({rebuilt})" if rebuilt else ""), shown)]


def _split_path(ctx: Context) -> Path | None:
    candidates = []
    recorded = (ctx.data or {}).get("split_file")
    if recorded:
        candidates.append(Path(recorded) if Path(recorded).is_absolute() or ctx.experiment_root is None else ctx.experiment_root / recorded)
    declared = ((ctx.spec.raw.get("evaluation") or {}).get("split_file")) if ctx.spec is not None else None
    if declared and ctx.experiment_root is not None:
        candidates.append(ctx.experiment_root / declared)
    return next((c for c in candidates if c.is_file()), None)


def _relative(path: Path, root: Path | None) -> str:
    try:
        return str(path.relative_to(root)) if root is not None else str(path)
    except ValueError:
        return str(path)


def _id_text(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _ids_in_two_splits(lists: dict[str, list]) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for part, ids in lists.items():
        for i in dict.fromkeys(_id_text(v) for v in ids):
            seen.setdefault(i, []).append(part)
    return {i: parts for i, parts in seen.items() if len(parts) > 1}


def _pair_counts(shared: dict[str, list[str]]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for parts in shared.values():
        for pair in zip(parts, parts[1:]):
            counts[pair] = counts.get(pair, 0) + 1
    return counts


def _check_rebuilt(ctx: Context, split: dict) -> Finding | str | None:
    """Run check_split on the rebuilt data when that is possible: a Finding with its verdict, else a short
    reason why it was not (None when the data is not a bundled dataset)."""
    source = str((ctx.data or {}).get("source") or "")
    match = re.fullmatch(r"(?:sklearn|scikit-learn)\.datasets\.(load_\w+)(?:\(\))?", source.strip())
    if not match or match.group(1) not in _BUNDLED:
        return None
    import pandas as pd

    from labrails.data.split import check_split

    bunch = getattr(importlib.import_module("sklearn.datasets"), match.group(1))()
    names = [str(c) for c in getattr(bunch, "feature_names", range(bunch.data.shape[1]))]
    data = pd.DataFrame(bunch.data, columns=names)
    id_col = str(split.get("id_col") or "id")
    ids = [v for part in ("train", "val", "test") for v in split.get(part) or []]
    as_rows = all(isinstance(v, int) or (isinstance(v, float) and v.is_integer()) for v in ids) and all(0 <= int(v) < len(data) for v in ids)
    if not as_rows or id_col in data.columns:
        return f"{source} was not rebuilt: the split's ids are not its row numbers"
    data.insert(0, id_col, range(len(data)))
    data["__target__"] = bunch.target
    try:
        report = check_split(data, split, id_col=id_col, label_col="__target__")
    except LabrailsError as exc:
        return f"{source} rebuilt, but the split check could not run: {exc.message}"
    what = f"`labrails split check` on {source} rebuilt with row numbers as ids"
    shown = _relative(_split_path(ctx), ctx.experiment_root)
    if report.errors:
        problems = "; ".join(f"{f.code}: {f.message}" + (f" (e.g. {', '.join(map(str, f.examples[:5]))})" if f.examples else "")
                             for f in report.errors)
        return Finding("leakage", "blocker", f"{what}: {problems}; the score is not trustworthy until the split is remade", shown)
    extra = "; ".join(f.message for f in report.warnings)
    return Finding("leakage", "note", f"{what}: no id, unit or identical feature row in two splits" + (f" (warnings: {extra})" if extra else "")
                   + "; what remains to rule out is the label leaking into the inputs (a feature or the prompt template)", shown)
