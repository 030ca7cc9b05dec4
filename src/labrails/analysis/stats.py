"""The statistics behind ``labrails analyze``: summaries over seeds and paired comparisons.

Written with the standard library only, so the numbers do not depend on which optional packages are
installed. Experiments have a handful of seeds, so every function is exact rather than asymptotic where
that is cheap: the permutation test enumerates all 2^n sign flips, and the Student t distribution is
computed from the regularized incomplete beta function (a continued fraction, as in Numerical Recipes
section 6.4) instead of a normal approximation that is badly wrong at 2-4 degrees of freedom.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product
from typing import Iterable, Sequence

MAX_EXACT_SEEDS = 16  # 2^16 sign flips enumerate in well under a second


@dataclass(frozen=True)
class Summary:
    """Mean and spread of one metric over runs. Non-finite values are counted, never averaged in."""

    n: int
    nonfinite: int
    mean: float | None
    std: float | None  # sample standard deviation (ddof=1); None with fewer than 2 finite values
    min: float | None
    max: float | None


def summarize(values: Iterable[float]) -> Summary:
    values = [float(v) for v in values]
    finite = [v for v in values if math.isfinite(v)]
    n = len(finite)
    if n == 0:
        return Summary(0, len(values), None, None, None, None)
    mean = math.fsum(finite) / n
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in finite) / (n - 1)) if n >= 2 else None
    return Summary(n, len(values) - n, mean, std, min(finite), max(finite))


def majority_class(class_counts: dict | None) -> tuple[str, int, int] | None:
    """(label, count, total) of the most common class, or None without usable counts.

    count/total is what a model scores by always answering that class: the floor any classifier must beat.
    """
    counts = {str(k): v for k, v in (class_counts or {}).items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    total = sum(counts.values())
    if total <= 0:
        return None
    label, count = max(counts.items(), key=lambda kv: kv[1])
    return label, count, total


def pooled_std(a: Summary, b: Summary) -> float | None:
    """sqrt(((n_a-1) s_a^2 + (n_b-1) s_b^2) / (n_a + n_b - 2)): the noise of one run, from both groups."""
    dof = a.n + b.n - 2
    if dof <= 0:
        return None
    sa, sb = (a.std or 0.0), (b.std or 0.0)
    return math.sqrt(((a.n - 1) * sa**2 + (b.n - 1) * sb**2) / dof)


# --------------------------------------------------------------------------- Student t distribution
def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta I_x(a, b), for a, b > 0 and 0 <= x <= 1."""
    if not (a > 0 and b > 0):
        raise ValueError(f"betainc needs a, b > 0 (got a={a}, b={b})")
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"betainc needs 0 <= x <= 1 (got {x})")
    if x == 0.0 or x == 1.0:
        return x
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    # The continued fraction converges fast only on this side of the mean; use the symmetry otherwise.
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def _beta_fraction(a: float, b: float, x: float, *, eps: float = 1e-15, max_terms: int = 10_000) -> float:
    tiny = 1e-300  # modified Lentz: keeps a zero denominator from stopping the recurrence
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, max_terms + 1):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            step = c * d
            h *= step
        if abs(step - 1.0) < eps:
            return h
    raise ArithmeticError(f"incomplete beta did not converge for a={a}, b={b}, x={x}")


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom."""
    if df <= 0:
        raise ValueError(f"degrees of freedom must be positive (got {df})")
    if math.isnan(t):
        return math.nan
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))  # P(T > |t|)
    return 1.0 - tail if t > 0 else tail


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|), computed directly so tiny p-values do not cancel to 0."""
    if math.isinf(t):
        return 0.0
    return betainc(df / 2.0, 0.5, df / (df + t * t))


# --------------------------------------------------------------------------- paired comparisons
@dataclass(frozen=True)
class PairedTest:
    """B minus A over the seeds both were run with."""

    n: int
    mean_diff: float
    sd_diff: float | None
    t: float | None
    df: int
    p_t: float | None  # two-sided paired t-test
    p_permutation: float | None  # two-sided exact sign-flip permutation test
    min_p_permutation: float | None  # the smallest p the permutation test can give with n pairs


def paired_t(a: Sequence[float], b: Sequence[float]) -> tuple[float | None, int, float | None]:
    """(t, df, two-sided p) of the paired t-test on b - a; t is None with fewer than 2 pairs."""
    diffs = _diffs(a, b)
    n = len(diffs)
    if n < 2:
        return None, max(n - 1, 0), None
    s = summarize(diffs)
    if s.std == 0.0:
        # Every seed moved by exactly the same amount: no spread to test against.
        return (0.0, n - 1, 1.0) if s.mean == 0.0 else (math.copysign(math.inf, s.mean), n - 1, 0.0)
    t = s.mean / (s.std / math.sqrt(n))
    return t, n - 1, t_two_sided_p(t, n - 1)


def sign_flip_p(diffs: Sequence[float]) -> float | None:
    """Exact two-sided p of the paired permutation test: under 'no difference' each pair's sign is a
    coin flip, so p is the share of all 2^n sign assignments whose |sum| is at least the observed one."""
    diffs = [float(d) for d in diffs]
    n = len(diffs)
    if n == 0 or n > MAX_EXACT_SEEDS:
        return None
    observed = abs(math.fsum(diffs))
    tolerance = 1e-9 * max(1.0, sum(abs(d) for d in diffs))  # ties must count as ties despite rounding
    extreme = sum(1 for signs in product((1, -1), repeat=n)
                  if abs(math.fsum(s * d for s, d in zip(signs, diffs))) >= observed - tolerance)
    return extreme / 2**n


def min_sign_flip_p(n: int) -> float | None:
    """2 / 2^n: the observed signs and their mirror image always count, so p never goes below this."""
    return 2.0 / 2**n if 0 < n <= MAX_EXACT_SEEDS else None


def compare_paired(a: Sequence[float], b: Sequence[float]) -> PairedTest:
    diffs = _diffs(a, b)
    s = summarize(diffs)
    t, df, p = paired_t(a, b)
    return PairedTest(n=len(diffs), mean_diff=s.mean if s.mean is not None else math.nan, sd_diff=s.std,
                      t=t, df=df, p_t=p, p_permutation=sign_flip_p(diffs), min_p_permutation=min_sign_flip_p(len(diffs)))


def _diffs(a: Sequence[float], b: Sequence[float]) -> list[float]:
    if len(a) != len(b):
        raise ValueError(f"paired samples must have the same length ({len(a)} != {len(b)})")
    return [float(y) - float(x) for x, y in zip(a, b) if math.isfinite(float(x)) and math.isfinite(float(y))]
