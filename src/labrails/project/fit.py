"""Settings `labrails new` wrote that no longer fit the experiment's data: the scaffold's data source, a minimum
test size larger than the data, an expected range the runs' metric falls outside. Listed by `labrails status`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from labrails.core.datapin import source_problem

if TYPE_CHECKING:
    from labrails.core.experiment import Experiment
    from labrails.core.spec import Spec


def _latest_data(exp: Experiment) -> tuple[str, dict[str, Any]] | None:
    for run_dir in reversed(exp.run_dirs()):
        try:
            return run_dir.name, json.loads((run_dir / "data.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return None


def misfits(exp: Experiment, spec: Spec) -> list[str]:
    found = _latest_data(exp)
    if found is None:
        return []
    run, data = found
    out = []
    declared = (spec.raw.get("data") or {}).get("source")
    used = data.get("source")
    if source_problem(declared, used):
        out.append(f"spec.yaml: data.source is {declared}, but run {run} recorded {used} in data.json: "
                   "state the data the runs use")
    rows = {k: v for k, v in (data.get("rows") or {}).items() if isinstance(v, int)}
    total, test = sum(rows.values()), rows.get("test")
    need = spec.min_test_size
    if need and test is not None and need > test and not data.get("subset"):
        out.append(f"spec.yaml: evaluation.min_test_size is {need}, but run {run} has {test} test rows"
                   + (f" ({total} rows in all)" if total else "") + ": lower it to what the data allows, or say why it cannot")
    primary = spec.primary_metric
    low_high = primary.get("expected_range")
    name = primary.get("name")
    if isinstance(low_high, list) and len(low_high) == 2 and name:
        outside = []
        for run_dir in exp.run_dirs():
            try:
                value = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8")).get(name)
            except (OSError, ValueError):
                continue
            if isinstance(value, (int, float)) and not low_high[0] <= value <= low_high[1]:
                outside.append(f"{run_dir.name} {value:.4g}")
        if outside:
            out.append(f"spec.yaml: metrics.primary.expected_range {low_high} does not hold {name} of "
                       f"{len(outside)} run(s) ({', '.join(outside[-3:])}): revisit it, or find out why")
    return out
