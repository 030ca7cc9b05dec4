"""The cartography template end to end: a de-risk baseline embeds and clusters its training examples, and a
later run filters by those clusters combined with label smoothing, recording what each rule removed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import labrails
from labrails.core.fsutil import read_json

pytest.importorskip("torch")


def train(exp, name, overrides):
    env = {"LABRAILS_QUIET": "1", "LABRAILS_OVERRIDES": json.dumps(overrides)}
    done = subprocess.run([sys.executable, "train.py", name], cwd=exp.root, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})
    assert done.returncode == 0, done.stdout + done.stderr
    return exp.run_dirs()[-1]


@pytest.mark.slow
def test_a_baseline_clusters_and_a_later_run_filters_by_its_clusters_then_smooths(tmp_path):
    exp = labrails.new_experiment(tmp_path / "digits-carto", template="cartography")
    base = train(exp, "de-risk-baseline", {"cartography.log_dynamics": True, "clusters.embed": True})
    summary = read_json(base / "clusters" / "summary.json")
    # every example of the split's training part, not only the de-risk subset this run trained on
    assert summary["n"] == len(labrails.split.load_split(exp.root / "split.json")["train"])
    assert summary["n"] > read_json(base / "data.json")["rows"]["train"]
    assert summary["provenance"]["identity"] == read_json(base / "run.json")["identity"]

    combined = train(exp, "de-risk-combined", {
        "clusters.exclude_clusters": [-1], "clusters.assignments": "runs/*-de-risk-baseline",
        "cartography.strategy": "smoothing", "cartography.dynamics": "runs/*-de-risk-baseline"})

    strategy = read_json(combined / "data" / "strategy.json")
    assert [s["rule"] for s in strategy["steps"]] == ["clusters.exclude_clusters", "cartography.smoothing"]
    assert strategy["n_kept"] == read_json(combined / "data.json")["rows"]["train"] < strategy["n_train"]
    assert base.name in strategy["steps"][0]["source"]
    review = read_json(combined / "review.json")
    assert any(f["check"] == "filtering" for f in review["findings"])
