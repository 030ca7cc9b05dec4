"""What a review check reports: one Finding, with a severity from the fixed scale below."""

from __future__ import annotations

from dataclasses import dataclass

# Worst first: the report lists findings in this order, and any blocker fails the review.
SEVERITIES = ("blocker", "warning", "note")


@dataclass
class Finding:
    check: str
    severity: str
    message: str
    where: str = ""
