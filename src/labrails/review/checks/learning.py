"""Learning checks: the loss at step 1 against its expected value, and whether training loss went down."""

from __future__ import annotations

from typing import TYPE_CHECKING

from labrails.review.finding import Finding
from labrails.review.registry import check

if TYPE_CHECKING:
    from labrails.review.context import Context


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
