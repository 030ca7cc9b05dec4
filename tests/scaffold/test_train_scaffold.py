"""The digits scaffold, run as a researcher runs it: in a fresh experiment, as a subprocess and in-process."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from scaffold_helpers import assert_review_passed, run_script

import labrails
from labrails.core.registry import Registry
from labrails.core.fsutil import read_json

pytestmark = pytest.mark.slow


@pytest.fixture
def digits(tmp_path):
    return labrails.new_experiment(tmp_path / "digits-mlp", hypothesis="MLP >= 95%", success=["test_accuracy >= 0.95"])


def train(exp, *args, env=None, timeout=240):
    return run_script(exp, "train.py", *args, env=env, timeout=timeout)


def test_derisk_is_representative_and_reviewed(digits):
    out = train(digits, "de-risk")
    run = digits.run_dirs()[-1]
    info = read_json(run / "run.json")
    assert info["status"] == "completed" and info["profile"] == "de-risk" and info["initial_loss"]["ok"]
    data = read_json(run / "data.json")
    counts = list(data["class_counts"].values())
    assert len(counts) == 10 and max(counts) - min(counts) <= 3  # stratified: every digit, in proportion
    assert data["synthetic"] is False and data["fingerprint"].startswith("sha256:")
    assert_review_passed(run, out)
    assert "review: passed" in out.stdout
    assert (run / "plots" / "loss.webp").is_file() or (run / "plots" / "loss.png").is_file()
    assert (run / "eval" / "groups" / "_index.csv").is_file()
    assert (run / "eval" / "diagnostics" / "per_class.csv").is_file()
    sample = next(p for p in (run / "eval" / "groups").rglob("*.txt") if p.name != "summary.txt").read_text()
    assert "no input_text column" not in sample and "probabilities: " in sample  # the digit, drawn as text
    assert (run / "checkpoints" / "best.pt").is_file() and (run / "checkpoints" / "last.pt").is_file()


def test_full_run_uses_the_saved_split_and_beats_the_hypothesis(digits):
    train(digits, "de-risk")
    split_before = (digits.root / "split.json").read_text()
    train(digits, "full")
    assert (digits.root / "split.json").read_text() == split_before  # made once, then reused
    run = digits.run_dirs()[-1]
    metrics = read_json(run / "metrics.json")
    assert metrics["test_accuracy"] >= 0.93 and metrics["n_test"] == read_json(run / "data.json")["rows"]["test"]
    assert metrics["epochs_run"] < 60  # early stopping on val loss fired
    import torch

    ckpt = torch.load(run / "checkpoints" / "best.pt", weights_only=False)
    assert ckpt["config"]["profile"] == "full"  # each checkpoint carries the config that produced it


def test_a_killed_run_resumes_from_its_checkpoint(digits):
    train(digits, "de-risk")  # the scaffold reviews it: the passing de-risk run full runs need
    env = {**os.environ, "LABRAILS_QUIET": "", "LABRAILS_OVERRIDES": json.dumps({"train.max_epochs": 400, "train.patience": 400,
                                                                       "train.checkpoint_every_s": 0})}
    proc = subprocess.Popen([sys.executable, "train.py", "full"], cwd=digits.root, env=env, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if "epoch 3:" in line:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    crashed = digits.run_dirs()[-1]
    train(digits, "full", env={"LABRAILS_OVERRIDES": env["LABRAILS_OVERRIDES"]}, timeout=400)
    # Nothing rewrites the dead run's own files; the registry (what `labrails runs` shows) calls it crashed.
    assert Registry(digits.state).rows()[crashed.name]["status"] == "crashed"
    resumed = digits.run_dirs()[-1]
    log = (resumed / "logs" / "train.log").read_text()
    assert f"resumed from {crashed / 'checkpoints' / 'last.pt'}" in log


def test_the_digits_scaffold_leaves_cartography_to_its_template(digits, tmp_path):
    assert "cartography" not in (digits.root / "config.yaml").read_text()
    assert "cartography" not in (digits.root / "train.py").read_text()
    assert not any((digits.root / "suites").iterdir())


def test_the_cartography_template_logs_dynamics_then_filters_by_them(tmp_path):
    exp = labrails.new_experiment(tmp_path / "digits-carto", template="cartography")
    assert (exp.root / "suites" / "cartography.yaml").is_file()
    baseline = train(exp, "de-risk-baseline", env={"LABRAILS_OVERRIDES": json.dumps({"cartography.log_dynamics": True})})
    base = exp.run_dirs()[-1]
    assert (base / "logs" / "dynamics.jsonl").is_file()
    assert next((base / "plots").glob("data_map.*.json"), None) is not None, baseline.stdout
    overrides = {"cartography.strategy": "filter", "cartography.dynamics": "runs/*-de-risk-baseline"}
    train(exp, "de-risk-filter", env={"LABRAILS_OVERRIDES": json.dumps(overrides)})
    filtered = exp.run_dirs()[-1]
    (used,) = [line for line in (filtered / "logs" / "train.log").read_text().splitlines() if "data strategy" in line]
    assert base.name in used and "'strategy': 'filter'" in used
    assert read_json(filtered / "data.json")["rows"]["train"] < read_json(base / "data.json")["rows"]["train"]


def test_scaffold_runs_in_process(digits, monkeypatch):
    from typer.testing import CliRunner

    monkeypatch.chdir(digits.root)
    spec = importlib.util.spec_from_file_location("train_under_test", digits.root / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = CliRunner().invoke(module.app, ["de-risk"])
    assert result.exit_code == 0, result.output
    assert read_json(digits.run_dirs()[-1] / "run.json")["status"] == "completed"
    again = CliRunner().invoke(module.app, ["de-risk"])
    assert again.exit_code == 0 and "already completed" in again.output


def _local_torch_wheels() -> str | None:
    for folder in os.environ.get("PIP_FIND_LINKS", "").split():
        if any(Path(folder).glob("torch-*+cpu-*.whl")):
            return folder
    return None


@pytest.mark.skipif(shutil.which("uv") is None and not (Path(sys.executable).parent / "uv").exists(), reason="uv is not installed")
@pytest.mark.skipif(_local_torch_wheels() is None, reason="no local CPU torch wheel (PIP_FIND_LINKS); uv would download the multi-GB CUDA build")
def test_uv_run_resolves_labrails_from_the_script_header(digits, tmp_path):
    folder = _local_torch_wheels()
    wheel = sorted(Path(folder).glob("torch-*+cpu-*.whl"))[-1].name
    constraint = tmp_path / "constraints.txt"
    constraint.write_text(f"torch=={wheel.split('-')[1]}\n")
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    env = {**os.environ, "LABRAILS_QUIET": "1", "UV_FIND_LINKS": folder, "UV_CONSTRAINT": str(constraint)}
    proc = subprocess.run([uv, "run", "train.py", "de-risk"], cwd=digits.root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run = digits.run_dirs()[-1]
    assert read_json(run / "run.json")["status"] == "completed"
    assert read_json(run / "env.json")["executable"] != sys.executable  # ran in the environment uv built for the script
