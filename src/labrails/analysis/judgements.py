"""Judgements over aggregated results: significance between configurations, early-stop hints, and
whether the success criteria are met.

Each finding is a plain dict holding the numbers it was computed from, so all_results.json stores them
and the report can print them without computing anything itself.
"""

from __future__ import annotations

import math
import operator
import re
from typing import Any

from labrails.analysis import hypotheses, stats
from labrails.analysis.fmt import num, pvalue, signed, stat
from labrails.analysis.runset import RunResult, flatten, seedless
from labrails.core.errors import LabrailsError

ALPHA = 0.05  # the conventional threshold, stored with the results so reports can cite it
_LOWER_IS_BETTER = re.compile(r"loss|error|err$|perplexity|ppl|mse|mae|rmse|time|latency|_s$", re.I)
_HIGHER_IS_BETTER = re.compile(r"acc|f1|auc|precision|recall|score|iou|bleu|rouge|r2", re.I)
_ACCURACY = re.compile(r"(^|[_\-.])acc(uracy)?($|[_\-.@])", re.I)
_CRITERION = re.compile(r"^\s*(?P<metric>[A-Za-z_][\w.\-]*)\s*(?P<op>>=|<=|==|>|<|≥|≤)\s*"
                        r"(?P<value>[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*(?P<pct>%)?\s*$")
_OPS = {">=": operator.ge, "≥": operator.ge, ">": operator.gt, "<=": operator.le, "≤": operator.le, "<": operator.lt,
        "==": operator.eq}


def metric_direction(name: str, primary: dict[str, Any], runs: list[RunResult]) -> tuple[str | None, str, str]:
    """(direction, meaning, where it came from): spec.yaml, then run.json metric_meanings, then the name."""
    if primary.get("name") == name and primary.get("direction") in ("higher", "lower"):
        return primary["direction"], str(primary.get("meaning") or ""), "spec.yaml"
    for run in runs:
        described = (run.info.get("metric_meanings") or {}).get(name)
        if described and described.get("direction") in ("higher", "lower"):
            return described["direction"], str(described.get("meaning") or ""), f"runs/{run.name}/run.json"
    if _LOWER_IS_BETTER.search(name):
        return "lower", "", "guessed from the name"
    if _HIGHER_IS_BETTER.search(name):
        return "higher", "", "guessed from the name"
    return None, "", "unknown"


def is_accuracy_like(name: str) -> bool:
    return bool(_ACCURACY.search(name))


# --------------------------------------------------------------------------- trivial baseline
def majority_baseline(runs: list[RunResult]) -> dict[str, Any] | None:
    """Accuracy of always predicting the most common class, from the first run's data.json class_counts.

    The counts are those of the training data the run recorded, so this estimates what a model that
    learned nothing but the label frequencies scores.
    """
    for run in runs:
        found = stats.majority_class((run.data or {}).get("class_counts"))
        if found is not None:
            label, count, total = found
            return {"value": count / total, "class": label, "count": count, "total": total,
                    "source": f"runs/{run.name}/data.json"}
    return None


# --------------------------------------------------------------------------- significance
def compare(configs: dict[str, list[RunResult]], metric: str, baseline: str | None) -> list[dict[str, Any]]:
    """Each configuration against its profile's baseline, paired by seed.

    Only configurations of the same profile are compared: a de-risk run answers a different question
    (a subset, few epochs) than the full runs. The baseline is the first configuration run in each
    profile, or the one named.
    """
    if baseline is not None and baseline not in configs:
        raise LabrailsError(f"no configuration named '{baseline}'", fix=f"use one of: {', '.join(configs)}")
    by_profile: dict[str, list[str]] = {}
    for name, runs in configs.items():
        by_profile.setdefault(runs[0].profile if runs else "", []).append(name)
    out = []
    for names in by_profile.values():
        if len(names) < 2:
            continue
        base_name = baseline if baseline in names else names[0]
        base = _by_seed(configs[base_name], metric)
        for name in names:
            if name == base_name:
                continue
            other = _by_seed(configs[name], metric)
            seeds = sorted(set(base) & set(other))
            record: dict[str, Any] = {"baseline": base_name, "configuration": name, "metric": metric, "seeds": seeds,
                                      "n": len(seeds), "alpha": ALPHA}
            if len(seeds) < 2:
                record["note"] = (f"{len(seeds)} seed(s) shared with {base_name}: a paired test needs at least 2; "
                                  "run both configurations with the same seeds")
                out.append(record)
                continue
            test = stats.compare_paired([base[s] for s in seeds], [other[s] for s in seeds])
            record.update(mean_diff=test.mean_diff, sd_diff=test.sd_diff, t=test.t, df=test.df, p_t=test.p_t,
                          p_permutation=test.p_permutation, min_p_permutation=test.min_p_permutation,
                          seeds_needed_for_alpha=_seeds_needed(ALPHA))
            record["note"] = _significance_note(record)
            out.append(record)
    return out


def _by_seed(runs: list[RunResult], metric: str) -> dict[int, float]:
    return {r.seed: r.metrics[metric] for r in runs
            if r.seed is not None and metric in r.metrics and math.isfinite(r.metrics[metric])}


def _seeds_needed(alpha: float) -> int:
    n = 1
    while 2.0 / 2**n > alpha:
        n += 1
    return n


def _significance_note(c: dict[str, Any]) -> str:
    seeds = ", ".join(str(s) for s in c["seeds"])
    text = (f"{c['configuration']} vs {c['baseline']} on {c['metric']} over {c['n']} paired seeds ({seeds}): "
            f"mean difference {signed(c['mean_diff'])}")
    if c.get("sd_diff") is not None:
        text += f" (sd {num(c['sd_diff'])})"
    text += f"; paired t-test t={stat(c['t'])}, df={c['df']}, p={pvalue(c['p_t'])}"
    if c.get("sd_diff") == 0.0:
        text += " (every seed changed by exactly the same amount, so the t-test has no spread to test against)"
    if c.get("p_permutation") is not None:
        text += (f"; exact sign-flip permutation p={pvalue(c['p_permutation'])}. With n={c['n']} seeds the smallest "
                 f"possible permutation p is {pvalue(c['min_p_permutation'])}")
        if c["min_p_permutation"] > c["alpha"]:
            text += (f", so the permutation test cannot reach p<{pvalue(c['alpha'])} however large the effect "
                     f"(that needs {c['seeds_needed_for_alpha']} seeds)")
    return text + "."


# --------------------------------------------------------------------------- early-stop hints
def early_stop_hints(configs: dict[str, list[RunResult]], summaries: dict[str, dict[str, stats.Summary]], metric: str,
                     direction: str | None) -> list[dict[str, Any]]:
    """Configurations not worth more seeds: below a trivial baseline, or no better than the one before."""
    hints: list[dict[str, Any]] = []
    if direction is None:
        return [{"kind": "no_direction", "metric": metric,
                 "message": f"{metric}: which way is better is unknown, so no early-stop hints",
                 "fix": "state it in spec.yaml (metrics.primary.direction) or with run.describe_metric(...)"}]
    sign = 1.0 if direction == "higher" else -1.0
    previous: dict[str, str] = {}  # profile -> the configuration run before this one
    for name, runs in configs.items():
        s = summaries[name].get(metric)
        if s is None or s.mean is None:
            continue
        if direction == "higher" and is_accuracy_like(metric):
            base = majority_baseline(runs)
            if base is not None and s.mean <= base["value"]:
                hints.append({"kind": "below_trivial_baseline", "configuration": name, "metric": metric,
                              "mean": s.mean, "baseline": base,
                              "message": f"{name}: mean {metric} {num(s.mean)} is at or below the majority-class "
                                         f"baseline {num(base['value'])} (class {base['class']}: {base['count']} of "
                                         f"{base['total']} rows in data.json class_counts)"})
        profile = runs[0].profile
        before = previous.get(profile)
        previous[profile] = name
        if before is None:
            continue
        b = summaries[before].get(metric)
        if b is None or b.mean is None:
            continue
        pooled = stats.pooled_std(s, b)
        gain = sign * (s.mean - b.mean)
        if pooled is None:
            hints.append({"kind": "noise_unknown", "configuration": name, "previous": before, "metric": metric,
                          "message": f"{name} vs {before}: one seed each, so the noise is unknown; run more seeds "
                                     "before comparing"})
        elif gain <= pooled:
            verdict = f"worse than {before}" if gain < -pooled else f"no better than {before} within noise"
            hints.append({"kind": "no_better_than_previous", "configuration": name, "previous": before,
                          "metric": metric, "difference": s.mean - b.mean, "pooled_std": pooled,
                          "message": f"{name}: {verdict} ({metric} difference {signed(s.mean - b.mean)}, {direction} "
                                     f"is better; pooled std {num(pooled)})"})
    return hints


def consistency_hints(configs: dict[str, list[RunResult]]) -> list[dict[str, Any]]:
    """Runs grouped as one configuration whose resolved config.yaml differs in more than the seed."""

    hints = []
    for name, runs in configs.items():
        # Fast path: configs equal to the first one in every top-level key but a seed agree on everything else
        # (dict equality runs in C); only a configuration that fails it is compared key by key below.
        if _same_but_seed(runs):
            continue
        flat = [seedless(flatten(r.config), r.seed) for r in runs]
        keys = sorted({k for f in flat for k in f})
        differing = [k for k in keys if len({repr(f.get(k)) for f in flat}) > 1]
        if differing:
            hints.append({"kind": "mixed_configuration", "configuration": name, "keys": differing,
                          "message": f"{name}: its runs differ in config.yaml beyond the seed ({', '.join(differing)}); "
                                     "they are averaged together only because name, profile and overrides match"})
    return hints


def _same_but_seed(runs: list[RunResult]) -> bool:
    first = runs[0].config
    keys = [k for k in first if not (str(k).lower() == "seed" or str(k).lower().endswith("_seed"))]
    for r in runs[1:]:
        if r.config.keys() != first.keys() or any(r.config[k] != first[k] for k in keys):
            return False
    return True


def nan_hints(configs: dict[str, list[RunResult]], metric: str) -> list[dict[str, Any]]:
    hints = []
    for name, runs in configs.items():
        bad = [r.name for r in runs if metric in r.metrics and not math.isfinite(r.metrics[metric])]
        missing = [r.name for r in runs if metric not in r.metrics]
        if bad:
            hints.append({"kind": "nonfinite", "configuration": name, "metric": metric, "runs": bad, "count": len(bad),
                          "message": f"{name}: {metric} is NaN or infinite in {len(bad)} run(s) ({', '.join(bad)}); "
                                     "mean and std use the finite values only"})
        if missing:
            hints.append({"kind": "missing_metric", "configuration": name, "metric": metric, "runs": missing,
                          "count": len(missing),
                          "message": f"{name}: {len(missing)} run(s) have no {metric} in metrics.json ({', '.join(missing)})"})
    return hints


# --------------------------------------------------------------------------- de-risk runs
DERISK_PROFILES = ("de-risk", "derisk", "smoke")


def set_aside_derisk(runset: Any, profile: str | None) -> None:
    """De-risk runs show the pipeline works; they are not results. Unless asked for (``--profile de-risk``) or
    the only runs there are, they leave the analysis as excluded runs, with that reason."""
    if profile is not None:
        return
    derisk = [r for r in runset.included if r.profile in DERISK_PROFILES]
    if not derisk or len(derisk) == len(runset.included):
        return
    from labrails.analysis.runset import Excluded

    runset.included = [r for r in runset.included if r not in derisk]
    runset.excluded += [Excluded(r.name, "other_profile", f"a {r.profile} run: evidence that the pipeline works, not a "
                                                          f"result (analyze it with --profile {r.profile})"
                                                          + ("; its review FAILED (see its review.md)"
                                                             if hypotheses.review_failed(r) else ""))
                        for r in derisk]


def doubt_hints(configs: dict[str, list[RunResult]]) -> list[dict[str, Any]]:
    """Reasons to doubt a configuration's numbers (still improving, early stop never fired, failed review)."""
    return [d for name, runs in configs.items() for d in hypotheses.doubts(name, runs)]


# --------------------------------------------------------------------------- success criteria
def parse_criterion(text: str) -> dict[str, Any] | None:
    """``test_accuracy >= 0.95`` (or ``>= 95%``) -> metric, operator, threshold; None when not of that form."""
    m = _CRITERION.match(str(text))
    if not m:
        return None
    value = float(m["value"])
    return {"metric": m["metric"], "op": m["op"], "threshold": value / 100 if m["pct"] else value,
            "stated": m["value"] + (m["pct"] or "")}


def evaluate_criteria(criteria: list[str], configs: dict[str, list[RunResult]],
                      summaries: dict[str, dict[str, stats.Summary]]) -> list[dict[str, Any]]:
    out = []
    for text in criteria:
        parsed = parse_criterion(text)
        record: dict[str, Any] = {"criterion": text, "parsed": parsed, "results": []}
        if parsed is None:
            record["note"] = "not written as `metric op number`, so it cannot be checked mechanically"
            out.append(record)
            continue
        test = _OPS[parsed["op"]]
        claim = hypotheses.parse(f"{parsed['metric']} {parsed['op']} {parsed['threshold']!r}")
        for name, runs in configs.items():
            s = summaries[name].get(parsed["metric"])
            if s is None or s.mean is None:
                continue
            values = [r.metrics[parsed["metric"]] for r in runs if parsed["metric"] in r.metrics]
            record["results"].append({
                "configuration": name, "mean": s.mean, "n": s.n, "met": bool(test(s.mean, parsed["threshold"])),
                "runs": len(values), "runs_meeting": sum(1 for v in values if math.isfinite(v) and test(v, parsed["threshold"])),
            })
            judged = hypotheses.evaluate([claim], {name: runs})[0]
            record["results"][-1].update(verdict=judged["verdict"], summary=judged["summary"], reasons=judged["reasons"],
                                         low=judged.get("low"), high=judged.get("high"))
        if not record["results"]:
            record["note"] = f"no included run logged {parsed['metric']}"
        out.append(record)
    return out
