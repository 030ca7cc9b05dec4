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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from labrails.errors import LabrailsError
from labrails.fsutil import read_json, write_atomic, write_json
from labrails.metrics_log import read_metrics
from labrails.runinfo import current_status, now_iso

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

    def series(self, name: str, split: str | None = None) -> list[float]:
        return [float(r["value"]) for r in self.records if r.get("name") == name and (split is None or r.get("split") == split)]


CHECKS: list[tuple[str, Callable[[Context], list[Finding]]]] = []


def check(name: str):
    def register(fn):
        CHECKS.append((name, fn))
        return fn
    return register


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
    preds = ctx.run_dir / "eval" / "predictions.parquet"
    if preds.is_file() and rows.get("test") is not None:
        import pyarrow.parquet as pq

        n = pq.ParquetFile(preds).metadata.num_rows
        if n != int(rows["test"]):
            out.append(Finding("counts", "blocker", f"{n} predictions for {rows['test']} test rows: silent data loss", "eval/predictions.parquet"))
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
    path = ctx.run_dir / "eval" / "predictions.parquet"
    if not path.is_file():
        return []
    import pandas as pd

    preds = pd.read_parquet(path, columns=["prediction"])["prediction"]
    if len(preds) and preds.isna().all():
        return [Finding("predictions", "blocker", "every prediction is missing (NaN)", "eval/predictions.parquet")]
    if len(preds) > 10 and preds.nunique(dropna=True) == 1:
        return [Finding("predictions", "blocker", f"every prediction is the same value ({preds.iloc[0]!r})", "eval/predictions.parquet")]
    return []


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
                        "labels in the features, templated inputs) with `labrails split check` before believing it", "metrics.json")]
    return []


def _load_context(run_dir: Path) -> Context:
    info = current_status(run_dir)
    metrics = read_json(run_dir / "metrics.json") if (run_dir / "metrics.json").is_file() else {}
    data = read_json(run_dir / "data.json") if (run_dir / "data.json").is_file() else None
    records = list(read_metrics(run_dir / "logs" / "metrics.jsonl"))
    spec = None
    from labrails.experiment import find_experiment

    exp = find_experiment(run_dir, required=False)
    if exp is not None and exp.spec_path.is_file():
        from labrails.spec import load_spec

        try:
            spec = load_spec(exp.spec_path)
        except LabrailsError:
            spec = None
    config = {}
    if (run_dir / "config.yaml").is_file():
        import yaml

        config = yaml.safe_load((run_dir / "config.yaml").read_text()) or {}
    return Context(run_dir, info, metrics, records, data, spec, config)


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
        from labrails.readme import render_run_readme

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
