"""Trusted scoring functions: predictions compared with labels, one number per metric.

Each metric is a small function ``fn(predicted, true, **params) -> float`` over two equally long
float arrays (one value per recording). They run in the hub process, never in the sandbox, and
only after the predictions passed the output schema. A challenge's ``[[metrics]]`` table names
one of these by ``function`` and says whether higher or lower is better.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

MetricFn = Callable[..., float]


def exact_rate(predicted: np.ndarray, true: np.ndarray) -> float:
    """Fraction (0..1) of recordings whose prediction equals the label exactly."""
    return float(np.mean(predicted == true))


def within_rate(predicted: np.ndarray, true: np.ndarray, tolerance: float = 1.0) -> float:
    """Fraction (0..1) of recordings predicted within ``tolerance`` (label units) of the label."""
    return float(np.mean(np.abs(predicted - true) <= tolerance))


def mae(predicted: np.ndarray, true: np.ndarray) -> float:
    """Mean absolute error, in the label's units (e.g. repetitions, degrees)."""
    return float(np.mean(np.abs(predicted - true)))


def rmse(predicted: np.ndarray, true: np.ndarray) -> float:
    """Root mean square error, in the label's units."""
    return float(np.sqrt(np.mean((predicted - true) ** 2)))


def bias(predicted: np.ndarray, true: np.ndarray) -> float:
    """Mean signed error (predicted minus label), in the label's units; 0 is best."""
    return float(np.mean(predicted - true))


def mean(predicted: np.ndarray, true: np.ndarray) -> float:
    """Mean of the predicted values themselves (for metrics the harness measures, e.g. a game's
    frame time); ``true`` is ignored."""
    return float(np.mean(predicted))


METRICS: dict[str, MetricFn] = {
    "exact_rate": exact_rate,
    "within_rate": within_rate,
    "mae": mae,
    "rmse": rmse,
    "bias": bias,
    "mean": mean,
}


#: metrics computed from the predictions alone (no label needed)
LABEL_FREE = frozenset({"mean"})


def compute_metric(function: str, predicted: list[float], true: list[float], **params: float) -> float:
    """Evaluate the registered metric ``function`` over matching prediction/label lists."""
    fn = METRICS[function]
    p = np.asarray(predicted, dtype=float)
    t = np.asarray(true, dtype=float)
    if p.shape != t.shape or p.size == 0:
        raise ValueError(f"metric {function}: need equally long non-empty lists, got {p.size} and {t.size}")
    return fn(p, t, **params)
