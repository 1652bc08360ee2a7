"""The joint angle of a whole recording, found with the whole recording in view (non-causal).

The offline analysis does not have to decide anything before the data has arrived, so:

* **Movement axis** (sensor frame): the principal axis of the angular velocity low-passed at
  ``AXIS_LOWPASS_HZ`` over the whole recording (the classic functional-axis PCA, e.g. Ehrig
  et al. 2007 J Biomech 40:2150, applied to all movement at once). The low-pass keeps the slow
  voluntary rotation and drops what is fast and brief: heel impacts, tremor, jitter.
* **Angle**: the twist (swing-twist decomposition) about that axis of the orientation
  relative to a reference pose, from VQF (Laidig & Seel 2023); it is path-independent, so
  posture returns to the same level however the segment got there. The orientation is 6D
  (accelerometer + gyroscope) even when a magnetometer is present: the twist about the
  movement axis needs no absolute heading, and indoors the magnetic field is disturbed by
  furniture, radiators and the very dumbbells of strengthening exercises.
* **Rest side and rest level**: a repetition leaves the rest position and comes back to it.
  Which end of the angle's range is rest is decided by three pieces of evidence, each general
  to home exercise: the patient is still for the longest stretches at rest (before, between
  and after sets); the rest level is the same rep after rep while the far end varies with
  effort and fatigue; and a recording usually begins and ends at rest. The angle is then
  signed so that movement away from rest is positive, and zero is the rest level.

Everything is expressed in seconds, degrees and deg/s, so it holds at any sample rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from smarttouch.scoring.orientation import OrientationFilter

FloatArray = NDArray[np.float64]

AXIS_LOWPASS_HZ = 0.5  # voluntary exercise movement; impacts, tremor and jitter are faster
ANGLE_LOWPASS_HZ = 2.5  # zero-phase; voluntary movement lives below ~2 Hz, tremor above 3 Hz
SPEED_LOWPASS_HZ = 2.5  # angular velocity (vector) low-pass before judging stillness
DECIMATED_RATE_HZ = 10.0  # the slow signals (axis, stillness) are computed at >= this rate
STILL_DPS = 10.0  # low-passed angular speed below which the segment is still, deg/s
STILL_MIN_S = 1.0  # shortest still stretch that counts as a rest or a hold, s
SIDE_TURN_FRACTION = 0.3  # turning points that count for the rest side: swings >= 30 % of range
SIDE_SPREAD_WEIGHT = 2.0  # weight of the "rest level is consistent" evidence
SIDE_SPREAD_FLOOR = 0.02  # fraction of the range added to both spreads (avoids 0 / 0)
SIDE_STILL_FLOOR_S2 = 1.0  # s^2 added to both still-time sums (avoids log 0)


@dataclass(frozen=True)
class AngleTrace:
    """The joint angle of a recording and what was found on the way.

    Attributes:
        t: sample times, s.
        fs: sample rate, Hz.
        quat: orientation per sample (w, x, y, z), sensor-to-earth.
        axis: unit movement axis in the sensor frame; positive = away from rest.
        axis_share: fraction of the slow angular-velocity energy about ``axis`` (0..1; 1 =
            a pure single-axis movement).
        angle_deg: joint angle, deg (0 = rest level, positive = away from rest).
        angle_lp_deg: ``angle_deg`` low-passed at ``ANGLE_LOWPASS_HZ``, zero phase, deg.
        speed_dps: low-passed angular speed of the segment (all axes), deg/s.
        rest_vote: evidence for the rest side (log-scale; sign picked the side, the
            magnitude says how clear it was; 0 = undecided).
        neutral_index: sample at the middle of the stretch taken as the rest level.
    """

    t: FloatArray
    fs: float
    quat: FloatArray
    axis: FloatArray
    axis_share: float
    angle_deg: FloatArray
    angle_lp_deg: FloatArray
    speed_dps: FloatArray
    rest_vote: float
    neutral_index: int

    @property
    def neutral_quat(self) -> FloatArray:
        """Orientation at the rest level (w, x, y, z)."""
        return self.quat[self.neutral_index]


def lowpass(x: FloatArray, cutoff_hz: float, fs: float, order: int = 2) -> FloatArray:
    """Zero-phase Butterworth low-pass along axis 0 (cut-off capped at 0.4 fs).

    Signals shorter than the filter's padding are returned unfiltered.
    """
    sos = signal.butter(order, min(cutoff_hz, 0.4 * fs), fs=fs, output="sos")
    if len(x) <= 3 * (2 * len(sos) + 1):
        return np.array(x, dtype=float)
    return np.asarray(signal.sosfiltfilt(sos, x, axis=0), dtype=float)


def still_runs(speed_dps: FloatArray, fs: float) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """(starts, stops) sample indices of the stretches at least ``STILL_MIN_S`` long where the
    low-passed angular speed stays below ``STILL_DPS``."""
    still = (speed_dps < STILL_DPS).astype(np.int8)
    edges = np.diff(np.concatenate([[0], still, [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    keep = (stops - starts) >= STILL_MIN_S * fs
    return starts[keep], stops[keep]


def _decimated_gyro(gyr: FloatArray, fs: float) -> tuple[FloatArray, int]:
    """Block means of the gyro at >= ``DECIMATED_RATE_HZ`` and the block length (samples)."""
    k = max(1, int(fs // DECIMATED_RATE_HZ))
    n = (len(gyr) // k) * k
    if n == 0:
        return np.asarray(gyr, dtype=float), 1
    blocks = gyr[:n].reshape(-1, k, 3).mean(axis=1)
    if n < len(gyr):
        blocks = np.vstack([blocks, gyr[n:].mean(axis=0, keepdims=True)])
    return blocks, k


def principal_axis(gyr_slow: FloatArray) -> tuple[FloatArray, float]:
    """Unit principal axis of slow angular velocities (N, 3) and its share of the energy."""
    cov = gyr_slow.T @ gyr_slow
    vals, vecs = np.linalg.eigh(cov)
    total = float(vals.sum())
    if total <= 0.0:
        return np.array([1.0, 0.0, 0.0]), 0.0
    return vecs[:, -1].copy(), float(vals[-1] / total)


def _twist_deg(quat: FloatArray, ref: FloatArray, axis: FloatArray) -> FloatArray:
    """Unwrapped twist angle (deg) about ``axis`` of ``ref^-1 * quat``.

    The relative quaternion's scalar part and its vector part along the axis are linear in
    ``quat`` (a 2 x 4 matrix), which is all the twist needs.
    """
    w0, v0 = ref[0], ref[1:]
    scalar_row = np.concatenate([[w0], v0])  # w of conj(ref) * q = ref . q
    # vector part of conj(ref) * q = w0 v - v_q0 ... projected on the axis:
    # (w0 * v - wq * v0 - v0 x v) . a = w0 (v . a) - wq (v0 . a) - v . (a x v0)
    axis_row = np.concatenate([[-float(v0 @ axis)], w0 * axis - np.cross(axis, v0)])
    w = quat @ scalar_row
    proj = quat @ axis_row
    return np.degrees(np.unwrap(2.0 * np.arctan2(proj, w)))


def rest_side(angle_lp: FloatArray, speed_dps: FloatArray, fs: float) -> tuple[float, int]:
    """The evidence for "rest is at the low end of the angle" (positive) or the high end
    (negative), and the sample at the middle of the rest stretch.

    Evidence, summed on a log scale: (1) squared durations of the still stretches near each
    end (long stretches are rest; brief holds are not); (2) spread of the turning points at
    each end (rest is a fixed posture, the far end varies); (3) where the recording begins
    and ends (usually at rest).
    """
    n = len(angle_lp)
    lo, hi = np.percentile(angle_lp, [1.0, 99.0])
    span = float(hi - lo)
    if n < 3 or span <= 0.0:
        return 0.0, n // 2
    mid = 0.5 * (lo + hi)
    tops, _ = signal.find_peaks(np.concatenate([[lo], angle_lp, [lo]]), prominence=SIDE_TURN_FRACTION * span)
    lows, _ = signal.find_peaks(
        np.concatenate([[-hi], -angle_lp, [-hi]]), prominence=SIDE_TURN_FRACTION * span
    )
    tops = np.clip(tops - 1, 0, n - 1)
    lows = np.clip(lows - 1, 0, n - 1)
    spread_hi = float(np.std(angle_lp[tops])) if len(tops) > 1 else 0.0
    spread_lo = float(np.std(angle_lp[lows])) if len(lows) > 1 else 0.0
    starts, stops = still_runs(speed_dps, fs)
    levels = np.array([np.median(angle_lp[a:b]) for a, b in zip(starts, stops)])
    dur_s = (stops - starts) / fs
    low_side = levels < mid
    still_lo = float(np.sum(dur_s[low_side] ** 2))
    still_hi = float(np.sum(dur_s[~low_side] ** 2))
    eps = SIDE_SPREAD_FLOOR * span
    vote = float(np.log((still_lo + SIDE_STILL_FLOOR_S2) / (still_hi + SIDE_STILL_FLOOR_S2)))
    vote += SIDE_SPREAD_WEIGHT * float(np.log((spread_hi + eps) / (spread_lo + eps)))
    vote += float((mid - angle_lp[0]) / span + (mid - angle_lp[-1]) / span)
    at_rest = low_side if vote >= 0.0 else ~low_side
    if at_rest.any():
        k = int(np.flatnonzero(at_rest)[np.argmax(dur_s[at_rest])])
        neutral = int((starts[k] + stops[k]) // 2)
    else:
        neutral = int(np.argmin(angle_lp) if vote >= 0.0 else np.argmax(angle_lp))
    return vote, neutral


def angle_trace(
    t: FloatArray,
    acc: FloatArray,
    gyr: FloatArray,
    fs: float,
    axis: FloatArray | None = None,
) -> AngleTrace:
    """The joint angle of a whole recording (see the module docstring).

    Args:
        t: sample times, s. acc: (N, 3) g. gyr: (N, 3) deg/s. fs: sample rate, Hz.
        axis: a known movement axis in the sensor frame (e.g. from a calibration), or None to
            find it. Its sign is kept when the recording does not say clearly where rest is.
    """
    quat, _rest = OrientationFilter(fs, use_mag=False).update(acc, gyr)
    slow, k = _decimated_gyro(gyr, fs)
    fs_slow = fs / k
    speed_slow = np.linalg.norm(lowpass(slow, SPEED_LOWPASS_HZ, fs_slow), axis=1)
    speed = np.repeat(speed_slow, k)[: len(t)]
    axis_lp = lowpass(slow, AXIS_LOWPASS_HZ, fs_slow)
    if axis is None:
        found, share = principal_axis(axis_lp)
    else:
        found = np.asarray(axis, dtype=float) / np.linalg.norm(axis)
        energy = float(np.sum(axis_lp**2))
        share = float(np.sum((axis_lp @ found) ** 2) / energy) if energy > 0 else 0.0
    window = max(1, int(round(fs_slow * STILL_MIN_S)))
    if len(speed_slow) > window:
        mean_speed = np.convolve(speed_slow, np.ones(window) / window, mode="valid")
        ref = min(len(t) - 1, (int(np.argmin(mean_speed)) + window // 2) * k)
    else:
        ref = 0
    raw = _twist_deg(quat, quat[ref], found)
    lp = lowpass(raw, ANGLE_LOWPASS_HZ, fs)
    vote, neutral = rest_side(lp, speed, fs)
    sign = -1.0 if vote < 0.0 else 1.0
    zero_raw, zero_lp = raw[neutral], lp[neutral]
    return AngleTrace(
        t=t,
        fs=fs,
        quat=quat,
        axis=sign * found,
        axis_share=share,
        angle_deg=sign * (raw - zero_raw),
        angle_lp_deg=sign * (lp - zero_lp),
        speed_dps=speed,
        rest_vote=vote,
        neutral_index=neutral,
    )
