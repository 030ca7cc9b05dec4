"""The table behind ``labrails runs``: name, profile, status, identity, key metric, duration.

Listing never writes. The runs index (analysis/index.py) or a finished run's summary.json, while still
true to the run's files, stand for its run.json, metrics.json and review.json; a run whose process is gone
shows as crashed without its run.json being touched; and the status shown is the registry's (a run.json
alone never makes a run 'completed': see :func:`labrails.core.runinfo.shown_status`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labrails.analysis import index
from labrails.core.errors import LabrailsError
from labrails.core.experiment import Experiment
from labrails.core.fsutil import read_json
from labrails.core.journal import ignored_runs
from labrails.core.runinfo import duration, observed, read_run_json, shown_status
from labrails.core.summary import read_summary
from labrails.tracking.cluster import job_label
from labrails.tracking.progress import fmt_duration


@dataclass
class RunRow:
    name: str
    profile: str
    status: str
    identity: str
    metric: str
    duration: str
    ignored: bool
    review: str
    path: Path
    job: str = ""            # the SLURM job that made it, "12_1@node03" (tracking.cluster.job_label)
    metrics: Any = None      # metrics.json as recorded (None: none yet; "?": unreadable)
    duration_s: float | None = None
    started_at: str | None = None


def _metrics(run_dir: Path) -> Any:
    if not (run_dir / "metrics.json").is_file():
        return None
    try:
        return read_json(run_dir / "metrics.json")
    except (OSError, ValueError):
        return "?"


def _key_metric(metrics: Any, primary: str | None) -> str:
    if metrics is None:
        return "-"
    if not isinstance(metrics, dict):
        return "?"
    name = primary if primary in metrics else next((k for k, v in metrics.items() if isinstance(v, (int, float))), None)
    if name is None:
        return "-"
    value = metrics[name]
    return f"{name}={value:.4g}" if isinstance(value, float) else f"{name}={value}"


def list_runs(exp: Experiment) -> list[RunRow]:
    primary = None
    if exp.spec_path.is_file():
        try:
            from labrails.core.spec import load_spec

            primary = load_spec(exp.spec_path).primary_metric.get("name")
        except LabrailsError:
            primary = None
    ignored = ignored_runs(exp)
    from labrails.core.registry import read_rows

    registered = read_rows(exp.state)
    rows = []
    entries = index.load(exp)
    for run_dir in exp.run_dirs():
        cached, _ = index.fresh(entries, run_dir)
        summary = cached or read_summary(run_dir)
        try:
            info = dict(summary["info"]) if summary else observed(run_dir, read_run_json(run_dir))
            info["status"] = shown_status(registered.get(run_dir.name), str(info.get("status")))
        except LabrailsError:
            rows.append(RunRow(run_dir.name, "?", "unreadable", "?", "-", "-", run_dir.name in ignored, "-", run_dir))
            continue
        metrics = summary["metrics"] if summary else _metrics(run_dir)
        review = cached["review"] if cached else index.review_state(run_dir)
        rows.append(RunRow(
            name=run_dir.name, profile=str(info.get("profile")), status=str(info.get("status")),
            identity=str(info.get("identity")), metric=_key_metric(metrics, primary),
            duration=fmt_duration(duration(info)), ignored=run_dir.name in ignored, review=review, path=run_dir,
            job=job_label(info), metrics=metrics, duration_s=duration(info), started_at=info.get("started_at"),
        ))
    return rows


def rows_as_json(rows: list[RunRow]) -> str:
    """What ``labrails runs --json`` prints: one object per run, in the table's order, every value plain JSON."""
    import json

    return json.dumps([{"name": r.name, "profile": r.profile, "status": r.status, "identity": r.identity,
                        "metrics": r.metrics, "key_metric": r.metric, "duration_s": r.duration_s,
                        "started_at": r.started_at, "review": r.review, "ignored": r.ignored, "job": r.job or None,
                        "path": str(r.path)} for r in rows], indent=2)


def format_table(rows: list[RunRow]) -> str:
    if not rows:
        return "no runs yet: start one with `uv run train.py de-risk`"
    header = ("run", "profile", "status", "identity", "key metric", "duration", "review")
    body = [(r.name + (" [ignored]" if r.ignored else ""), r.profile, r.status, r.identity, r.metric, r.duration, r.review) for r in rows]
    if any(r.job for r in rows):  # runs made by SLURM jobs: which job, on which node
        header, body = (*header, "slurm job"), [(*line, r.job or "-") for line, r in zip(body, rows)]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *body)]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip() for row in (header, *body)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
