"""logs/metrics.jsonl: one JSON record per logged value, flushed as it is written.

Plots, reviews and reports read only this file (and metrics.json), so every number they show can be
traced back to a line here.
"""

from __future__ import annotations

import functools
import json
import math
import time
from pathlib import Path
from typing import Any, Iterator


class MetricsWriter:
    def __init__(self, path: Path, started: float):
        self.path = Path(path)
        self._fh = open(self.path, "a", encoding="utf-8", buffering=1)
        self._t0 = started
        self.written = 0  # values logged so far: a run that logged none has trained nothing

    def write(self, name: str, value: float, *, step: int | None = None, epoch: int | None = None, split: str | None = None) -> None:
        if not isinstance(value, (int, float)):
            try:
                value = float(value)  # tensors and numpy scalars
            except (TypeError, ValueError):
                raise TypeError(f"metric {name!r} must be a number, got {type(value).__name__}") from None
        self._fh.write(_line(round(time.time() - self._t0, 4), name, _finite(value), step, epoch, split))
        self.written += 1

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()


@functools.lru_cache(maxsize=256)
def _text(value: str) -> str:
    return json.dumps(value)


def _line(t: float, name: str, value: float | str, step, epoch, split) -> str:
    """The record as ``json.dumps`` writes it, built directly: this runs once per training step, and the
    general encoder was most of a log call's cost (benchmarks/bench_scaffold_step.py)."""
    if type(value) is float or (type(value) is int):
        encoded = repr(value)  # what json.dumps writes for a finite float or a plain int
    else:
        encoded = json.dumps(value)  # bools, int subclasses, "nan"/"inf" markers
    parts = ['{"t": ', repr(t), ', "name": ', _text(name), ', "value": ', encoded]
    if step is not None:
        parts += [', "step": ', str(int(step))]
    if epoch is not None:
        parts += [', "epoch": ', str(int(epoch))]
    if split is not None:
        parts += [', "split": ', _text(split)]
    parts.append("}\n")
    return "".join(parts)


def _finite(value: float) -> float | str:
    # JSON has no NaN; keep the fact that it happened instead of dropping the record.
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def read_metrics(path: Path) -> Iterator[dict[str, Any]]:
    path = Path(path)
    if not path.is_file():
        return
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                # A run killed mid-write leaves a partial last line; skip it but never hide it silently.
                yield {"name": "__unreadable_line__", "value": lineno}
                continue
            if isinstance(record.get("value"), str):
                record["value"] = float(record["value"])
            yield record
