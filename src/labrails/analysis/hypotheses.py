"""What the experiment set out to test, judged from its runs: supported, not supported, or inconclusive.

spec.yaml's ``hypotheses:`` list states each claim before the runs, with what counts as evidence::

    hypotheses:
      - claim: "full-mlp > full-logreg on test_accuracy"   # superiority, paired over the shared seeds
        min_effect: 0.0                                    # the smallest difference that matters
        alpha: 0.05                                        # one-sided significance level
      - claim: "full-mlp >= full-logreg on test_accuracy"  # non-inferiority
        margin: 0.01                                       # A may be worse than B by less than this
      - claim: "full-mlp: test_accuracy >= 0.95"           # a threshold on one configuration

``>``/``<`` say which way the claimed configuration is better; ``>=``/``<=`` between configurations is
non-inferiority. A threshold without a configuration (``test_accuracy >= 0.95``, as success_criteria are
written) is judged for each configuration.

The verdict:

- *supported*: the one-sided (1 - alpha) bound of the paired difference (or of the mean, for a
  threshold) clears the minimum effect, the margin or the threshold;
- *not supported*: it does not, and nothing below makes the numbers doubtful; for a threshold, the whole
  interval is on the wrong side;
- *inconclusive*: too few seeds to test, a threshold inside the interval (one seed of an accuracy gets
  its Wilson interval), or a reason to doubt the runs themselves: a configuration still improving at its
  last epoch, early stopping that never fired, a failed review, very different training budgets.
  The numbers are still given, with what the test alone would have said.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from labrails.analysis import stats
from labrails.analysis.fmt import num, pvalue, signed
from labrails.analysis.runset import RunResult
from labrails.core.errors import LabrailsError

ALPHA = 0.05
SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE = "supported", "not supported", "inconclusive"
BUDGET_RATIO = 3.0  # configurations whose epochs differ by this factor were not given a comparable budget

_NAME = r"[A-Za-z_][\w.\-]*"
_OP = r">=|<=|>|<|≥|≤"
_COMPARISON = re.compile(rf"^\s*(?P<a>{_NAME})\s*(?P<op>{_OP})\s*(?P<b>{_NAME})\s+on\s+(?P<metric>{_NAME})\s*$")
_THRESHOLD = re.compile(rf"^\s*(?:(?P<config>{_NAME})\s*:\s*)?(?P<metric>{_NAME})\s*(?P<op>{_OP})\s*"
                        r"(?P<value>[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*(?P<pct>%)?\s*$")
_CANON = {"≥": ">=", "≤": "<="}


@dataclass(frozen=True)
class Hypothesis:
    claim: str
    kind: str  # superiority | noninferiority | threshold
    metric: str
    op: str
    a: str | None = None  # the configuration the claim is about
    b: str | None = None  # the one it is compared with
    threshold: float | None = None
    min_effect: float = 0.0
    margin: float = 0.0
    alpha: float = ALPHA
    name: str = ""

    @property
    def sign(self) -> float:
        return 1.0 if self.op in (">", ">=") else -1.0


def parse(item: Any, where: str = "hypotheses", path: Any = "spec.yaml") -> Hypothesis:
    """One spec.yaml item (a mapping with ``claim``, or the claim as a string) -> a Hypothesis."""
    item = {"claim": item} if isinstance(item, str) else dict(item or {})
    claim = str(item.get("claim") or "").strip()
    common = {"claim": claim, "alpha": float(item.get("alpha") or ALPHA), "name": str(item.get("name") or claim),
              "min_effect": float(item.get("min_effect") or 0.0), "margin": float(item.get("margin") or 0.0)}
    m = _COMPARISON.match(claim)
    if m:
        op = _CANON.get(m["op"], m["op"])
        kind = "superiority" if op in (">", "<") else "noninferiority"
        return Hypothesis(kind=kind, metric=m["metric"], op=op, a=m["a"], b=m["b"], **common)
    m = _THRESHOLD.match(claim)
    if m:
        value = float(m["value"]) / (100 if m["pct"] else 1)
        return Hypothesis(kind="threshold", metric=m["metric"], op=_CANON.get(m["op"], m["op"]), a=m["config"],
                          threshold=value, **common)
    raise LabrailsError(f"{where}.claim {claim!r} is not a claim labrails can test", path=path,
                        fix="write 'A > B on METRIC' (superiority), 'A >= B on METRIC' with margin: (non-inferiority) "
                            "or 'A: METRIC >= 0.95' (a threshold), with configuration names as `labrails analyze` "
                            "prints them (full-<name>)")


def from_spec(spec: Any) -> list[Hypothesis]:
    """spec.yaml's hypotheses (a loaded Spec), leaving out claims still reading TODO."""
    items = spec.raw.get("hypotheses") or []
    return [parse(item, f"hypotheses[{i}]", spec.path) for i, item in enumerate(items)
            if not str((item or {}).get("claim") if isinstance(item, dict) else item).strip().upper().startswith("TODO")]


# --------------------------------------------------------------------------- intervals
def t_quantile(p: float, df: int) -> float:
    """The p-quantile of Student's t (p > 0.5), by bisection on the exact cdf."""
    low, high = 0.0, 1e3
    for _ in range(200):
        mid = (low + high) / 2
        if stats.t_cdf(mid, df) < p:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def mean_bounds(values: list[float], alpha: float) -> tuple[float, float] | None:
    """The one-sided (1 - alpha) lower and upper bounds of a mean (together a 1 - 2*alpha interval)."""
    s = stats.summarize(values)
    if s.n < 2 or s.std is None:
        return None
    half = t_quantile(1 - alpha, s.n - 1) * s.std / math.sqrt(s.n)
    return s.mean - half, s.mean + half


def wilson(p: float, n: int, alpha: float) -> tuple[float, float]:
    z = _normal_quantile(1 - alpha)
    centre, denom = p + z * z / (2 * n), 1 + z * z / n
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / denom, (centre + half) / denom


def _normal_quantile(p: float) -> float:
    low, high = 0.0, 10.0
    for _ in range(100):
        mid = (low + high) / 2
        if 0.5 * math.erfc(-mid / math.sqrt(2)) < p:
            low = mid
        else:
            high = mid
    return (low + high) / 2


# --------------------------------------------------------------------------- reasons to doubt the runs
def doubts(name: str, runs: list[RunResult]) -> list[dict[str, Any]]:
    """Why a configuration's numbers may not be its best: still improving, early stopping never fired, a failed review."""
    from labrails.review.checks.convergence import convergence

    out = []
    seen = {r.name: convergence(r.metrics, r.config) for r in runs}
    judged = [r for r in runs if seen[r.name]["still_improving"] is not None]
    at_last = [r for r in judged if seen[r.name]["still_improving"]]
    if judged and len(at_last) * 2 > len(judged):
        mean_best = sum(seen[r.name]["best_epoch"] for r in judged) / len(judged)
        mean_run = sum(seen[r.name]["epochs_run"] for r in judged) / len(judged)
        out.append({"kind": "still_improving", "configuration": name, "runs": [r.name for r in at_last],
                    "message": f"{name} was still improving when training ended: its best epoch was the last one in "
                               f"{len(at_last)} of {len(judged)} runs (mean best epoch {num(mean_best)} of "
                               f"{num(mean_run)}); train it longer before comparing"})
    capped = [r for r in runs if seen[r.name]["early_stop_never"]]
    if not out and capped and all(seen[r.name]["early_stop_never"] is not None for r in runs) and len(capped) == len(runs):
        out.append({"kind": "early_stop_never", "configuration": name, "runs": [r.name for r in capped],
                    "message": f"{name}: early stopping never triggered (all {len(capped)} runs ran the full "
                               f"{num(seen[capped[0].name]['max_epochs'])} epochs), so a longer budget may still change it"})
    failed = [r.name for r in runs if review_failed(r)]
    if failed:
        out.append({"kind": "review_failed", "configuration": name, "runs": failed,
                    "message": f"{name}: the review found blockers in {len(failed)} of {len(runs)} runs "
                               f"({', '.join(failed)}); see each run's review.md"})
    return out


def budget_doubt(a: str, runs_a: list[RunResult], b: str, runs_b: list[RunResult]) -> dict[str, Any] | None:
    """Very different training budgets (epochs run, as metrics.json records them) between two configurations."""
    ea, eb = _budget(runs_a), _budget(runs_b)
    if not ea or not eb:
        return None
    ratio = max(ea, eb) / min(ea, eb)
    if ratio < BUDGET_RATIO:
        return None
    return {"kind": "budget", "configurations": [a, b], "ratio": ratio,
            "message": f"{a} and {b} had very different training budgets ({num(ea)} vs {num(eb)} epochs on average, "
                       f"{ratio:.1f}x); give both a comparable budget and tuning before comparing"}


def _budget(runs: list[RunResult]) -> float | None:
    values = [_number(r.metrics.get("epochs_run")) for r in runs]  # what was trained, not what a config allowed
    values = [v for v in values if v]
    return sum(values) / len(values) if values else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) else None


def review_failed(run: RunResult) -> bool:
    """The run's review.json found blockers (False when it was not reviewed)."""
    import json

    path = run.path / "review.json"
    try:
        review = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if "passed" in review:
        return not review["passed"]
    return bool(review.get("blockers"))


# --------------------------------------------------------------------------- verdicts
def evaluate(hypotheses: list[Hypothesis], configs: dict[str, list[RunResult]]) -> list[dict[str, Any]]:
    doubt_of = {name: doubts(name, runs) for name, runs in configs.items()}
    out = []
    for h in hypotheses:
        if h.kind == "threshold":
            names = [h.a] if h.a else list(configs)
            out += [_threshold(h, name, configs.get(name), doubt_of.get(name, [])) for name in names]
        else:
            out.append(_comparison(h, configs, doubt_of))
    return out


def _missing(h: Hypothesis, names: list[str], configs: dict[str, list[RunResult]]) -> dict[str, Any] | None:
    absent = [n for n in names if n not in configs]
    if not absent:
        return None
    return _record(h, INCONCLUSIVE, f"no completed runs of {', '.join(absent)} (configurations analysed: "
                                    f"{', '.join(configs) or 'none'})", reasons=[])


def _record(h: Hypothesis, verdict: str, summary: str, *, reasons: list[dict[str, Any]], **numbers: Any) -> dict[str, Any]:
    return {"name": h.name, "claim": h.claim, "kind": h.kind, "metric": h.metric, "a": h.a, "b": h.b,
            "threshold": h.threshold, "min_effect": h.min_effect, "margin": h.margin, "alpha": h.alpha,
            "verdict": verdict, "summary": summary, "reasons": [r["message"] for r in reasons], **numbers}


def _comparison(h: Hypothesis, configs: dict[str, list[RunResult]], doubt_of: dict[str, list]) -> dict[str, Any]:
    missing = _missing(h, [h.a, h.b], configs)
    if missing:
        return missing
    by_a, by_b = _by_seed(configs[h.a], h.metric), _by_seed(configs[h.b], h.metric)
    seeds = sorted(set(by_a) & set(by_b))
    reasons = doubt_of[h.a] + doubt_of[h.b]
    budget = budget_doubt(h.a, configs[h.a], h.b, configs[h.b])
    reasons += [budget] if budget else []
    if len(seeds) < 2:
        return _record(h, INCONCLUSIVE, f"{len(seeds)} seed(s) shared by {h.a} and {h.b}: a paired test needs at least 2",
                       reasons=reasons, seeds=seeds, n=len(seeds))
    a_vals, b_vals = [by_a[s] for s in seeds], [by_b[s] for s in seeds]
    diffs = [h.sign * (x - y) for x, y in zip(a_vals, b_vals)]  # positive: in the claimed direction
    test = stats.compare_paired(b_vals, a_vals)  # a - b, two-sided
    low, _ = mean_bounds(diffs, h.alpha) or (math.nan, math.nan)
    need = h.min_effect if h.kind == "superiority" else -h.margin
    shifted = stats.summarize([d - need for d in diffs])
    if shifted.std:
        t_one = shifted.mean / (shifted.std / math.sqrt(shifted.n))
        p_one = 1.0 - stats.t_cdf(t_one, shifted.n - 1)
    else:
        p_one = 0.0 if shifted.mean > 0 else 1.0
    passed = p_one < h.alpha
    mean_a, mean_b = stats.summarize(a_vals).mean, stats.summarize(b_vals).mean
    what = (f"{h.a} {h.op} {h.b} on {h.metric} by more than {num(h.min_effect)}" if h.kind == "superiority"
            else f"{h.a} no worse than {h.b} on {h.metric} by {num(h.margin)} or more")
    numbers = (f"{h.a} {num(mean_a)} vs {h.b} {num(mean_b)} over {len(seeds)} paired seeds; mean difference "
               f"{signed(test.mean_diff)}; paired t-test p={pvalue(test.p_t)} (two-sided), one-sided p={pvalue(p_one)} "
               f"against {num(need)}; one-sided {num(100 * (1 - h.alpha))}% bound of the difference in the claimed "
               f"direction {num(low)}")
    test_says = SUPPORTED if passed else NOT_SUPPORTED
    verdict = INCONCLUSIVE if reasons else test_says
    summary = f"{what}: {numbers}"
    if reasons:
        summary += f"; the test alone says {test_says}, but the runs give reason to doubt it"
    return _record(h, verdict, summary, reasons=reasons, seeds=seeds, n=len(seeds), mean_a=mean_a, mean_b=mean_b,
                   mean_diff=test.mean_diff, sd_diff=test.sd_diff, t=test.t, df=test.df, p_t=test.p_t,
                   p_one_sided=p_one, p_permutation=test.p_permutation, bound=low, test_says=test_says)


def _threshold(h: Hypothesis, name: str, runs: list[RunResult] | None, reasons: list[dict[str, Any]]) -> dict[str, Any]:
    h = Hypothesis(**{**h.__dict__, "a": name})
    if runs is None:
        return _missing(h, [name], {}) or {}
    values = [r.metrics[h.metric] for r in runs if _number(r.metrics.get(h.metric)) is not None]
    if not values:
        return _record(h, INCONCLUSIVE, f"no run of {name} logged {h.metric}", reasons=reasons, n=0)
    mean = sum(values) / len(values)
    bounds, how = mean_bounds(values, h.alpha), f"one-sided {num(100 * (1 - h.alpha))}% t bounds over {len(values)} seeds"
    if bounds is None:
        n_test = _number(runs[0].metrics.get("n_test"))
        if n_test and 0.0 <= mean <= 1.0 and "acc" in h.metric.lower():
            bounds, how = wilson(mean, int(n_test), h.alpha), f"Wilson bounds on {int(n_test)} test examples, one seed"
    above = h.op in (">", ">=")
    meets = mean >= h.threshold if h.op == ">=" else mean > h.threshold if h.op == ">" else \
        mean <= h.threshold if h.op == "<=" else mean < h.threshold
    if bounds is None:
        verdict, why = INCONCLUSIVE, f"one seed and no interval: the noise is unknown (the mean {'meets' if meets else 'misses'} it)"
    else:
        low, high = bounds
        sure_yes = low > h.threshold if above else high < h.threshold
        sure_no = high < h.threshold if above else low > h.threshold
        verdict = SUPPORTED if sure_yes else NOT_SUPPORTED if sure_no else INCONCLUSIVE
        why = f"interval [{num(low)}, {num(high)}] ({how})" + (" crosses the threshold" if verdict == INCONCLUSIVE else "")
    test_says = verdict
    if reasons and verdict != INCONCLUSIVE:
        verdict = INCONCLUSIVE
        why += f"; alone it would be {test_says}, but the runs give reason to doubt it"
    summary = f"{name}: {h.metric} {h.op} {num(h.threshold)}: mean {num(mean)} over {len(values)} seed(s); {why}"
    return _record(h, verdict, summary, reasons=reasons, configuration=name, n=len(values), mean=mean,
                   low=bounds[0] if bounds else None, high=bounds[1] if bounds else None, meets_on_mean=bool(meets),
                   test_says=test_says)


def _by_seed(runs: list[RunResult], metric: str) -> dict[int, float]:
    return {r.seed: float(r.metrics[metric]) for r in runs
            if r.seed is not None and _number(r.metrics.get(metric)) is not None}
