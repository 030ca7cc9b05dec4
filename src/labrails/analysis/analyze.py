"""``labrails analyze``: every usable run of an experiment, grouped by configuration and summarised over seeds.

Writes into ``<experiment>/analysis/``:

- ``results.csv``      one row per included run: configuration, seed, every numeric final metric
- ``summary.csv``      one row per configuration and metric: n, mean, std (sample, ddof=1), min, max
- ``all_results.json`` all of the above plus the excluded runs with reasons, paired comparisons,
                        early-stop hints and the success criteria, evaluated (the report reads only this)
- ``plots/<metric>.webp`` bars of mean ± std per configuration, each with a JSON sidecar naming its runs

Only values read from the runs' metrics.json files enter these files; NaN is counted, never hidden.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from labrails.analysis import hypotheses
from labrails.analysis import judgements as findings
from labrails.analysis.fmt import mean_std
from labrails.analysis.plots import _relative, plot_comparison
from labrails.analysis.runset import RunResult, RunSet, load_runs
from labrails.analysis.stats import Summary, summarize
from labrails.core.errors import LabrailsError
from labrails.core.experiment import Experiment, find_experiment
from labrails.core.fsutil import write_atomic
from labrails.core.runinfo import now_iso
from labrails.core.spec import load_spec

OUT_DIR = "analysis"
_EXCLUDED_WORDS = {"ignored": "ignored", "failed": "failed", "crashed": "crashed", "running": "still running",
                   "no_metrics": "without metrics.json", "other_profile": "of another profile", "unreadable": "unreadable"}


@dataclass
class Analysis:
    experiment: Experiment
    runset: RunSet
    metric: str
    direction: str | None
    metrics: list[str]
    summaries: dict[str, dict[str, Summary]]  # configuration -> metric -> summary
    comparisons: list[dict[str, Any]]
    hints: list[dict[str, Any]]
    criteria: list[dict[str, Any]]
    primary: dict[str, Any] = field(default_factory=dict)  # spec.yaml metrics.primary
    files: list[Path] = field(default_factory=list)
    not_plotted: dict[str, str] = field(default_factory=dict)
    hypotheses: list[dict[str, Any]] = field(default_factory=list)  # spec.yaml hypotheses, judged

    @property
    def out_dir(self) -> Path:
        return self.experiment.root / OUT_DIR

    @property
    def configurations(self) -> dict[str, list[RunResult]]:
        return self.runset.configurations()

    def direction_of(self, metric: str) -> tuple[str | None, str, str]:
        return findings.metric_direction(metric, self.primary, self.runset.included)


def analyze(experiment: Experiment | Path | str | None = None, *, metric: str | None = None, profile: str | None = None,
            baseline: str | None = None, plots: bool = True) -> Analysis:
    exp = experiment if isinstance(experiment, Experiment) else find_experiment(experiment)
    runset = load_runs(exp, profile=profile)
    findings.set_aside_derisk(runset, profile)
    if not runset.included:
        raise LabrailsError(_nothing_to_analyze(runset), path=exp.root,
                            fix="complete at least one run first, e.g. `uv run train.py full` (or several seeds with "
                                "`labrails sweep`), then run `labrails analyze` again")
    spec = _spec(exp)
    primary = spec.primary_metric if spec is not None else {}
    metric = metric or _primary_name(primary)
    names = _metric_names(runset.included, metric)
    if metric is None:
        raise LabrailsError("spec.yaml names no primary metric", path=exp.spec_path,
                            fix=f"pass --metric (logged: {', '.join(names)}), or fill in metrics.primary.name")
    if metric not in names:
        raise LabrailsError(f"no included run logged '{metric}' in its metrics.json", path=exp.runs_dir,
                            fix=f"pass --metric with one of: {', '.join(names) or '(none logged)'}")
    configs = runset.configurations()
    summaries = {name: {m: summarize(r.metrics[m] for r in runs if m in r.metrics) for m in names}
                 for name, runs in configs.items()}
    direction, _, _ = findings.metric_direction(metric, primary, runset.included)
    hints = (findings.nan_hints(configs, metric) + findings.early_stop_hints(configs, summaries, metric, direction)
             + findings.consistency_hints(configs) + findings.doubt_hints(configs))
    criteria = findings.evaluate_criteria(_success_criteria(spec), configs, summaries)
    analysis = Analysis(exp, runset, metric, direction, names, summaries, findings.compare(configs, metric, baseline),
                        hints, criteria, primary,
                        hypotheses=hypotheses.evaluate(hypotheses.from_spec(spec) if spec else [], configs))
    _write(analysis, plots=plots, options={"metric": metric, "profile": profile, "baseline": baseline})
    return analysis


# --------------------------------------------------------------------------- inputs
def _spec(exp: Experiment):
    if not exp.spec_path.is_file():
        return None

    return load_spec(exp.spec_path)


def primary_metric_name(exp: Experiment) -> str:
    """spec.yaml's primary metric, or an error saying how to name one."""
    spec = _spec(exp)
    name = _primary_name(spec.primary_metric if spec is not None else {})
    if name is None:
        raise LabrailsError("spec.yaml names no primary metric", path=exp.spec_path,
                            fix="pass --metric NAME, or fill in metrics.primary.name in spec.yaml")
    return name


def _primary_name(primary: dict[str, Any]) -> str | None:
    name = primary.get("name")
    return None if not name or str(name).upper().startswith("TODO") else str(name)


def _success_criteria(spec) -> list[str]:
    raw = (spec.raw.get("success_criteria") if spec is not None else None) or []
    if isinstance(raw, str):
        raw = [raw]
    return [str(c) for c in raw if c and not str(c).strip().upper().startswith("TODO")]


def _metric_names(runs: list[RunResult], first: str | None) -> list[str]:
    names = list(dict.fromkeys(m for r in runs for m in r.metrics))
    if first in names:
        names.remove(first)
        names.insert(0, first)
    return names


def _nothing_to_analyze(runset: RunSet) -> str:
    counts = runset.counts()
    if counts["runs"] == 0:
        return "this experiment has no runs yet, so there is nothing to analyze"
    return f"none of the {counts['runs']} runs can be analyzed ({_excluded_text(counts)})"


def _excluded_text(counts: dict[str, int]) -> str:
    parts = [f"{counts[c]} {word}" for c, word in _EXCLUDED_WORDS.items() if counts.get(c)]
    return ", ".join(parts) if parts else "none"


# --------------------------------------------------------------------------- outputs
def _write(a: Analysis, *, plots: bool, options: dict[str, Any]) -> None:
    out = a.out_dir
    out.mkdir(exist_ok=True)
    # Not flushed (see labrails.core.fsutil): `labrails analyze` makes all of these again from the runs.
    write_atomic(out / "results.csv", _results_csv(a), fsync=False)
    write_atomic(out / "summary.csv", _summary_csv(a), fsync=False)
    a.files += [out / "results.csv", out / "summary.csv"]
    plotted = _plots(a) if plots else []
    record = _record(a, options, plotted)
    # Without indent: json's C encoder (indent falls back to pure Python, seconds at 10,000 runs).
    write_atomic(out / "all_results.json", json.dumps(record, default=str) + "\n", fsync=False)
    a.files.insert(2, out / "all_results.json")


def _csv(rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for row in rows:
        writer.writerow(["" if v is None else (repr(v) if isinstance(v, float) else v) for v in row])
    return buf.getvalue()


def _results_csv(a: Analysis) -> str:
    header = ["run", "configuration", "profile", "seed", "status", "duration_s", "identity", "overrides", *a.metrics]
    rows = [header]
    for name, runs in a.configurations.items():
        for r in runs:
            rows.append([r.name, name, r.profile, r.seed, r.info.get("status"), r.info.get("duration_s"),
                         r.info.get("identity"), json.dumps(r.overrides, sort_keys=True) if r.overrides else "",
                         *[r.metrics.get(m) for m in a.metrics]])
    return _csv(rows)


def _summary_csv(a: Analysis) -> str:
    rows = [["configuration", "profile", "metric", "n", "nonfinite", "mean", "std", "min", "max", "seeds"]]
    for name, runs in a.configurations.items():
        seeds = " ".join(str(r.seed) for r in runs if r.seed is not None)
        for m in a.metrics:
            s = a.summaries[name][m]
            rows.append([name, runs[0].profile, m, s.n, s.nonfinite, s.mean, s.std, s.min, s.max, seeds])
    return _csv(rows)


def _plots(a: Analysis) -> list[dict[str, Any]]:
    # The runs already loaded, without the excluded ones (as if only the included directories were named).
    table = RunSet(a.experiment, a.runset.included, [], a.runset.profile)
    written = []
    for m in a.metrics:
        values = [r.metrics.get(m) for r in a.runset.included]
        if any(v is None for v in values):
            a.not_plotted[m] = "missing from the metrics.json of some runs"
            continue
        if m != a.metric and len({v for v in values if math.isfinite(v)}) <= 1:
            a.not_plotted[m] = "the same value in every run"
            continue
        path = plot_comparison(table, m, a.out_dir / "plots" / f"{m}.webp", direction=a.direction_of(m)[0])
        a.files.append(path)
        written.append({"metric": m, "path": _rel(path, a.experiment), "sidecar": _rel(path, a.experiment) + ".json"})
    return written


def _record(a: Analysis, options: dict[str, Any], plotted: list[dict[str, Any]]) -> dict[str, Any]:
    primary = a.primary
    direction, meaning, direction_source = a.direction_of(a.metric)
    configs = a.configurations
    return {
        "experiment": a.experiment.name,
        "generated_at": now_iso(),
        "options": options,
        "metric": {"name": a.metric, "direction": direction, "meaning": meaning, "direction_source": direction_source,
                   "expected_range": primary.get("expected_range") if primary.get("name") == a.metric else None},
        "metrics": {m: dict(zip(("direction", "meaning", "direction_source"), a.direction_of(m))) for m in a.metrics},
        "counts": a.runset.counts(),
        "configurations": [{
            "name": name, "profile": runs[0].profile, "overrides": runs[0].overrides,
            "runs": [r.name for r in runs], "seeds": [r.seed for r in runs], "n_runs": len(runs),
            "summary": {m: _summary_json(a.summaries[name][m]) for m in a.metrics},
            "majority_baseline": findings.majority_baseline(runs),
        } for name, runs in configs.items()],
        "runs": [{
            "run": r.name, "configuration": r.configuration, "profile": r.profile, "seed": r.seed,
            "status": r.info.get("status"), "duration_s": r.info.get("duration_s"), "identity": r.info.get("identity"),
            "overrides": r.overrides, "metrics": {m: _json_number(v) for m, v in r.metrics.items()},
            "path": _rel(r.path, a.experiment),
        } for runs in configs.values() for r in runs],
        "excluded": [{"run": e.name, "category": e.category, "reason": e.reason, "path": f"runs/{e.name}"}
                     for e in a.runset.excluded],
        "comparisons": a.comparisons,
        "hints": a.hints,
        "criteria": a.criteria,
        "hypotheses": a.hypotheses,
        "plots": plotted,
        "not_plotted": a.not_plotted,
    }


def _summary_json(s: Summary) -> dict[str, Any]:
    return {k: _json_number(v) for k, v in asdict(s).items()}


def _json_number(value: float | None) -> float | str | None:
    # all_results.json stays strict JSON: NaN and inf are written as strings, as metrics.jsonl does.
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def _rel(path: Path, exp: Experiment) -> str:
    return _relative(path, exp.root)


# --------------------------------------------------------------------------- terminal text
def format_analysis(a: Analysis) -> str:
    counts = a.runset.counts()
    where = f" of profile {a.runset.profile}" if a.runset.profile else ""
    lines = [f"{a.experiment.name}: {counts['included']} completed run(s){where} in {counts['configurations']} "
             f"configuration(s); left out {counts['excluded']} ({_excluded_text(counts)})"]
    for e in a.runset.excluded:
        lines.append(f"  - {e.name}: {e.category}: {e.reason}")
    better = {"higher": "higher is better", "lower": "lower is better"}.get(a.direction or "", "direction unknown")
    lines += ["", f"metric: {a.metric} ({better})"]
    for name, runs in a.configurations.items():
        seeds = ", ".join(str(r.seed) for r in runs if r.seed is not None) or "unknown"
        lines += ["", f"{name}  (profile {runs[0].profile}; seeds {seeds})"]
        for m in a.metrics:
            s = a.summaries[name][m]
            lines.append(f"  {m}: {_cell(s)}" + ("   <- metric" if m == a.metric and len(a.metrics) > 1 else ""))
    if a.comparisons:
        lines += ["", "significance (paired by seed):"]
        lines += [f"  {c['note']}" for c in a.comparisons]
    if a.hints:
        lines += ["", "hints:"]
        lines += [f"  ! {h['message']}" for h in a.hints]
    for h in a.hypotheses:
        lines += ["", f"hypothesis: {h['claim']}: {h['verdict'].upper()}", f"  {h['summary']}"]
        lines += [f"  ! {why}" for why in h["reasons"]]
    for c in a.criteria:
        lines += ["", f"success criterion: {c['criterion']}"]
        if c.get("note"):
            lines.append(f"  {c['note']}")
        for r in c["results"]:
            lines.append(f"  {r['configuration']}: {r['verdict'].upper()}: {r['summary']} "
                         f"({r['runs_meeting']} of {r['runs']} runs meet it on their own)")
    shown = [_rel(p, a.experiment) for p in a.files]
    lines += ["", f"wrote {', '.join(shown)}"]
    if a.not_plotted:
        lines.append("not plotted: " + "; ".join(f"{m} ({why})" for m, why in a.not_plotted.items()))
    return "\n".join(lines)


def _cell(s: Summary) -> str:
    text = f"{mean_std(s.mean, s.std)} (n={s.n})"
    if s.nonfinite:
        text += f"  [{s.nonfinite} NaN/inf not averaged]"
    return text
