"""Save a run's per-sample predictions as a drill-down tree (see labrails.outputs)."""

from __future__ import annotations

from typing import Any, Sequence


def write_predictions(run, *, sample_ids: Sequence[Any], ground_truth: Sequence[Any], prediction: Sequence[Any],
                      group: Sequence[Any] | None = None, task: str = "classification", **columns: Sequence[Any]):
    import pandas as pd

    from labrails.outputs import write_drilldown

    table = pd.DataFrame({"sample_id": list(sample_ids), "ground_truth": list(ground_truth), "prediction": list(prediction)})
    if group is not None:
        table["group"] = list(group)
    for name, values in columns.items():
        table[name] = list(values)
    # Under eval/ so the drill-down's own metrics.json never collides with the run's final metrics.json.
    summary = write_drilldown(table, run.dir / "eval", task=task)
    run.log.info(f"predictions: {len(table)} rows -> {run.dir / 'eval' / 'groups' / '_index.csv'} (worst group first)")
    return summary
