"""The tracking game's logic without pygame: the target's smooth path, the coach that adapts
its speed and amplitude, and the tracking score (streamed, and offline over a whole trace).

Positions are fractions of the patient's calibrated range (0 = neutral, 1 = comfortable
maximum), times are seconds.

* :class:`TargetPath` - the butterfly's height: one raised-cosine cycle after another, from
  ``LOW`` up to ``high`` and back (smooth: continuous position and speed). The period and the
  height change only at the bottom of a cycle, so the path never jumps.
* :class:`Coach` - after each cycle, the mean tracking error of that cycle decides: close
  following (error <= half the band) makes the next cycle faster and higher, poor following
  (error > the band) slower and lower. The height never exceeds the difficulty's target
  (itself capped by the therapist's maximum and the calibrated range) and the peak speed of
  the path never exceeds ``MAX_PEAK_SPEED_DPS`` in degrees of the patient's calibrated range.
* :class:`TrackingScore` - streamed: time on target (within the band) and mean absolute error;
  :func:`score_trace` computes the same figures offline from the recorded trace.

A *repetition* in this game is what it is in every game: one out-and-back movement of the
joint as the motion tracker detects it (so the game's count equals the hub's). A repetition
*succeeds* when the patient was on target for at least ``FOLLOW_SHARE`` of the time since the
previous repetition ended (and for at least ``MIN_WINDOW_S``); its points grow with that share.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

LOW = 0.08  # bottom of every cycle: near the neutral pose, so the tracker sees each rep end
MIN_AMP_FRAC, MAX_AMP_FRAC = 0.45, 1.0  # height of a cycle as a share of low..top
MIN_PERIOD_S, MAX_PERIOD_S = 3.0, 10.0
MAX_PEAK_SPEED_DPS = 80.0  # the path's fastest moment, degrees/s of the patient's range
FASTER, SLOWER = 0.9, 1.12  # period factors after a good / poor cycle
AMP_STEP = 0.1
FOLLOW_SHARE = 0.5
MIN_WINDOW_S = 1.0
POINTS_MIN, POINTS_MAX = 3, 10


def band_for(tolerance_position: float) -> float:
    """How close (in positions) counts as on target: 1.5x the difficulty's tolerance, 0.08..0.2."""
    return min(0.2, max(0.08, 1.5 * tolerance_position))


def raised_cosine(phase: float, low: float, high: float) -> float:
    """Position at ``phase`` (0..1) of a cycle from ``low`` up to ``high`` and back."""
    return low + (high - low) * 0.5 * (1.0 - math.cos(2.0 * math.pi * phase))


def min_period_s(low: float, high: float, rom_max_deg: float) -> float:
    """The shortest period keeping the peak speed (pi * amplitude / period) within the cap."""
    amplitude_deg = max(0.0, high - low) * rom_max_deg
    return max(MIN_PERIOD_S, math.pi * amplitude_deg / MAX_PEAK_SPEED_DPS)


@dataclass
class TargetPath:
    """The target's position over time (see module docstring)."""

    high: float
    period_s: float
    phase: float = 0.0
    cycles: int = 0

    @property
    def position(self) -> float:
        return raised_cosine(self.phase, LOW, self.high)

    def advance(self, dt: float) -> bool:
        """Move on by ``dt`` seconds; True when a cycle ended (the coach may change the height
        and period then, at the bottom of the path)."""
        self.phase += dt / self.period_s
        if self.phase < 1.0:
            return False
        self.phase = min(self.phase - 1.0, 0.999)
        self.cycles += 1
        return True

    def preview(self, seconds_ahead: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Where the target will be after each of ``seconds_ahead`` (>= 0) if the height and
        period stay as they are (the coach may change them at the next bottom)."""
        phase = self.phase + np.asarray(seconds_ahead, dtype=float) / self.period_s
        out: npt.NDArray[np.float64] = LOW + (self.high - LOW) * 0.5 * (1.0 - np.cos(2.0 * np.pi * phase))
        return out


@dataclass
class Coach:
    """Adapts the path after each cycle from that cycle's mean error (see module docstring).

    ``top`` is the highest the path may go (the lower of the therapist's maximum and the
    calibrated range, as a position), ``rom_max_deg`` the calibrated range in degrees (for
    the speed cap), ``band`` the on-target distance. ``amp_frac`` starts where the therapist's
    target is (:meth:`starting_at`).
    """

    top: float
    rom_max_deg: float
    band: float
    amp_frac: float = 0.7
    err_sum: float = 0.0
    time_s: float = 0.0
    log: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def starting_at(cls, target: float, top: float, rom_max_deg: float, band: float) -> Coach:
        """A coach whose first cycle peaks at ``target`` (a position, clamped to its bounds)."""
        frac = (target - LOW) / max(0.05, top - LOW)
        return cls(top, rom_max_deg, band, min(MAX_AMP_FRAC, max(MIN_AMP_FRAC, frac)))

    def high(self) -> float:
        return LOW + max(0.05, self.top - LOW) * self.amp_frac

    def clamp_period(self, period_s: float, high: float) -> float:
        return min(MAX_PERIOD_S, max(min_period_s(LOW, high, self.rom_max_deg), period_s))

    def observe(self, error: float, dt: float) -> None:
        self.err_sum += abs(error) * dt
        self.time_s += dt

    def cycle_ended(self, path: TargetPath) -> dict[str, Any]:
        """Decide the next cycle's height and period; returns what was decided (logged)."""
        mean_err = self.err_sum / self.time_s if self.time_s > 0 else 0.0
        verdict = "keep"
        period = path.period_s
        if self.time_s > 0 and mean_err <= 0.5 * self.band:
            verdict, period = "faster", period * FASTER
            self.amp_frac = min(MAX_AMP_FRAC, self.amp_frac + AMP_STEP)
        elif self.time_s > 0 and mean_err > self.band:
            verdict, period = "slower", period * SLOWER
            self.amp_frac = max(MIN_AMP_FRAC, self.amp_frac - AMP_STEP)
        high = self.high()
        path.high = high  # applies now: the cycle has just ended at the bottom
        path.period_s = self.clamp_period(period, high)
        self.err_sum, self.time_s = 0.0, 0.0
        change = {
            "verdict": verdict,
            "mean_error": round(mean_err, 4),
            "high": round(high, 4),
            "period_s": round(path.period_s, 3),
        }
        self.log.append(change)
        return change


@dataclass
class TrackingScore:
    """Streamed tracking figures over a session and over the current repetition window."""

    band: float
    time_s: float = 0.0
    on_s: float = 0.0
    err_sum: float = 0.0
    window_s: float = 0.0
    window_on_s: float = 0.0
    window_err: float = 0.0

    def add(self, target: float, position: float, dt: float) -> None:
        err = abs(position - target)
        on = dt if err <= self.band else 0.0
        self.time_s += dt
        self.on_s += on
        self.err_sum += err * dt
        self.window_s += dt
        self.window_on_s += on
        self.window_err += err * dt

    @property
    def share(self) -> float:
        """Share of the time on target, 0..1."""
        return self.on_s / self.time_s if self.time_s > 0 else 0.0

    @property
    def mean_error(self) -> float:
        """Mean absolute distance from the target, in positions."""
        return self.err_sum / self.time_s if self.time_s > 0 else 0.0

    @property
    def window_error(self) -> float:
        """Mean absolute distance from the target in the current repetition window."""
        return self.window_err / self.window_s if self.window_s > 0 else 0.0

    @property
    def window_share(self) -> float:
        return self.window_on_s / self.window_s if self.window_s > 0 else 0.0

    def window_followed(self) -> bool:
        """The current repetition window counts as followed (see module docstring)."""
        return self.window_s >= MIN_WINDOW_S and self.window_share >= FOLLOW_SHARE

    def close_window(self) -> float:
        """End the repetition window; returns its on-target share."""
        share = self.window_share
        self.window_s, self.window_on_s, self.window_err = 0.0, 0.0, 0.0
        return share


def rep_points(share: float) -> int:
    """Points for a repetition followed ``share`` (0..1) of the time: 3 to 10."""
    return POINTS_MIN + round((POINTS_MAX - POINTS_MIN) * min(1.0, max(0.0, share)))


def score_trace(
    targets: npt.ArrayLike, positions: npt.ArrayLike, dts: npt.ArrayLike, band: float
) -> dict[str, float]:
    """The offline tracking figures of a whole trace (one entry per game step).

    Returns ``share`` (time on target / time), ``mean_error`` (positions) and ``time_s``;
    the same figures :class:`TrackingScore` streams.
    """
    tgt = np.asarray(targets, dtype=float)
    pos = np.asarray(positions, dtype=float)
    dt = np.asarray(dts, dtype=float)
    err = np.abs(pos - tgt)
    total = float(dt.sum())
    if total <= 0:
        return {"share": 0.0, "mean_error": 0.0, "time_s": 0.0}
    return {
        "share": float(dt[err <= band].sum()) / total,
        "mean_error": float((err * dt).sum()) / total,
        "time_s": total,
    }
