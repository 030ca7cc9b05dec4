"""What the scan reports: the rule names and one :class:`Hit` per place that looks like fabricated data."""

from __future__ import annotations

from dataclasses import dataclass

RULES = (
    "sklearn-generator",
    "fake-dataset",
    "random-data",
    "templated-data",
    "fallback-to-generated",
    "unparseable",
    "scan-error",
)


@dataclass(frozen=True)
class Hit:
    path: str  # file where it was found
    line: int
    rule: str  # one of RULES; "unparseable" and "scan-error" mean the file could not be checked
    snippet: str  # the source line, stripped, at most 120 characters
    message: str  # one sentence for the agent: what was found and why it counts as fabricated data
