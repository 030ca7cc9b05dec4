"""Dataset cartography: training dynamics, data maps and the training strategies built on them.

After Swayamdipta et al. (2020), "Dataset Cartography: Mapping and Diagnosing Datasets with Training
Dynamics". A baseline run logs, for every training example and every epoch, the probability the model
gives the gold label and whether its prediction is right. From that table:

* confidence  = mean over epochs of the gold-label probability
* variability = population standard deviation (ddof=0) over epochs of the gold-label probability
* correctness = fraction of epochs in which the prediction was right

Regions (``compute_map``): the ``ambiguous_fraction`` of examples with the highest variability are
"ambiguous" (ties broken by id order; an example whose variability is exactly 0 never is); of the rest,
confidence >= ``easy_threshold`` is "easy-to-learn", anything lower is "hard-to-learn". The paper draws
the regions by eye; a rank-based cut gives a fixed share of ambiguous examples whatever the model's
calibration, which is what the filtering strategy needs.

Counts from fractions are ``floor(fraction * n + 0.5)`` (round half up) everywhere, so 0.5 of 3 is 2.

The on-disk log is JSON Lines, one line per ``log_epoch`` call::

    {"epoch": 0, "ids": [17, 3], "gold_prob": [0.91, 0.12], "correct": [true, false]}

Several lines may share an epoch (one per batch); ``load_dynamics`` merges them and insists that every
example appears exactly once in every epoch.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from labrails.core.errors import ConfigError, LabrailsError

REGIONS = ("easy-to-learn", "ambiguous", "hard-to-learn")
DYNAMICS_FILE = Path("logs") / "dynamics.jsonl"
STRATEGIES = ("none", "filter", "smoothing", "weighting")

DEFAULT_AMBIGUOUS_FRACTION = 0.33
DEFAULT_EASY_THRESHOLD = 0.5

# Rows of a probability matrix must sum to 1 within this; logits almost never do, which is how a
# forgotten ``from_logits=True`` gets caught instead of logging garbage.
_PROB_SUM_TOL = 1e-3

_MAP_COLUMNS = ("confidence", "variability", "correctness", "region")


def _count(fraction: float, n: int) -> int:
    return min(n, int(math.floor(fraction * n + 0.5)))


def _preview(items: Sequence[Any], limit: int = 5) -> str:
    shown = ", ".join(repr(x) for x in list(items)[:limit])
    more = len(items) - limit
    return f"{shown}, ... ({more} more)" if more > 0 else shown


# --------------------------------------------------------------------------------------------- logging


def _to_numpy(x: Any) -> np.ndarray:
    # Duck-typed so that logging numpy data never imports torch; .float() because bfloat16 tensors
    # have no numpy equivalent.
    if hasattr(x, "detach"):
        x = x.detach().cpu()
        if x.is_floating_point():
            x = x.float()
        return x.numpy()
    return np.asarray(x)


def _clean_ids(ids: Any) -> list[int | str]:
    raw = ids.tolist() if hasattr(ids, "tolist") else list(ids)
    out: list[int | str] = []
    for x in raw:
        if isinstance(x, bool) or not isinstance(x, (int, str, np.integer, np.str_)):
            raise LabrailsError(
                f"example ids must be integers or strings, got {x!r} ({type(x).__name__})",
                fix="log the stable dataset index (or a string key) of each example, "
                "not a float or a position in the batch",
            )
        out.append(int(x) if isinstance(x, (int, np.integer)) else str(x))
    return out


class DynamicsLogger:
    """Appends per-example training dynamics to a JSON Lines file, one line per call.

    Call ``log_epoch`` (or ``log_batch``) once per batch or once per epoch; each example must be logged
    exactly once per epoch, in any order. Every call is flushed, so a crashed run keeps what it logged.
    The file is appended to, never truncated: give each run its own file.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def log_epoch(
        self,
        epoch: int,
        ids: Sequence[int | str],
        gold_probs: Sequence[float],
        correct: Sequence[bool],
    ) -> None:
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
            raise LabrailsError(f"epoch must be a non-negative integer, got {epoch!r}")
        clean_ids = _clean_ids(ids)
        probs = _to_numpy(gold_probs).astype(np.float64).reshape(-1)
        right = _to_numpy(correct).reshape(-1)
        if not (len(clean_ids) == len(probs) == len(right)):
            raise LabrailsError(
                f"epoch {epoch}: got {len(clean_ids)} ids, {len(probs)} gold probabilities and "
                f"{len(right)} correctness flags; they must be the same length",
            )
        if not np.all(np.isfinite(probs)) or np.any(probs < 0) or np.any(probs > 1):
            bad = int(np.sum(~(np.isfinite(probs) & (probs >= 0) & (probs <= 1))))
            raise LabrailsError(
                f"epoch {epoch}: {bad} gold probabilities are NaN or outside [0, 1]",
                fix="pass probabilities, not logits (or use log_batch(..., from_logits=True)); "
                "a NaN means the loss diverged",
            )
        if len(set(clean_ids)) != len(clean_ids):
            raise LabrailsError(
                f"epoch {epoch}: the same id appears more than once in one call",
                fix="ids must identify examples uniquely: use the dataset index, not the batch position",
            )
        record = {
            "epoch": int(epoch),
            "ids": clean_ids,
            "gold_prob": probs.tolist(),
            "correct": [bool(c) for c in right.tolist()],
        }
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, separators=(",", ":")) + "\n")
            fh.flush()

    def log_batch(
        self,
        epoch: int,
        ids: Any,
        logits_or_probs: Any,
        labels: Any,
        *,
        from_logits: bool = False,
    ) -> None:
        """Log one batch from model outputs (torch tensors or numpy arrays, shape [batch, classes]).

        ``from_logits=True`` applies a softmax first. A single column (or a 1-D array) is read as the
        positive class of a binary problem (sigmoid when ``from_logits``).
        """
        scores = _to_numpy(logits_or_probs).astype(np.float64)
        gold = _to_numpy(labels).reshape(-1)
        if scores.ndim == 1:
            scores = scores[:, None]
        if scores.ndim != 2:
            raise LabrailsError(
                f"epoch {epoch}: expected model outputs of shape [batch, classes], got {scores.shape}"
            )
        if scores.shape[1] == 1:
            pos = 1.0 / (1.0 + np.exp(-scores[:, 0])) if from_logits else scores[:, 0]
            probs = np.stack([1.0 - pos, pos], axis=1)
        elif from_logits:
            shifted = scores - scores.max(axis=1, keepdims=True)
            probs = np.exp(shifted)
            probs /= probs.sum(axis=1, keepdims=True)
        else:
            probs = scores
            sums = probs.sum(axis=1)
            if not np.allclose(sums, 1.0, atol=_PROB_SUM_TOL):
                raise LabrailsError(
                    f"epoch {epoch}: model outputs do not sum to 1 per row (first row sums to {sums[0]:.4g})",
                    fix="these look like logits: call log_batch(..., from_logits=True)",
                )
        if len(gold) != len(probs):
            raise LabrailsError(f"epoch {epoch}: {len(probs)} rows of model outputs but {len(gold)} labels")
        if not np.issubdtype(gold.dtype, np.integer) or np.any(gold < 0) or np.any(gold >= probs.shape[1]):
            raise LabrailsError(
                f"epoch {epoch}: labels must be integer class indices in [0, {probs.shape[1]})",
                fix="pass the gold class index of each example, not one-hot vectors or soft labels",
            )
        rows = np.arange(len(gold))
        self.log_epoch(epoch, ids, probs[rows, gold], probs.argmax(axis=1) == gold)


# --------------------------------------------------------------------------------------------- loading


@dataclass
class Dynamics:
    """Gold-label probabilities and correctness, one row per example and one column per epoch."""

    ids: list[int | str]
    epochs: list[int]
    gold_probs: np.ndarray  # float64 [n_examples, n_epochs]
    correct: np.ndarray  # bool [n_examples, n_epochs]
    source: Path | None = None

    @property
    def n_examples(self) -> int:
        return len(self.ids)

    @property
    def n_epochs(self) -> int:
        return len(self.epochs)


def resolve_dynamics_path(path: Path | str) -> Path:
    """A dynamics file as given, or ``logs/dynamics.jsonl`` inside a run directory."""
    p = Path(path)
    return p / DYNAMICS_FILE if p.is_dir() else p


def load_dynamics(path: Path | str, *, epochs: Sequence[int] | None = None) -> Dynamics:
    """Read a dynamics log (or a run directory holding ``logs/dynamics.jsonl``).

    ``epochs`` keeps only those epochs, e.g. to drop the last one of a run that stopped mid-epoch.
    Ids come back sorted when they are all integers or all strings, else in order of first appearance.
    """
    file = resolve_dynamics_path(path)
    no_log_fix = (
        "run a baseline with dynamics logging on (DynamicsLogger in the training loop) "
        "and point at its run directory or logs/dynamics.jsonl"
    )
    if not file.is_file():
        raise LabrailsError("no training-dynamics log here", fix=no_log_fix, path=file)

    all_ids: list[int | str] = []
    all_epochs: list[int] = []
    all_probs: list[float] = []
    all_correct: list[bool] = []
    with file.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                epoch = rec["epoch"]
                ids, probs, correct = rec["ids"], rec["gold_prob"], rec["correct"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise LabrailsError(
                    f"line {lineno} is not a dynamics record ({type(exc).__name__}: {exc})",
                    fix="each line must be JSON with epoch, ids, gold_prob and correct; a cut-off last "
                    "line means the run was killed while writing: delete that line",
                    path=file,
                ) from None
            if not (len(ids) == len(probs) == len(correct)):
                raise LabrailsError(
                    f"line {lineno}: ids, gold_prob and correct have different lengths", path=file
                )
            if epochs is not None and epoch not in epochs:
                continue
            all_ids.extend(_clean_ids(ids))
            all_epochs.extend([int(epoch)] * len(ids))
            all_probs.extend(probs)
            all_correct.extend(correct)

    if not all_ids:
        what = f"no records for epochs {list(epochs)}" if epochs is not None else "no records"
        raise LabrailsError(f"the dynamics log has {what}", fix=no_log_fix, path=file)

    import pandas as pd

    id_array = np.empty(len(all_ids), dtype=object)
    id_array[:] = all_ids
    kinds = {type(x) for x in all_ids}
    codes, uniques = pd.factorize(id_array, sort=len(kinds) == 1)
    epoch_values, epoch_codes = np.unique(np.asarray(all_epochs), return_inverse=True)
    n, e = len(uniques), len(epoch_values)

    counts = np.zeros((n, e), dtype=np.int64)
    np.add.at(counts, (codes, epoch_codes), 1)
    if np.any(counts > 1):
        dup_rows, dup_cols = np.nonzero(counts > 1)
        dup_epochs = sorted({int(epoch_values[c]) for c in dup_cols})
        raise LabrailsError(
            f"{len(dup_rows)} duplicate entries: the same example logged more than once in an epoch "
            f"(epochs {dup_epochs}; ids {_preview([uniques[r] for r in dup_rows])})",
            fix="log each example once per epoch; a resumed run repeats the epoch it was interrupted in, "
            "so delete that epoch's earlier lines, or log each run to its own file",
            path=file,
        )
    missing = counts == 0
    if np.any(missing):
        parts = []
        for col in np.nonzero(missing.any(axis=0))[0]:
            rows = np.nonzero(missing[:, col])[0]
            some = _preview([uniques[r] for r in rows], 3)
            parts.append(f"epoch {int(epoch_values[col])} lacks {len(rows)} (ids {some})")
        bad_epochs = [int(epoch_values[c]) for c in np.nonzero(missing.any(axis=0))[0]]
        complete = [int(x) for x in epoch_values if int(x) not in bad_epochs]
        n_missing = int(missing.any(axis=1).sum())
        raise LabrailsError(
            f"{n_missing} of {n} examples are missing from some epochs: " + "; ".join(parts),
            fix="log every training example once per epoch (a DataLoader with drop_last=True skips some); "
            f"to use only the complete epochs, pass epochs={complete}",
            path=file,
        )

    probs_m = np.empty((n, e), dtype=np.float64)
    correct_m = np.empty((n, e), dtype=bool)
    probs_m[codes, epoch_codes] = np.asarray(all_probs, dtype=np.float64)
    correct_m[codes, epoch_codes] = np.asarray(all_correct, dtype=bool)
    if not np.all(np.isfinite(probs_m)) or np.any((probs_m < 0) | (probs_m > 1)):
        raise LabrailsError("the log holds gold probabilities that are NaN or outside [0, 1]", path=file)
    return Dynamics(
        ids=list(uniques.tolist()),
        epochs=[int(x) for x in epoch_values],
        gold_probs=probs_m,
        correct=correct_m,
        source=file,
    )


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


# --------------------------------------------------------------------------------------------- strategies


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
    _pos: dict = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._pos = {i: k for k, i in enumerate(self.ids)}

    def _positions(self, ids: Any) -> np.ndarray:
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
        pos = self._positions(ids)
        return np.zeros(len(pos)) if self.eps is None else self.eps[pos]

    def weights_for(self, ids: Any) -> np.ndarray:
        """Loss weights for a batch of kept ids (ones when this plan does not weight)."""
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
        return out


def apply_strategy(cfg: Mapping[str, Any] | None, map_df, train_ids: Sequence[int | str]) -> StrategyPlan:
    """Turn the ``cartography:`` section of a config into a StrategyPlan.

    Keys (defaults in ``CONFIG_DEFAULTS``): strategy (none | filter | smoothing | weighting), dynamics
    (a dynamics.jsonl or a run directory; required unless strategy is none), top_fraction, keep_easy,
    keep_hard (filter), smoothing_factor, max_smoothing (smoothing), weight_clip_min, weight_clip_max
    (weighting), ambiguous_fraction (regions, when the map is built here). ``map_df`` may be None:
    the map is then computed from ``dynamics``.
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

    if strategy == "filter":
        kept = set(
            select_ambiguous(
                sub, opts["top_fraction"], keep_easy=opts["keep_easy"], keep_hard=opts["keep_hard"]
            )
        )
        ids = [i for i in train if i in kept]
        return StrategyPlan("filter", ids, source=source, n_train=len(train))
    if strategy == "smoothing":
        eps = smoothing_from_variability(
            map_df,
            train,
            factor=_check_number("smoothing_factor", opts["smoothing_factor"]),
            max_smoothing=_check_number("max_smoothing", opts["max_smoothing"]),
        )
        return StrategyPlan("smoothing", train, eps=eps, source=source, n_train=len(train))
    weights = weights_from_variability(
        map_df,
        train,
        clip_min=_check_number("weight_clip_min", opts["weight_clip_min"]),
        clip_max=_check_number("weight_clip_max", opts["weight_clip_max"]),
    )
    return StrategyPlan("weighting", train, weights=weights, source=source, n_train=len(train))
