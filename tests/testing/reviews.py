"""Review a run with the library, and make a failed review explain itself in the assertion message."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labrails.review import review_run

if TYPE_CHECKING:
    from pathlib import Path


def explain(result: dict[str, Any]) -> str:
    """The review's headline and every finding, one per line."""
    lines = [f"review of {result.get('run')}: {result.get('headline')}"]
    lines += [f"  [{f['severity']}] {f['check']}: {f['message']}" for f in result.get("findings") or []]
    return "\n".join(lines)


def assert_review_passed(run_dir: Path) -> dict[str, Any]:
    """Review the run (writing review.json and review.md, as the scaffold does) and fail with its findings unless it passed."""
    result = review_run(run_dir)
    assert result["passed"], explain(result)
    return result
