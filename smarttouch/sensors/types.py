"""Core data types of motion input.

Units everywhere: time in seconds, acceleration in g, angular rate in deg/s, magnetic field in
microtesla, orientation as a unit quaternion (w, x, y, z). Conversion happens at the edge
(decoders, importers), never inside.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

FloatArray: TypeAlias = npt.NDArray[np.float64]  # a float64 array (samples x columns, or one axis)

#: The phases of a play session, in the order a session normally goes through them.
#: ``feelings`` (the patient rates pain and effort, before and after the session),
#: ``calibration`` (neutral pose, comfortable maximum), ``instructions`` (the game is shown,
#: countdown), ``play`` (one set being played: the only phases whose repetitions count),
#: ``rest`` (between sets), ``stop`` (the stop menu is open: the patient is choosing whether
#: and why to stop), ``summary`` (the session is over; the recording has ended).
PHASE_KINDS: tuple[str, ...] = (
    "feelings",
    "calibration",
    "instructions",
    "play",
    "rest",
    "stop",
    "summary",
)
#: Slack in seconds when checking phase times against each other and the recording's time
#: range (float rounding of times written as text).
PHASE_TOLERANCE_S = 1e-6


def _as_float_array(value: Any, columns: int | None) -> np.ndarray:
    raw = np.asarray(value)
    if np.iscomplexobj(raw):
        raise ValueError(f"complex values ({raw.dtype}) where real numbers are expected")
    arr = np.ascontiguousarray(raw.astype(np.float64, copy=False))
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


@dataclass(frozen=True)
class Phase:
    """One phase of a play session, as a span of the recording's clock.

    Attributes:
        kind: one of :data:`PHASE_KINDS`.
        t_start: start, seconds on the recording's clock (the clock of ``Recording.t``).
        t_end: end, seconds on the recording's clock; ``t_end >= t_start`` (a phase may be
            empty, e.g. the summary, which begins when the recording ends).
        set_index: for ``play`` the 0-based set being played (required); for ``rest`` the
            set that follows; None for the other kinds. A set interrupted by the stop menu
            and resumed is two ``play`` phases with the same ``set_index``.

    Raises:
        ValueError: unknown kind, non-finite or reversed times, a play phase without a set,
            or a negative set index.
    """

    kind: str
    t_start: float
    t_end: float
    set_index: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in PHASE_KINDS:
            raise ValueError(f"unknown phase kind {self.kind!r} (known: {', '.join(PHASE_KINDS)})")
        for name in ("t_start", "t_end"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise ValueError(f"{self.kind} phase: {name} must be a number of seconds, got {value!r}")
            if not math.isfinite(float(value)):
                raise ValueError(f"{self.kind} phase: {name} {value} is not finite")
            object.__setattr__(self, name, float(value))
        if self.t_end < self.t_start - PHASE_TOLERANCE_S:
            raise ValueError(
                f"{self.kind} phase ends at {self.t_end:g} s, before it starts at {self.t_start:g} s"
            )
        if self.set_index is not None:
            if isinstance(self.set_index, bool) or not isinstance(self.set_index, (int, np.integer)):
                raise ValueError(f"{self.kind} phase: set_index must be an integer, got {self.set_index!r}")
            if self.set_index < 0:
                raise ValueError(f"{self.kind} phase: set_index {self.set_index} is negative")
            object.__setattr__(self, "set_index", int(self.set_index))
        elif self.kind == "play":
            raise ValueError("play phase: set_index is required (0 for the first set)")

    @property
    def duration_s(self) -> float:
        """Length of the phase in seconds."""
        return self.t_end - self.t_start

    def to_dict(self) -> dict[str, Any]:
        """``{"kind", "t_start", "t_end", "set_index"}`` (times in seconds)."""
        return {"kind": self.kind, "t_start": self.t_start, "t_end": self.t_end, "set_index": self.set_index}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Phase:
        """The inverse of :meth:`to_dict`; raises ValueError naming what is missing or wrong."""
        if not isinstance(d, Mapping):
            raise ValueError(f"a phase must be an object with kind, t_start, t_end, got {d!r}")
        missing = [k for k in ("kind", "t_start", "t_end") if k not in d]
        if missing:
            raise ValueError(f"phase is missing {', '.join(missing)}")
        unknown = sorted(set(d) - {"kind", "t_start", "t_end", "set_index"})
        if unknown:
            raise ValueError(f"phase has unknown field(s) {', '.join(map(str, unknown))}")
        return cls(d["kind"], d["t_start"], d["t_end"], d.get("set_index"))


def check_phases(phases: Iterable[Phase], t_first: float, t_last: float) -> tuple[Phase, ...]:
    """Check that ``phases`` fit a recording running from ``t_first`` to ``t_last`` seconds.

    The phases must lie inside that time range, be in time order and not overlap (one may
    start exactly where the previous ends; gaps are allowed). Returns them as a tuple.

    Raises:
        ValueError: naming the first phase (0-based) at fault and why.
    """
    out = tuple(phases)
    tol = PHASE_TOLERANCE_S
    for i, p in enumerate(out):
        if p.t_start < t_first - tol or p.t_end > t_last + tol:
            raise ValueError(
                f"phase {i} ({p.kind}, {p.t_start:g}-{p.t_end:g} s) is outside the recording's "
                f"time range {t_first:g}-{t_last:g} s"
            )
        if i and p.t_start < out[i - 1].t_end - tol:
            prev = out[i - 1]
            order = "overlaps" if p.t_start >= prev.t_start else "comes before"
            raise ValueError(
                f"phase {i} ({p.kind}, from {p.t_start:g} s) {order} phase {i - 1} "
                f"({prev.kind}, {prev.t_start:g}-{prev.t_end:g} s): phases must be in time order "
                "without overlap"
            )
    return out


def play_phases(phases: Sequence[Phase]) -> list[Phase]:
    """The ``play`` phases that last longer than zero, in order (an empty one, e.g. a set
    stopped the moment it began, holds no repetition)."""
    return [p for p in phases if p.kind == "play" and p.t_end > p.t_start]


def play_spans(phases: Sequence[Phase]) -> list[tuple[float, float]]:
    """``(t_start, t_end)`` in seconds of each non-empty ``play`` phase, in order: the spans
    whose repetitions count."""
    return [(p.t_start, p.t_end) for p in play_phases(phases)]


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
        phases: the session's phases on this recording's clock, in time order (empty for a
            recording that is not a play session, or from before phases were recorded).
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
    phases: tuple[Phase, ...] = ()

    def __post_init__(self) -> None:
        self.phases = tuple(self.phases)
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
