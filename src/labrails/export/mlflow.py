"""Runs in an MLflow tracking store: params, metrics with their steps, tags, and the key files as artifacts.

``labrails export mlflow --to URI`` takes a sqlite URI (``sqlite:///mlflow.db``), a server
(``http://host:5000``) or a file store (``file:///path/mlruns``); the default is
``sqlite:///<experiment>/exports/mlflow.db``. Each labrails run is one MLflow run, found again by its
``labrails.key`` tag: a re-export logs only the metric points MLflow does not have yet, updates tags,
and replaces artifacts, so nothing is duplicated.
"""

from __future__ import annotations

import time
from pathlib import Path

from labrails.export.source import ExportedRun

BATCH = 900  # MLflow accepts at most 1000 metrics per log_batch


def _uri(run: ExportedRun, destination: str | None) -> str:
    if destination:
        if "://" in destination or destination.startswith("sqlite:"):
            return destination
        return Path(destination).resolve().as_uri()  # a folder: a file store
    folder = run.dir.parent.parent / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'mlflow.db'}"


def _artifact_location(uri: str) -> str | None:
    """Artifacts beside a sqlite store: MLflow's own default is ./mlruns under whatever folder the export ran in."""
    if uri.startswith("sqlite:///"):
        return (Path(uri[len("sqlite:///"):]).parent / "mlartifacts").resolve().as_uri()
    return None


def export_run(run: ExportedRun, destination: str | None) -> str:
    import os

    if destination and (destination.startswith("file:") or "://" not in destination and not destination.startswith("sqlite:")):
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")  # the user asked for a file store by name
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.tracking import MlflowClient

    uri = _uri(run, destination)
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(run.experiment)
    experiment_id = (experiment.experiment_id if experiment
                     else client.create_experiment(run.experiment, artifact_location=_artifact_location(uri)))
    found = client.search_runs([experiment_id], filter_string=f"tags.`labrails.key` = '{run.key}'", max_results=1)
    if found:
        run_id = found[0].info.run_id
        existing_params = found[0].data.params
    else:
        created = client.create_run(experiment_id, start_time=int(run.started * 1000), run_name=run.name,
                                    tags={"labrails.key": run.key})
        run_id, existing_params = created.info.run_id, {}

    params = [Param(k[:250], str(v)[:6000]) for k, v in run.params.items() if k[:250] not in existing_params]
    tags = [RunTag(k, v) for k, v in run.tags.items()]
    metrics = []
    for name, points in sorted(run.series.items()):
        have = {(m.step, m.value) for m in client.get_metric_history(run_id, name)} if found else set()
        for step, value, seconds in points:
            if (step, value) not in have:
                metrics.append(Metric(name, value, int((run.started + seconds) * 1000), step))
                have.add((step, value))
    for name, value in run.final.items():  # final values as their own series at step 0, once
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            key = f"final/{name}"
            have = {(m.step, m.value) for m in client.get_metric_history(run_id, key)} if found else set()
            if (0, float(value)) not in have:
                metrics.append(Metric(key, float(value), int(time.time() * 1000), 0))
    for start in range(0, max(len(params), len(metrics), len(tags), 1), BATCH):
        client.log_batch(run_id, metrics=metrics[start:start + BATCH], params=params[start:start + 100] if start == 0 else [],
                         tags=tags if start == 0 else [])
    for i in range(100, len(params), 100):
        client.log_batch(run_id, params=params[i:i + 100])
    for path in run.artifacts():
        sub = path.relative_to(run.dir).parent
        client.log_artifact(run_id, str(path), artifact_path=None if str(sub) == "." else str(sub))
    status = {"completed": "FINISHED", "failed": "FAILED", "crashed": "FAILED"}.get(run.info.get("status"))
    if status:  # a run still going stays RUNNING until it is exported again
        end = run.started + float(run.info.get("duration_s") or 0)
        client.set_terminated(run_id, status=status, end_time=int(end * 1000))
    return f"{run.name} -> {uri} run {run_id} ({len(metrics)} new values)"
