"""Prediction checks on the drill-down and the final metric: constant or missing predictions, parse failures,
class and value distributions, per-group spread, out-of-range values, test size and chance level."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from labrails.analysis.stats import majority_class
from labrails.review.drilldown import drilldown_of
from labrails.review.finding import Finding
from labrails.review.registry import check

if TYPE_CHECKING:
    from pathlib import Path

    from labrails.review.context import Context


def _quote(text: Any, limit: int = 60) -> str:
    text = str(text)
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _rate_severity(share: float) -> str:
    """The checklist's thresholds for parse failures (and out-of-range predictions): under 1% is noise,
    up to 5% needs a look, above that the pipeline is broken."""
    return "note" if share < 0.01 else ("warning" if share <= 0.05 else "blocker")


def _num(value: Any) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{float(value):.4g}"


@check("predictions")
def _predictions(ctx: Context) -> list[Finding]:
    dd = drilldown_of(ctx)
    if dd is None:
        return []
    preds = dd.predictions["prediction"]
    if len(preds) and preds.isna().all():
        return [Finding("predictions", "blocker", "every prediction is missing (NaN)", dd.where("predictions.parquet"))]
    if len(preds) > 10 and preds.nunique(dropna=True) == 1:
        return [Finding("predictions", "blocker", f"every prediction is the same value ({preds.iloc[0]!r})", dd.where("predictions.parquet"))]
    return []


@check("parse-failures")
def _parse_failures(ctx: Context) -> list[Finding]:
    dd = drilldown_of(ctx)
    if dd is None or "parse_ok" not in dd.predictions.columns:
        return []
    preds = dd.predictions
    n = len(preds)
    failed_rows = ~preds["parse_ok"].astype(bool)
    failed = int(failed_rows.sum())
    generated = "raw_output" in dd.raw_columns
    where = dd.where("diagnostics/parse_failures.csv")
    if failed == 0:
        return [Finding("parse-failures", "note", f"0 parse failures in {n} generations", where)] if generated else []
    share = failed / n
    severity = _rate_severity(share)
    verdict = {"note": "under 1%: acceptable", "warning": "between 1% and 5%: read them before trusting the metric",
               "blocker": "over 5%: investigate the prompt/parsing before trusting any metric"}[severity]
    message = f"{failed} of {n} outputs could not be parsed ({share:.1%}, {verdict})"
    by_group = preds.loc[failed_rows, "group"].value_counts()
    if preds["group"].nunique() > 1 and by_group.iloc[0] > failed / 2 and failed >= 3:
        message += f"; {by_group.iloc[0]} of them in group {by_group.index[0]!r}"
    examples = _raw_examples(dd.root / "diagnostics" / "parse_failures.csv") if generated else []
    if examples:
        message += "; e.g. " + ", ".join(examples)
    elif not generated:
        message += "; no raw outputs were saved, so they cannot be read: pass raw_output (and input_text) to write_predictions"
    return [Finding("parse-failures", severity, message, where)]


def _raw_examples(path: Path, k: int = 3) -> list[str]:
    """Up to ``k`` distinct raw outputs from a diagnostics CSV (worst groups first), quoted and cut short."""
    if not path.is_file():
        return []
    import pandas as pd

    table = pd.read_csv(path, nrows=2000, dtype=str, keep_default_na=False)
    if "raw_output" not in table.columns:
        return []
    counts = table["raw_output"].value_counts(sort=False)
    out = []
    for text, sample in table.drop_duplicates("raw_output")[["raw_output", "sample_id"]].head(k).itertuples(index=False):
        times = f", x{counts[text]}" if counts[text] > 1 else ""
        out.append(f"{_quote(text) if text else '(empty)'} (sample {sample}{times})")
    return out


@check("distribution")
def _distribution(ctx: Context) -> list[Finding]:
    dd = drilldown_of(ctx)
    overall = (dd.ranges.get("overall") or {}) if dd is not None else {}
    if not overall:
        return []
    where = dd.where("diagnostics/value_ranges.json")
    if dd.task == "regression":
        return _value_distribution(overall, where)
    return _class_distribution(overall, where)


def _value_distribution(overall: dict[str, Any], where: str) -> list[Finding]:
    pred, actual = overall.get("predicted") or {}, overall.get("actual") or {}
    pm, ps, am, sd = (pred.get("mean"), pred.get("std"), actual.get("mean"), actual.get("std"))
    if None in (pm, ps, am, sd) or overall.get("n", 0) < 2:
        return []
    summary = f"predictions: mean {pm:.4g}, std {ps:.4g}; ground truth: mean {am:.4g}, std {sd:.4g} ({overall['n']} scored rows)"
    problems = []
    if sd > 0 and abs(pm - am) > 0.25 * sd:
        problems.append(f"biased {'up' if pm > am else 'down'} by {abs(pm - am):.4g} ({abs(pm - am) / sd:.2f} ground-truth std)")
    if sd > 0 and ps < 0.5 * sd:
        problems.append(f"spread collapsed to {ps / sd:.0%} of the ground truth's: the model regresses to the mean")
    elif sd > 0 and ps > 1.5 * sd:
        problems.append(f"spread {ps / sd:.1f}x the ground truth's: noisy or mis-scaled predictions")
    if not problems:
        return [Finding("distribution", "note", summary, where)]
    return [Finding("distribution", "warning", f"{summary}: {'; '.join(problems)} (actual_vs_predicted.csv shows it by decile)", where)]


def _class_distribution(overall: dict[str, Any], where: str) -> list[Finding]:
    actual, predicted = overall.get("actual_counts") or {}, overall.get("predicted_counts") or {}
    n_actual, n_pred = overall.get("n_actual", 0), overall.get("n_predicted", 0)
    # Open-vocabulary answers (value_ranges.json keeps the top 50 labels) have no class shares to compare.
    if not actual or not n_actual or not n_pred or "(other labels)" in actual:
        return []
    share = lambda counts, label, total: counts.get(label, 0) / total  # noqa: E731
    never = [c for c in actual if not predicted.get(c)]
    over = [c for c, k in predicted.items() if c in actual and k >= 5 and share(predicted, c, n_pred) > 2 * share(actual, c, n_actual)]
    unknown = [c for c in predicted if c not in actual and c != "(other labels)"]
    problems = []
    if never:
        problems.append("never predicted: " + ", ".join(f"{c} ({actual[c]} of {n_actual} true)" for c in never[:5]))
    if over:
        problems.append("over-predicted: " + ", ".join(
            f"{c} takes {share(predicted, c, n_pred):.0%} of predictions for {share(actual, c, n_actual):.0%} of the truth" for c in over[:5]))
    if unknown:
        problems.append("predicted labels absent from the ground truth: " + ", ".join(f"{c!r} ({predicted[c]})" for c in unknown[:5]))
    natural = lambda c: (0, float(c), "") if c.lstrip("-").replace(".", "", 1).isdigit() else (1, 0.0, c)  # noqa: E731
    shown = sorted(actual, key=lambda c: (-actual[c], natural(c)))[:10]
    shares = ", ".join(f"{c}: {share(predicted, c, n_pred):.0%}/{share(actual, c, n_actual):.0%}" for c in sorted(shown, key=natural))
    more = f" and {len(actual) - len(shown)} more classes" if len(actual) > len(shown) else ""
    summary = f"class shares, predicted/true: {shares}{more}"
    if not problems:
        return [Finding("distribution", "note", summary, where)]
    return [Finding("distribution", "warning", f"{'; '.join(problems)} ({summary})", where)]


@check("group-spread")
def _group_spread(ctx: Context) -> list[Finding]:
    dd = drilldown_of(ctx)
    index = dd.index if dd is not None else None
    if index is None or len(index) < 2:
        return []
    primary = dd.summary.get("primary_metric") or ("accuracy" if dd.task == "classification" else "mae")
    overall = dd.summary.get(primary)
    if overall is None and primary in ("accuracy", "mae") and {primary, "n_scored"} <= set(index.columns):
        # The drill-down's metrics.json was replaced by the run's (both at the run root): a mean over scored
        # rows is the group means weighted by their scored rows.
        scored = index["n_scored"] * index[primary].notna()
        overall = float((index[primary].fillna(0) * scored).sum() / scored.sum()) if scored.sum() else None
    if primary not in index.columns or not isinstance(overall, (int, float)):
        return []
    higher = (dd.summary.get("direction") or {}).get(primary, "higher" if primary in ("accuracy", "macro_f1", "pearson_r") else "lower") == "higher"
    n_classes = len((dd.ranges.get("overall") or {}).get("actual_counts") or {})
    chance = 1 / n_classes if primary == "accuracy" and n_classes >= 2 else None
    if higher:
        rule = f"{primary} below the overall {overall:.3f} - 0.25" + (f" or below chance ({chance:.2f})" if chance else "")
        bad = (index[primary] < overall - 0.25) | ((index[primary] < chance) if chance else False)
    else:
        rule = f"{primary} above twice the overall {overall:.4g}"
        bad = index[primary] > 2 * overall
    # A group whose every prediction failed to parse has no metric at all: the worst case, not a gap.
    bad = bad | (index[primary].isna() & (index.get("parse_failures", 0) > 0))
    sized = index["n_scored"] if "n_scored" in index.columns else index["n"]
    where = dd.where("groups/_index.csv")
    if not bad.any():
        worst, best = index.iloc[0], index.iloc[-1]
        return [Finding("group-spread", "note", f"{primary} by group ({len(index)} groups): worst {worst['group']!r} {_num(worst[primary])} "
                        f"(n={int(sized.iloc[0])}), best {best['group']!r} {_num(best[primary])} (n={int(sized.iloc[-1])}); none catastrophic", where)]
    named = [f"{g!r} {_num(v)} (n={int(n)}) -> {dd.where(str(path))}/per_sample.csv"
             for g, v, n, path in zip(index["group"][bad], index[primary][bad], sized[bad], index["path"][bad])]
    # A group of a handful of rows can miss by chance; only groups with enough rows make this a warning.
    severity = "warning" if (sized[bad] >= 10).any() else "note"
    caveat = "" if severity == "warning" else " (all have fewer than 10 scored rows: could be noise)"
    return [Finding("group-spread", severity, f"{int(bad.sum())} catastrophic group(s) ({rule}): {'; '.join(named[:5])}"
                    + (f" and {len(named) - 5} more" if len(named) > 5 else "") + caveat, where)]


@check("outliers")
def _outliers(ctx: Context) -> list[Finding]:
    dd = drilldown_of(ctx)
    if dd is None:
        return []
    preds = dd.predictions
    bounds = [c for c in ("valid_min", "valid_max") if c in preds.columns]
    where = dd.where("diagnostics/outliers.csv")
    if not bounds:
        if dd.task == "regression":
            return [Finding("outliers", "note", "no valid range was given (valid_min/valid_max), so predictions outside it were not counted", where)]
        return []
    import pandas as pd

    parsed = preds["parse_ok"].astype(bool)
    outside = preds["outlier"].astype(bool)
    n, k = int(parsed.sum()), int(outside.sum())
    lo = preds["valid_min"] if "valid_min" in bounds else None
    hi = preds["valid_max"] if "valid_max" in bounds else None
    fixed = all(b is None or b.nunique(dropna=False) <= 1 for b in (lo, hi))
    span = (f"[{_num(lo.iloc[0]) if lo is not None else '-inf'}, {_num(hi.iloc[0]) if hi is not None else 'inf'}]"
            if fixed else "(per-row ranges)")
    if k == 0:
        return [Finding("outliers", "note", f"all {n} parsed predictions are inside the valid range {span}", where)] if n else []
    values = pd.to_numeric(preds["prediction"], errors="coerce")
    above = int((outside & (values > hi)).sum()) if hi is not None else 0
    below = k - above
    side = "all above the maximum" if above == k else ("all below the minimum" if below == k else f"{above} above, {below} below")
    share = k / max(n, 1)
    message = f"{k} of {n} parsed predictions ({share:.1%}) are outside the valid range {span} ({side})"
    counts = preds.loc[outside, "group"].value_counts()
    if preds["group"].nunique() > 1:
        top, c = counts.index[0], int(counts.iloc[0])
        rows_share = float((preds["group"] == top).mean())
        if k < 3:
            message += "; too few to tell systematic from random"
        elif c / k >= 0.5 and c / k >= 1.5 * rows_share:
            message += f"; systematic: {c} of the {k} are in group {top!r}, which holds {rows_share:.0%} of the predictions"
        else:
            message += f"; spread over {len(counts)} group(s) about in proportion to their size (random rather than one group's problem)"
    message += "; e.g. " + ", ".join(_num(v) for v in values[outside].head(3))
    severity = _rate_severity(share)
    if severity == "blocker":
        message += ": the model has no sense of the scale (units? a missing inverse transform?)"
    return [Finding("outliers", severity, message, where)]


def wilson_interval(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


@check("evaluation-size")
def _evaluation_size(ctx: Context) -> list[Finding]:
    n = ctx.metrics.get("n_test") or ((ctx.data or {}).get("rows") or {}).get("test")
    if not n:
        return []
    out = []
    minimum = ctx.spec.min_test_size if ctx.spec is not None else None
    if minimum and int(n) < minimum and ctx.info.get("profile") != "de-risk":
        out.append(Finding("evaluation-size", "warning", f"only {n} test examples; spec.yaml asks for at least {minimum}", "data.json"))
    acc = next((ctx.metrics[k] for k in ("test_accuracy", "accuracy") if isinstance(ctx.metrics.get(k), (int, float))), None)
    if acc is not None and 0 <= acc <= 1:
        lo, hi = wilson_interval(acc * int(n), int(n))
        out.append(Finding("evaluation-size", "note", f"accuracy {acc:.4f} on {n} examples: 95% interval [{lo:.4f}, {hi:.4f}] "
                           f"(differences smaller than ~{(hi - lo) / 2:.3f} are noise)", "metrics.json"))
    return out


@check("chance")
def _chance(ctx: Context) -> list[Finding]:
    """An accuracy no better than always answering the most common class means nothing was learned."""
    found = majority_class((ctx.data or {}).get("class_counts"))
    name = next((k for k in ("test_accuracy", "accuracy") if isinstance(ctx.metrics.get(k), (int, float))), None)
    if found is None or name is None:
        return []
    majority = found[1] / found[2]
    value = float(ctx.metrics[name])
    if value > majority + 0.01:
        return []
    return [Finding("chance", "blocker", f"{name} = {value:.4f} is no better than always predicting the most common class "
                    f"({majority:.4f} of the training rows): the model learned nothing. Check the loss curve, the learning rate "
                    "and the labels before any further run", "metrics.json")]
