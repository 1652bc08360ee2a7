"""Core data types of motion input.

Units everywhere: time in seconds, acceleration in g, angular rate in deg/s, magnetic field in
microtesla, orientation as a unit quaternion (w, x, y, z). Conversion happens at the edge
(decoders, importers), never inside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

FloatArray: TypeAlias = npt.NDArray[np.float64]  # a float64 array (samples x columns, or one axis)


def _as_float_array(value: Any, columns: int | None) -> np.ndarray:
    arr = np.ascontiguousarray(np.asarray(value, dtype=np.float64))
    if columns is None:
        return arr.reshape(-1)
    return arr.reshape(-1, columns)


@dataclass(frozen=True)
class ImuBatch:
    """A batch of consecutive IMU samples, as they arrive from a source.

    Attributes:
        t: sample times in seconds, shape (n,), float64, strictly increasing.
        acc: acceleration in g, shape (n, 3), gravity included.
        gyr: angular rate in deg/s, shape (n, 3).
        mag: magnetic field in microtesla, shape (n, 3), or None.
        quat: orientation quaternion (w, x, y, z), shape (n, 4), or None when the device
            does not compute one.
    """

    t: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    mag: np.ndarray | None = None
    quat: np.ndarray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "t", _as_float_array(self.t, None))
        object.__setattr__(self, "acc", _as_float_array(self.acc, 3))
        object.__setattr__(self, "gyr", _as_float_array(self.gyr, 3))
        if self.mag is not None:
            object.__setattr__(self, "mag", _as_float_array(self.mag, 3))
        if self.quat is not None:
            object.__setattr__(self, "quat", _as_float_array(self.quat, 4))
        n = len(self.t)
        for name in ("acc", "gyr", "mag", "quat"):
            arr = getattr(self, name)
            if arr is not None and len(arr) != n:
                raise ValueError(f"ImuBatch.{name} has {len(arr)} rows but t has {n}")

    def __len__(self) -> int:
        return len(self.t)

    @staticmethod
    def concatenate(batches: list[ImuBatch]) -> ImuBatch:
        """Join batches in order into one batch (mag/quat kept only if every batch has them)."""
        if not batches:
            return ImuBatch(np.empty(0), np.empty((0, 3)), np.empty((0, 3)))
        has_mag = all(b.mag is not None for b in batches)
        has_quat = all(b.quat is not None for b in batches)
        return ImuBatch(
            t=np.concatenate([b.t for b in batches]),
            acc=np.concatenate([b.acc for b in batches]),
            gyr=np.concatenate([b.gyr for b in batches]),
            mag=np.concatenate([b.mag for b in batches]) if has_mag else None,
            quat=np.concatenate([b.quat for b in batches]) if has_quat else None,
        )


@dataclass
class Recording:
    """A recorded motion session: metadata plus the sample arrays.

    Attributes:
        t: sample times in seconds from the start of the recording, shape (n,).
        acc: acceleration in g, shape (n, 3).
        gyr: angular rate in deg/s, shape (n, 3).
        mag: magnetic field in microtesla, shape (n, 3), or None.
        quat: device orientation quaternion (w, x, y, z), shape (n, 4), or None.
        sample_rate_hz: nominal sample rate in Hz.
        device: device name or identifier (free text, e.g. "Thingy:52 C3:21:..").
        profile: device profile registry key (e.g. "thingy52-raw"), or "sim", "csv".
        placement: where the sensor is worn (e.g. "wrist-right", "upper-arm-left", "thigh").
        calibration: calibration data (e.g. neutral pose quaternion, comfortable max ROM).
        labels: free labels, e.g. {"movement": "shoulder_flexion", "reps": [[t0, t1], ...]}.
    """

    t: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    mag: np.ndarray | None = None
    quat: np.ndarray | None = None
    sample_rate_hz: float = 100.0
    device: str = ""
    profile: str = ""
    placement: str = ""
    calibration: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.t = _as_float_array(self.t, None)
        self.acc = _as_float_array(self.acc, 3)
        self.gyr = _as_float_array(self.gyr, 3)
        if self.mag is not None:
            self.mag = _as_float_array(self.mag, 3)
        if self.quat is not None:
            self.quat = _as_float_array(self.quat, 4)
        self.sample_rate_hz = float(self.sample_rate_hz)

    def __len__(self) -> int:
        return len(self.t)

    @property
    def duration_s(self) -> float:
        """Duration in seconds (last minus first sample time; 0 for fewer than 2 samples)."""
        return float(self.t[-1] - self.t[0]) if len(self.t) > 1 else 0.0

    def batches(self, size: int) -> list[ImuBatch]:
        """Split into consecutive batches of ``size`` samples (the last may be shorter)."""
        out = []
        for i in range(0, len(self.t), size):
            sl = slice(i, i + size)
            out.append(
                ImuBatch(
                    self.t[sl],
                    self.acc[sl],
                    self.gyr[sl],
                    None if self.mag is None else self.mag[sl],
                    None if self.quat is None else self.quat[sl],
                )
            )
        return out
