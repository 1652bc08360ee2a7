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

Everything is expressed in seconds, degrees and deg/s, so it holds at any sample rate. The
angle only carries voluntary movement (it is low-passed at 2.5 Hz), so the orientation is
estimated on block means of ``stride`` samples, at ``ANGLE_RATE_HZ`` or more: the mean angular
velocity of a block integrates to exactly the block's rotation about a fixed axis, and a
10-minute 200 Hz recording costs what a 25 Hz one does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from smarttouch.scoring.orientation import OrientationFilter

FloatArray = NDArray[np.float64]

try:  # the kernel of scipy.signal.sosfilt (private; see _filter_rows)
    from scipy.signal._sosfilt import _sosfilt as _sosfilt_kernel
except ImportError:  # pragma: no cover - another SciPy layout
    _sosfilt_kernel = None

AXIS_LOWPASS_HZ = 0.5  # voluntary exercise movement; impacts, tremor and jitter are faster
ANGLE_LOWPASS_HZ = 2.5  # zero-phase; voluntary movement lives below ~2 Hz, tremor above 3 Hz
ANGLE_RATE_HZ = 25.0  # the angle is analysed at >= this rate (10x its low-pass cut-off)
SPEED_LOWPASS_HZ = 2.5  # angular velocity (vector) low-pass before judging stillness
STILL_DPS = 10.0  # low-passed angular speed below which the segment is still, deg/s
STILL_MIN_S = 1.0  # shortest still stretch that counts as a rest or a hold, s
CALIBRATION_AXIS_MAX_DEG = 30.0  # a given axis further than this from the recording's is not used
SIDE_TURN_FRACTION = 0.3  # turning points that count for the rest side: swings >= 30 % of range
TURN_RATE_HZ = 5.0  # the turning points are found on a copy at >= this rate
SIDE_SPREAD_WEIGHT = 2.0  # weight of the "rest level is consistent" evidence
SIDE_SPREAD_FLOOR = 0.02  # fraction of the range added to both spreads (avoids 0 / 0)
SIDE_STILL_FLOOR_S2 = 1.0  # s^2 added to both still-time sums (avoids log 0)
SIDE_CALM_FLOOR_DPS = 1.0  # deg/s added to both mean speeds at rest (a good sensor's noise)


@dataclass(frozen=True)
class AngleTrace:
    """The joint angle of a recording and what was found on the way.

    The per-sample arrays are on the analysis grid: one sample per block of ``stride``
    recording samples (block means), at the time of the block's last sample.

    Attributes:
        t: sample times of the analysis grid, s.
        fs: rate of the analysis grid, Hz.
        stride: recording samples per grid sample.
        quat: orientation on the grid (w, x, y, z), sensor-to-earth.
        gyr_dps: angular velocity on the grid (block means), deg/s.
        axis: unit movement axis in the sensor frame; positive = away from rest.
        axis_share: fraction of the slow angular-velocity energy about ``axis`` (0..1; 1 =
            a pure single-axis movement).
        axis_source: "calibration" when a given axis was used, else "recording".
        calibration_axis_off_deg: angle between a given axis and the recording's own, deg
            (None without a given axis).
        angle_deg: joint angle, deg (0 = rest level, positive = away from rest).
        angle_lp_deg: ``angle_deg`` low-passed at ``ANGLE_LOWPASS_HZ``, zero phase, deg.
        speed_dps: low-passed angular speed of the segment (all axes), deg/s.
        rest_vote: evidence for the rest side (log-scale; sign picked the side, the
            magnitude says how clear it was; 0 = undecided).
        neutral_index: grid sample at the middle of the stretch taken as the rest level.
    """

    t: FloatArray
    fs: float
    stride: int
    quat: FloatArray
    gyr_dps: FloatArray
    axis: FloatArray
    axis_share: float
    axis_source: str
    calibration_axis_off_deg: float | None
    angle_deg: FloatArray
    angle_lp_deg: FloatArray
    speed_dps: FloatArray
    rest_vote: float
    neutral_index: int

    @property
    def neutral_quat(self) -> FloatArray:
        """Orientation at the rest level (w, x, y, z)."""
        q: FloatArray = self.quat[self.neutral_index]
        return q

    def vertical_acc(self, acc: FloatArray) -> FloatArray:
        """Earth-vertical component of each recording sample's specific force (N,), g: ``acc``
        projected on the vertical direction in the sensor frame, which is interpolated linearly
        in the sample index between grid samples (grid sample g is recording sample
        g * stride + stride - 1; before the first and after the last it is held)."""
        w, x, y, z = self.quat.T
        up = np.stack([2.0 * (x * z - w * y), 2.0 * (y * z + w * x), 1.0 - 2.0 * (x * x + y * y)], axis=1)
        s, nb = self.stride, len(up)
        blocks = np.asarray(acc[: nb * s], dtype=float).reshape(nb, s, 3)
        prev = np.concatenate([up[:1], up[:-1]])
        frac = (np.arange(s) + 1.0) / s  # weight of grid sample b for recording sample b*s + r
        out = (
            np.einsum("bsc,bc->bs", blocks, prev) * (1.0 - frac) + np.einsum("bsc,bc->bs", blocks, up) * frac
        )
        tail = np.asarray(acc[nb * s :], dtype=float) @ up[-1]
        return np.concatenate([out.reshape(-1), tail])


@lru_cache(maxsize=64)
def _butter(order: int, cutoff_hz: float, fs: float) -> tuple[FloatArray, FloatArray, int]:
    """Butterworth low-pass second-order sections, their steady-state initial conditions and
    the padding ``sosfiltfilt`` uses for them (3 x (2 x sections + 1), less trivial ones)."""
    sos = np.asarray(signal.butter(order, cutoff_hz, fs=fs, output="sos"), dtype=float)
    n_sec = len(sos)
    edge = 3 * (2 * n_sec + 1 - min(int(np.sum(sos[:, 2] == 0)), int(np.sum(sos[:, 5] == 0))))
    return sos, np.asarray(signal.sosfilt_zi(sos), dtype=float), edge


def _filter_rows(sos: FloatArray, zi: FloatArray, rows: FloatArray) -> FloatArray:
    """``scipy.signal.sosfilt`` of each row of the C-contiguous (R, N) ``rows``, in place, the
    state of each row starting at ``zi`` x its first sample. The Cython kernel behind
    ``sosfilt`` is called directly when this SciPy has it (the same arithmetic, without the
    public function's checks, axis moves and copies: ~30 us of its ~90 us on a 3000-sample
    signal); otherwise the public function."""
    state = zi[None, :, :] * rows[:, :1, None]  # (R, sections, 2)
    if _sosfilt_kernel is None:
        rows[...] = signal.sosfilt(sos, rows, axis=-1, zi=np.moveaxis(state, 1, 0))[0]
    else:
        _sosfilt_kernel(sos, rows, state)
    return rows


def lowpass(x: FloatArray, cutoff_hz: float, fs: float, order: int = 2) -> FloatArray:
    """Zero-phase Butterworth low-pass along axis 0 (cut-off capped at 0.4 fs).

    The same forward-backward filtering as ``scipy.signal.sosfiltfilt`` (odd extension of
    3 x (2 x sections + 1) samples, steady-state initial conditions), on a contiguous copy,
    without its per-call overhead. Signals shorter than the padding are returned unfiltered.
    """
    sos, zi, edge = _butter(order, min(cutoff_hz, 0.4 * fs), fs)
    xt = np.asarray(x, dtype=float).T
    if xt.shape[-1] <= edge:
        return np.array(x, dtype=float)
    ext = np.concatenate(
        [2.0 * xt[..., :1] - xt[..., edge:0:-1], xt, 2.0 * xt[..., -1:] - xt[..., -2 : -edge - 2 : -1]],
        axis=-1,
    )
    rows = _filter_rows(sos, zi, np.ascontiguousarray(ext.reshape(-1, ext.shape[-1])))
    rows = _filter_rows(sos, zi, np.ascontiguousarray(rows[:, ::-1]))
    y = rows[:, ::-1][:, edge:-edge].reshape(xt.shape)
    return np.ascontiguousarray(y.T)


def still_runs(speed_dps: FloatArray, fs: float) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """(starts, stops) sample indices of the stretches at least ``STILL_MIN_S`` long where the
    low-passed angular speed stays below ``STILL_DPS``."""
    still = (speed_dps < STILL_DPS).astype(np.int8)
    edges = np.diff(np.concatenate([[0], still, [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    keep = (stops - starts) >= STILL_MIN_S * fs
    return starts[keep], stops[keep]


def block_means(x: FloatArray, stride: int) -> FloatArray:
    """Means of consecutive blocks of ``stride`` rows (a trailing partial block is dropped)."""
    n = (len(x) // stride) * stride
    cols = x.shape[1]
    summing = np.tile(np.eye(cols), (stride, 1)) / stride  # (stride * cols, cols)
    out: FloatArray = np.asarray(x[:n], dtype=float).reshape(-1, stride * cols) @ summing
    return out


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
    out: FloatArray = np.degrees(np.unwrap(2.0 * np.arctan2(proj, w)))
    return out


def rest_side(angle_lp: FloatArray, speed_dps: FloatArray, fs: float) -> tuple[float, int]:
    """The evidence for "rest is at the low end of the angle" (positive) or the high end
    (negative), and the sample at the middle of the rest stretch.

    Evidence, summed on a log scale: (1) squared durations of the still stretches near each
    end (long stretches are rest; brief holds are not); (2) spread of the turning points at
    each end (rest is a fixed posture, the far end varies); (3) how still those stretches are
    (a supported limb at rest is stiller than one held out against gravity); (4) where the
    recording begins and ends (usually at rest).
    """
    n = len(angle_lp)
    lo, hi = np.percentile(angle_lp, [1.0, 99.0])
    span = float(hi - lo)
    if n < 3 or span <= 0.0:
        return 0.0, n // 2
    mid = 0.5 * (lo + hi)
    # turning points on a ~5 Hz copy: ample for a 2.5 Hz low-passed angle's extremes
    coarse = angle_lp[:: max(1, int(fs // TURN_RATE_HZ))]
    tops, _ = signal.find_peaks(np.concatenate([[lo], coarse, [lo]]), prominence=SIDE_TURN_FRACTION * span)
    lows, _ = signal.find_peaks(np.concatenate([[-hi], -coarse, [-hi]]), prominence=SIDE_TURN_FRACTION * span)
    tops = np.clip(tops - 1, 0, len(coarse) - 1)
    lows = np.clip(lows - 1, 0, len(coarse) - 1)
    spread_hi = float(np.std(coarse[tops])) if len(tops) > 1 else 0.0
    spread_lo = float(np.std(coarse[lows])) if len(lows) > 1 else 0.0
    starts, stops = still_runs(speed_dps, fs)
    levels = angle_lp[(starts + stops) // 2]
    dur_s = (stops - starts) / fs
    low_side = levels < mid
    still_lo = float(np.sum(dur_s[low_side] ** 2))
    still_hi = float(np.sum(dur_s[~low_side] ** 2))
    csum = np.concatenate([[0.0], np.cumsum(speed_dps)])
    moving = csum[stops] - csum[starts]  # deg of rotation speed summed over each stretch
    calm_lo = float(moving[low_side].sum() / max(1, (stops - starts)[low_side].sum()))
    calm_hi = float(moving[~low_side].sum() / max(1, (stops - starts)[~low_side].sum()))
    eps = SIDE_SPREAD_FLOOR * span
    vote = float(np.log((still_lo + SIDE_STILL_FLOOR_S2) / (still_hi + SIDE_STILL_FLOOR_S2)))
    vote += SIDE_SPREAD_WEIGHT * float(np.log((spread_hi + eps) / (spread_lo + eps)))
    if low_side.any() and (~low_side).any():
        vote += float(np.log((calm_hi + SIDE_CALM_FLOOR_DPS) / (calm_lo + SIDE_CALM_FLOOR_DPS)))
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
        axis: a known movement axis in the sensor frame (e.g. from a calibration), or None. It
            is used when it lies within ``CALIBRATION_AXIS_MAX_DEG`` of the recording's own
            principal axis (the same sensor mounting and movement); otherwise the recording's
            axis is (a re-mounted sensor or another movement). Its sign is kept when the
            recording does not say clearly where rest is.
    """
    stride = max(1, int(fs // ANGLE_RATE_HZ))
    if len(t) < 2 * stride:
        stride = 1
    fs_grid = fs / stride
    grid = np.arange(len(t) // stride) * stride + stride - 1
    gyr_g = block_means(gyr, stride) if stride > 1 else np.asarray(gyr, dtype=float)
    acc_g = block_means(acc, stride) if stride > 1 else np.asarray(acc, dtype=float)
    quat, _rest = OrientationFilter(fs_grid, use_mag=False).update(acc_g, gyr_g)
    gyr_lp = lowpass(gyr_g, SPEED_LOWPASS_HZ, fs_grid)
    speed = np.sqrt(np.einsum("ij,ij->i", gyr_lp, gyr_lp))
    # the slow signal for the axis: the 2.5 Hz low-passed rate at >= 10 Hz, low-passed again
    every = max(1, int(fs_grid // (4.0 * SPEED_LOWPASS_HZ)))
    axis_lp = lowpass(gyr_lp[::every], AXIS_LOWPASS_HZ, fs_grid / every)
    found, share = principal_axis(axis_lp)
    source, off_deg = "recording", None
    if axis is not None:
        given = np.asarray(axis, dtype=float) / np.linalg.norm(axis)
        off_deg = float(np.degrees(np.arccos(min(1.0, abs(float(given @ found))))))
        if off_deg <= CALIBRATION_AXIS_MAX_DEG:
            energy = float(np.sum(axis_lp**2))
            found, source = given, "calibration"
            share = float(np.sum((axis_lp @ found) ** 2) / energy) if energy > 0 else 0.0
    window = max(1, int(round(fs_grid * STILL_MIN_S)))
    if len(speed) > window:
        mean_speed = np.convolve(speed, np.ones(window) / window, mode="valid")
        ref = int(np.argmin(mean_speed)) + window // 2
    else:
        ref = 0
    raw = _twist_deg(quat, quat[ref], found)
    lp = lowpass(raw, ANGLE_LOWPASS_HZ, fs_grid)
    vote, neutral = rest_side(lp, speed, fs_grid)
    sign = -1.0 if vote < 0.0 else 1.0
    zero_raw, zero_lp = raw[neutral], lp[neutral]
    return AngleTrace(
        t=t[grid],
        fs=fs_grid,
        stride=stride,
        quat=quat,
        gyr_dps=gyr_g,
        axis=sign * found,
        axis_share=share,
        axis_source=source,
        calibration_axis_off_deg=off_deg,
        angle_deg=sign * (raw - zero_raw),
        angle_lp_deg=sign * (lp - zero_lp),
        speed_dps=speed,
        rest_vote=vote,
        neutral_index=neutral,
    )
