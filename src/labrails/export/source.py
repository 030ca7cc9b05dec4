"""What an export carries, read from a run directory's files (never from memory): the one reader every
target uses, so TensorBoard, MLflow and W&B show the same numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ARTIFACTS = ("README.txt", "config.yaml", "metrics.json", "review.md", "review.json", "command.txt", "git.json",
             "env.json", "data.json", "run.json")


class ExportedRun:
    """A run as exporters see it: params, series (name -> [(step, value, seconds)]), final metrics, tags."""

    def __init__(self, directory: Path, experiment: str, info: dict[str, Any], params: dict[str, Any],
                 series: dict[str, list[tuple[int, float, float]]], final: dict[str, Any], tags: dict[str, str]):
        self.dir, self.experiment, self.info = directory, experiment, info
        self.params, self.series, self.final, self.tags = params, series, final, tags
        self.name: str = info.get("run") or directory.name

    @property
    def key(self) -> str:
        """A stable id for this run in any target: the same run exported twice lands in the same place."""
        import hashlib

        return hashlib.sha256(f"{self.experiment}/{self.name}".encode()).hexdigest()[:16]

    @property
    def started(self) -> float:
        return float(self.info.get("started_ts") or 0.0)

    def artifacts(self) -> list[Path]:
        found = [self.dir / name for name in ARTIFACTS if (self.dir / name).is_file()]
        plots = self.dir / "plots"
        if plots.is_dir():
            found.extend(sorted(p for p in plots.iterdir() if p.is_file()))
        return found


def flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            out.update(flatten(value, name))
        else:
            out[name] = value
    return out


def series_name(record: dict[str, Any]) -> str:
    """``train/loss`` for a value logged with split="train", else the metric's own name."""
    split = record.get("split")
    return f"{split}/{record['name']}" if split else str(record["name"])


def read_run(run_dir: Path | str) -> ExportedRun:
    import yaml

    from labrails.core.runinfo import read_run_json
    from labrails.tracking.metrics_log import read_metrics

    run_dir = Path(run_dir)
    info = read_run_json(run_dir)
    config = yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8")) if (run_dir / "config.yaml").is_file() else {}
    series: dict[str, list[tuple[int, float, float]]] = {}
    counters: dict[str, int] = {}
    for record in read_metrics(run_dir / "logs" / "metrics.jsonl"):
        if record.get("name") == "__unreadable_line__":
            continue
        name = series_name(record)
        counters[name] = counters.get(name, 0) + 1
        step = record.get("step", record.get("epoch", counters[name]))
        series.setdefault(name, []).append((int(step), float(record["value"]), float(record.get("t") or 0.0)))
    final = json.loads((run_dir / "metrics.json").read_text()) if (run_dir / "metrics.json").is_file() else {}
    review = json.loads((run_dir / "review.json").read_text()) if (run_dir / "review.json").is_file() else None
    tags = {
        "labrails.run": info.get("run") or run_dir.name,
        "labrails.identity": str(info.get("identity")),
        "labrails.profile": str(info.get("profile")),
        "labrails.status": str(info.get("status")),
        "labrails.git_commit": str(info.get("git_commit") or "none"),
        "labrails.code_version": str(info.get("code_version")),
        "labrails.seed": str(config.get("seed", "none")) if isinstance(config, dict) else "none",
        "labrails.review": ("passed" if review.get("passed") else "failed") if isinstance(review, dict) else "not reviewed",
    }
    if isinstance(review, dict) and review.get("headline"):
        tags["labrails.review_headline"] = str(review["headline"])
    params = flatten(config) if isinstance(config, dict) else {}
    return ExportedRun(run_dir, str(info.get("experiment") or run_dir.parent.parent.name), info, params, series,
                       {k: v for k, v in final.items()}, tags)
