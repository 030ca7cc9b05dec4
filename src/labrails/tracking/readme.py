"""README.txt for a run: purpose, scope, data, model, results, metric meanings, navigation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labrails.core.fsutil import read_json, write_atomic
from labrails.tracking.progress import fmt_duration
from labrails.core.templating import render


def _settings_lines(config: dict[str, Any]) -> list[str]:
    lines = []
    for key, value in config.items():
        if isinstance(value, dict):
            inner = ", ".join(f"{k}={v}" for k, v in value.items() if not isinstance(v, dict))
            lines.append(f"{key}: {inner}")
        else:
            lines.append(f"{key}: {value}")
    return lines


def write_run_readme(run, metrics: dict | None = None) -> Path:
    """Called by Run at the end with what it holds in memory; ``render_run_readme`` works on any run directory."""
    return render_run_readme(run.dir, spec=run.spec, info=run.info, config=run.config, metrics=metrics)


def render_run_readme(run_dir: Path, *, purpose: str | None = None, meanings: dict | None = None, spec=None,
                      info: dict | None = None, config: dict | None = None, metrics: dict | None = None) -> Path:
    """README.txt from the run's files; a finishing run passes ``info``, ``config`` and ``metrics`` so
    they are not read (and config.yaml not parsed) back from disk."""
    run_dir = Path(run_dir)
    info = info if info is not None else read_json(run_dir / "run.json")
    data = read_json(run_dir / "data.json") if (run_dir / "data.json").is_file() else None
    if metrics is None:
        metrics = read_json(run_dir / "metrics.json") if (run_dir / "metrics.json").is_file() else {}
    git = read_json(run_dir / "git.json") if (run_dir / "git.json").is_file() else {}
    if config is None:
        from labrails.core.yamlfile import parse_yaml

        path = run_dir / "config.yaml"
        config = (parse_yaml(path.read_text(encoding="utf-8")) if path.is_file() else None) or {}
    meanings = {**(info.get("metric_meanings") or {}), **(meanings or {})}
    if spec is not None:
        primary = spec.primary_metric
        if primary.get("name") and primary["name"] not in meanings and primary.get("direction") in ("higher", "lower"):
            meanings[primary["name"]] = {"direction": primary["direction"], "meaning": str(primary.get("meaning") or "")}
    if purpose is None:
        hypothesis = (spec.raw.get("hypothesis") if spec is not None else None) or ""
        kind = {"de-risk": "A de-risk run: a fast, scaled-down pass that checks every part of the pipeline fires "
                "before the real run is spent.", "full": "The full run: the real experiment on all the data."}
        purpose = kind.get(info.get("profile"), f"A '{info.get('profile')}' run.")
        if hypothesis and not hypothesis.upper().startswith("TODO"):
            purpose += f"\nHypothesis under test: {hypothesis}"
    if git.get("available"):
        git_line = f"{git.get('commit')} on {git.get('branch')}" + (" with uncommitted changes (diff.patch)" if git.get("dirty") else "")
    else:
        git_line = "not in a git repository (identity uses the script's content hash)"
    extras = []
    for name, note in (("review.md", "post-run review, blockers first (review.json for code)"),
                       ("eval", "per-prediction drill-down: eval/DRILLDOWN.txt, then eval/groups/_index.csv (worst first)"),
                       ("groups", "per-group drill-down, worst first"), ("diagnostics", "parse failures, outliers, value ranges"),
                       ("split.json", "the split used")):
        if (run_dir / name).exists():
            extras.append(f"{name:<15} {note}")
    text = render(
        "run_README.txt.j2",
        info=info, data=data, metrics=metrics, meanings=meanings, purpose=purpose, git_line=git_line,
        settings=_settings_lines({k: v for k, v in config.items() if k != "profile"}),
        duration=fmt_duration(info.get("duration_s")), extras=extras,
    )
    path = run_dir / "README.txt"
    write_atomic(path, text, fsync=False)  # rendered from the run's files again by render_run_readme: not flushed
    return path
