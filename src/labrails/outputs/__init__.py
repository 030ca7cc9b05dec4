"""Drill-down outputs for evaluation and inference runs: from the overall metric to the worst group, its
worst samples and the exact prompt and raw generation behind each prediction."""

from labrails.outputs.drilldown import DrilldownSummary, write_drilldown
from labrails.outputs.names import safe_name, safe_names

__all__ = ["DrilldownSummary", "safe_name", "safe_names", "write_drilldown"]
