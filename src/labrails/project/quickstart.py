"""``labrails quickstart``: a real experiment, from nothing to a reviewed, plotted full run.

Creates an experiment on scikit-learn's digits, runs the de-risk profile, reviews it, and only if the
review passes runs the full profile and reviews that too; each step runs the experiment's own
train.py in a subprocess, exactly as a researcher would (`python train.py de-risk`).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from labrails.core.errors import LabrailsError
from labrails.core.fsutil import read_json
from labrails.core.journal import add_entry
from labrails.project.new import new_experiment
from labrails.project.shell_names import shell_name
from labrails.analysis.plots import plot_run
from labrails.review import review_run

if TYPE_CHECKING:
    from labrails.core.experiment import Experiment

HYPOTHESIS = "a 2-layer MLP reaches at least 95% test accuracy on scikit-learn's digits"
SUCCESS = ["test_accuracy >= 0.95 on the held-out 30% split (about 540 images)"]


def _train(exp: Experiment, name: str, echo) -> Path:
    cmd = [sys.executable, "train.py", name]
    echo(f"\n$ cd {exp.root} && python train.py {name}")
    proc = subprocess.run(cmd, cwd=exp.root)
    runs = [p for p in exp.run_dirs() if p.name.endswith(name) or p.name.rsplit("-", 1)[0].endswith(name)]
    if proc.returncode != 0 or not runs:
        raise LabrailsError(f"`python train.py {name}` failed (exit {proc.returncode})", path=exp.root,
                            fix="read the newest run's logs/train.log and run.json (error.traceback)")
    return runs[-1]


def quickstart(directory: Path | str = "quickstart", *, name: str = "digits-mlp", echo=print) -> Experiment:
    target = Path(directory) / name
    exp = new_experiment(
        target, hypothesis=HYPOTHESIS, success=SUCCESS, primary_metric="test_accuracy", direction="higher",
        expected_range=(0.90, 0.99), metric_meaning="share of held-out test images whose digit is predicted correctly",
    )
    echo(f"created experiment {exp.root}")

    derisk = _train(exp, "de-risk", echo)
    review = review_run(derisk)
    echo(f"review of {derisk.name}: {review['headline']}")
    add_entry(exp, f"de-risk finished; review: {review['headline']}", tag="NOTE" if review["passed"] else "WEIRD", run=derisk.name)
    if not review["passed"]:
        raise LabrailsError("the de-risk run did not pass its review, so the full run was not started",
                            path=derisk / "review.md", fix="read review.md, fix the blockers, and run `python train.py de-risk` again")

    full = _train(exp, "full", echo)
    plot_run(full)  # full runs skip their plots by default (post_run.plots); the tour shows the curves
    review = review_run(full)
    echo(f"review of {full.name}: {review['headline']}")
    metrics = read_json(full / "metrics.json")
    acc = metrics.get("test_accuracy")
    verdict = "supports" if isinstance(acc, float) and acc >= 0.95 else "does not support"
    add_entry(exp, f"full run: test_accuracy {acc:.4f} on {metrics.get('n_test')} test images {verdict} the hypothesis "
                   f"(>= 0.95); review: {review['headline']}", tag="RESOLVED" if review["passed"] else "WEIRD", run=full.name)

    echo("\nwhere to look:")
    echo(f"  {full / 'README.txt'}        what the run was, its results, and how to navigate it")
    echo(f"  {full / 'review.md'}         the post-run review, blockers first")
    echo(f"  {full / 'plots'}/            loss and accuracy curves drawn from logs/metrics.jsonl")
    echo(f"  {exp.journal}          the experiment's journal")
    echo(f"  {shell_name('labrails')} runs --experiment {exp.root}")
    return exp
