"""The CLI as a researcher uses it: new, status, journal, ignore, stability, runs, review, plot."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from labrails.cli.app import app
from labrails.core.errors import LabrailsError

runner = CliRunner()


def cli(*args, cwd=None, monkeypatch=None):
    if cwd is not None:
        monkeypatch.chdir(cwd)
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=True)


def test_new_creates_the_experiment_tree(tmp_path, monkeypatch):
    result = cli("new", "digits-mlp", "--hypothesis", "MLP beats 95%", "--success", "acc >= 0.95", cwd=tmp_path, monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    exp = tmp_path / "digits-mlp"
    for name in ("JOURNAL.md", "IGNORED_RUNS.md", "spec.yaml", "config.yaml", "runs.yaml", "train.py", "runs", ".labrails"):
        assert (exp / name).exists(), name
    assert "MLP beats 95%" in (exp / "JOURNAL.md").read_text()
    assert "uv run train.py de-risk" in result.output


def test_new_refuses_an_existing_directory_and_nesting(tmp_path, monkeypatch):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    result = cli("new", "taken", cwd=tmp_path, monkeypatch=monkeypatch)
    assert isinstance(result.exception, LabrailsError) and "never touches" in str(result.exception)
    assert (tmp_path / "taken" / "keep.txt").read_text() == "mine"
    cli("new", "outer", cwd=tmp_path, monkeypatch=monkeypatch)
    nested = cli("new", "outer/inner", cwd=tmp_path, monkeypatch=monkeypatch)
    assert "do not nest" in str(nested.exception)


def test_status_reports_placeholders_until_they_are_filled(tmp_path, monkeypatch):
    cli("new", "exp", cwd=tmp_path, monkeypatch=monkeypatch)
    result = cli("status", "-e", tmp_path / "exp")
    assert "JOURNAL.md: Hypothesis" in result.output and "spec.yaml: hypothesis" in result.output
    filled = cli("new", "exp2", "--hypothesis", "h", "--success", "s", cwd=tmp_path, monkeypatch=monkeypatch)
    assert filled.exit_code == 0
    result = cli("status", "-e", tmp_path / "exp2")
    assert "JOURNAL.md: Hypothesis" not in result.output and "spec.yaml: hypothesis" not in result.output


def test_journal_add_and_show_by_tag(experiment, monkeypatch):
    monkeypatch.chdir(experiment.root)
    assert cli("journal", "add", "val loss flat after epoch 3", "--tag", "WEIRD").exit_code == 0
    assert cli("journal", "add", "lr too low?", "-t", "hunch").exit_code == 0
    shown = cli("journal", "show", "--tag", "WEIRD").output
    assert "[WEIRD] val loss flat after epoch 3" in shown and "lr too low" not in shown
    bad = cli("journal", "add", "x", "--tag", "MAYBE")
    assert "unknown journal tag" in str(bad.exception) and "RESOLVED" in str(bad.exception)


def test_journal_survives_eight_concurrent_writers(experiment):
    code = "import sys, labrails; from labrails.core.journal import add_entry; add_entry(labrails.find_experiment(sys.argv[1]), 'writer ' + sys.argv[2], tag='NOTE')"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(experiment.root), str(i)]) for i in range(8)]
    assert all(p.wait(timeout=60) == 0 for p in procs)
    from labrails.core.journal import entries

    texts = {e.text for e in entries(experiment)}
    assert {f"writer {i}" for i in range(8)} <= texts


def test_ignore_and_stability_keep_history(experiment, run_in, monkeypatch):
    run_in(experiment, "tiny_run.py", "de-risk")
    monkeypatch.chdir(experiment.root)
    run_name = experiment.run_dirs()[0].name
    assert cli("ignore", run_name, "--reason", "lr typo").exit_code == 0
    again = cli("ignore", run_name, "--reason", "other")
    assert "already ignored" in str(again.exception)
    assert "lr typo" in experiment.ignored.read_text()
    assert cli("stability", "latest", "unstable", "--note", "watch the first minutes").exit_code == 0
    assert cli("stability", "latest", "stable", "--note", "3 clean runs").exit_code == 0
    from labrails.core.stability import entries, latest

    assert [e["status"] for e in entries(experiment)] == ["unstable", "stable"]
    entry = latest(experiment)[run_name]
    assert entry["status"] == "stable" and entry["metrics"]["test_accuracy"] == 0.93 and entry["env"]["python"]
    listing = cli("runs").output
    assert "[ignored]" in listing and "completed" in listing and "test_accuracy" in listing


def test_review_writes_reports_and_exit_code_tracks_blockers(experiment, run_in, monkeypatch):
    run_in(experiment, "tiny_run.py", "de-risk")
    monkeypatch.chdir(experiment.root)
    ok = cli("review", "latest")
    assert ok.exit_code == 0, ok.output
    run = experiment.run_dirs()[-1]
    review = json.loads((run / "review.json").read_text())
    assert review["passed"] and (run / "review.md").is_file()
    run_in(experiment, "tiny_run.py", "full", env={"TINY_FAIL": "boom"}, check=False)
    failed = cli("review", "full")
    assert failed.exit_code == 1 and "failed" in failed.output


def test_plot_refuses_what_was_not_logged(experiment, run_in, monkeypatch):
    run_in(experiment, "tiny_run.py", "de-risk")
    monkeypatch.chdir(experiment.root)
    ok = cli("plot", "latest", "--metric", "loss")
    assert ok.exit_code == 0 and "loss" in ok.output
    plots = list((experiment.run_dirs()[-1] / "plots").iterdir())
    sidecar = [p for p in plots if p.name.endswith(".json")][0]
    assert json.loads(sidecar.read_text())["source"].endswith("logs/metrics.jsonl")
    refused = cli("plot", "latest", "--metric", "accuracy")
    assert "not logged" in str(refused.exception)


def test_console_script_prints_errors_without_a_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "labrails", "status"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 2 and "not inside a labrails experiment" in proc.stderr and "Traceback" not in proc.stderr


def test_new_with_the_wine_llm_template(tmp_path, monkeypatch):
    result = cli("new", "wine", "--template", "wine-llm", cwd=tmp_path, monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    exp = tmp_path / "wine"
    assert (exp / "predict.py").is_file() and not (exp / "train.py").exists()
    spec = (exp / "spec.yaml").read_text()
    assert "load_wine" in spec and '"predict.py full*"' in spec
    unknown = cli("new", "other", "--template", "imagenet", cwd=tmp_path, monkeypatch=monkeypatch)
    assert "unknown template" in str(unknown.exception) and "wine-llm" in str(unknown.exception)


def test_new_with_the_cartography_template_brings_its_suite(tmp_path, monkeypatch):
    result = cli("new", "carto", "--template", "cartography", cwd=tmp_path, monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert "dataset cartography" in result.output and "uv run train.py de-risk" in result.output
    exp = tmp_path / "carto"
    assert (exp / "suites" / "cartography.yaml").is_file()
    assert "cartography:" in (exp / "config.yaml").read_text() and "labrails.cartography" in (exp / "train.py").read_text()
    plain = cli("new", "plain", cwd=tmp_path, monkeypatch=monkeypatch)
    assert plain.exit_code == 0, plain.output
    assert (tmp_path / "plain" / "suites").is_dir() and not any((tmp_path / "plain" / "suites").iterdir())
    assert "cartography" not in (tmp_path / "plain" / "config.yaml").read_text()
