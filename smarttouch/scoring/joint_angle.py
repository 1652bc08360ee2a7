"""Joint angle from the segment orientation, streaming (piece by piece) and chunk-independent.

Neutral pose: the calibration's neutral orientation (heading-aligned to this session at the
first still second, since 6D heading is arbitrary per session), else the orientation at the
end of the first second in which the mean gyro speed stays below ``STILL_DPS``. If no such second
comes within ``NEUTRAL_FALLBACK_S``, the stillest second seen so far is used (rest tremor).

Axis: the calibration's axis, else the rotation axis of the relative orientation the first time
it exceeds ``AXIS_FREEZE_DEG`` from neutral (functional calibration from the first movement).
Before that, the angle is the rotation angle from neutral (positive). After, it is the twist
(swing-twist decomposition) of the relative rotation about the axis, unwrapped, in degrees.
"""

from __future__ import annotations

import numpy as np

from smarttouch.scoring import quaternion as Q
from smarttouch.scoring.calibration import Calibration

STILL_DPS = 10.0  # mean gyro speed over a window below which the sensor is still, deg/s
STILL_WINDOW_S = 1.0
NEUTRAL_FALLBACK_S = 5.0
AXIS_FREEZE_DEG = 20.0
_Z = np.array([0.0, 0.0, 1.0])


class AngleTracker:
    """Turns orientation quaternions into a joint angle, batch by batch.

    Args:
        sample_rate_hz: sample rate, Hz.
        calibration: optional calibration (neutral, axis); updated in place as neutral and
            axis are found.
    """

    def __init__(self, sample_rate_hz: float, calibration: Calibration | None = None) -> None:
        self.calibration = calibration if calibration is not None else Calibration()
        self._win = max(2, int(round(STILL_WINDOW_S * sample_rate_hz)))
        self._fallback = int(round(NEUTRAL_FALLBACK_S * sample_rate_hz))
        self._tail = np.empty(0)  # last (win - 1) gyro speeds
        self._count = 0  # samples seen
        self._best: tuple[float, np.ndarray | None] = (np.inf, None)  # (mean speed, quat), stillest window
        self.neutral_source = ""  # "still", "calibration", "fallback" or "captured"
        self._q0: np.ndarray | None = None
        self._axis = None if self.calibration.axis is None else np.asarray(self.calibration.axis)
        self._prev_angle: float | None = None
        self._last_q: np.ndarray | None = None

    def capture_neutral(self) -> None:
        """Make the latest orientation the neutral pose (angle 0)."""
        if self._last_q is None:
            raise RuntimeError("capture_neutral() needs at least one sample first")
        self._set_neutral(self._last_q, from_calibration=False)
        self.neutral_source = "captured"

    def update(self, quat: np.ndarray, gyr_dps: np.ndarray) -> np.ndarray:
        """Angles in degrees for these samples (NaN before the neutral pose is known)."""
        n = len(quat)
        out = np.full(n, np.nan)
        if n == 0:
            return out
        start = 0
        if self._q0 is None:
            start = self._find_neutral(quat, gyr_dps)
        self._count += n
        self._last_q = quat[-1].copy()
        if start < n:
            out[start:] = self._angles(quat[start:])
        return out

    def _find_neutral(self, quat: np.ndarray, gyr_dps: np.ndarray) -> int:
        """Look for the neutral pose in this batch; return the batch index after it (or n)."""
        w = self._win
        joined = np.concatenate([self._tail, np.linalg.norm(gyr_dps, axis=1)])
        self._tail = joined[-(w - 1) :]
        csum = np.concatenate([[0.0], np.cumsum(joined)])
        means = (csum[w:] - csum[:-w]) / w  # mean speed of each full window in `joined`
        ends = np.arange(len(means)) + w - 1 - (len(joined) - len(quat))  # batch index of its end
        keep = ends >= 0
        means, ends = means[keep], ends[keep]
        hit = np.flatnonzero(means < STILL_DPS)
        late = np.flatnonzero(self._count + ends + 1 >= self._fallback)
        if hit.size and not (late.size and late[0] < hit[0]):
            i = int(ends[hit[0]])
            self._set_neutral(quat[i], from_calibration=True)
            return i + 1
        upto = int(late[0]) + 1 if late.size else len(means)
        if upto:
            j = int(np.argmin(means[:upto]))
            if means[j] < self._best[0]:
                self._best = (float(means[j]), quat[int(ends[j])].copy())
        if late.size:
            i = int(ends[late[0]])
            best = self._best[1] if self._best[1] is not None else quat[i]
            self._set_neutral(best, from_calibration=True)
            self.neutral_source = "fallback"
            return i + 1
        return len(quat)

    def _set_neutral(self, q_now: np.ndarray, from_calibration: bool) -> None:
        q0 = np.asarray(q_now, dtype=float)
        cal = self.calibration.neutral_quat
        if from_calibration and cal is not None:
            q_cal = np.asarray(cal)
            heading = Q.twist_angle(Q.multiply(q0, Q.conjugate(q_cal)), _Z)
            q0 = Q.multiply(Q.from_axis_angle(_Z, heading), q_cal)
        self.neutral_source = "calibration" if from_calibration and cal is not None else "still"
        self._q0 = Q.normalize(q0)
        self._prev_angle = None
        w, x, y, z = (float(v) for v in self._q0)
        self.calibration.neutral_quat = (w, x, y, z)

    def _angles(self, quat: np.ndarray) -> np.ndarray:
        assert self._q0 is not None  # set before any angle is computed
        rel = Q.multiply(Q.conjugate(self._q0), quat)
        out = np.empty(len(quat))
        done = 0
        if self._axis is None:
            rot = np.degrees(Q.rotation_angle(rel))
            over = np.flatnonzero(rot > AXIS_FREEZE_DEG)
            if not over.size:
                self._prev_angle = float(rot[-1])
                return np.asarray(rot, dtype=float)
            k = int(over[0])
            v = rel[k, 1:] * (1.0 if rel[k, 0] >= 0 else -1.0)
            self._axis = v / np.linalg.norm(v)
            ax, ay, az = (float(c) for c in self._axis)
            self.calibration.axis = (ax, ay, az)
            out[:k] = rot[:k]
            self._prev_angle = float(rot[k - 1]) if k else self._prev_angle
            done = k
        twist = np.degrees(Q.twist_angle(rel[done:], self._axis))
        ref = twist[0] if self._prev_angle is None else self._prev_angle
        steps = np.diff(twist, prepend=ref)
        steps = (steps + 180.0) % 360.0 - 180.0  # unwrap: no jump of 180 deg or more per sample
        out[done:] = ref + np.cumsum(steps)
        self._prev_angle = float(out[-1])
        return out
