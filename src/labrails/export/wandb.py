"""Runs as W&B offline runs, ready for ``wandb sync``: config, history with steps, summary, tags, files.

``labrails export wandb`` writes ``<experiment>/exports/wandb/wandb/offline-run-*-<id>/`` (or under
``--to``); ``wandb sync exports/wandb/wandb/offline-run-*`` uploads them. The W&B run id is derived from
the labrails run, so a re-export replaces its offline folder and a second sync updates the same run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from labrails.export.source import ExportedRun


def _steps(run: ExportedRun) -> dict[int, dict[str, float]]:
    by_step: dict[int, dict[str, float]] = {}
    for name, points in run.series.items():
        for step, value, _ in points:
            by_step.setdefault(step, {})[name] = value
    return dict(sorted(by_step.items()))


def export_run(run: ExportedRun, destination: str | None) -> str:
    root = Path(destination) if destination else run.dir.parent.parent / "exports" / "wandb"
    root.mkdir(parents=True, exist_ok=True)
    wandb_dir = root / "wandb"
    if wandb_dir.is_dir():
        for old in wandb_dir.glob(f"offline-run-*-{run.key}"):
            shutil.rmtree(old)  # ours: the previous export of this run
    os.environ.setdefault("WANDB_SILENT", "true")
    import wandb

    settings = wandb.Settings(mode="offline", console="off", save_code=False, disable_git=True, x_disable_stats=True,
                              x_disable_meta=True)
    live = wandb.init(dir=str(root), id=run.key, project=run.experiment, name=run.name, settings=settings,
                      config={**run.params, **{k: v for k, v in run.tags.items()}},
                      tags=[f"{k.split('.', 1)[1]}:{v}"[:64] for k, v in run.tags.items()
                            if k in ("labrails.profile", "labrails.identity", "labrails.review", "labrails.status")],
                      job_type=str(run.info.get("profile")), reinit="create_new")
    try:
        for step, values in _steps(run).items():
            live.log(values, step=step)
        for name, value in run.final.items():
            live.summary[name] = value
        for path in run.artifacts():
            live.save(str(path), base_path=str(run.dir), policy="now")
    finally:
        live.finish(exit_code=0 if run.info.get("status") == "completed" else 1)
    folder = next(iter(sorted(wandb_dir.glob(f"offline-run-*-{run.key}"))), root)
    return f"{run.name} -> {folder} (wandb sync {folder})"
