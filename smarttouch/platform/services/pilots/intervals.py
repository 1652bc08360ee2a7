"""Estimates with 95 % confidence intervals, as the pilot pages report them: a mean with a
t-based interval, a difference of means with Welch's interval (Welch 1947, Biometrika
34:28-35) and a share with the Wilson score interval (Wilson 1927, JASA 22:209-212), which
keeps sensible coverage for small n and for shares near 0 or 1."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


def scipy_stats() -> Any:
    """scipy.stats, loaded when a pilot's numbers are computed (not at hub start: issue 16's
    memory budget)."""
    from scipy import stats

    return stats


@dataclass(frozen=True)
class Interval:
    """An estimate with its 95 % confidence interval. ``n``: observations behind it. With
    one observation there is a value and no interval; with none, everything is None."""

    value: float | None
    low: float | None
    high: float | None
    n: int

    @property
    def excludes_zero(self) -> bool:
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


@dataclass(frozen=True)
class Share:
    """``k`` of ``n`` with a Wilson score 95 % interval (``low``/``high`` None when n = 0)."""

    k: int
    n: int
    low: float | None
    high: float | None

    @property
    def value(self) -> float | None:
        return self.k / self.n if self.n else None


def finite(values: Sequence[float | None]) -> list[float]:
    """The values that are numbers (no None, NaN or infinity), as floats."""
    return [float(v) for v in values if v is not None and math.isfinite(v)]


def mean_or_none(xs: Sequence[float]) -> float | None:
    return float(np.mean(xs)) if xs else None


def mean_ci(values: Sequence[float | None]) -> Interval:
    """Mean with a t-based 95 % CI (None bounds with fewer than 2 values)."""
    xs = finite(values)
    n = len(xs)
    if n == 0:
        return Interval(None, None, None, 0)
    m = float(np.mean(xs))
    if n == 1:
        return Interval(m, None, None, 1)
    half = float(scipy_stats().t.ppf(0.975, n - 1)) * float(np.std(xs, ddof=1)) / math.sqrt(n)
    return Interval(m, m - half, m + half, n)


def welch_diff(a: Sequence[float], b: Sequence[float]) -> Interval:
    """mean(a) - mean(b) with a Welch-Satterthwaite 95 % CI (needs 2 values in each)."""
    xa, xb = finite(a), finite(b)
    if len(xa) < 2 or len(xb) < 2:
        diff = float(np.mean(xa) - np.mean(xb)) if xa and xb else None
        return Interval(diff, None, None, len(xa) + len(xb))
    va, vb = np.var(xa, ddof=1) / len(xa), np.var(xb, ddof=1) / len(xb)
    diff = float(np.mean(xa) - np.mean(xb))
    se = math.sqrt(va + vb)
    if se == 0.0:
        return Interval(diff, diff, diff, len(xa) + len(xb))
    dof = (va + vb) ** 2 / (va**2 / (len(xa) - 1) + vb**2 / (len(xb) - 1))
    half = float(scipy_stats().t.ppf(0.975, dof)) * se
    return Interval(diff, diff - half, diff + half, len(xa) + len(xb))


def wilson(k: int, n: int, z: float = 1.959963984540054) -> Share:
    """Wilson score interval for k successes in n (Wilson 1927, JASA 22:209-212)."""
    if n == 0:
        return Share(0, 0, None, None)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Share(k, n, max(0.0, centre - half), min(1.0, centre + half))
