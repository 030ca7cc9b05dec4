"""A fresh experiment, made by labrails itself, with the tiny fixture script copied in."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import labrails

from testing.paths import TINY_SCRIPT

if TYPE_CHECKING:
    from pathlib import Path

    from labrails.core.experiment import Experiment


def tiny_experiment(path: Path, **new_kw) -> Experiment:
    """``labrails new`` at ``path`` plus tests/fixtures/tiny_run.py (a run that finishes in well under a second).
    spec.yaml declares the wine data, which the tiny script and ``testing.runs.record_run`` load."""
    new_kw.setdefault("hypothesis", "the tiny script completes")
    new_kw.setdefault("data_source", "sklearn.datasets.load_wine")
    new_kw.setdefault("success", ["it completes"])
    exp = labrails.new_experiment(path, **new_kw)
    shutil.copy(TINY_SCRIPT, exp.root / TINY_SCRIPT.name)
    return exp
