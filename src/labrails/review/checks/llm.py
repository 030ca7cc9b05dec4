"""LLM checks: what a run's generations (labrails.llm.generate) and its Trainer preflight (labrails.hf) say.

llm-truncation: share of outputs cut at max_new_tokens. llm-parse: parse failures split by cause (cut
off or malformed), with examples. llm-constant: one raw output repeated for most inputs. llm-labels:
parsed predictions outside the valid labels. llm-prompt-length: the prompt-length distribution against
max_model_len. preflight: the Trainer preflight's findings, with their numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labrails.core.fsutil import read_json
from labrails.review.drilldown import drilldown_of
from labrails.review.finding import Finding
from labrails.review.registry import check

if TYPE_CHECKING:
    from labrails.review.context import Context


def _generation(ctx: Context) -> dict[str, Any] | None:
    """eval/generation.json, written by labrails.llm.generate; None for other runs."""
    if "generation" not in ctx.extra:
        path = ctx.run_dir / "eval" / "generation.json"
        ctx.extra["generation"] = read_json(path) if path.is_file() else None
    return ctx.extra["generation"]


def _rows(ctx: Context):
    dd = drilldown_of(ctx)
    if dd is None or _generation(ctx) is None or "finish_reason" not in dd.predictions.columns:
        return None
    return dd


def _share_severity(share: float) -> str:
    return "note" if share < 0.01 else ("warning" if share <= 0.05 else "blocker")


def _quote(text: Any, limit: int = 60) -> str:
    text = str(text)
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


@check("llm-truncation")
def _truncation(ctx: Context) -> list[Finding]:
    dd = _rows(ctx)
    if dd is None:
        return []
    preds = dd.predictions
    n, cut = len(preds), int(preds["truncated"].astype(bool).sum())
    limit = _generation(ctx).get("max_new_tokens")
    where = dd.where("predictions.parquet")
    if cut == 0:
        return [Finding("llm-truncation", "note", f"no output of {n} hit max_new_tokens ({limit})", where)]
    share = cut / n
    failed = int((preds["truncated"].astype(bool) & ~preds["parse_ok"].astype(bool)).sum())
    return [Finding("llm-truncation", _share_severity(share),
                    f"{cut} of {n} outputs ({share:.1%}) were cut at max_new_tokens ({limit}); {failed} of them did not "
                    "parse. Raise max_new_tokens, or ask for a shorter answer (or add a stop string)", where)]


@check("llm-parse")
def _parse(ctx: Context) -> list[Finding]:
    dd = _rows(ctx)
    if dd is None:
        return []
    preds = dd.predictions
    failed = ~preds["parse_ok"].astype(bool)
    k, n = int(failed.sum()), len(preds)
    where = dd.where("raw_outputs.parquet")
    if k == 0:
        return []
    cut = int((failed & preds["truncated"].astype(bool)).sum())
    raw = dd.raw
    examples = []
    if "raw_output" in raw.columns:
        texts = raw.loc[failed.to_numpy(), "raw_output"]
        counts = texts.value_counts()
        examples = [f"{_quote(t) if t else '(empty)'} x{c}" for t, c in counts.head(3).items()]
    share = k / n
    return [Finding("llm-parse", _share_severity(share),
                    f"{k} of {n} outputs ({share:.1%}) did not parse: {cut} cut at max_new_tokens, {k - cut} finished "
                    f"but malformed; most common: {', '.join(examples) or 'n/a'}", where)]


@check("llm-constant")
def _constant(ctx: Context) -> list[Finding]:
    dd = _rows(ctx)
    if dd is None or "raw_output" not in dd.raw.columns or len(dd.raw) < 10:
        return []
    counts = dd.raw["raw_output"].value_counts()
    top, k, n = counts.index[0], int(counts.iloc[0]), len(dd.raw)
    # A short answer from a few labels repeats by nature; the most common true label sets the bar.
    truth = dd.predictions["ground_truth"].astype(str).value_counts(normalize=True)
    bar = max(0.9, float(truth.iloc[0]) + 0.2 if len(truth) else 0.9)
    if k / n < min(bar, 1.0) and k < n:
        return []
    severity = "blocker" if k == n else "warning"
    return [Finding("llm-constant", severity,
                    f"{k} of {n} outputs ({k / n:.0%}) are the same text {_quote(top)}: the model is not reading its "
                    "input (untrained, a template that hides the input, or greedy decoding stuck in a loop)",
                    dd.where("raw_outputs.parquet"))]


@check("llm-labels")
def _labels(ctx: Context) -> list[Finding]:
    dd = _rows(ctx)
    if dd is None or "valid_label" not in dd.predictions.columns:
        return []
    preds = dd.predictions
    parsed = preds["parse_ok"].astype(bool)
    outside = parsed & ~preds["valid_label"].astype(bool)
    k, n = int(outside.sum()), int(parsed.sum())
    allowed = _generation(ctx).get("valid_labels") or []
    where = dd.where("predictions.parquet")
    if k == 0:
        return [Finding("llm-labels", "note", f"all {n} parsed predictions are valid labels ({', '.join(map(str, allowed[:10]))})",
                        where)] if n else []
    seen = preds.loc[outside, "prediction"].astype(str).value_counts().head(3)
    return [Finding("llm-labels", _share_severity(k / max(n, 1)),
                    f"{k} of {n} parsed predictions ({k / max(n, 1):.1%}) are not valid labels, e.g. "
                    + ", ".join(f"{_quote(v)} x{c}" for v, c in seen.items())
                    + f"; valid: {', '.join(map(str, allowed[:10]))}. Tighten the parser or the prompt", where)]


@check("llm-prompt-length")
def _prompt_length(ctx: Context) -> list[Finding]:
    gen = _generation(ctx)
    if gen is None or not gen.get("prompt_tokens"):
        return []
    p = gen["prompt_tokens"]
    text = f"prompt tokens: min {p['min']}, median {p['p50']}, p95 {p['p95']}, max {p['max']}"
    limit, new = gen.get("max_model_len"), gen.get("max_new_tokens") or 0
    where = "eval/generation.json"
    if limit and p["max"] + new > limit:
        return [Finding("llm-prompt-length", "blocker",
                        f"{text}: the longest prompt plus max_new_tokens ({new}) exceeds max_model_len {limit}", where)]
    if p["max"] > 4 * max(p["p50"], 1):
        return [Finding("llm-prompt-length", "warning",
                        f"{text}: the longest prompt is {p['max'] / max(p['p50'], 1):.1f}x the median; look at the longest "
                        "inputs (a record that swallowed others, or an unbounded field)", where)]
    return [Finding("llm-prompt-length", "note", text + (f" (max_model_len {limit})" if limit else ""), where)]


@check("preflight")
def _preflight(ctx: Context) -> list[Finding]:
    found = ctx.info.get("preflight")
    if not found:
        return []
    return [Finding("preflight", f["severity"], f"{f['check']}: {f['message']}", "run.json (preflight)")
            for f in found if f.get("severity") in ("blocker", "warning", "note")]
