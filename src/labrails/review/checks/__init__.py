"""Every review check, grouped by theme; importing this package registers them all (their order is registry.ORDER).

run_health: status, outputs, counts, budget, finite. provenance: data. filtering: filtering. learning: initial-loss, learning. convergence: convergence.
predictions: predictions, parse-failures, distribution, group-spread, outliers, evaluation-size, chance.
llm: preflight, llm-truncation, llm-parse, llm-constant, llm-labels, llm-prompt-length.
The too-good check and its leakage follow-up live in labrails.review.leakage.
"""

from __future__ import annotations

from labrails.review import leakage
from labrails.review.checks import convergence, filtering, learning, llm, predictions, provenance, run_health

__all__ = ["convergence", "filtering", "leakage", "learning", "llm", "predictions", "provenance", "run_health"]
