"""The data map: confidence, variability and correctness per example, its regions, and its plot.

* confidence  = mean over epochs of the gold-label probability
* variability = population standard deviation (ddof=0) over epochs of the gold-label probability
* correctness = fraction of epochs in which the prediction was right

Regions (``compute_map``): the ``ambiguous_fraction`` of examples with the highest variability are
"ambiguous" (ties broken by id order; an example whose variability is exactly 0 never is); of the rest,
confidence >= ``easy_threshold`` is "easy-to-learn", anything lower is "hard-to-learn". The paper draws
the regions by eye; a rank-based cut gives a fixed share of ambiguous examples whatever the model's
calibration, which is what the filtering strategy needs.

Counts from fractions are ``floor(fraction * n + 0.5)`` (round half up) everywhere, so 0.5 of 3 is 2.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

from labrails.core.errors import LabrailsError
from labrails.recipes.cartography.dynamics import _clean_ids, _preview

if TYPE_CHECKING:
    from collections.abc import Sequence

    from labrails.recipes.cartography.dynamics import Dynamics

REGIONS = ("easy-to-learn", "ambiguous", "hard-to-learn")

DEFAULT_AMBIGUOUS_FRACTION = 0.33
DEFAULT_EASY_THRESHOLD = 0.5

_MAP_COLUMNS = ("confidence", "variability", "correctness", "region")


def _count(fraction: float, n: int) -> int:
    return min(n, int(math.floor(fraction * n + 0.5)))


# --------------------------------------------------------------------------------------------- the map


def compute_map(
    dyn: Dynamics,
    *,
    ambiguous_fraction: float = DEFAULT_AMBIGUOUS_FRACTION,
    easy_threshold: float = DEFAULT_EASY_THRESHOLD,
):
    """One row per example (index ``id``): confidence, variability, correctness and region.

    See the module docstring for the formulas and the region rule.
    """
    import numpy as np
    import pandas as pd

    if not 0.0 <= ambiguous_fraction <= 1.0:
        raise LabrailsError(f"ambiguous_fraction must be in [0, 1], got {ambiguous_fraction}")
    if dyn.n_epochs < 2:
        raise LabrailsError(
            f"the dynamics cover {dyn.n_epochs} epoch; variability needs at least 2",
            fix="log dynamics for several epochs of the baseline (the paper uses all of them)",
            path=dyn.source,
        )
    confidence = dyn.gold_probs.mean(axis=1)
    variability = dyn.gold_probs.std(axis=1, ddof=0)
    correctness = dyn.correct.mean(axis=1)

    region = np.where(confidence >= easy_threshold, REGIONS[0], REGIONS[2]).astype(object)
    # Stable sort on negated variability: among equal variabilities the earlier id wins.
    order = np.argsort(-variability, kind="stable")
    top = order[: _count(ambiguous_fraction, len(order))]
    region[top[variability[top] > 0]] = REGIONS[1]

    df = pd.DataFrame(
        {
            "confidence": confidence,
            "variability": variability,
            "correctness": correctness,
            "region": region,
        },
        index=pd.Index(dyn.ids, name="id"),
    )
    df.attrs.update(
        source=str(dyn.source) if dyn.source is not None else None,
        n_epochs=dyn.n_epochs,
        ambiguous_fraction=ambiguous_fraction,
        easy_threshold=easy_threshold,
    )
    return df


def _check_map(map_df) -> None:
    missing = [c for c in _MAP_COLUMNS if c not in map_df.columns]
    if missing:
        raise LabrailsError(
            f"the data map lacks columns {missing}",
            fix="build it with compute_map(load_dynamics(path))",
        )
    if not map_df.index.is_unique:
        raise LabrailsError("the data map has duplicate ids in its index")


def _rows(map_df, ids: Sequence[int | str]):
    ids = _clean_ids(ids)
    absent = [i for i in ids if i not in map_df.index]
    if absent:
        raise LabrailsError(
            f"{len(absent)} of {len(ids)} ids are not in the data map (e.g. {_preview(absent, 3)})",
            fix="the dynamics must come from a baseline trained on the same training split, "
            "with the same example ids",
        )
    return map_df.loc[ids]


# --------------------------------------------------------------------------------------------- plotting


def _webp_supported() -> bool:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from PIL import features

        return "webp" in FigureCanvasAgg.get_supported_filetypes() and bool(features.check("webp"))
    except Exception:
        return False


def plot_data_map(
    map_df,
    out_path: Path | str,
    *,
    title: str | None = None,
    source: Path | str | None = None,
) -> Path:
    """Scatter variability (x) against confidence (y), coloured by correctness, regions labelled.

    Saves WebP, or PNG where this matplotlib/Pillow cannot write WebP (a ``.pdf``/``.svg``/``.png``
    suffix is kept as given). Writes ``<image>.json`` next to it naming the source log. Returns the
    image path actually written.
    """
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    _check_map(map_df)
    out = Path(out_path)
    if out.suffix.lower() in ("", ".webp"):
        out = out.with_suffix(".webp" if _webp_supported() else ".png")
    out.parent.mkdir(parents=True, exist_ok=True)
    source = source if source is not None else map_df.attrs.get("source")
    easy_threshold = float(map_df.attrs.get("easy_threshold", DEFAULT_EASY_THRESHOLD))

    x = map_df["variability"].to_numpy(dtype=float)
    y = map_df["confidence"].to_numpy(dtype=float)
    c = map_df["correctness"].to_numpy(dtype=float)
    regions = map_df["region"].to_numpy()

    # Figure + Agg canvas rather than pyplot: no global state, no GUI backend on headless machines.
    fig = Figure(figsize=(7, 6), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    size = float(np.clip(20000 / max(len(x), 1), 3, 40))
    points = ax.scatter(x, y, c=c, cmap="viridis", vmin=0, vmax=1, s=size, alpha=0.7, linewidths=0)
    fig.colorbar(points, ax=ax, label="correctness (fraction of epochs correct)")

    amb = regions == REGIONS[1]
    x_max = max(float(x.max()) if len(x) else 0.5, 1e-3) * 1.05
    cut = float(x[amb].min()) if amb.any() else x_max
    if amb.any():
        ax.axvline(cut, color="grey", linestyle="--", linewidth=1)
    ax.plot([0, cut], [easy_threshold, easy_threshold], color="grey", linestyle="--", linewidth=1)
    # Labels sit where the paper puts them (easy top-left, hard bottom-left, ambiguous right), inside
    # the boundaries drawn above, so they never hide the boundary they name.
    spots = {
        REGIONS[0]: (cut / 2, 0.97, "top"),
        REGIONS[1]: ((cut + x_max) / 2, 0.5, "center"),
        REGIONS[2]: (cut / 2, 0.03, "bottom"),
    }
    for name in REGIONS:
        count = int((regions == name).sum())
        if not count:
            continue
        sx, sy, va = spots[name]
        ax.text(
            sx,
            sy,
            f"{name} ({count})",
            ha="center",
            va=va,
            fontsize=10,
            fontweight="bold",
            bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.75, "edgecolor": "grey"},
        )
    ax.set_xlim(0, x_max)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("variability (std of gold-label probability across epochs)")
    ax.set_ylabel("confidence (mean gold-label probability)")
    n_epochs = map_df.attrs.get("n_epochs")
    default_title = f"Data map: {len(x)} examples" + (f", {n_epochs} epochs" if n_epochs else "")
    ax.set_title(title or default_title)
    fig.tight_layout()
    fig.savefig(out)

    sidecar = out.with_name(out.name + ".json")
    counts = map_df["region"].value_counts()
    sidecar.write_text(
        json.dumps(
            {
                "image": out.name,
                "source": str(source) if source is not None else None,
                "n_examples": int(len(map_df)),
                "n_epochs": n_epochs,
                "regions": {name: int(counts.get(name, 0)) for name in REGIONS},
                "rule": {
                    "ambiguous_fraction": map_df.attrs.get("ambiguous_fraction"),
                    "easy_threshold": easy_threshold,
                },
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return out
