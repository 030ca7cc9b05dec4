"""Run-health checks: did the run end, write its outputs, keep every row, stay in budget and log finite numbers."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from labrails.review.drilldown import drilldown_of
from labrails.review.finding import Finding
from labrails.review.registry import check

if TYPE_CHECKING:
    from labrails.review.context import Context


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
    if "input_text" in columns and "raw_output" not in columns and _generated(ctx, dd):
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


@check("budget")
def _budget(ctx: Context) -> list[Finding]:
    budget, took = ctx.info.get("budget_seconds"), ctx.info.get("duration_s")
    startup = ctx.info.get("startup_s")  # interpreter start to start_run: not part of the budget
    before = f" (plus {startup:.0f} s of start-up before start_run, not counted)" if startup else ""
    if budget and took and took > budget:
        sev = "blocker" if ctx.info.get("profile") == "de-risk" else "warning"
        return [Finding("budget", sev, f"took {took:.0f} s from start_run to finish{before}, over the profile's budget "
                        f"of {budget:.0f} s: shrink the profile", "run.json")]
    if budget and startup and took is not None and startup > budget:
        return [Finding("budget", "note", f"start-up before start_run took {startup:.0f} s (imports, data loading), "
                        f"longer than the run's budget of {budget:.0f} s; the run itself took {took:.0f} s", "run.json")]
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


def _generated(ctx: Context, dd) -> bool:
    """Did this run generate text? Only then has it a raw output to show: a classifier's input_text (the digits
    scaffold draws each 8x8 image as text) has none. Generated runs record their engine (``llm`` in run.json) or
    name their prompt templates (``input_id``; write_predictions numbers the inputs when none is given)."""
    if ctx.info.get("llm"):
        return True
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(dd.root / "raw_outputs.parquet")
    return "input_id" in schema.names and not pa.types.is_integer(schema.field("input_id").type)
