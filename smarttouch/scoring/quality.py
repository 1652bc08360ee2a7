"""Data-quality checks on a recording: gaps, clipping, sample-rate mismatch, length."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

GAP_FACTOR = 1.5  # a sample interval longer than 1.5 nominal periods is a gap
CLIP_RUN = 3  # samples in a row at the extreme value of an axis count as clipping
# extremes below the smallest common full-scale ranges (+-2 g, +-125 deg/s) are not clipping
MIN_RANGE_ACC_G = 2.0
MIN_RANGE_GYR_DPS = 125.0
MIN_DURATION_S = 5.0


@dataclass
class QualityFlags:
    """Data-quality flags of one recording.

    Attributes:
        gaps: number of sample intervals longer than 1.5 nominal periods.
        max_gap_s: longest sample interval, seconds.
        clipped_acc: accelerometer saturation seen (a run of samples at an axis extreme).
        clipped_gyr: gyroscope saturation seen.
        rate_mismatch: measured median rate differs from the nominal one by more than 5 %.
        measured_rate_hz: median sample rate measured from the timestamps, Hz.
        too_short: shorter than 5 s.
        no_still_start: the recording starts in motion (no still second in its first 5 s); a
            repetition under way at the first sample may be cut.
        warnings: human-readable messages for every raised flag.
    """

    gaps: int = 0
    max_gap_s: float = 0.0
    clipped_acc: bool = False
    clipped_gyr: bool = False
    rate_mismatch: bool = False
    measured_rate_hz: float = 0.0
    too_short: bool = False
    no_still_start: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.warnings

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ok"] = self.ok
        return d


def _clipped(x: np.ndarray, min_range: float) -> bool:
    for col in np.asarray(x).T:
        peak = np.max(np.abs(col))
        if peak < min_range * 0.99:
            continue
        at = np.abs(col) >= peak * (1 - 1e-9)
        if at.sum() < CLIP_RUN:
            continue
        run = np.convolve(at.astype(int), np.ones(CLIP_RUN, dtype=int), mode="valid")
        if run.max() >= CLIP_RUN:
            return True
    return False


def check_quality(t: np.ndarray, acc: np.ndarray, gyr: np.ndarray, sample_rate_hz: float) -> QualityFlags:
    """Compute :class:`QualityFlags` (times in s, acc in g, gyr in deg/s, rate in Hz)."""
    q = QualityFlags()
    if len(t) < 2:
        q.too_short = True
        q.warnings.append("recording has fewer than 2 samples")
        return q
    dt = np.diff(t)
    nominal = 1.0 / sample_rate_hz
    q.gaps = int(np.sum(dt > GAP_FACTOR * nominal))
    q.max_gap_s = float(dt.max())
    q.measured_rate_hz = float(1.0 / np.median(dt))
    q.rate_mismatch = abs(q.measured_rate_hz - sample_rate_hz) > 0.05 * sample_rate_hz
    q.clipped_acc = _clipped(acc, MIN_RANGE_ACC_G)
    q.clipped_gyr = _clipped(gyr, MIN_RANGE_GYR_DPS)
    q.too_short = float(t[-1] - t[0]) < MIN_DURATION_S
    if q.gaps:
        q.warnings.append(f"{q.gaps} gap(s) in the samples, longest {q.max_gap_s:.3f} s")
    if q.clipped_acc:
        q.warnings.append("accelerometer clipping (sensor range exceeded)")
    if q.clipped_gyr:
        q.warnings.append("gyroscope clipping (sensor range exceeded)")
    if q.rate_mismatch:
        q.warnings.append(
            f"measured sample rate {q.measured_rate_hz:.1f} Hz differs from nominal {sample_rate_hz:.1f} Hz"
        )
    if q.too_short:
        q.warnings.append(f"recording shorter than {MIN_DURATION_S:.0f} s")
    return q
