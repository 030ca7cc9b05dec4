"""Plots drawn only from a run's logs/metrics.jsonl, each with a sidecar naming its source.

A curve is drawn for a metric only if it was logged; nothing is interpolated or invented.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from labrails.errors import LabrailsError
from labrails.fsutil import write_json
from labrails.metrics_log import read_metrics

FORMAT = "webp"


def _series(records: list[dict[str, Any]]) -> dict[tuple[str, str], list[tuple[float, float]]]:
    series: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for r in records:
        if r.get("name", "").startswith("__"):
            continue
        x = r.get("step", r.get("epoch"))
        if x is None:
            continue
        series[(r["name"], r.get("split") or "")].append((float(x), float(r["value"])))
    return series


def _save(fig, out: Path, source: Path, what: dict[str, Any]) -> Path:
    try:
        fig.savefig(out, dpi=110)
    except (ValueError, OSError):  # a matplotlib build without webp support
        out = out.with_suffix(".png")
        fig.savefig(out, dpi=110)
    write_json(out.with_name(out.name + ".json"), {"source": str(source), **what})
    return out


def plot_run(run_dir: Path | str, *, metrics: list[str] | None = None) -> list[Path]:
    """Draw one figure per logged metric name (train/val/test on the same axes) into plots/."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run_dir = Path(run_dir)
    source = run_dir / "logs" / "metrics.jsonl"
    records = list(read_metrics(source))
    if not records:
        raise LabrailsError("nothing was logged to plot", path=source, fix="log values with run.log_metrics(...) during the run")
    series = _series(records)
    names = sorted({name for name, _ in series})
    # By default only curves: a value logged once (a final test metric) is a number, not a plot.
    curves = {name for (name, _), points in series.items() if len(points) > 1}
    wanted = metrics or [n for n in names if n in curves and not n.startswith("initial_loss")]
    missing = [m for m in wanted if m not in names]
    if missing:
        raise LabrailsError(
            f"not logged, so not plotted: {', '.join(missing)}",
            path=source,
            fix=f"logged metrics are: {', '.join(names)}",
        )
    (run_dir / "plots").mkdir(exist_ok=True)
    written = []
    for name in wanted:
        fig, ax = plt.subplots(figsize=(6.4, 4))
        drawn = []
        for (metric, split), points in sorted(series.items()):
            if metric != name:
                continue
            xs, ys = zip(*points)
            label = split or name
            if len(points) == 1:
                ax.scatter(xs, ys, label=label, zorder=3)
            else:
                ax.plot(xs, ys, label=label, marker="o" if split in ("val", "test") else None, markersize=3,
                        linewidth=1 if split == "train" else 1.6, alpha=0.8 if split == "train" else 1)
            drawn.append({"split": split, "points": len(points)})
        ax.set_xlabel("step")
        ax.set_ylabel(name)
        ax.set_title(f"{name} - {run_dir.name}", fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        out = _save(fig, run_dir / "plots" / f"{name}.{FORMAT}", source, {"metric": name, "series": drawn})
        plt.close(fig)
        written.append(out)
    return written
