"""The review's written form: its headline, review.md for people and review.json for code."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from labrails.core.fsutil import write_atomic, write_json
from labrails.review.finding import SEVERITIES

if TYPE_CHECKING:
    from pathlib import Path

    from labrails.review.finding import Finding


def headline(findings: list[Finding]) -> str:
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


def write_report(run_dir: Path, result: dict[str, Any]) -> None:
    # Not flushed: the review is made again from the run's files (`labrails review`); the signed verdict is
    # kept in the registry, which is.
    write_json(run_dir / "review.json", result, fsync=False)
    write_atomic(run_dir / "review.md", render_markdown(result), fsync=False)
