"""``labrails report``: REPORT.md, a scientific report written only from files the runs and the analysis left.

The report runs the analysis first, then reads analysis/all_results.json, the runs' data.json and
config.yaml, spec.yaml, JOURNAL.md and IGNORED_RUNS.md. It computes nothing itself: every number is
printed (rounded) from one of those files, each table names its source, and everything quoted from a
person or a log is a blockquote copied verbatim, so ``labrails report check`` can trace all of it.
Conclusions are stated mechanically from spec.yaml's hypotheses and success criteria, verdict first
(supported, not supported, inconclusive; see labrails.analysis.hypotheses); there is no editorializing.
The key numbers carry their source as a link target (``[0.9310](config:full-mlp#test_accuracy.mean)``)
that ``labrails report check`` resolves.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from labrails.analysis.analyze import OUT_DIR, analyze
from labrails.analysis.fmt import mean_std, num, pvalue, signed
from labrails.analysis.report_check import check_report
from labrails.analysis.runset import flatten, read_config, seedless
from labrails.core.errors import LabrailsError
from labrails.core.experiment import Experiment, find_experiment
from labrails.core.fsutil import read_json, write_atomic
from labrails.core.journal import entries
from labrails.core.spec import load_spec
from labrails.core.templating import render

REPORT = "REPORT.md"
HIGHLIGHT_TAGS = ("WEIRD", "RESOLVED", "ASSUMPTION")
_BETTER = {"higher": "higher is better", "lower": "lower is better"}


def report(experiment: Experiment | Path | str | None = None, *, metric: str | None = None, profile: str | None = None,
           baseline: str | None = None) -> Path:
    """Analyze the experiment, then write REPORT.md at its root; returns the path."""
    exp = experiment if isinstance(experiment, Experiment) else find_experiment(experiment)
    analyze(exp, metric=metric, profile=profile, baseline=baseline)

    text = re.sub(r"\n{3,}", "\n\n", render("report.md.j2", **report_context(exp)))  # template blocks leave gaps
    path = exp.root / REPORT
    write_atomic(path, text)
    return path


def check(experiment: Experiment | Path | str | None = None):
    """Trace every number in REPORT.md to a logged value; see labrails.analysis.report_check."""

    exp = experiment if isinstance(experiment, Experiment) else find_experiment(experiment)
    return check_report(exp)


# --------------------------------------------------------------------------- context
def report_context(exp: Experiment) -> dict[str, Any]:
    record = read_json(exp.root / OUT_DIR / "all_results.json")
    runs = {r["run"]: r for r in record["runs"]}
    configs = record["configurations"]
    metric = record["metric"]
    return {
        "name": exp.name,
        "generated_at": record["generated_at"],
        "abstract": _abstract(record),
        "intro": _introduction(exp, metric),
        "data": _data_rows(exp, configs),
        "configurations": [{"name": c["name"], "profile": c["profile"], "overrides": _overrides(c["overrides"]),
                            "seeds": ", ".join(str(s) for s in c["seeds"] if s is not None) or "not recorded",
                            "runs": c["n_runs"]} for c in configs],
        "settings": _settings(exp, configs),
        "primary": _primary_table(record),
        "metrics_table": _metrics_table(record),
        "comparisons": [c["note"] for c in record["comparisons"]],
        "hints": [h["message"] for h in record["hints"]],
        "plots": [{"metric": p["metric"], "path": p["path"], "sidecar": p["sidecar"]} for p in record["plots"]],
        "not_plotted": record["not_plotted"],
        "run_plots": _run_plots(exp, configs, runs),
        "journal": _journal(exp),
        "failures": [e | {"quote": _quote_of(exp, e).splitlines()} for e in record["excluded"]
                     if e["category"] in ("failed", "crashed")],
        "conclusion": _conclusion(record),
        "excluded": [e | {"quote": _quote_of(exp, e).splitlines()} for e in record["excluded"]],
        "counts": record["counts"],
    }


def cite(shown: str, source: str) -> str:
    """A number with where it came from, as a Markdown link `report check` resolves: ``[0.9310](config:full-mlp#test_accuracy.mean)``."""
    return f"[{shown}]({source})"


def _cited_mean_std(config: str, metric: str, s: dict[str, Any]) -> str:
    base = f"config:{config}#{metric}"
    if s.get("mean") is None:
        return "n/a"
    text = cite(num(_float(s["mean"])), base + ".mean")
    return text + (f" ± {cite(num(_float(s['std'])), base + '.std')}" if s.get("std") is not None else " (one value, no std)")


def _hypothesis_text(h: dict[str, Any], index: int) -> str:
    """A verdict with its numbers, each cited to all_results.json's hypotheses[index - 1]."""
    src = f"hypothesis:{index}"
    text = f"Hypothesis `{h['claim']}`" + (f" for {h['a']}" if h["kind"] == "threshold" and h["a"] not in h["claim"] else "")
    text += f": **{h['verdict']}**."
    if h["kind"] == "threshold" and h.get("mean") is not None:
        text += (f" {h['a']}: mean {h['metric']} {cite(num(h['mean']), src + '#mean')} over {cite(str(h['n']), src + '#n')} "
                 f"seed(s)")
        if h.get("low") is not None:
            text += f", interval [{cite(num(h['low']), src + '#low')}, {cite(num(h['high']), src + '#high')}]"
        text += f" against {h['op']} {num(h['threshold'])}."
    elif h.get("p_t") is not None:
        text += (f" {h['a']} {cite(num(h['mean_a']), src + '#mean_a')} vs {h['b']} {cite(num(h['mean_b']), src + '#mean_b')} "
                 f"over {cite(str(h['n']), src + '#n')} paired seeds: mean difference "
                 f"{cite(signed(h['mean_diff']), src + '#mean_diff')}, paired t-test p={cite(pvalue(h['p_t']), src + '#p_t')} "
                 f"(two-sided), one-sided p={cite(pvalue(h['p_one_sided']), src + '#p_one_sided')} at alpha "
                 f"{num(h['alpha'])}.")
    else:
        text += f" {h['summary']}."
    if h["reasons"]:
        text += f" The test alone says {h.get('test_says', 'nothing')}; reasons to doubt the runs: " + "; ".join(h["reasons"]) + "."
    return text


def _abstract(record: dict[str, Any]) -> str:
    counts, metric, configs = record["counts"], record["metric"], record["configurations"]
    text = " ".join(_hypothesis_text(h, i) for i, h in enumerate(record.get("hypotheses") or [], 1))
    text += (" " if text else "") + (
        f"This report covers {counts['included']} completed runs of experiment {record['experiment']} in "
        f"{counts['configurations']} configuration(s) (profile {', '.join(dict.fromkeys(c['profile'] for c in configs))}); "
        f"{counts['excluded']} run(s) were left out (listed at the end). The primary metric is {metric['name']} "
        f"({_BETTER.get(metric['direction'], 'direction unknown')}).")
    ranked = [c for c in configs if c["summary"][metric["name"]]["mean"] is not None]
    if metric["direction"] in _BETTER and ranked:
        best = (max if metric["direction"] == "higher" else min)(ranked, key=lambda c: c["summary"][metric["name"]]["mean"])
        s = best["summary"][metric["name"]]
        text += (f" The best configuration by mean, {best['name']}, reached a mean {metric['name']} of "
                 f"{_cited_mean_std(best['name'], metric['name'], s)} over {s['n']} seed(s)"
                 + (" (whether the differences exceed seed noise is under Comparisons)." if len(ranked) > 1 else "."))
        others = [c for c in ranked if c is not best]
        if others:
            text += " " + "; ".join(f"{c['name']} reached {_cited_mean_std(c['name'], metric['name'], c['summary'][metric['name']])} "
                                    f"(n={c['summary'][metric['name']]['n']})" for c in others) + "."
    for i, c in enumerate(record["criteria"], 1):
        if c["parsed"] is None or not c["results"]:
            continue
        text += f" Success criterion `{c['criterion']}`: " + "; ".join(
            f"{r.get('verdict', 'met' if r['met'] else 'not met')} for {r['configuration']}" for r in c["results"]) + "."
    return text


def _introduction(exp: Experiment, metric: dict[str, Any]) -> dict[str, Any]:
    spec = _spec_raw(exp)
    hypothesis = _stated(spec.get("hypothesis")) or _journal_section(exp, "Hypothesis")
    criteria = [str(c) for c in (spec.get("success_criteria") or []) if _stated(c)]
    criteria_source = "spec.yaml"
    if not criteria and _journal_section(exp, "Success criteria"):
        criteria = [line.lstrip("- ").strip() for line in _journal_section(exp, "Success criteria").splitlines() if line.strip()]
        criteria_source = "JOURNAL.md"
    return {"hypothesis": hypothesis, "hypothesis_source": "spec.yaml" if _stated(spec.get("hypothesis")) else "JOURNAL.md",
            "criteria": criteria, "criteria_source": criteria_source, "metric": metric["name"],
            "hypotheses": [str(h.get("claim") if isinstance(h, dict) else h) for h in spec.get("hypotheses") or []],
            "direction": _BETTER.get(metric["direction"], "direction unknown"), "direction_source": metric["direction_source"],
            "meaning": _stated(metric.get("meaning")),
            "expected_range": _range(metric.get("expected_range"))}


def _spec_raw(exp: Experiment) -> dict[str, Any]:
    if not exp.spec_path.is_file():
        return {}

    return load_spec(exp.spec_path).raw


def _stated(value: Any) -> str | None:
    """A filled-in text; None for a missing value or a TODO placeholder."""
    if value is None or not str(value).strip() or str(value).strip().upper().startswith("TODO"):
        return None
    return str(value).strip()


def _journal_section(exp: Experiment, title: str) -> str | None:
    if not exp.journal.is_file():
        return None
    lines, inside = [], False
    for line in exp.journal.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            inside = line[3:].strip() == title
            continue
        if inside and line.strip():
            lines.append(line.strip())
    return _stated("\n".join(lines))


def _range(value: Any) -> str | None:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return f"[{value[0]}, {value[1]}]"
    return None


def _overrides(overrides: dict[str, Any] | None) -> str:
    return ", ".join(f"{k}={json.dumps(v)}" for k, v in (overrides or {}).items()) or "none"


def _data_rows(exp: Experiment, configs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per distinct data.json (source, rows, fingerprint, split) among the included runs."""
    seen: dict[str, dict[str, Any]] = {}
    for c in configs:
        for run in c["runs"]:
            path = exp.runs_dir / run / "data.json"
            if not path.is_file():
                continue
            data = read_json(path)
            rows = ", ".join(f"{k} {v}" for k, v in (data.get("rows") or {}).items()) or "not recorded"
            split = data.get("split_file")
            row = {"source": data.get("source"), "rows": rows, "fingerprint": data.get("fingerprint"),
                   "fingerprint_recorded": bool(data.get("fingerprint")), "split_recorded": bool(split),
                   "split": _relative_to(split, exp.root) if split else None,
                   "split_sha256": data.get("split_sha256"), "synthetic": "yes" if data.get("synthetic") else "no",
                   "subset": data.get("subset")}
            key = json.dumps(row, sort_keys=True, default=str)
            if key in seen:
                seen[key]["runs"].append(run)
            else:
                seen[key] = row | {"runs": [run], "example": f"runs/{run}/data.json"}
    return list(seen.values())


def _relative_to(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).name if Path(path).is_absolute() else path


def _settings(exp: Experiment, configs: list[dict[str, Any]]) -> dict[str, Any]:
    """Resolved config.yaml values: those that differ between configurations, and those every run shares.

    The seed (and values that only embed it) is left out: it is listed with each configuration instead.
    """
    per_config: dict[str, dict[str, Any]] = {}
    all_flat = []
    for c in configs:
        flats = [seedless(flatten(read_config(exp.runs_dir / run / "config.yaml")), seed)
                 for run, seed in zip(c["runs"], c["seeds"])]
        all_flat += flats
        per_config[c["name"]] = flats[0] if flats else {}
    keys = list(dict.fromkeys(k for f in all_flat for k in f))
    differing = [k for k in keys if len({_setting(f.get(k)) for f in all_flat}) > 1]
    shared = [(k, _setting(all_flat[0].get(k))) for k in keys if k not in differing] if all_flat else []
    return {"names": [c["name"] for c in configs], "differing": [(k, [_setting(per_config[c["name"]].get(k)) for c in configs])
                                                                for k in differing], "shared": shared}


def _setting(value: Any) -> str:
    # The value exactly as config.yaml holds it, so it traces back without rounding.
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (dict, list)):
        return f"`{json.dumps(value)}`"
    if isinstance(value, str):
        return f"`{value}`"  # a path or name in a code span is a label, not a number to trace
    return "null" if value is None else str(value)


def _primary_table(record: dict[str, Any]) -> list[dict[str, Any]]:
    name = record["metric"]["name"]
    rows = []
    for c in record["configurations"]:
        s = c["summary"][name]
        rows.append({"configuration": c["name"], "n": s["n"], "mean_std": _cited_mean_std(c["name"], name, s),
                     "min": num(_float(s["min"])), "max": num(_float(s["max"])), "nonfinite": s["nonfinite"],
                     "baseline": num(c["majority_baseline"]["value"]) if c.get("majority_baseline") else "n/a"})
    return rows


def _metrics_table(record: dict[str, Any]) -> dict[str, Any]:
    metrics = list(record["metrics"])
    header = [f"{m} ({'↑' if record['metrics'][m]['direction'] == 'higher' else '↓' if record['metrics'][m]['direction'] == 'lower' else '?'})"
              for m in metrics]
    rows = []
    for c in record["configurations"]:
        cells = []
        for m in metrics:
            s = c["summary"][m]
            cell = mean_std(_float(s["mean"]), _float(s["std"]))
            if s["n"] != c["n_runs"]:
                cell += f" (n={s['n']})"
            if s["nonfinite"]:
                cell += f", {s['nonfinite']} NaN"
            cells.append(cell)
        rows.append({"configuration": c["name"], "n": c["n_runs"], "cells": cells})
    return {"header": header, "rows": rows}


def _float(value: Any) -> float | None:
    if value is None:
        return None
    return float(value)


def _run_plots(exp: Experiment, configs: list[dict[str, Any]], runs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The curves of the first run (lowest seed) of each configuration; drawn here from its logs when the
    run did not draw them itself (the scaffold's post_run.plots is off by default, to keep runs cheap)."""
    out = []
    for c in configs:
        if not c["runs"]:
            continue
        run = c["runs"][0]
        plots_dir = exp.runs_dir / run / "plots"
        images = sorted(p for p in plots_dir.glob("*") if p.suffix in (".webp", ".png")) if plots_dir.is_dir() else []
        if not images and (exp.runs_dir / run / "logs" / "metrics.jsonl").is_file():
            from labrails.analysis.plots import plot_run

            try:
                images = sorted(plot_run(exp.runs_dir / run))
            except LabrailsError:
                images = []  # nothing logged as a curve: the report says so by showing none
        if images:
            out.append({"configuration": c["name"], "run": run, "seed": runs[run]["seed"],
                        "images": [{"name": p.stem, "path": f"runs/{run}/plots/{p.name}"} for p in images],
                        "others": len(c["runs"]) - 1})
    return out


def _journal(exp: Experiment) -> list[str]:
    """[WEIRD] and [RESOLVED] entries, each exactly as JOURNAL.md has it (timestamp, tag, run, text)."""
    if not exp.journal.is_file():
        return []
    lines = exp.journal.read_text(encoding="utf-8").splitlines()
    return [lines[e.line - 1].strip()[2:] for e in entries(exp) if e.tag in HIGHLIGHT_TAGS]


def _quote_of(exp: Experiment, excluded: dict[str, Any]) -> str:
    """The words behind an exclusion, verbatim from IGNORED_RUNS.md or run.json."""
    if excluded["category"] == "ignored":
        from labrails.core.journal import ignored_runs

        return ignored_runs(exp).get(excluded["run"], "")
    if excluded["category"] in ("failed", "crashed"):
        try:
            error = read_json(exp.runs_dir / excluded["run"] / "run.json").get("error") or {}
        except (OSError, ValueError):
            return excluded["reason"]
        return ": ".join(str(x) for x in (error.get("type"), error.get("message")) if x)
    return ""


def _conclusion(record: dict[str, Any]) -> list[str]:
    lines = [_hypothesis_text(h, i) for i, h in enumerate(record.get("hypotheses") or [], 1)]
    for i, c in enumerate(record["criteria"], 1):
        if c["parsed"] is None or not c["results"]:
            lines.append(f"`{c['criterion']}`: {c['note']}.")
            continue
        parts = []
        for r in c["results"]:
            src = f"criterion:{i}/{r['configuration']}"
            part = (f"{r.get('verdict', 'met' if r['met'] else 'not met')} for {r['configuration']} (mean "
                    f"{cite(num(r['mean']), src + '#mean')} over {r['n']} seed(s)")
            if r.get("low") is not None:
                part += f", interval [{cite(num(r['low']), src + '#low')}, {cite(num(r['high']), src + '#high')}]"
            parts.append(part + f"; {r['runs_meeting']} of {r['runs']} runs meet it on their own)")
        lines.append(f"`{c['criterion']}`: " + "; ".join(parts) + ".")
        lines += [f"  {why}" for r in c["results"] for why in r.get("reasons") or []]
    return lines
