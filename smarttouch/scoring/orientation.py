"""Sensor orientation from IMU samples with VQF (Laidig & Seel 2023), 6D or 9D.

VQF is a causal filter: feeding a recording in one call or batch by batch gives the same
quaternions, so the streaming tracker does not depend on how the samples arrive in batches.
Inputs follow the project units (acc in g, gyr in deg/s, mag in uT) and are converted here
to what VQF expects (m/s^2, rad/s; magnetometer units are arbitrary for VQF).
"""

from __future__ import annotations

import numpy as np
from vqf import VQF

G = 9.80665  # m/s^2 per g


class OrientationFilter:
    """Streaming VQF orientation estimator.

    Args:
        sample_rate_hz: sample rate of the IMU, Hz.
        use_mag: fuse the magnetometer (9D) when batches carry one; otherwise 6D.
    """

    def __init__(self, sample_rate_hz: float, use_mag: bool = False) -> None:
        if not sample_rate_hz > 0:
            raise ValueError(f"sample_rate_hz must be > 0, got {sample_rate_hz}")
        self.sample_rate_hz = float(sample_rate_hz)
        self.use_mag = use_mag
        self._vqf = VQF(1.0 / self.sample_rate_hz)

    def update(
        self, acc_g: np.ndarray, gyr_dps: np.ndarray, mag_ut: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Process consecutive samples; return (quat (N, 4) w,x,y,z, rest flags (N,) bool)."""
        gyr = np.ascontiguousarray(np.radians(gyr_dps), dtype=np.float64)
        acc = np.ascontiguousarray(np.asarray(acc_g, dtype=np.float64) * G)
        if len(gyr) == 0:
            return np.empty((0, 4)), np.empty(0, dtype=bool)
        if self.use_mag and mag_ut is not None:
            out = self._vqf.updateBatch(gyr, acc, np.ascontiguousarray(mag_ut, dtype=np.float64))
            return out["quat9D"], out["restDetected"]
        out = self._vqf.updateBatch(gyr, acc)
        return out["quat6D"], out["restDetected"]


def estimate_orientation(
    acc_g: np.ndarray, gyr_dps: np.ndarray, sample_rate_hz: float, mag_ut: np.ndarray | None = None
) -> np.ndarray:
    """Orientation quaternions (N, 4), w,x,y,z, sensor-to-earth, of a whole recording.

    Uses 9D fusion when ``mag_ut`` is given, else 6D (heading then drifts slowly, which the
    joint angles of single-axis movements are insensitive to).
    """
    filt = OrientationFilter(sample_rate_hz, use_mag=mag_ut is not None)
    return filt.update(acc_g, gyr_dps, mag_ut)[0]
