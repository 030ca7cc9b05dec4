"""Post-run review: the checklist a careful human runs after every run, done automatically.

Order matters and mirrors how a person should look: first "did the job produce output at all", then
"is anything broken" before any metric is believed, and only then "is the result too good to trust".
Findings are blockers (the run must not be used or built on), warnings, or notes. review.md and
review.json are written into the run directory; ``passed`` means no blockers.

Where things live:
- finding.py: the Finding a check returns and the SEVERITIES scale.
- context.py: Context, the run as every check sees it (run.json, metrics, logged values, data.json, spec).
- drilldown.py: the run's per-prediction drill-down, read lazily (``drilldown_of(ctx)``).
- registry.py: the ``@check`` decorator and ORDER, the checklist's order.
- checks/: the checks by theme (run_health, provenance, learning, predictions); leakage.py: too-good and leakage.
- runner.py: ``review_run``; report.py: review.md and review.json.

How to add a review check:
1. Write ``def _my_check(ctx: Context) -> list[Finding]`` in the checks/ module of its theme (a new module
   must also be imported in checks/__init__.py). Return an empty list when there is nothing to say.
2. Decorate it with ``@check("my-check")`` (from labrails.review.registry).
3. Put "my-check" in ``ORDER`` in registry.py, where a careful person would look at it. An unlisted name
   is refused at import; a listed name with no function fails the review before any check runs.
A check that raises is reported as a warning naming it, never silently dropped.
"""

from __future__ import annotations

from labrails.review.checks.predictions import wilson_interval
from labrails.review.context import Context
from labrails.review.drilldown import Drilldown, drilldown_of
from labrails.review.finding import SEVERITIES, Finding
from labrails.review.registry import ORDER, check
from labrails.review.report import render_markdown, review_summary
from labrails.review.runner import review_run

__all__ = ["ORDER", "SEVERITIES", "Context", "Drilldown", "Finding", "check", "drilldown_of", "render_markdown",
           "review_run", "review_summary", "wilson_interval"]
