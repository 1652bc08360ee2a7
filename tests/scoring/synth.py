"""Hand-made IMU recordings for the offline counter's edge cases.

A segment turns about a fixed world axis by a joint-angle profile built piece by piece
(rest, minimum-jerk strokes, holds with wobble, fidgets about other axes); the sensor sits at
the joint with a fixed mounting rotation. The gyroscope is the body-frame angular velocity
from consecutive orientations, the accelerometer is gravity in the sensor frame (plus optional
heel-impact spikes). Physically consistent enough for counting, and fully controlled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from smarttouch.scoring import quaternion as Q
from smarttouch.sensors.types import Recording

AXIS_WORLD = np.array([0.0, 1.0, 0.0])  # flexion about the world left-right axis
OTHER_AXIS = np.array([1.0, 0.0, 0.0])
MOUNT = Q.normalize(np.array([0.9, 0.2, -0.3, 0.25]))


def min_jerk(n: int) -> np.ndarray:
    """Minimum-jerk profile 0 -> 1 over n samples (Flash & Hogan 1985)."""
    s = np.linspace(0.0, 1.0, max(n, 2))
    return 10 * s**3 - 15 * s**4 + 6 * s**5


@dataclass
class Profile:
    """A joint angle (deg) and an off-axis angle (deg), appended piece by piece at ``fs`` Hz."""

    fs: float
    angle: list[float] = field(default_factory=list)
    other: list[float] = field(default_factory=list)
    rep_peaks_s: list[float] = field(default_factory=list)

    @property
    def now(self) -> float:
        return self.angle[-1] if self.angle else 0.0

    def _add(self, values: np.ndarray, other: np.ndarray | None = None) -> None:
        self.angle.extend(values.tolist())
        self.other.extend((np.zeros(len(values)) if other is None else other).tolist())

    def rest(self, seconds: float, level: float = 0.0) -> Profile:
        self._add(np.full(int(round(seconds * self.fs)), level))
        return self

    def stroke(self, to_deg: float, seconds: float) -> Profile:
        start = self.now
        self._add(start + (to_deg - start) * min_jerk(int(round(seconds * self.fs)))[1:])
        return self

    def rep(
        self,
        rom_deg: float,
        seconds: float,
        hold_s: float = 0.0,
        wobble_deg: float = 0.0,
        rest_s: float = 1.0,
    ) -> Profile:
        """Out to ``rom_deg`` above the current level and back, with an optional hold (with a
        slow wobble of ``wobble_deg``) at the top, then ``rest_s`` at rest."""
        base = self.now
        self.stroke(base + rom_deg, seconds / 2)
        self.rep_peaks_s.append(len(self.angle) / self.fs)
        if hold_s > 0:
            t = np.arange(int(round(hold_s * self.fs))) / self.fs
            self._add(base + rom_deg - wobble_deg * np.sin(np.pi * t / max(hold_s, 1e-9)) ** 2)
        self.stroke(base, seconds / 2)
        return self.rest(rest_s, base)

    def fidget(self, seconds: float, on_axis_deg: float, off_axis_deg: float, seed: int = 0) -> Profile:
        """Small irregular movements about the movement axis and another axis."""
        rng = np.random.default_rng(seed)
        n = int(round(seconds * self.fs))
        t = np.arange(n) / self.fs
        base = self.now
        on = sum(rng.uniform(-1, 1) * np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) for f in (0.3, 0.7, 1.3))
        off = sum(rng.uniform(-1, 1) * np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) for f in (0.2, 0.5, 1.1))
        env = np.sin(np.pi * t / seconds) ** 2  # starts and ends at rest
        self._add(base + on_axis_deg / 3 * on * env, off_axis_deg / 3 * off * env)
        return self

    def recording(
        self,
        noise_gyr_dps: float = 0.3,
        noise_acc_g: float = 0.005,
        impacts_s: tuple[float, ...] = (),
        impact_g: float = 11.0,
        seed: int = 0,
    ) -> Recording:
        return imu_from_angles(
            np.array(self.angle),
            np.array(self.other),
            self.fs,
            noise_gyr_dps,
            noise_acc_g,
            impacts_s,
            impact_g,
            seed,
        )


def imu_from_angles(
    angle_deg: np.ndarray,
    other_deg: np.ndarray,
    fs: float,
    noise_gyr_dps: float = 0.3,
    noise_acc_g: float = 0.005,
    impacts_s: tuple[float, ...] = (),
    impact_g: float = 11.0,
    seed: int = 0,
) -> Recording:
    """A recording of a segment turned by ``angle_deg`` about ``AXIS_WORLD`` and by
    ``other_deg`` about ``OTHER_AXIS`` (deg per sample at ``fs`` Hz)."""
    rng = np.random.default_rng(seed)
    n = len(angle_deg)
    q = Q.multiply(
        Q.multiply(
            Q.from_axis_angle(AXIS_WORLD, np.radians(angle_deg)),
            Q.from_axis_angle(OTHER_AXIS, np.radians(other_deg)),
        ),
        MOUNT,
    )
    rel = Q.multiply(Q.conjugate(q[:-1]), q[1:])  # body-frame rotation between samples
    rel = rel * np.sign(rel[:, :1] + 1e-300)
    half = np.arctan2(np.linalg.norm(rel[:, 1:], axis=1), rel[:, 0])
    norm = np.linalg.norm(rel[:, 1:], axis=1, keepdims=True)
    rotvec = np.where(norm > 0, rel[:, 1:] / np.maximum(norm, 1e-300), 0.0) * (2 * half)[:, None]
    gyr = np.degrees(np.vstack([rotvec, rotvec[-1:]])) * fs
    acc = Q.rotate(Q.conjugate(q), np.array([0.0, 0.0, 1.0]))
    for t_hit in impacts_s:  # a heel strike: a sharp acceleration spike and a brief jolt
        k = int(t_hit * fs)
        width = max(1, int(0.02 * fs))
        acc[k : k + width] += np.array([0.3, -0.2, 1.0]) * (impact_g - 1.0)
        gyr[k : k + width] += np.array([150.0, -80.0, 60.0])
    gyr += rng.normal(0.0, noise_gyr_dps, gyr.shape)
    acc += rng.normal(0.0, noise_acc_g, acc.shape)
    return Recording(t=np.arange(n) / fs, acc=acc, gyr=gyr, sample_rate_hz=fs)
