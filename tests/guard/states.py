"""Experiment states the guard corpus runs against, written from files by the library itself, without training.

Each state is what the scaffold's ``train.py`` would leave behind: ``labrails new`` writes config.yaml, spec.yaml
and train.py; a run is written through ``labrails.start_run`` and ``finish``/``fail`` (so its run.json and
registry row carry the identity, code version and config hash the guard recomputes), and a run that the
scaffold reviews gets its review.json from ``labrails.review``. Approvals are typed by a person at a terminal
(``labrails approve`` in a pseudo-terminal), as only the human may approve.
test_corpus.py keeps one slow test that builds the de-risk state by real training and checks it opens the
full launch the same way.

Each state is built once per test session and copied for every case that uses it.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import labrails
from labrails.review import review_run
from testing.human import approve_at_terminal
from testing.reviews import assert_review_passed
from testing.runs import DIGITS_DATA, DIGITS_METRICS, record_run

if TYPE_CHECKING:
    from pathlib import Path

# A line of the scaffold's train.py; the failed de-risk state breaks the data loader there, as a real bug would.
DATA_LOADER_LINE = "        X, y, ids = load_digits_table()"


def new_digits_experiment(root: Path, **kw) -> Path:
    """``labrails new`` with the digits scaffold (config.yaml, spec.yaml, train.py); returns its root."""
    exp = labrails.new_experiment(root / "exp", hypothesis="MLP >= 95% on digits", success=["test_accuracy >= 0.95"], **kw)
    return exp.root


def derisk_passed(exp: Path) -> Path:
    """A completed de-risk run of train.py whose review passed (the run that vouches for full runs)."""
    run_dir = record_run(exp, "de-risk", data=DIGITS_DATA, metrics=DIGITS_METRICS)
    assert_review_passed(run_dir)
    return run_dir


def build_fresh(root: Path) -> None:
    new_digits_experiment(root)


def build_derisk_passed(root: Path) -> None:
    derisk_passed(new_digits_experiment(root))


def build_full_completed(root: Path) -> None:
    exp = new_digits_experiment(root)
    derisk_passed(exp)
    review_run(record_run(exp, "full", data=DIGITS_DATA, metrics=DIGITS_METRICS))


def build_derisk_failed(root: Path) -> None:
    exp = new_digits_experiment(root)
    script = exp / "train.py"
    text = script.read_text()
    assert DATA_LOADER_LINE in text, "the scaffold's train.py no longer loads its data on this line"
    script.write_text(text.replace(DATA_LOADER_LINE, "        raise RuntimeError('data loader broken')"))
    record_run(exp, "de-risk", error=RuntimeError("data loader broken"))  # a failed run ends before the review


def build_checkpoint_pending(root: Path) -> None:
    derisk_passed(new_digits_experiment(root, derisk_checkpoint=True))


def build_checkpoint_approved(root: Path) -> None:
    exp = new_digits_experiment(root, derisk_checkpoint=True)
    derisk_passed(exp)
    approve_at_terminal(exp, "de-risk")


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
    """Builds each named state once under ``base`` and hands out copies."""

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
