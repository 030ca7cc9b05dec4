"""Analysis and listing read each run once: summary.json per finished run and the runs index, both caches
that give way as soon as a run's own files change."""

from __future__ import annotations

import json

from labrails.analysis import index
from labrails.analysis.analyze import analyze
from labrails.analysis.runs_table import list_runs
from labrails.core.fsutil import read_json
from labrails.core.summary import read_summary


def _accuracy(a, run_name):
    return next(r.metrics["test_accuracy"] for runs in a.configurations.values() for r in runs if r.name == run_name)


def _files(root):
    """Every file but SQLite's shared-memory index and write-ahead log, which any reader of the registry
    opens beside the database (they hold no rows, and go when the last connection closes)."""
    return sorted(p.relative_to(root) for p in root.rglob("*") if not p.name.endswith(("-shm", "-wal")))


def test_listing_writes_nothing_and_analysis_caches_what_it_read(experiment, launch_run):
    for seed in (1, 2):
        launch_run(experiment, f"full-base-seed{seed}", {"test_accuracy": 0.8 + seed / 100}, overrides={"seed": seed})
    runs = [d for d in experiment.run_dirs() if "-full-" in d.name]  # not the de-risk run that opened the gate
    for run in runs:  # as if written by an older labrails: no summary yet
        (run / "summary.json").unlink()
    before = _files(experiment.root)
    rows = [r for r in list_runs(experiment) if r.profile == "full"]
    assert [r.metric for r in rows] == ["test_accuracy=0.81", "test_accuracy=0.82"]
    assert _files(experiment.root) == before

    analyze(experiment, plots=False)
    assert all(read_summary(run) is not None for run in runs)
    assert {run.name for run in runs} <= set(index.load(experiment))
    assert [r.metric for r in list_runs(experiment) if r.profile == "full"] == ["test_accuracy=0.81", "test_accuracy=0.82"]


def test_an_edited_run_is_read_again_from_its_own_files(experiment, launch_run):
    launch_run(experiment, "full-base-seed1", {"test_accuracy": 0.81}, overrides={"seed": 1})
    [run] = [d for d in experiment.run_dirs() if d.name.endswith("-full-base-seed1")]
    assert _accuracy(analyze(experiment, plots=False), run.name) == 0.81
    (run / "metrics.json").write_text(json.dumps({**read_json(run / "metrics.json"), "test_accuracy": 0.5}))
    assert _accuracy(analyze(experiment, plots=False), run.name) == 0.5
    assert [r.metric for r in list_runs(experiment) if r.name == run.name] == ["test_accuracy=0.5"]


def test_a_figure_is_redrawn_only_when_its_inputs_change(experiment, launch_run):
    for seed in (1, 2):
        launch_run(experiment, f"full-base-seed{seed}", {"test_accuracy": 0.8 + seed / 100}, overrides={"seed": seed})
    first = analyze(experiment, metric="test_accuracy")
    figure = next(p for p in first.files if p.name.startswith("test_accuracy."))
    drawn_at = figure.stat().st_mtime_ns
    assert analyze(experiment, metric="test_accuracy") and figure.stat().st_mtime_ns == drawn_at
    launch_run(experiment, "full-base-seed3", {"test_accuracy": 0.9}, overrides={"seed": 3})
    analyze(experiment, metric="test_accuracy")
    assert figure.stat().st_mtime_ns != drawn_at
    assert json.loads(figure.with_name(figure.name + ".json").read_text())["configurations"][0]["n"] == 3
