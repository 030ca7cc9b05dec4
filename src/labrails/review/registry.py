"""The ordered registry of review checks: ``@check(name)`` registers a function, ORDER fixes where it runs.

The order is the checklist's, not the modules': did the run produce output, is anything broken, and only
then can its number be believed. Findings of one severity appear in the report in this order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from labrails.review.context import Context
    from labrails.review.finding import Finding

    CheckFn = Callable[[Context], list[Finding]]

ORDER = (
    # first: did it produce output
    "status", "tampering", "outputs", "counts",
    # then: is anything broken
    "budget", "data", "data-source", "filtering", "finite", "preflight", "initial-loss", "learning", "convergence", "predictions", "parse-failures", "distribution",
    "group-spread", "outliers",
    "llm-truncation", "llm-parse", "llm-constant", "llm-labels", "llm-prompt-length",
    # finally: can the number be believed
    "evaluation-size", "chance", "too-good",
)

_REGISTERED: dict[str, CheckFn] = {}


def check(name: str) -> Callable[[CheckFn], CheckFn]:
    """Register ``fn(ctx) -> list[Finding]`` as the check ``name``; the name must be listed in ORDER."""
    if name not in ORDER:
        raise ValueError(f"review check {name!r} is not in labrails.review.registry.ORDER: add it where it belongs in the checklist")

    def register(fn: CheckFn) -> CheckFn:
        known = _REGISTERED.get(name)
        # The same function again is a module re-imported; another one under a taken name is a mistake.
        if known is not None and (known.__module__, known.__qualname__) != (fn.__module__, fn.__qualname__):
            raise ValueError(f"review check {name!r} is registered twice")
        _REGISTERED[name] = fn
        return fn
    return register


def registered() -> list[tuple[str, CheckFn]]:
    """Every check, in ORDER."""
    missing = [name for name in ORDER if name not in _REGISTERED]
    if missing:
        raise ValueError(f"review check(s) listed in ORDER but never registered: {', '.join(missing)}")
    return [(name, _REGISTERED[name]) for name in ORDER]
