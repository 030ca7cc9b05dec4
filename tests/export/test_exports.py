"""Runs of the quickstart experiment exported to TensorBoard, MLflow and W&B, read back with each tool's
own reader: every logged value at its step, the tags, and no duplicates after a second export."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from labrails.export.source import read_run

pytestmark = pytest.mark.slow


def logged(run_dir):
    """{series: sorted [(step, value)]} straight from logs/metrics.jsonl, the source of truth."""
    return {name: sorted((s, v) for s, v, _ in points) for name, points in read_run(run_dir).series.items()}


def export(exp, *args):
    proc = subprocess.run([sys.executable, "-m", "labrails", "export", *args, "-e", str(exp.root)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_tensorboard_event_files_hold_every_step(quickstarted, tmp_path):
    pytest.importorskip("tensorboard", reason="pip install 'labrails[tensorboard]'")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = tmp_path / "tb"
    export(quickstarted, "tensorboard", "--to", str(out))
    export(quickstarted, "tensorboard", "--to", str(out))  # again: replaced, not doubled
    for run_dir in quickstarted.run_dirs():
        acc = EventAccumulator(str(out / run_dir.name), size_guidance={"scalars": 0, "tensors": 0})
        acc.Reload()
        expected = logged(run_dir)
        assert set(acc.Tags()["scalars"]) == set(expected)
        for name, points in expected.items():
            assert sorted((e.step, pytest.approx(e.value)) for e in acc.Scalars(name)) == points
        tags = acc.Tensors("labrails/tags")[0].tensor_proto.string_val[0].decode()
        assert "labrails.identity" in tags and "passed" in tags
        assert (out / run_dir.name / "artifacts" / "README.txt").is_file()


def test_mlflow_store_holds_params_metrics_tags_and_artifacts(quickstarted, tmp_path):
    pytest.importorskip("mlflow", reason="pip install 'labrails[mlflow]'")
    pytest.importorskip("sqlalchemy", reason="the sqlite store needs sqlalchemy: pip install 'labrails[mlflow]'")
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    export(quickstarted, "mlflow", "--to", uri)
    second = export(quickstarted, "mlflow", "--to", uri)
    assert "(0 new values)" in second
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(quickstarted.name)
    found = client.search_runs([experiment.experiment_id])
    assert len(found) == len(quickstarted.run_dirs())
    for run_dir in quickstarted.run_dirs():
        (mlrun,) = [r for r in found if r.data.tags["labrails.run"] == run_dir.name]
        info = json.loads((run_dir / "run.json").read_text())
        assert mlrun.data.tags["labrails.identity"] == info["identity"]
        assert mlrun.data.tags["labrails.profile"] == info["profile"] and mlrun.data.tags["labrails.review"] == "passed"
        assert mlrun.data.params["profile"] == info["profile"] and mlrun.info.status == "FINISHED"
        for name, points in logged(run_dir).items():
            history = client.get_metric_history(mlrun.info.run_id, name)
            assert sorted((m.step, pytest.approx(m.value)) for m in history) == points
        assert {"README.txt", "metrics.json", "config.yaml"} <= {a.path for a in client.list_artifacts(mlrun.info.run_id)}


def test_wandb_offline_runs_ready_for_sync(quickstarted, tmp_path):
    pytest.importorskip("wandb", reason="pip install 'labrails[wandb]'")
    from testing.wandb_files import read_offline_run

    out = tmp_path / "wb"
    export(quickstarted, "wandb", "--to", str(out))
    export(quickstarted, "wandb", "--to", str(out))
    folders = sorted((out / "wandb").glob("offline-run-*"))
    assert len(folders) == len(quickstarted.run_dirs())  # a re-export replaced its folder
    for run_dir in quickstarted.run_dirs():
        key = read_run(run_dir).key
        (folder,) = [f for f in folders if f.name.endswith(key)]
        seen = read_offline_run(folder)
        assert seen["run"]["display_name"] == run_dir.name and seen["run"]["run_id"] == key
        assert any(tag.startswith("identity:") for tag in seen["run"]["tags"])
        for name, points in logged(run_dir).items():
            assert sorted((s, pytest.approx(v)) for s, v in seen["history"].get(name, [])) == points, name
        assert seen["summary"]["test_accuracy"] == json.loads((run_dir / "metrics.json").read_text())["test_accuracy"]
        assert seen["config"]["labrails.identity"] == json.loads((run_dir / "run.json").read_text())["identity"]
        assert (folder / "files" / "README.txt").is_file()
