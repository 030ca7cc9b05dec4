"""How analyses and reports print numbers, in one place so the report checker can trace them back.

Whatever is printed is a rounding of a value that is stored in full precision in a file; the checker
accepts a printed number when some logged value rounds to it at the decimals shown.
"""

from __future__ import annotations

import math


def num(value: float | int | None) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if abs(value) >= 1000:
        return f"{value:.1f}"
    if abs(value) >= 0.001:
        return f"{value:.4f}"
    return f"{value:.3g}"  # tiny values keep three significant digits instead of printing 0.0000


def signed(value: float | None) -> str:
    text = num(value)
    return text if value is None or text.startswith("-") or not math.isfinite(value) else f"+{text}"


def stat(value: float | None) -> str:
    """A test statistic such as t: two decimals are all its reading needs."""
    if value is None:
        return "n/a"
    return num(value) if not math.isfinite(value) else f"{value:.2f}"


def pvalue(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.4g}" if value >= 0.0001 else f"{value:.2g}"  # exact fractions stay short: 0.25, 0.125


def mean_std(mean: float | None, std: float | None) -> str:
    if mean is None:
        return "n/a"
    return f"{num(mean)} ± {num(std)}" if std is not None else f"{num(mean)} (one value, no std)"
