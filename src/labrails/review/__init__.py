"""Post-run review: the checklist a careful human runs after every run, done automatically.

Order matters and mirrors how a person should look: first "did the job produce output at all", then
"is anything broken" before any metric is believed, and only then "is the result too good to trust".
Findings are blockers (the run must not be used or built on), warnings, or notes. review.md and
review.json are written into the run directory; ``passed`` means no blockers.

Each check is a small function registered with ``@check``; add one to extend the review.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from labrails.core.errors import LabrailsError
from labrails.core.fsutil import read_json, write_atomic, write_json
from labrails.tracking.metrics_log import read_metrics
from labrails.core.runinfo import current_status, now_iso

SEVERITIES = ("blocker", "warning", "note")


@dataclass
class Finding:
    check: str
    severity: str
    message: str
    where: str = ""


@dataclass
class Context:
    run_dir: Path
    info: dict[str, Any]
    metrics: dict[str, Any]
    records: list[dict[str, Any]]
    data: dict[str, Any] | None
    spec: Any | None
    config: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
    experiment_root: Path | None = None

    def series(self, name: str, split: str | None = None) -> list[float]:
        return [float(r["value"]) for r in self.records if r.get("name") == name and (split is None or r.get("split") == split)]


CHECKS: list[tuple[str, Callable[[Context], list[Finding]]]] = []


def check(name: str):
    def register(fn):
        CHECKS.append((name, fn))
        return fn
    return register


# --------------------------------------------------------------------------- the drill-down behind the predictions
class Drilldown:
    """A run's per-prediction drill-down (see labrails.outputs), under eval/ or at the run root; each file
    is read once, on first use, so checks that do not need one cost nothing."""

    def __init__(self, root: Path, prefix: str):
        self.root, self.prefix = root, prefix
        self._cache: dict[str, Any] = {}

    def where(self, name: str) -> str:
        return self.prefix + name

    def _once(self, key: str, load: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    @property
    def summary(self) -> dict[str, Any]:
        """Its metrics.json (task, primary metric, counts); empty when that file belongs to the run instead."""
        def load():
            path = self.root / "metrics.json"
            data = read_json(path) if path.is_file() else {}
            return data if isinstance(data, dict) and data.get("written_by") == "labrails.outputs.write_drilldown" else {}
        return self._once("summary", load)

    @property
    def predictions(self):
        import pandas as pd

        return self._once("predictions", lambda: pd.read_parquet(self.root / "predictions.parquet"))

    @property
    def raw_columns(self) -> list[str]:
        def load():
            path = self.root / "raw_outputs.parquet"
            if not path.is_file():
                return []
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        return self._once("raw_columns", load)

    @property
    def raw(self):
        import pandas as pd

        wanted = [c for c in ("input_text", "raw_output") if c in self.raw_columns]
        return self._once("raw", lambda: pd.read_parquet(self.root / "raw_outputs.parquet", columns=wanted))

    @property
    def index(self):
        def load():
            path = self.root / "groups" / "_index.csv"
            if not path.is_file():
                return None
            import pandas as pd

            # Group names are data ("NA", "None", "1"): read them as text; only empty cells are missing numbers.
            return pd.read_csv(path, dtype={"group": str, "path": str}, keep_default_na=False, na_values=[""])
        return self._once("index", load)

    @property
    def ranges(self) -> dict[str, Any]:
        def load():
            path = self.root / "diagnostics" / "value_ranges.json"
            return read_json(path) if path.is_file() else {}
        return self._once("ranges", load)

    @property
    def task(self) -> str:
        return self.summary.get("task") or ("regression" if "error" in self.predictions.columns else "classification")


def drilldown_of(ctx: Context) -> Drilldown | None:
    """The run's drill-down: eval/ (where write_predictions puts it) or the run root (write_drilldown(df, run_dir))."""
    if "drilldown" not in ctx.extra:
        ctx.extra["drilldown"] = next(
            (Drilldown(root, prefix) for root, prefix in ((ctx.run_dir / "eval", "eval/"), (ctx.run_dir, ""))
             if (root / "predictions.parquet").is_file()),
            None,
        )
    return ctx.extra["drilldown"]


def _quote(text: Any, limit: int = 60) -> str:
    text = str(text)
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _rate_severity(share: float) -> str:
    """The checklist's thresholds for parse failures (and out-of-range predictions): under 1% is noise,
    up to 5% needs a look, above that the pipeline is broken."""
    return "note" if share < 0.01 else ("warning" if share <= 0.05 else "blocker")


def _num(value: Any) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{float(value):.4g}"


# --------------------------------------------------------------------------- first: did it produce output
@check("status")
def _status(ctx: Context) -> list[Finding]:
    status = ctx.info.get("status")
    if status == "running":
        return [Finding("status", "blocker", "the run is still running: review it after it ends (tail -f logs/train.log)")]
    if status in ("failed", "crashed"):
        err = ctx.info.get("error") or {}
        return [Finding("status", "blocker", f"the run {status}: {err.get('type')}: {err.get('message')}", "run.json")]
    return []


@check("outputs")
def _outputs(ctx: Context) -> list[Finding]:
    out = []
    for name, why in (("metrics.json", "final metrics"), ("logs/metrics.jsonl", "logged values"), ("config.yaml", "resolved config"),
                      ("logs/train.log", "the human log"), ("data.json", "data provenance")):
        path = ctx.run_dir / name
        if not path.is_file() or path.stat().st_size == 0:
            sev = "blocker" if name != "data.json" or ctx.info.get("status") == "completed" else "warning"
            out.append(Finding("outputs", sev, f"{name} is missing or empty ({why})", name))
    if ctx.info.get("status") == "completed" and not ctx.metrics:
        out.append(Finding("outputs", "blocker", "metrics.json holds no metrics", "metrics.json"))
    log = ctx.run_dir / "logs" / "train.log"
    if log.is_file() and "resolved config" not in log.read_text(encoding="utf-8", errors="replace")[:200_000]:
        out.append(Finding("outputs", "warning", "the resolved config was not logged at start", "logs/train.log"))
    return out


@check("counts")
def _counts(ctx: Context) -> list[Finding]:
    rows = (ctx.data or {}).get("rows") or {}
    n_test = ctx.metrics.get("n_test")
    out = []
    if n_test is not None and rows.get("test") is not None and int(n_test) != int(rows["test"]):
        out.append(Finding("counts", "blocker", f"metrics cover {n_test} test rows but data.json has {rows['test']}: rows were lost", "metrics.json"))
    dd = drilldown_of(ctx)
    if dd is None:
        return out
    if rows.get("test") is not None:
        # Samples, not rows: a sample asked with several prompts has one row per prompt.
        n = int(dd.predictions["sample_id"].nunique())
        if n != int(rows["test"]):
            out.append(Finding("counts", "blocker", f"{n} predictions for {rows['test']} test rows: silent data loss",
                               dd.where("predictions.parquet")))
    columns = dd.raw_columns
    if "input_text" in columns and "raw_output" not in columns:
        out.append(Finding("counts", "warning", "prompts were saved but no raw outputs: pass raw_output so every answer can be read",
                           dd.where("raw_outputs.parquet")))
    elif "raw_output" in columns and "input_text" not in columns:
        out.append(Finding("counts", "warning", "raw outputs were saved without the prompts that produced them: pass input_text too",
                           dd.where("raw_outputs.parquet")))
    elif "raw_output" in columns:
        raw = dd.raw
        prompts = int(raw["input_text"].notna().sum())
        answered = int((raw["input_text"].notna() & raw["raw_output"].notna()).sum())
        if answered < prompts:
            out.append(Finding("counts", "blocker", f"{prompts - answered} of {prompts} prompts have no raw output: generations were lost "
                               "(a failed or skipped batch?)", dd.where("raw_outputs.parquet")))
    return out


# --------------------------------------------------------------------------- then: is anything broken
@check("budget")
def _budget(ctx: Context) -> list[Finding]:
    budget, took = ctx.info.get("budget_seconds"), ctx.info.get("duration_s")
    if budget and took and took > budget:
        sev = "blocker" if ctx.info.get("profile") == "de-risk" else "warning"
        return [Finding("budget", sev, f"took {took:.0f} s, over the profile's budget of {budget:.0f} s: shrink the profile", "run.json")]
    return []


@check("data")
def _data(ctx: Context) -> list[Finding]:
    if ctx.data is None:
        return []
    allowed = ctx.spec.synthetic_allowed_in if ctx.spec is not None else ("de-risk",)
    if ctx.data.get("synthetic") and ctx.info.get("profile") not in allowed:
        return [Finding("data", "blocker", f"synthetic data in a '{ctx.info.get('profile')}' run ({ctx.data.get('source')})", "data.json")]
    if ctx.data.get("synthetic"):
        return [Finding("data", "note", "this run used synthetic data (allowed for its profile); its numbers say nothing about the real data", "data.json")]
    return []


@check("finite")
def _finite(ctx: Context) -> list[Finding]:
    bad = [r for r in ctx.records if isinstance(r.get("value"), float) and not math.isfinite(r["value"])]
    unreadable = [r for r in ctx.records if r.get("name") == "__unreadable_line__"]
    out = []
    if bad:
        first = bad[0]
        out.append(Finding("finite", "blocker", f"{len(bad)} NaN/inf values logged, first: {first['name']} at step {first.get('step')}", "logs/metrics.jsonl"))
    if unreadable:
        out.append(Finding("finite", "warning", f"{len(unreadable)} unreadable line(s) in metrics.jsonl (a write cut short)", "logs/metrics.jsonl"))
    bad_final = [k for k, v in ctx.metrics.items() if isinstance(v, float) and not math.isfinite(v)]
    if bad_final:
        out.append(Finding("finite", "blocker", f"non-finite final metrics: {', '.join(bad_final)}", "metrics.json"))
    return out


@check("initial-loss")
def _initial_loss(ctx: Context) -> list[Finding]:
    init = ctx.info.get("initial_loss")
    if not init:
        return [Finding("initial-loss", "note", "the loss at step 1 was not checked against its expected value (run.check_initial_loss)")]
    if not init.get("ok"):
        return [Finding("initial-loss", "warning", f"loss at step 1 was {init['value']:.4f}, expected about {init['expected']:.4f} (log of the class count)", "logs/train.log")]
    return []


@check("learning")
def _learning(ctx: Context) -> list[Finding]:
    out = []
    train = ctx.series("loss", "train")
    val = ctx.series("loss", "val")
    if len(train) >= 10:
        head, tail = sum(train[:5]) / 5, sum(train[-5:]) / 5
        if tail >= head * 0.98:
            out.append(Finding("learning", "warning", f"training loss did not go down (first steps {head:.4f}, last {tail:.4f})", "logs/metrics.jsonl"))
    if len(val) >= 4:
        best = min(range(len(val)), key=val.__getitem__)
        if best < len(val) - 3 and val[-1] > val[best] * 1.1:
            out.append(Finding("learning", "note", f"val loss rose after epoch {best + 1} (overfitting; early stopping should keep the best checkpoint)", "logs/metrics.jsonl"))
    return out


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


# --------------------------------------------------------------------------- finally: can the number be believed
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
    from labrails.analysis.stats import majority_class

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

    bunch = getattr(__import__("sklearn.datasets", fromlist=[match.group(1)]), match.group(1))()
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


def _load_context(run_dir: Path) -> Context:
    info = current_status(run_dir)
    metrics = read_json(run_dir / "metrics.json") if (run_dir / "metrics.json").is_file() else {}
    data = read_json(run_dir / "data.json") if (run_dir / "data.json").is_file() else None
    records = list(read_metrics(run_dir / "logs" / "metrics.jsonl"))
    spec = None
    from labrails.core.experiment import find_experiment

    exp = find_experiment(run_dir, required=False)
    if exp is not None and exp.spec_path.is_file():
        from labrails.core.spec import load_spec

        try:
            spec = load_spec(exp.spec_path)
        except LabrailsError:
            spec = None
    config = {}
    if (run_dir / "config.yaml").is_file():
        import yaml

        config = yaml.safe_load((run_dir / "config.yaml").read_text()) or {}
    return Context(run_dir, info, metrics, records, data, spec, config, experiment_root=exp.root if exp is not None else None)


def review_run(run_dir: Path | str) -> dict[str, Any]:
    run_dir = Path(run_dir)
    ctx = _load_context(run_dir)
    findings: list[Finding] = []
    for name, fn in CHECKS:
        try:
            findings += fn(ctx)
        except Exception as exc:  # a check that crashes must show up, not vanish
            findings.append(Finding(name, "warning", f"this check could not run: {type(exc).__name__}: {exc}"))
    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: order[f.severity])
    blockers = [f for f in findings if f.severity == "blocker"]
    result = {
        "run": ctx.info.get("run"),
        "identity": ctx.info.get("identity"),
        "profile": ctx.info.get("profile"),
        "status": ctx.info.get("status"),
        "reviewed_at": now_iso(),
        "passed": not blockers,
        "headline": _headline(ctx, findings),
        "blockers": [asdict(f) for f in blockers],
        "findings": [asdict(f) for f in findings],
    }
    write_json(run_dir / "review.json", result)
    write_atomic(run_dir / "review.md", render_markdown(result))
    if (run_dir / "README.txt").is_file() and ctx.info.get("status") != "running":
        from labrails.tracking.readme import render_run_readme

        render_run_readme(run_dir, spec=ctx.spec)  # so its navigation lists review.md
    return result


def _headline(ctx: Context, findings: list[Finding]) -> str:
    blockers = [f for f in findings if f.severity == "blocker"]
    warnings = [f for f in findings if f.severity == "warning"]
    if blockers:
        return f"NOT PASSED: {len(blockers)} blocker(s), first: {blockers[0].message}"
    return f"passed with {len(warnings)} warning(s)" if warnings else "passed"


def render_markdown(result: dict[str, Any]) -> str:
    lines = [f"# Review of {result['run']}", "", f"**{result['headline']}**", "",
             f"profile `{result['profile']}`, status `{result['status']}`, identity `{result['identity']}`, reviewed {result['reviewed_at']}", ""]
    for severity in SEVERITIES:
        items = [f for f in result["findings"] if f["severity"] == severity]
        if not items:
            continue
        lines.append(f"## {severity.capitalize()}s ({len(items)})")
        for f in items:
            where = f" ({f['where']})" if f.get("where") else ""
            lines.append(f"- [{f['check']}] {f['message']}{where}")
        lines.append("")
    return "\n".join(lines) + "\n"


def review_summary(result: dict[str, Any]) -> str:
    return json.dumps({k: result[k] for k in ("run", "passed", "headline")})
