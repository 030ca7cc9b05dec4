"""Training dynamics: log, per example and per epoch, the gold-label probability and correctness; read them back.

The on-disk log is JSON Lines, one line per ``log_epoch`` call::

    {"epoch": 0, "ids": [17, 3], "gold_prob": [0.91, 0.12], "correct": [true, false]}

Several lines may share an epoch (one per batch); ``load_dynamics`` merges them and insists that every
example appears exactly once in every epoch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labrails.core.errors import LabrailsError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np

DYNAMICS_FILE = Path("logs") / "dynamics.jsonl"

# Rows of a probability matrix must sum to 1 within this; logits almost never do, which is how a
# forgotten ``from_logits=True`` gets caught instead of logging garbage.
_PROB_SUM_TOL = 1e-3


def _preview(items: Sequence[Any], limit: int = 5) -> str:
    shown = ", ".join(repr(x) for x in list(items)[:limit])
    more = len(items) - limit
    return f"{shown}, ... ({more} more)" if more > 0 else shown

# --------------------------------------------------------------------------------------------- logging


def _to_numpy(x: Any) -> np.ndarray:
    # Duck-typed so that logging numpy data never imports torch; .float() because bfloat16 tensors
    # have no numpy equivalent.
    import numpy as np

    if hasattr(x, "detach"):
        x = x.detach().cpu()
        if x.is_floating_point():
            x = x.float()
        return x.numpy()
    return np.asarray(x)


def _clean_ids(ids: Any) -> list[int | str]:
    import numpy as np

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
        import numpy as np

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
        import numpy as np

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
    import numpy as np

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