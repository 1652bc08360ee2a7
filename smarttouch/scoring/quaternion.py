"""Vectorised unit-quaternion helpers, (w, x, y, z) convention, Hamilton product.

A quaternion ``q`` rotates sensor-frame vectors into the earth frame: ``v_e = q * v_s * q^-1``.
Arrays have shape (4,) or (N, 4); angles are in radians unless a name ends in ``_deg``.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

FloatArray: TypeAlias = NDArray[np.float64]


def multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product a * b (broadcasts over leading dimensions)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    w1, x1, y1, z1 = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    w2, x2, y2, z2 = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    return np.stack(
        [
            w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
            w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
            w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
        ],
        axis=-1,
    )


def conjugate(q: np.ndarray) -> np.ndarray:
    """Conjugate (= inverse for unit quaternions)."""
    out: FloatArray = np.asarray(q, dtype=float) * np.array([1.0, -1.0, -1.0, -1.0])
    return out


def normalize(q: np.ndarray) -> np.ndarray:
    """Scale to unit norm."""
    q = np.asarray(q, dtype=float)
    out: FloatArray = q / np.linalg.norm(q, axis=-1, keepdims=True)
    return out


def rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vector(s) ``v`` by quaternion(s) ``q``: q * v * q^-1."""
    q = np.asarray(q, dtype=float)
    v = np.asarray(v, dtype=float)
    w = q[..., :1]
    u = q[..., 1:]
    t = 2.0 * np.cross(u, v)
    return v + w * t + np.cross(u, t)


def from_axis_angle(axis: np.ndarray, angle_rad: np.ndarray | float) -> np.ndarray:
    """Quaternion of a rotation by ``angle_rad`` about the unit ``axis``."""
    axis = np.asarray(axis, dtype=float)
    half = np.asarray(angle_rad, dtype=float)[..., None] / 2.0
    return np.concatenate([np.cos(half), np.sin(half) * axis], axis=-1)


def rotation_angle(q: np.ndarray) -> np.ndarray:
    """Rotation angle in radians, in [0, pi], of each quaternion."""
    q = np.asarray(q, dtype=float)
    vec = np.linalg.norm(q[..., 1:], axis=-1)
    out: FloatArray = 2.0 * np.arctan2(vec, np.abs(q[..., 0]))
    return out


def twist_angle(q: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Signed angle (rad, in (-pi, pi]) of the twist of ``q`` about the unit ``axis``.

    Swing-twist decomposition: q = swing * twist, twist = normalise(w, (v . a) a); the
    angle is ``2 atan2(v . a, w)`` wrapped to (-pi, pi].
    """
    q = np.asarray(q, dtype=float)
    proj = q[..., 1:] @ np.asarray(axis, dtype=float)
    ang = 2.0 * np.arctan2(proj, q[..., 0])
    out: FloatArray = (ang + np.pi) % (2.0 * np.pi) - np.pi
    return out
