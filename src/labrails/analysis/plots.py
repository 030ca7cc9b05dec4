"""Plots drawn only from what runs logged, each with a sidecar naming its source.

``plot_run`` draws one run's curves from its logs/metrics.jsonl; ``plot_comparison`` draws one bar per
configuration from the final metrics.json of many runs. A value is drawn only if it was logged; nothing
is interpolated or invented.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from labrails.analysis.runset import RunSet, load_run_dirs
from labrails.analysis.stats import summarize
from labrails.core.errors import LabrailsError
from labrails.core.fsutil import write_json
from labrails.tracking.metrics_log import read_metrics

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


def _save(fig, out: Path, source: Path | list[str], what: dict[str, Any]) -> Path:
    try:
        # method 0: Pillow's fastest WebP encoder; at this size the file differs by a few kB, the time by 5x.
        fig.savefig(out, dpi=110, pil_kwargs={"method": 0} if out.suffix == ".webp" else None)
    except (ValueError, OSError):  # a matplotlib build without webp support
        out = out.with_suffix(".png")
        fig.savefig(out, dpi=110)
    write_json(out.with_name(out.name + ".json"), {"source": source if isinstance(source, list) else str(source), **what})
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


def plot_comparison(runs: list[Path | str] | RunSet, metric: str, out: Path | str, *, direction: str | None = None) -> Path:
    """One bar per configuration: the mean of ``metric`` over its seeds, with std error bars, each seed as
    a dot and n above the bar, all on one y-axis. Reads each run's metrics.json only; an analysis passes
    the RunSet it already loaded, so no run is read twice.

    Runs listed in IGNORED_RUNS.md and runs that did not complete are left out (the sidecar says which,
    and why). A metric missing from any remaining run is refused rather than drawn from fewer runs.
    A figure whose sidecar already records exactly these inputs is kept as it is, not drawn again.
    """
    runset = runs if isinstance(runs, RunSet) else load_run_dirs([Path(r) for r in runs])
    if not runset.included:
        raise LabrailsError("none of these runs can be compared", fix="; ".join(f"{e.name}: {e.reason}" for e in runset.excluded)
                            or "complete a run first")
    missing = [r.name for r in runset.included if metric not in r.metrics]
    if missing:
        common = sorted(set.intersection(*(set(r.metrics) for r in runset.included)))
        raise LabrailsError(
            f"'{metric}' is not in the metrics.json of {len(missing)} run(s): {', '.join(missing)}",
            fix=f"compare a metric every run logged: {', '.join(common) or '(none in common)'}",
        )
    groups = runset.configurations()
    names = list(groups)
    drawn = []
    for name in names:
        values = [r.metrics[metric] for r in groups[name]]
        s = summarize(values)
        drawn.append({"configuration": name, "runs": [r.name for r in groups[name]], "seeds": [r.seed for r in groups[name]],
                      "values": [float(v) if math.isfinite(v) else str(float(v)) for v in values], "n": s.n, "nonfinite": s.nonfinite,
                      "mean": s.mean, "std": s.std})
    out = Path(out)
    root = runset.experiment.root
    root_abs = os.path.abspath(root)
    sources = [_relative(os.path.join(r.path, "metrics.json"), root, root_abs) for r in runset.included]
    what = {"kind": "comparison", "metric": metric, "direction": direction, "error_bars": "sample std (ddof=1)",
            "runs": [r.name for r in runset.included], "configurations": drawn,
            "left_out": [{"run": e.name, "category": e.category, "reason": e.reason} for e in runset.excluded]}
    unchanged = _unchanged(out, {"source": sources, **what})
    if unchanged is not None:
        return unchanged

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    finite = [v for d in drawn for v in d["values"] if isinstance(v, float)]
    fig, ax = plt.subplots(figsize=(max(4.8, 1.1 * len(names) + 2.4), 4.2))
    xs = range(len(names))
    means = [d["mean"] if d["mean"] is not None else 0.0 for d in drawn]
    errs = [d["std"] or 0.0 for d in drawn]
    has_bar = [d["mean"] is not None for d in drawn]  # a configuration with only NaN gets a label, not a bar of 0
    ax.bar([x for x, ok in zip(xs, has_bar) if ok], [m for m, ok in zip(means, has_bar) if ok],
           yerr=[e for e, ok in zip(errs, has_bar) if ok], capsize=6, color="#8fb3d9", edgecolor="#2c5d8f", zorder=2,
           error_kw={"zorder": 3})
    for x, d in zip(xs, drawn):
        points = [v for v in d["values"] if isinstance(v, float)]
        offsets = [(i - (len(points) - 1) / 2) * 0.08 for i in range(len(points))]
        ax.scatter([x + o for o in offsets], points, color="black", s=12, zorder=4)
    top = max([m + e for m, e in zip(means, errs)] + finite + [0.0])
    bottom = min(finite + [0.0])
    # Magnitudes (accuracy, loss, counts) start at 0 so bar heights can be compared by eye.
    span = (top - bottom) or abs(top) or 1.0
    ax.set_ylim(bottom - (0.08 * span if bottom < 0 else 0.0), top + 0.14 * span)
    for x, d, m, e in zip(xs, drawn, means, errs):
        label = f"n={d['n']}" + (f" (+{d['nonfinite']} NaN)" if d["nonfinite"] else "")
        ax.text(x, max(m + e, max([v for v in d["values"] if isinstance(v, float)], default=m)) + 0.03 * span, label,
                ha="center", va="bottom", fontsize=8)
    ax.set_xlim(-0.6, len(names) - 0.4)  # keeps a slot for a configuration that has no bar
    ax.set_xticks(list(xs))
    ax.set_xticklabels(names, rotation=20 if max(len(n) for n in names) > 12 else 0, ha="right" if max(len(n) for n in names) > 12 else "center", fontsize=8)
    better = {"higher": " (higher is better)", "lower": " (lower is better)"}.get(direction or "", "")
    ax.set_ylabel(metric + better)
    ax.set_title(f"{metric}: mean ± std over seeds, per configuration", fontsize=9)
    ax.grid(axis="y", alpha=0.3, zorder=0)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    saved = _save(fig, out, sources, what)
    plt.close(fig)
    return saved


def _unchanged(out: Path, record: dict[str, Any]) -> Path | None:
    """The figure already drawn from exactly ``record`` (its sidecar says so), if any."""
    import json

    for figure in (out, out.with_suffix(".png")):
        sidecar = figure.with_name(figure.name + ".json")
        if not (figure.is_file() and sidecar.is_file()):
            continue
        try:
            with open(sidecar, encoding="utf-8") as fh:
                if json.load(fh) == json.loads(json.dumps(record, default=str)):
                    return figure
        except (OSError, ValueError):
            return None
    return None


def _relative(path: Path, root: Path, root_abs: str | None = None) -> str:
    """``path`` relative to the experiment; lexically first (run paths come from the experiment, and
    resolving 10,000 of them costs seconds), resolving links only when that does not place it inside."""
    absolute, base = os.path.abspath(os.fspath(path)), root_abs or os.path.abspath(root)
    if absolute.startswith(base + os.sep):
        return absolute[len(base) + 1:].replace(os.sep, "/")
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)
