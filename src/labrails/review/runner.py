"""Running the review: load the run, run every registered check in order, sort by severity, write the report."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from labrails.core.runinfo import now_iso
from labrails.review import checks  # noqa: F401  (importing it registers every check)
from labrails.review.context import load_context
from labrails.review.finding import SEVERITIES, Finding
from labrails.review.registry import registered
from labrails.review.report import headline, write_report
from labrails.tracking.readme import render_run_readme


def review_run(run_dir: Path | str) -> dict[str, Any]:
    run_dir = Path(run_dir)
    ctx = load_context(run_dir)
    findings: list[Finding] = []
    for name, fn in registered():
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
        "headline": headline(findings),
        "blockers": [asdict(f) for f in blockers],
        "findings": [asdict(f) for f in findings],
    }
    write_report(run_dir, result)
    _record_verdict(ctx, result)
    if (run_dir / "README.txt").is_file() and ctx.info.get("status") != "running":
        render_run_readme(run_dir, spec=ctx.spec)  # so its navigation lists review.md
    return result


def _record_verdict(ctx, result: dict[str, Any]) -> None:
    """Sign the review's verdict into the run's registry row: the policy trusts no other record of it."""
    if ctx.experiment_root is None or not ctx.info.get("run"):
        return
    from labrails.core.registry import Registry
    from labrails.core.verdicts import sign_review

    registry = Registry(ctx.experiment_root / ".labrails")
    if ctx.info["run"] not in registry.rows():
        return  # a run directory the registry does not know (copied in): nothing to vouch for
    fields = sign_review(ctx.info, passed=result["passed"], reviewed_at=result["reviewed_at"], headline=result["headline"])
    registry.update(ctx.info["run"], **fields)
