"""Finished run directories written by the library itself, in this process, without training; runs found by name.

``record_run`` goes through ``labrails.start_run`` and ``finish``/``fail`` exactly as a script does, so run.json,
the registry row (identity, code version, config hash, budget, duration), config.yaml, the logs, data.json and
metrics.json are the library's own; only the training loop is replaced by a few logged losses.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import labrails
from labrails.core.naming import descriptive_part

if TYPE_CHECKING:
    from collections.abc import Mapping

    from labrails.core.experiment import Experiment

# What tests/fixtures/tiny_run.py records: the wine data, 120 training and 58 test rows.
WINE_DATA = {"source": "sklearn.datasets.load_wine", "fingerprint_of": ({"rows": 178},), "rows": {"train": 120, "test": 58}}
TINY_METRICS = {"test_accuracy": 0.93, "n_test": 58}
# What the digits scaffold's train.py records, for experiments whose spec.yaml declares the digits.
DIGITS_DATA = {"source": "sklearn.datasets.load_digits", "fingerprint_of": ({"rows": 1797},), "rows": {"train": 1257, "test": 540}}
DIGITS_METRICS = {"test_accuracy": 0.96, "n_test": 540}


def record_run(exp: Experiment | Path, name: str, *, script: str = "train.py", metrics: Mapping[str, Any] = TINY_METRICS,
               error: BaseException | None = None, force: bool = False, steps: int = 5, num_classes: int = 10,
               data: Mapping[str, Any] = WINE_DATA) -> Path:
    """The directory of a run ``name`` of ``script`` that completed with ``metrics``, or failed with ``error``
    before recording anything (as a broken data loader fails).

    A completed run records ``data`` and logs a falling training loss whose first value matches
    log(num_classes), so a review finds it sound.
    """
    root = exp if isinstance(exp, Path) else exp.root
    run = labrails.start_run(name, experiment=root, script=root / script, force=force,
                             command=[sys.executable, script, name, *(["--force"] if force else [])])
    if error is not None:
        run.fail(error)
        return run.dir
    run.record_data(**data)
    run.set_total_steps(steps, every_s=0)
    for step in range(1, steps + 1):
        loss = 2.3 / step
        if step == 1:
            run.check_initial_loss(loss, num_classes)
        run.log_metrics({"loss": loss}, step=step, split="train")
        run.progress(step, loss=loss)
    run.finish(dict(metrics))
    return run.dir


def run_named(exp: Experiment, descriptive: str) -> Path:
    """The one run directory whose name (after the timestamp) is ``descriptive``."""
    [found] = [d for d in exp.run_dirs() if descriptive_part(d.name) == descriptive]
    return found


def runs_named(exp: Experiment, run_name: str) -> list[Path]:
    """Every run directory whose name ends with ``-run_name``."""
    return [d for d in exp.run_dirs() if d.name.endswith("-" + run_name)]


def derisked_on(exp: Experiment | Path, data: Mapping[str, Any] = WINE_DATA, *, script: str = "train.py",
                metrics: Mapping[str, Any] = TINY_METRICS) -> Path:
    """A de-risk run of ``script`` on ``data`` that completed and passed its review: what a full run on the same
    code, config and data needs before it may start. Returns its directory."""
    from testing.reviews import assert_review_passed

    run_dir = record_run(exp, "de-risk", script=script, data=data, metrics=metrics, force=True)
    assert_review_passed(run_dir)
    return run_dir
