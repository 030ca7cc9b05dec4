"""Training strategies built on a data map: filter to the ambiguous examples, smooth or weight each one.

``apply_strategy`` turns a config's ``cartography:`` section into a ``StrategyPlan`` (the ids to train
on, with per-example smoothing or loss weights); ``smoothed_cross_entropy`` is the loss that uses them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from labrails.core.errors import ConfigError, LabrailsError
from labrails.recipes.cartography.datamap import (
    DEFAULT_AMBIGUOUS_FRACTION,
    REGIONS,
    _check_map,
    _count,
    _rows,
    compute_map,
)
from labrails.recipes.cartography.dynamics import (
    _clean_ids,
    _preview,
    load_dynamics,
    resolve_dynamics_path,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import numpy as np

# A filter may be combined with smoothing or weighting: the filter picks the ids first, then smoothing
# and weights are computed for the ids it kept (weights are normalised over the trained examples).
STRATEGIES = ("none", "filter", "smoothing", "weighting", "filter+smoothing", "filter+weighting")


def strategy_parts(strategy: str) -> tuple[str, ...]:
    """``"filter+smoothing"`` -> ``("filter", "smoothing")``; ``"none"`` -> ``()``."""
    return () if strategy == "none" else tuple(strategy.split("+"))


def _check_fraction(name: str, value: Any, *, allow_bool: bool = False) -> None:
    if allow_bool and isinstance(value, bool):
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        kind = "true, false or a number in [0, 1]" if allow_bool else "a number in [0, 1]"
        raise ConfigError(f"{name} must be {kind}, got {value!r}")


def _check_number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"cartography.{name} must be a number, got {value!r}")
    return float(value)


def _most_variable(sub, fraction: float) -> list:
    import numpy as np

    order = np.argsort(-sub["variability"].to_numpy(), kind="stable")
    return list(sub.index[order[: _count(fraction, len(sub))]])


def select_ambiguous(
    map_df,
    top_fraction: float,
    *,
    keep_easy: bool | float = False,
    keep_hard: bool | float = False,
) -> list[int | str]:
    """Ids to train on: the ``top_fraction`` of all examples with the highest variability, plus
    easy-to-learn / hard-to-learn examples (by the map's ``region``) not already chosen.

    ``keep_easy``/``keep_hard``: False = none, True = all, a float = that fraction of the region, most
    variable first: those nearest the ambiguous region, and for hard examples the least likely to be
    mislabelled (mislabelled examples sit at low confidence *and* low variability).
    Returns ids in the map's order.
    """
    _check_map(map_df)
    _check_fraction("top_fraction", top_fraction)
    _check_fraction("keep_easy", keep_easy, allow_bool=True)
    _check_fraction("keep_hard", keep_hard, allow_bool=True)

    chosen = set(_most_variable(map_df, top_fraction))
    for region, keep in ((REGIONS[0], keep_easy), (REGIONS[2], keep_hard)):
        if keep is False:
            continue
        rest = map_df[(map_df["region"] == region) & ~map_df.index.isin(list(chosen))]
        chosen.update(_most_variable(rest, 1.0 if keep is True else float(keep)))
    return [i for i in map_df.index.tolist() if i in chosen]


def smoothing_from_variability(
    map_df,
    ids: Sequence[int | str],
    *,
    factor: float = 0.6,
    max_smoothing: float = 0.5,
) -> np.ndarray:
    """Per-example label-smoothing epsilon, aligned with ``ids``::

        eps_i = min(max_smoothing, factor * v_i / v_max)

    with v_i the example's variability and v_max the largest variability in the whole map (all zeros
    when v_max is 0). Normalising by the map, not by ``ids``, makes epsilon a property of the example,
    whatever subset is being trained on.
    """
    import numpy as np

    _check_map(map_df)
    if factor < 0 or not 0 <= max_smoothing <= 1:
        raise ConfigError(
            f"smoothing needs factor >= 0 and max_smoothing in [0, 1], got {factor} and {max_smoothing}"
        )
    v = _rows(map_df, ids)["variability"].to_numpy(dtype=np.float64)
    v_max = float(map_df["variability"].max())
    if v_max <= 0:
        return np.zeros(len(v))
    return np.minimum(max_smoothing, factor * v / v_max)


def weights_from_variability(
    map_df,
    ids: Sequence[int | str],
    *,
    clip_min: float = 0.1,
    clip_max: float = 10.0,
) -> np.ndarray:
    """Per-example loss weight, aligned with ``ids``::

        w_i = clip(v_i / mean_j(v_j), clip_min, clip_max)     (j over ``ids``)

    Mean 1 over the trained examples before clipping keeps the loss scale (and so the learning rate)
    comparable with an unweighted run; after clipping the mean drifts a little. All ones when every
    variability is 0.
    """
    import numpy as np

    _check_map(map_df)
    if not 0 < clip_min <= clip_max:
        raise ConfigError(f"weights need 0 < clip_min <= clip_max, got {clip_min} and {clip_max}")
    v = _rows(map_df, ids)["variability"].to_numpy(dtype=np.float64)
    mean = float(v.mean()) if len(v) else 0.0
    if mean <= 0:
        return np.ones(len(v))
    return np.clip(v / mean, clip_min, clip_max)


def smoothed_cross_entropy(logits, targets, eps_per_example, weights=None):
    """Cross-entropy with a label-smoothing epsilon (and optionally a weight) per example.

    loss_i = (1 - eps_i) * (-log p_i[y_i]) + eps_i * mean_c(-log p_i[c]), the same target
    distribution as ``torch.nn.functional.cross_entropy(label_smoothing=eps)``; returns
    mean_i(w_i * loss_i). A plain mean, not sum(w*loss)/sum(w), so weights normalised to mean 1 (see
    ``weights_from_variability``) change the balance between examples, not the overall scale.
    """
    import torch

    logp = torch.log_softmax(logits, dim=-1)
    eps = torch.as_tensor(eps_per_example, dtype=logp.dtype, device=logp.device)
    if eps.ndim == 0:
        eps = eps.expand(logp.shape[0])
    if eps.shape != (logp.shape[0],):
        raise LabrailsError(f"eps_per_example has shape {tuple(eps.shape)}; expected ({logp.shape[0]},)")
    nll = -logp.gather(1, targets.long().unsqueeze(1)).squeeze(1)
    uniform = -logp.mean(dim=1)
    loss = (1 - eps) * nll + eps * uniform
    if weights is not None:
        w = torch.as_tensor(weights, dtype=logp.dtype, device=logp.device)
        if w.shape != loss.shape:
            raise LabrailsError(f"weights have shape {tuple(w.shape)}; expected ({logp.shape[0]},)")
        loss = loss * w
    return loss.mean()


# --------------------------------------------------------------------------------------------- config


CONFIG_DEFAULTS: dict[str, Any] = {
    "strategy": "none",
    "dynamics": None,
    "top_fraction": 0.33,
    "keep_easy": False,
    "keep_hard": False,
    "smoothing_factor": 0.6,
    "max_smoothing": 0.5,
    "weight_clip_min": 0.1,
    "weight_clip_max": 10.0,
    "ambiguous_fraction": DEFAULT_AMBIGUOUS_FRACTION,
}


@dataclass
class StrategyPlan:
    """What to train on: ``ids`` (a subset of the training ids, in their order) and, aligned with
    them, per-example smoothing ``eps`` and loss ``weights`` (None when the strategy leaves them be)."""

    strategy: str
    ids: list[int | str]
    eps: np.ndarray | None = None
    weights: np.ndarray | None = None
    source: str | None = None
    n_train: int = 0
    steps: list[dict[str, Any]] = field(default_factory=list)   # what each rule did, in the order applied
    classes: dict[str, dict[str, int]] = field(default_factory=dict)  # {"before": {label: n}, "after": ...}
    _pos: dict = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._pos = {i: k for k, i in enumerate(self.ids)}

    def _positions(self, ids: Any) -> np.ndarray:
        import numpy as np

        ids = _clean_ids(ids)
        absent = [i for i in ids if i not in self._pos]
        if absent:
            raise LabrailsError(
                f"{len(absent)} ids in this batch are not in the plan (e.g. {_preview(absent, 3)})",
                fix="build the training set from plan.ids, so filtered-out examples never reach a batch",
            )
        return np.fromiter((self._pos[i] for i in ids), dtype=np.int64, count=len(ids))

    def eps_for(self, ids: Any) -> np.ndarray:
        """Smoothing for a batch of kept ids (zeros when this plan does not smooth)."""
        import numpy as np

        pos = self._positions(ids)
        return np.zeros(len(pos)) if self.eps is None else self.eps[pos]

    def weights_for(self, ids: Any) -> np.ndarray:
        """Loss weights for a batch of kept ids (ones when this plan does not weight)."""
        import numpy as np

        pos = self._positions(ids)
        return np.ones(len(pos)) if self.weights is None else self.weights[pos]

    def summary(self) -> dict[str, Any]:
        """Small JSON-able record for a run's metrics or README."""
        out: dict[str, Any] = {
            "strategy": self.strategy,
            "source": self.source,
            "n_train": self.n_train,
            "n_kept": len(self.ids),
        }
        for name, arr in (("eps", self.eps), ("weights", self.weights)):
            if arr is not None and len(arr):
                out[name] = {"min": float(arr.min()), "mean": float(arr.mean()), "max": float(arr.max())}
        if self.steps:
            out["steps"] = self.steps
        if self.classes:
            out["classes"] = self.classes
        return out


def apply_strategy(cfg: Mapping[str, Any] | None, map_df, train_ids: Sequence[int | str]) -> StrategyPlan:
    """Turn the ``cartography:`` section of a config into a StrategyPlan.

    Keys (defaults in ``CONFIG_DEFAULTS``): strategy (one of ``STRATEGIES``: none, filter, smoothing,
    weighting, or a filter combined with one of the others, ``filter+smoothing``), dynamics
    (a dynamics.jsonl or a run directory; required unless strategy is none), top_fraction, keep_easy,
    keep_hard (filter), smoothing_factor, max_smoothing (smoothing), weight_clip_min, weight_clip_max
    (weighting), ambiguous_fraction (regions, when the map is built here). ``map_df`` may be None:
    the map is then computed from ``dynamics``. A combined strategy filters first, then computes
    smoothing or weights for the kept ids only.
    """
    cfg = dict(cfg or {})
    unknown = sorted(set(cfg) - set(CONFIG_DEFAULTS))
    if unknown:
        raise ConfigError(
            f"unknown key{'s' if len(unknown) > 1 else ''} in cartography: {', '.join(unknown)}",
            fix=f"known keys: {', '.join(CONFIG_DEFAULTS)}",
        )
    opts = {**CONFIG_DEFAULTS, **{k: v for k, v in cfg.items() if v is not None}}
    strategy = opts["strategy"]
    if strategy not in STRATEGIES:
        raise ConfigError(
            f"cartography.strategy is {strategy!r}", fix=f"use one of: {', '.join(STRATEGIES)}"
        )
    train = _clean_ids(train_ids)
    if strategy == "none":
        return StrategyPlan("none", train, n_train=len(train), source=opts["dynamics"])

    if not opts["dynamics"]:
        raise ConfigError(
            f"cartography.strategy is {strategy!r} but cartography.dynamics is not set",
            fix="run a baseline with strategy: none and dynamics logging on first, then set "
            "cartography.dynamics to that run's directory (or its logs/dynamics.jsonl)",
        )
    source = str(resolve_dynamics_path(opts["dynamics"]))
    if map_df is None:
        _check_fraction("ambiguous_fraction", opts["ambiguous_fraction"])
        map_df = compute_map(load_dynamics(opts["dynamics"]), ambiguous_fraction=opts["ambiguous_fraction"])
    _check_map(map_df)
    sub = _rows(map_df, train)

    parts = strategy_parts(strategy)
    ids = train
    if "filter" in parts:
        kept = set(
            select_ambiguous(
                sub, opts["top_fraction"], keep_easy=opts["keep_easy"], keep_hard=opts["keep_hard"]
            )
        )
        ids = [i for i in train if i in kept]
    eps = weights = None
    if "smoothing" in parts:
        eps = smoothing_from_variability(
            map_df,
            ids,
            factor=_check_number("smoothing_factor", opts["smoothing_factor"]),
            max_smoothing=_check_number("max_smoothing", opts["max_smoothing"]),
        )
    if "weighting" in parts:
        weights = weights_from_variability(
            map_df,
            ids,
            clip_min=_check_number("weight_clip_min", opts["weight_clip_min"]),
            clip_max=_check_number("weight_clip_max", opts["weight_clip_max"]),
        )
    return StrategyPlan(strategy, ids, eps=eps, weights=weights, source=source, n_train=len(train))
