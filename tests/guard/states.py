"""Experiment states the guard corpus runs against, built with labrails itself (real runs, real scaffold).

Building a state with a real de-risk run takes seconds, so each state is built once per test session
and copied for every case that uses it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import labrails
from labrails.core.approvals import approve
from labrails.core.spec import load_spec


def _train(exp_root: Path, name: str) -> None:
    env = {**os.environ, "LABRAILS_QUIET": "1"}
    proc = subprocess.run([sys.executable, "train.py", name], cwd=exp_root, env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"building guard state: train.py {name} failed\n{proc.stdout}\n{proc.stderr}")


def _new(root: Path, **kw) -> Path:
    exp = labrails.new_experiment(root / "exp", hypothesis="MLP >= 95% on digits", success=["test_accuracy >= 0.95"], **kw)
    return exp.root


def build_fresh(root: Path) -> None:
    _new(root)


def build_derisk_passed(root: Path) -> None:
    _train(_new(root), "de-risk")


def build_full_completed(root: Path) -> None:
    exp = _new(root)
    _train(exp, "de-risk")
    _train(exp, "full")


def build_derisk_failed(root: Path) -> None:
    exp = _new(root)
    script = exp / "train.py"
    text = script.read_text()
    script.write_text(text.replace("        X, y, ids = load_digits_table()", "        raise RuntimeError('data loader broken')"))
    proc = subprocess.run([sys.executable, "train.py", "de-risk"], cwd=exp, env={**os.environ, "LABRAILS_QUIET": "1"},
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0


def build_checkpoint_pending(root: Path) -> None:
    _train(_new(root, derisk_checkpoint=True), "de-risk")


def build_checkpoint_approved(root: Path) -> None:
    exp = _new(root, derisk_checkpoint=True)
    _train(exp, "de-risk")
    spec = load_spec(exp / "spec.yaml")
    approve(exp / ".labrails", "de-risk", spec.sha256, known_phases=[p.name for p in spec.phases], by="reviewer")


def build_no_experiment(root: Path) -> None:
    (root / "exp").mkdir()
    (root / "exp" / "train.py").write_text("print('not a labrails experiment')\n")


BUILDERS = {
    "fresh": build_fresh,
    "derisk-passed": build_derisk_passed,
    "full-completed": build_full_completed,
    "derisk-failed": build_derisk_failed,
    "checkpoint-pending": build_checkpoint_pending,
    "checkpoint-approved": build_checkpoint_approved,
    "no-experiment": build_no_experiment,
}


class StateCache:
    def __init__(self, base: Path):
        self.base = base
        self.built: dict[str, Path] = {}

    def copy(self, name: str, dest: Path) -> Path:
        if name not in BUILDERS:
            raise KeyError(f"unknown guard state {name!r}; known: {', '.join(BUILDERS)}")
        if name not in self.built:
            where = self.base / name
            where.mkdir(parents=True)
            BUILDERS[name](where)
            self.built[name] = where
        shutil.copytree(self.built[name], dest, symlinks=True)
        return dest
