"""Sensor-to-segment calibration: the neutral pose, the movement axis and the comfortable ROM.

With a single IMU on a body segment, the joint angle of a single-axis movement is the rotation
of the segment about the movement's axis relative to the neutral pose. The calibration holds
the three things that need: the neutral orientation, the axis expressed in the sensor frame
(it does not depend on heading, so it survives sessions while the sensor is worn the same way),
and the patient's comfortable maximum (position 1.0 in games).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass
class Calibration:
    """Calibration of one sensor on one segment for one movement.

    Attributes:
        neutral_quat: orientation (w, x, y, z), sensor-to-earth, at the neutral pose (angle 0),
            or None to take it from the first still second of each session.
        rom_max_deg: comfortable maximum angle in degrees (position 1.0), or None for the
            movement's default.
        axis: unit movement axis in the sensor frame (positive angle direction), or None to find
            it from the first movement (functional calibration).
        movement: the movement this calibration is for, or None.
    """

    neutral_quat: tuple[float, float, float, float] | None = None
    rom_max_deg: float | None = None
    axis: tuple[float, float, float] | None = None
    movement: str | None = None

    def __post_init__(self) -> None:
        if self.neutral_quat is not None:
            q = np.asarray(self.neutral_quat, dtype=float).reshape(-1)
            if q.shape != (4,) or not np.all(np.isfinite(q)) or np.linalg.norm(q) < 1e-6:
                raise ValueError(
                    f"Calibration.neutral_quat must be 4 finite numbers, got {self.neutral_quat}"
                )
            w, x, y, z = (float(v) for v in q / np.linalg.norm(q))
            self.neutral_quat = (w, x, y, z)
        if self.axis is not None:
            a = np.asarray(self.axis, dtype=float).reshape(-1)
            if a.shape != (3,) or not np.all(np.isfinite(a)) or np.linalg.norm(a) < 1e-6:
                raise ValueError(f"Calibration.axis must be 3 finite numbers, not all zero, got {self.axis}")
            ax, ay, az = (float(v) for v in a / np.linalg.norm(a))
            self.axis = (ax, ay, az)
        if self.rom_max_deg is not None:
            self.rom_max_deg = self.checked_rom_max(self.rom_max_deg)

    @staticmethod
    def checked_rom_max(deg: float) -> float:
        """``deg`` as a float if it is a valid comfortable maximum angle (1..360 degrees).

        Raises:
            ValueError: not a number between 1 and 360 degrees (NaN included).
        """
        rom = float(deg)
        if not 1.0 <= rom <= 360.0:
            raise ValueError(f"Calibration.rom_max_deg must be between 1 and 360 degrees, got {rom}")
        return rom

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict."""
        d = asdict(self)
        for key in ("neutral_quat", "axis"):
            if d[key] is not None:
                d[key] = list(d[key])
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Calibration:
        """Inverse of :meth:`to_dict`; unknown keys are ignored, missing ones default."""
        data = dict(data or {})
        return cls(
            neutral_quat=data.get("neutral_quat"),
            rom_max_deg=data.get("rom_max_deg"),
            axis=data.get("axis"),
            movement=data.get("movement"),
        )


def functional_axis(gyr_dps: np.ndarray, min_speed_dps: float = 20.0) -> np.ndarray:
    """Movement axis in the sensor frame from a functional movement (unit vector).

    The principal eigenvector of sum(w w^T) over the samples moving faster than
    ``min_speed_dps``; its sign is chosen so the first movement turns positive.

    Raises:
        ValueError: when there is too little movement to find an axis.
    """
    gyr = np.asarray(gyr_dps, dtype=float).reshape(-1, 3)
    speed = np.linalg.norm(gyr, axis=1)
    moving = gyr[speed > min_speed_dps]
    if len(moving) < 5:
        raise ValueError(
            f"too little movement to find the axis: {len(moving)} samples faster than {min_speed_dps} deg/s"
        )
    vals, vecs = np.linalg.eigh(moving.T @ moving)
    axis = vecs[:, -1]
    first = moving[: max(5, len(moving) // 10)].sum(axis=0)
    return axis if first @ axis >= 0 else -axis
