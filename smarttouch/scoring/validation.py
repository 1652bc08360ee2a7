"""Input checks at the entry of the offline analysis: a clear ValueError instead of a wrong number.

:class:`~smarttouch.sensors.types.Recording` converts its arrays to float64 when it is built
(with a ComplexWarning it drops imaginary parts) but checks neither values nor lengths; the
file loaders run :func:`~smarttouch.sensors.recording_io.validate_recording`, a recording built
in code does not pass through them. So ``analyze`` checks, cheaply, what it relies on: real
numeric arrays of the right shapes and equal lengths (also when replaced after construction,
e.g. complex), finite values within the sensors' plausible ranges, a strictly increasing time
axis, a positive sample rate, and play spans that fit the recording.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from smarttouch.sensors.recording_io import MAX_ACC_G, MAX_GYR_DPS, MAX_MAG_UT
from smarttouch.sensors.types import Recording

_COLUMNS = {"t": None, "acc": 3, "gyr": 3, "mag": 3, "quat": 4}
_LIMITS = {
    "acc": (MAX_ACC_G, "g"),
    "gyr": (MAX_GYR_DPS, "deg/s"),
    "mag": (MAX_MAG_UT, "uT"),
    "quat": (1.5, ""),
}
SPAN_TOLERANCE_S = 0.5  # a play span may overrun the recording's ends by this much, s


def check_recording(rec: Recording) -> None:
    """Raise ValueError, naming the array and the problem, when ``rec`` cannot be analysed:
    complex, non-numeric or mis-shaped arrays, unequal lengths, fewer than 2 samples, NaN or
    infinite values, values beyond the sensors' plausible ranges (32 g, 4000 deg/s, 5000 uT),
    a time axis that does not strictly increase, or a sample rate that is not positive."""
    n = None
    for name, columns in _COLUMNS.items():
        value = getattr(rec, name, None)
        if value is None:
            if name in ("t", "acc", "gyr"):
                raise ValueError(f"recording has no {name} array")
            continue
        arr = np.asarray(value)
        if np.iscomplexobj(arr):
            raise ValueError(f"recording.{name} is complex-valued; IMU samples must be real numbers")
        if arr.dtype.kind not in "fiub":
            raise ValueError(f"recording.{name} must hold numbers, got values of type {arr.dtype}")
        want = "(n,)" if columns is None else f"(n, {columns})"
        ok = arr.ndim == 1 if columns is None else (arr.ndim == 2 and arr.shape[1] == columns)
        if not ok:
            raise ValueError(f"recording.{name} must have shape {want}, got {arr.shape}")
        if n is None:
            n = len(arr)
        elif len(arr) != n:
            raise ValueError(f"recording.{name} has {len(arr)} samples but t has {n}")
        # one pass for a limited array: its largest |value| is NaN or infinite exactly when
        # one of its values is
        peak = float(np.abs(arr).max()) if name in _LIMITS and len(arr) else None
        if not (np.isfinite(arr).all() if peak is None else math.isfinite(peak)):
            row = int(np.flatnonzero(~np.isfinite(arr.reshape(len(arr), -1)).all(axis=1))[0])
            raise ValueError(f"recording.{name} has a NaN or infinite value at sample {row}")
        if peak is not None:
            limit, unit = _LIMITS[name]
            if peak > limit:
                raise ValueError(
                    f"recording.{name} reaches {peak:g} {unit}, beyond the plausible {limit:g} {unit}: "
                    "a corrupt file or wrong units"
                )
    if n is None or n < 2:
        raise ValueError("recording has fewer than 2 samples; nothing to analyse")
    steps = np.diff(rec.t)
    if not (steps > 0).all():
        row = int(np.flatnonzero(steps <= 0)[0]) + 1
        raise ValueError(f"recording.t is not strictly increasing at sample {row} ({rec.t[row]!r} s)")
    fs = rec.sample_rate_hz
    if not (isinstance(fs, (int, float)) and np.isfinite(fs) and fs > 0):
        raise ValueError(f"recording.sample_rate_hz must be a positive number of Hz, got {fs!r}")


def check_play_spans(spans: Sequence[Any] | None, t0: float, t1: float) -> list[tuple[float, float]] | None:
    """The play spans as (start, end) floats in seconds, clipped to the recording [t0, t1].

    Raises:
        ValueError: a span that is not two finite numbers with start < end, spans out of order
            or overlapping, or a span outside the recording (beyond a 0.5 s tolerance).
    """
    if spans is None:
        return None
    out: list[tuple[float, float]] = []
    for k, span in enumerate(spans):
        try:
            a, b = (float(x) for x in span)
        except (TypeError, ValueError):
            raise ValueError(f"play span {k}: expected (start_s, end_s), got {span!r}") from None
        if not (np.isfinite(a) and np.isfinite(b)) or not a < b:
            raise ValueError(f"play span {k}: start {a} s must be before end {b} s (finite seconds)")
        if out and a < out[-1][1]:
            raise ValueError(f"play span {k} starts at {a} s, before the previous one ends ({out[-1][1]} s)")
        if b < t0 - SPAN_TOLERANCE_S or a > t1 + SPAN_TOLERANCE_S:
            raise ValueError(f"play span {k} ({a}-{b} s) lies outside the recording ({t0:.3f}-{t1:.3f} s)")
        out.append((a, b))
    clipped = [min(max(a, t0), t1) for a, _ in out]
    return [(a, max(min(b, t1), a)) for a, (_, b) in zip(clipped, out)]
