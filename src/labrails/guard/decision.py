"""What the guard answers: allow, or deny naming the rule and saying what to do instead."""

from __future__ import annotations


class Decision:
    __slots__ = ("allow", "rule", "reason")

    def __init__(self, allow: bool, rule: str = "", reason: str = ""):
        self.allow, self.rule, self.reason = allow, rule, reason

    def __repr__(self) -> str:
        return f"Decision({'allow' if self.allow else 'deny'}, {self.rule!r}, {self.reason!r})"


ALLOW = Decision(True)


def deny(rule: str, reason: str) -> Decision:
    """A refusal; ``reason`` is one or two sentences the agent can act on."""
    return Decision(False, rule, f"labrails [{rule}]: {reason}")
