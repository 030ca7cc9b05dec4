"""The whole path on real training: 2 configurations x 2 seeds of the digits scaffold, analyzed and reported."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def train(exp, name, overrides):
    env = {**os.environ, "LABRAILS_QUIET": "1", "LABRAILS_OVERRIDES": json.dumps(overrides)}
    return subprocess.Popen([sys.executable, "train.py", name], cwd=exp.root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(proc):
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, f"stdout:\n{out}\nstderr:\n{err}"


@pytest.mark.slow
def test_two_configurations_two_seeds_of_digits(tmp_path):
    pytest.importorskip("torch")  # here, not at import: collecting the other tests should not load torch
    pytest.importorskip("sklearn")
    import labrails
    from labrails.analysis.analyze import analyze, format_analysis
    from labrails.analysis.report import check, report

    exp = labrails.new_experiment(tmp_path / "digits-mlp", hypothesis="a wider MLP is more accurate on digits",
                                  success=["test_accuracy >= 0.9"])
    short = {"train.max_epochs": 2}
    sweep = {("base", seed): {**short, "seed": seed} for seed in (42, 43)}
    sweep |= {("wide", seed): {**short, "model.hidden": 256, "seed": seed} for seed in (42, 43)}
    finish(train(exp, "de-risk", {}))  # the gate: writes split.json once, for all runs; full runs need it reviewed
    derisk = exp.run_dirs()[-1]
    assert labrails.review.review_run(derisk)["passed"]
    labrails.core.journal.ignore_run(exp, derisk.name, "the de-risk run that opens the gate; not part of the comparison")
    (first, first_overrides), *rest = sweep.items()
    finish(train(exp, f"full-{first[0]}-seed{first[1]}", first_overrides))
    for proc in [train(exp, f"full-{config}-seed{seed}", overrides) for (config, seed), overrides in rest]:
        finish(proc)

    a = analyze(exp)
    text = format_analysis(a)
    assert list(a.configurations) == ["full-base", "full-wide"]
    assert "full-wide vs full-base on test_accuracy over 2 paired seeds (42, 43)" in text
    assert "With n=2 seeds the smallest possible permutation p is 0.5" in text
    acc = a.summaries["full-wide"]["test_accuracy"]
    assert acc.n == 2 and 0.5 < acc.mean <= 1.0 and acc.std is not None

    path = report(exp)
    body = path.read_text()
    assert "| sklearn.datasets.load_digits | train " in body and "`split.json`" in body
    assert "runs/" in body and "/plots/loss.webp" in body  # the runs' own curves are figures too
    result = check(exp)
    assert result.ok, result.render()
