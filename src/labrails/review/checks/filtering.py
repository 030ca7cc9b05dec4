"""Filtering check: a data strategy that emptied a class, or trained on less than half the data, is said out loud.

Reads ``data/strategy.json``, which a run writes when it filters, smooths or weights its training data
(``labrails.recipes.combined.record_plan``): the rules in the order applied, what each removed and from
which classes, and the class counts before and after.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labrails.core.fsutil import read_json
from labrails.review.finding import Finding
from labrails.review.registry import check

if TYPE_CHECKING:
    from labrails.review.context import Context

STRATEGY_FILE = "data/strategy.json"
MOST = 0.5   # removing more than this share of the training examples is "most of the data"


@check("filtering")
def _filtering(ctx: Context) -> list[Finding]:
    path = ctx.run_dir / STRATEGY_FILE
    if not path.is_file():
        return []
    plan = read_json(path)
    n_train, n_kept = int(plan.get("n_train") or 0), int(plan.get("n_kept") or 0)
    steps = [s for s in plan.get("steps") or [] if s.get("removed")]
    by_rule = "; ".join(f"{s['rule']} removed {s['removed']}" for s in steps) or "nothing removed"
    findings = [Finding("filtering", "note", f"data strategy '{plan.get('strategy')}': trained on {n_kept} of {n_train} "
                                             f"examples ({by_rule})", STRATEGY_FILE)]
    classes = plan.get("classes") or {}
    before, after = classes.get("before") or {}, classes.get("after") or {}
    emptied = [c for c, n in before.items() if n and not after.get(c)]
    if emptied:
        culprits = sorted({s["rule"] for s in steps for c in emptied if (s.get("removed_by_class") or {}).get(c)})
        findings.append(Finding("filtering", "warning",
                                f"filtering removed every training example of class(es) {', '.join(emptied)} "
                                f"(by {', '.join(culprits) or 'the rules'}): the model never sees them, so its test "
                                "numbers on them say nothing about the strategy; relax the rule or keep those classes",
                                STRATEGY_FILE))
    if n_train and (n_train - n_kept) / n_train > MOST:
        findings.append(Finding("filtering", "warning",
                                f"filtering removed {n_train - n_kept} of {n_train} training examples "
                                f"({(n_train - n_kept) / n_train:.0%}): a comparison with the baseline also compares "
                                "training-set sizes", STRATEGY_FILE))
    return findings
