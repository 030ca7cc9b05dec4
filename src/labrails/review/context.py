"""The run as every check sees it: run.json, metrics, logged values, data provenance, spec and config, read once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from labrails.core.errors import LabrailsError
from labrails.core.experiment import find_experiment
from labrails.core.fsutil import read_json
from labrails.core.runinfo import current_status
from labrails.core.spec import load_spec
from labrails.tracking.metrics_log import read_metrics

if TYPE_CHECKING:
    from pathlib import Path

    from labrails.core.spec import Spec


@dataclass
class Context:
    run_dir: Path
    info: dict[str, Any]
    metrics: dict[str, Any]
    records: list[dict[str, Any]]
    data: dict[str, Any] | None
    spec: Spec | None
    config: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
    experiment_root: Path | None = None

    def series(self, name: str, split: str | None = None) -> list[float]:
        return [float(r["value"]) for r in self.records if r.get("name") == name and (split is None or r.get("split") == split)]


def load_context(run_dir: Path) -> Context:
    info = current_status(run_dir)
    metrics = read_json(run_dir / "metrics.json") if (run_dir / "metrics.json").is_file() else {}
    data = read_json(run_dir / "data.json") if (run_dir / "data.json").is_file() else None
    records = list(read_metrics(run_dir / "logs" / "metrics.jsonl"))
    spec = None
    exp = find_experiment(run_dir, required=False)
    if exp is not None and exp.spec_path.is_file():
        try:
            spec = load_spec(exp.spec_path)
        except LabrailsError:
            spec = None
    config = {}
    if (run_dir / "config.yaml").is_file():
        import yaml

        config = yaml.safe_load((run_dir / "config.yaml").read_text()) or {}
    return Context(run_dir, info, metrics, records, data, spec, config, experiment_root=exp.root if exp is not None else None)
