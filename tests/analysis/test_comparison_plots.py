"""Comparison bars across runs: drawn from metrics.json only, with a sidecar naming every run behind them."""

from __future__ import annotations

import json

import pytest

from labrails.analysis.analyze import analyze
from labrails.core.errors import LabrailsError
from labrails.core.journal import ignore_run
from labrails.analysis.plots import plot_comparison


def sidecar_of(path):
    return json.loads(path.with_name(path.name + ".json").read_text())


def test_analyze_draws_one_comparison_per_metric_with_a_sidecar(swept):
    analyze(swept)
    plots = swept.root / "analysis" / "plots"
    assert sorted(p.name for p in plots.glob("*.json")) == ["test_accuracy.webp.json", "test_loss.webp.json"]
    side = sidecar_of(plots / "test_accuracy.webp")
    assert side["kind"] == "comparison" and side["metric"] == "test_accuracy" and side["direction"] == "higher"
    assert len(side["runs"]) == 9 and all(s.startswith("runs/") and s.endswith("/metrics.json") for s in side["source"])
    bars = {c["configuration"]: c for c in side["configurations"]}
    assert bars["full-base"]["n"] == 3 and bars["full-base"]["mean"] == pytest.approx(0.93)
    assert bars["full-wide"]["values"] == [0.91, 0.95, 0.99] and bars["full-wide"]["seeds"] == [1, 2, 3]
    # the NaN seed is kept in the sidecar and counted, not drawn
    assert bars["full-broken"]["nonfinite"] == 0
    loss = {c["configuration"]: c for c in sidecar_of(plots / "test_loss.webp")["configurations"]}
    assert loss["full-broken"]["values"][0] == "nan" and loss["full-broken"]["n"] == 2


def test_a_metric_missing_from_any_run_is_refused(experiment, launch_run, tmp_path):
    launch_run(experiment, "full-a-seed1", {"test_accuracy": 0.9, "val_f1": 0.8})
    launch_run(experiment, "full-b-seed1", {"test_accuracy": 0.8})
    with pytest.raises(LabrailsError, match="'val_f1' is not in the metrics.json of 1 run") as err:
        plot_comparison(experiment.run_dirs(), "val_f1", tmp_path / "val_f1.webp")
    assert "test_accuracy" in err.value.fix
    assert not (tmp_path / "val_f1.webp").exists()


def test_ignored_and_failed_runs_are_left_out_and_named(experiment, launch_run, named, tmp_path):
    launch_run(experiment, "full-a-seed1", {"test_accuracy": 0.91}, overrides={"seed": 1})
    launch_run(experiment, "full-a-seed2", {"test_accuracy": 0.11}, overrides={"seed": 2})
    ignore_run(experiment, named(experiment, "full-a-seed2").name, "wrong labels")
    launch_run(experiment, "full-a-seed3", {}, overrides={"seed": 3}, check=False, FAIL="diverged")
    out = plot_comparison(experiment.run_dirs(), "test_accuracy", tmp_path / "acc.webp")
    side = sidecar_of(out)
    assert [c["values"] for c in side["configurations"]] == [[0.91]]
    assert {d["category"] for d in side["left_out"]} == {"ignored", "failed"}
    assert out.stat().st_size > 0


def test_plot_run_is_unchanged_by_the_comparison_plots(experiment, launch_run):
    from labrails.analysis.plots import plot_run

    launch_run(experiment, "full-a-seed1", {"test_accuracy": 0.9})
    [path] = plot_run(experiment.run_dirs()[0])
    side = sidecar_of(path)
    assert side["source"].endswith("logs/metrics.jsonl") and side["metric"] == "loss"
