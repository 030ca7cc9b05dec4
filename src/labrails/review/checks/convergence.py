"""Convergence: was the run still improving when it stopped? Its number then says more about the budget than the model.

One home for the per-run rule: the analysis asks the same question of every run of a configuration
(labrails.analysis.hypotheses.doubts) before it lets a comparison or a threshold be called.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from labrails.review.finding import Finding
from labrails.review.registry import check

if TYPE_CHECKING:
    from labrails.review.context import Context


def _number(value: Any) -> float | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None


def _setting(config: dict[str, Any], names: tuple[str, ...]) -> Any:
    stack = [config]
    while stack:
        node = stack.pop()
        for key, value in node.items():
            if isinstance(value, dict):
                stack.append(value)
            elif key in names:
                return value
    return None


def convergence(metrics: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """From metrics.json (best_epoch, epochs_run) and config.yaml (max_epochs, patience):
    ``still_improving`` (the best epoch was the last one) and ``early_stop_never`` (ran every allowed epoch
    although early stopping was configured); None where the run did not record what the rule needs."""
    best, ran = _number(metrics.get("best_epoch")), _number(metrics.get("epochs_run"))
    cap = _number(_setting(config, ("max_epochs", "epochs")))
    patience = _number(_setting(config, ("patience",)))
    return {"best_epoch": best, "epochs_run": ran, "max_epochs": cap,
            "still_improving": None if best is None or not ran else best >= ran,
            "early_stop_never": None if not ran or cap is None or not patience else ran >= cap}


@check("convergence")
def _convergence(ctx: Context) -> list[Finding]:
    c = convergence(ctx.metrics, ctx.config)
    if c["still_improving"]:
        return [Finding("convergence", "warning",
                        f"still improving when training ended: the best epoch was the last one ({c['best_epoch']:g} of "
                        f"{c['epochs_run']:g}); train longer (raise max_epochs) before comparing this run with others",
                        "metrics.json")]
    if c["early_stop_never"]:
        return [Finding("convergence", "note",
                        f"early stopping never triggered: the run used all {c['max_epochs']:g} epochs (best epoch "
                        f"{c['best_epoch']:g}); a longer budget may still change the result", "metrics.json")]
    return []
