"""Synthetic but physically consistent IMU recordings of rehabilitation movements.

The simulator builds the orientation trajectory of a body segment rotating about the
movement's anatomical axis (a fixed axis in the world frame), mounts the sensor on that segment
(a lever arm from the joint and a mounting rotation that depends on the placement), and derives
the signals from the kinematics, analytically:

* ``gyr`` is the angular velocity of the sensor in the sensor frame, deg/s. For a segment
  rotating about the world axis ``n`` by the angle ``theta(t)``, ``R(t) = Rot(n, theta) R0``
  and the body-frame angular velocity is ``R0^T n * dtheta/dt`` (constant direction).
* ``acc`` is the specific force in the sensor frame, in g: the sensor's linear acceleration
  minus gravity, ``R(t)^T (p''(t) + [0, 0, 9.80665]) / 9.80665``. ``p(t)`` is the sensor
  position on a one- or two-link chain; its second derivative is exact
  (``d2/dt2 Rot(n,a) v = a'' n x w + a'^2 n x (n x w)`` with ``w = Rot(n,a) v``).
* ``mag`` (optional) is a constant earth field of 48 uT with 60 deg inclination, rotated into
  the sensor frame.

World frame: x forward (anterior), y left, z up. Time in seconds, angles in degrees.
Every repetition goes from the neutral pose (angle 0) to its ROM and back with a
minimum-jerk profile (Flash & Hogan 1985), optionally split into overlapping sub-movements
(less smooth), then rests for a pause. Tremor is a sinusoidal oscillation of the joint angle
about the same axis, so it is physically consistent too.

The recording is labelled ``synthetic=True``; the ground truth is returned with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from smarttouch.sensors.types import FloatArray, Recording

G = 9.80665  # standard gravity, m/s^2

MOVEMENTS: tuple[str, ...] = (
    "shoulder_flexion",
    "shoulder_abduction",
    "elbow_flexion",
    "wrist_flexion",
    "forearm_pronation",
    "sit_to_stand",
    "reach_forward",
)


@dataclass
class SimResult:
    """A simulated recording with its ground truth.

    Attributes:
        recording: the IMU recording (acc in g, gyr in deg/s, optional mag in uT); its labels
            hold ``movement``, ``reps`` ([[t_start, t_end], ...] in s), ``rep_rom_deg`` and
            ``synthetic=True``.
        angle_deg: ground-truth joint angle per sample in degrees (0 = neutral pose), tremor
            included.
        rep_bounds: (t_start, t_end) in seconds of each repetition.
        rep_rom_deg: ground-truth (voluntary) range of motion of each repetition, degrees.
        orientation: ground-truth sensor orientation per sample, unit quaternion (w, x, y, z)
            rotating sensor-frame vectors into the world frame (x forward, y left, z up).
    """

    recording: Recording
    angle_deg: np.ndarray
    rep_bounds: list[tuple[float, float]]
    rep_rom_deg: list[float]
    orientation: np.ndarray = field(default_factory=lambda: np.empty((0, 4)))


@dataclass(frozen=True)
class _Placement:
    """Where the sensor sits on the moving segment.

    lever_m: sensor position in the segment frame, metres from the moving joint.
    mount_euler_deg: sensor-to-segment mounting rotation as z-y-x Euler angles, degrees.
    """

    lever_m: tuple[float, float, float]
    mount_euler_deg: tuple[float, float, float]


@dataclass(frozen=True)
class _Movement:
    """Kinematic model of one movement.

    axis: rotation axis in the world frame (positive angle = the movement's direction).
    segment_axes: neutral orientation of the moving segment, its x/y/z axes in world coordinates.
    proximal_link_m: for two-link movements (reach), the upper-arm vector in the world frame at
        neutral, which rotates about the same axis by ``proximal_gain * angle``.
    """

    axis: tuple[float, float, float]
    segment_axes: tuple[tuple[float, float, float], ...]
    placements: dict[str, _Placement]
    default_placement: str
    proximal_link_m: tuple[float, float, float] = (0.0, 0.0, 0.0)
    proximal_gain: float = 0.0


_ARM_DOWN = ((0.0, 0.0, -1.0), (0.0, 1.0, 0.0), (1.0, 0.0, 0.0))
_FORWARD = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
_S45 = float(np.sqrt(0.5))

_MOVEMENTS: dict[str, _Movement] = {
    "shoulder_flexion": _Movement(
        axis=(0.0, -1.0, 0.0),
        segment_axes=_ARM_DOWN,
        placements={
            "upper-arm-right": _Placement((0.15, -0.05, 0.0), (0.0, 0.0, 90.0)),
            "upper-arm-left": _Placement((0.15, 0.05, 0.0), (0.0, 0.0, -90.0)),
            "wrist-right": _Placement((0.55, -0.03, 0.0), (20.0, 0.0, 120.0)),
            "wrist-left": _Placement((0.55, 0.03, 0.0), (-20.0, 0.0, -120.0)),
        },
        default_placement="upper-arm-right",
    ),
    "shoulder_abduction": _Movement(
        axis=(-1.0, 0.0, 0.0),
        segment_axes=_ARM_DOWN,
        placements={
            "upper-arm-right": _Placement((0.15, -0.05, 0.0), (0.0, 0.0, 90.0)),
            "wrist-right": _Placement((0.55, -0.03, 0.0), (-15.0, 10.0, 100.0)),
        },
        default_placement="upper-arm-right",
    ),
    "elbow_flexion": _Movement(
        axis=(0.0, -1.0, 0.0),
        segment_axes=_ARM_DOWN,
        placements={
            "wrist-right": _Placement((0.22, -0.03, 0.0), (0.0, 0.0, 90.0)),
            "wrist-left": _Placement((0.22, 0.03, 0.0), (180.0, 0.0, -90.0)),
            "forearm-right": _Placement((0.12, -0.04, 0.0), (30.0, 0.0, 80.0)),
        },
        default_placement="wrist-right",
    ),
    "wrist_flexion": _Movement(
        axis=(0.0, 1.0, 0.0),
        segment_axes=_FORWARD,
        placements={
            "hand-right": _Placement((0.06, 0.0, 0.015), (0.0, 0.0, 0.0)),
            "hand-left": _Placement((0.06, 0.0, 0.015), (180.0, 0.0, 0.0)),
        },
        default_placement="hand-right",
    ),
    "forearm_pronation": _Movement(
        axis=(-1.0, 0.0, 0.0),
        segment_axes=_FORWARD,
        placements={
            "wrist-right": _Placement((0.22, -0.03, 0.0), (0.0, 0.0, 90.0)),
            "wrist-left": _Placement((0.22, 0.03, 0.0), (0.0, 0.0, -90.0)),
        },
        default_placement="wrist-right",
    ),
    "sit_to_stand": _Movement(
        axis=(0.0, 1.0, 0.0),
        segment_axes=((-1.0, 0.0, 0.0), (0.0, -1.0, 0.0), (0.0, 0.0, 1.0)),
        placements={
            "thigh-right": _Placement((0.2, 0.0, 0.06), (0.0, 0.0, 0.0)),
            "thigh-left": _Placement((0.2, 0.0, 0.06), (90.0, 0.0, 0.0)),
        },
        default_placement="thigh-right",
    ),
    "reach_forward": _Movement(
        axis=(0.0, -1.0, 0.0),
        segment_axes=((_S45, 0.0, -_S45), (0.0, 1.0, 0.0), (_S45, 0.0, _S45)),
        placements={
            "wrist-right": _Placement((0.24, 0.0, 0.03), (0.0, 0.0, 0.0)),
            "wrist-left": _Placement((0.24, 0.0, 0.03), (180.0, 0.0, 0.0)),
        },
        default_placement="wrist-right",
        proximal_link_m=(0.0, 0.0, -0.3),
        proximal_gain=0.8,
    ),
}

PLACEMENTS: dict[str, tuple[str, ...]] = {k: tuple(m.placements) for k, m in _MOVEMENTS.items()}


def _euler_zyx(deg: tuple[float, float, float]) -> FloatArray:
    z, y, x = np.radians(deg)
    cz, sz, cy, sy, cx, sx = np.cos(z), np.sin(z), np.cos(y), np.sin(y), np.cos(x), np.sin(x)
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    return np.asarray(rz @ ry @ rx, dtype=np.float64)


def _rotate(n: FloatArray, angle_rad: FloatArray, v: FloatArray) -> FloatArray:
    """Rodrigues: rotate the fixed vector ``v`` about unit axis ``n`` by each angle, (N, 3)."""
    c = np.cos(angle_rad)[:, None]
    s = np.sin(angle_rad)[:, None]
    return np.asarray(v * c + np.cross(n, v) * s + n * float(n @ v) * (1.0 - c), dtype=np.float64)


def _rotate_each(n: FloatArray, angle_rad: FloatArray, v: FloatArray) -> FloatArray:
    """Rodrigues for per-sample vectors ``v`` (N, 3)."""
    c = np.cos(angle_rad)[:, None]
    s = np.sin(angle_rad)[:, None]
    return np.asarray(v * c + np.cross(n, v) * s + n * (v @ n)[:, None] * (1.0 - c), dtype=np.float64)


def _link_acc(n: FloatArray, a: FloatArray, da: FloatArray, dda: FloatArray, v: FloatArray) -> FloatArray:
    """Second time derivative (m/s^2) of ``Rot(n, a(t)) v`` for angle a in rad."""
    w = _rotate(n, a, v)
    nxw = np.cross(n, w)
    return np.asarray(dda[:, None] * nxw + (da**2)[:, None] * np.cross(n, nxw), dtype=np.float64)


def _quat_from_matrix(r: FloatArray) -> FloatArray:
    """Unit quaternion (w, x, y, z) of a rotation matrix (Shepperd's method)."""
    tr = np.trace(r)
    if tr > 0:
        s = 2.0 * np.sqrt(tr + 1.0)
        parts = [0.25 * s, (r[2, 1] - r[1, 2]) / s, (r[0, 2] - r[2, 0]) / s, (r[1, 0] - r[0, 1]) / s]
    else:
        i = int(np.argmax(np.diag(r)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = 2.0 * np.sqrt(1.0 + r[i, i] - r[j, j] - r[k, k])
        parts = [0.0, 0.0, 0.0, 0.0]
        parts[0] = (r[k, j] - r[j, k]) / s
        parts[1 + i] = 0.25 * s
        parts[1 + j] = (r[j, i] + r[i, j]) / s
        parts[1 + k] = (r[k, i] + r[i, k]) / s
    q = np.array(parts, dtype=np.float64)
    return np.asarray(q / np.linalg.norm(q) * (1.0 if q[0] >= 0 else -1.0), dtype=np.float64)


def _min_jerk(tau: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Normalised minimum-jerk position, velocity and acceleration for tau in [0, 1]."""
    tau = np.clip(tau, 0.0, 1.0)
    pos = tau**3 * (10.0 - 15.0 * tau + 6.0 * tau**2)
    vel = 30.0 * tau**2 * (1.0 - tau) ** 2
    acc = 60.0 * tau * (1.0 - tau) * (1.0 - 2.0 * tau)
    return pos, vel, acc


def _add_stroke(
    out: tuple[FloatArray, FloatArray, FloatArray],
    t: FloatArray,
    t0: float,
    duration: float,
    amplitude: float,
    submovements: int,
    rng: np.random.Generator,
) -> None:
    """Add a stroke of ``amplitude`` deg over [t0, t0 + duration] to (angle, vel, acc) in place.

    With k sub-movements the stroke is k minimum-jerk pieces of random share, each lasting
    2/(k+1) of the stroke and starting half a piece after the previous one (50 % overlap).
    """
    k = max(1, int(submovements))
    shares = rng.uniform(0.6, 1.4, size=k) if k > 1 else np.ones(1)
    shares = shares / shares.sum()
    piece = 2.0 * duration / (k + 1)
    for j in range(k):
        start = t0 + j * piece / 2.0
        lo, hi = np.searchsorted(t, [start, start + piece])
        tau = (t[lo:] - start) / piece
        p, v, a = _min_jerk(tau)
        amp = amplitude * shares[j]
        out[0][lo:] += amp * p
        out[1][lo:hi] += amp * v[: hi - lo] / piece
        out[2][lo:hi] += amp * a[: hi - lo] / piece**2


RepPlan = tuple[FloatArray, FloatArray, FloatArray]  # tempo s, pause s, ROM deg per rep


def _angle_profile(
    n_samples: int, fs: float, plan: RepPlan, submovements: int, lead_in_s: float, rng: np.random.Generator
) -> tuple[FloatArray, tuple[FloatArray, FloatArray, FloatArray], list[tuple[float, float]], list[float]]:
    """Voluntary joint angle (deg), its rate (deg/s) and acceleration (deg/s^2), and truth."""
    t = np.arange(n_samples) / fs
    out = (np.zeros(n_samples), np.zeros(n_samples), np.zeros(n_samples))
    bounds: list[tuple[float, float]] = []
    roms: list[float] = []
    t0 = lead_in_s
    for tempo, pause, rom in zip(*plan, strict=True):
        rise, hold = 0.45 * float(tempo), 0.10 * float(tempo)
        _add_stroke(out, t, t0, rise, rom, submovements, rng)
        _add_stroke(out, t, t0 + rise + hold, rise, -rom, submovements, rng)
        bounds.append((float(t0), float(t0 + tempo)))
        roms.append(float(rom))
        t0 += tempo + pause
    return t, out, bounds, roms


def _rep_plan(
    reps: int,
    rom_deg: float,
    tempo_s: float,
    tempo_var: float,
    pause_s: float,
    pause_var: float,
    rom_var: float,
    rng: np.random.Generator,
) -> RepPlan:
    tempos = tempo_s * np.exp(tempo_var * rng.standard_normal(reps))
    pauses = pause_s * np.exp(pause_var * rng.standard_normal(reps))
    roms = rom_deg * np.clip(1.0 + rom_var * rng.standard_normal(reps), 0.3, 1.7)
    return tempos, pauses, roms


def _validate(
    movement: str, reps: int, rom_deg: float, tempo_s: float, fs: float, placement: str | None
) -> _Movement:
    if movement not in _MOVEMENTS:
        raise ValueError(f"unknown movement {movement!r}; choose one of {', '.join(MOVEMENTS)}")
    spec = _MOVEMENTS[movement]
    if placement is not None and placement not in spec.placements:
        raise ValueError(
            f"placement {placement!r} is not simulated for {movement}; "
            f"choose one of {', '.join(spec.placements)}"
        )
    if reps < 0:
        raise ValueError(f"reps must be >= 0, got {reps}")
    if not 0.0 < rom_deg <= 180.0:
        raise ValueError(f"rom_deg must be in (0, 180] degrees, got {rom_deg}")
    if tempo_s <= 0.2:
        raise ValueError(f"tempo_s must be > 0.2 s per repetition, got {tempo_s}")
    if not 10.0 <= fs <= 2000.0:
        raise ValueError(f"fs must be between 10 and 2000 Hz, got {fs}")
    return spec


def simulate(
    movement: str,
    *,
    reps: int = 10,
    rom_deg: float = 90.0,
    tempo_s: float = 3.0,
    tempo_var: float = 0.1,
    pause_s: float = 1.0,
    pause_var: float = 0.3,
    rom_var: float = 0.1,
    submovements: int = 1,
    tremor_hz: float = 0.0,
    tremor_deg: float = 0.0,
    noise_acc_g: float = 0.005,
    noise_gyr_dps: float = 0.3,
    gyr_bias_dps: float = 0.0,
    fs: float = 100.0,
    placement: str | None = None,
    lead_in_s: float = 2.0,
    with_mag: bool = False,
    seed: int | None = 0,
) -> SimResult:
    """Simulate an IMU recording of ``reps`` repetitions of a named movement.

    Args:
        movement: one of :data:`MOVEMENTS`.
        reps: number of repetitions.
        rom_deg: mean range of motion per repetition, degrees.
        tempo_s: mean duration of one repetition (out and back), seconds.
        tempo_var: log-normal spread of the tempo (0.1 = about +-10 %).
        pause_s: mean rest at the neutral pose after each repetition, seconds.
        pause_var: log-normal spread of the pauses.
        rom_var: relative spread of the ROM between repetitions (0.1 = 10 % SD).
        submovements: minimum-jerk sub-movements per stroke (1 = smooth; more = jerkier).
        tremor_hz: tremor frequency in Hz (0 = none).
        tremor_deg: tremor amplitude about the movement axis, degrees (starts after lead-in).
        noise_acc_g: accelerometer white noise SD, g.
        noise_gyr_dps: gyroscope white noise SD, deg/s.
        gyr_bias_dps: magnitude of a constant gyroscope bias in a random direction, deg/s.
        fs: sample rate, Hz.
        placement: sensor placement (see :data:`PLACEMENTS`), or None for the movement's default.
        lead_in_s: still neutral pose at the start, seconds (for calibration).
        with_mag: also simulate a magnetometer (uT).
        seed: random seed (None = fresh randomness).

    Returns:
        A :class:`SimResult` with the recording and the ground truth.
    """
    spec = _validate(movement, reps, rom_deg, tempo_s, fs, placement)
    placement = placement or spec.default_placement
    place = spec.placements[placement]
    rng = np.random.default_rng(seed)

    plan = _rep_plan(reps, rom_deg, tempo_s, tempo_var, pause_s, pause_var, rom_var, rng)
    total = lead_in_s + float(np.sum(plan[0]) + np.sum(plan[1])) + max(1.0, pause_s)
    n = int(np.ceil(total * fs)) + 1
    t, (ang, dang, ddang), bounds, roms = _angle_profile(n, fs, plan, submovements, lead_in_s, rng)
    if tremor_deg > 0.0 and tremor_hz > 0.0:
        ang, dang, ddang = _add_tremor(t, ang, dang, ddang, tremor_hz, tremor_deg, lead_in_s, rng)

    n_axis = np.asarray(spec.axis, dtype=float)
    r_seg0 = np.asarray(spec.segment_axes, dtype=float).T  # columns: segment axes in world
    r0 = r_seg0 @ _euler_zyx(place.mount_euler_deg)  # sensor-to-world at neutral
    a, da, dda = np.radians(ang), np.radians(dang), np.radians(ddang)

    lever_world0 = r_seg0 @ np.asarray(place.lever_m)
    lin_acc = _link_acc(n_axis, a, da, dda, lever_world0)
    if spec.proximal_gain:
        g_ = spec.proximal_gain
        lin_acc = lin_acc + _link_acc(n_axis, g_ * a, g_ * da, g_ * dda, np.asarray(spec.proximal_link_m))
    specific_force = lin_acc + np.array([0.0, 0.0, G])
    # sensor frame: R(t)^T v = R0^T Rot(n, -a) v
    acc = _rotate_each(n_axis, -a, specific_force) @ r0 / G
    gyr = np.outer(dang, r0.T @ n_axis)

    quat = _orientation(n_axis, a, r0)
    acc = acc + rng.normal(0.0, noise_acc_g, size=acc.shape)
    gyr = gyr + rng.normal(0.0, noise_gyr_dps, size=gyr.shape)
    if gyr_bias_dps > 0.0:
        direction = rng.standard_normal(3)
        gyr = gyr + gyr_bias_dps * direction / np.linalg.norm(direction)
    mag = None
    if with_mag:
        inc = np.radians(60.0)
        m_world = 48.0 * np.array([np.cos(inc), 0.0, -np.sin(inc)])
        mag = _rotate(n_axis, -a, m_world) @ r0 + rng.normal(0.0, 0.5, size=(n, 3))

    labels = {
        "movement": movement,
        "reps": [[b0, b1] for b0, b1 in bounds],
        "rep_rom_deg": roms,
        "synthetic": True,
        "simulator": {
            "reps": reps,
            "rom_deg": rom_deg,
            "tempo_s": tempo_s,
            "pause_s": pause_s,
            "submovements": submovements,
            "tremor_hz": tremor_hz,
            "tremor_deg": tremor_deg,
            "noise_acc_g": noise_acc_g,
            "noise_gyr_dps": noise_gyr_dps,
            "gyr_bias_dps": gyr_bias_dps,
            "seed": seed,
        },
    }
    rec = Recording(
        t=t,
        acc=acc,
        gyr=gyr,
        mag=mag,
        sample_rate_hz=fs,
        device="simulator",
        profile="sim",
        placement=placement,
        labels=labels,
    )
    return SimResult(recording=rec, angle_deg=ang, rep_bounds=bounds, rep_rom_deg=roms, orientation=quat)


def _add_tremor(
    t: FloatArray,
    ang: FloatArray,
    dang: FloatArray,
    ddang: FloatArray,
    hz: float,
    deg: float,
    lead_in_s: float,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Add a sinusoidal tremor (deg) faded in over 0.5 s after the lead-in, with derivatives."""
    w = 2.0 * np.pi * hz
    phase = rng.uniform(0.0, 2.0 * np.pi)
    # smooth fade-in envelope e(t) = minimum-jerk over 0.5 s
    e, de, dde = _min_jerk((t - lead_in_s) / 0.5)
    de, dde = de / 0.5, dde / 0.25
    s, c = np.sin(w * t + phase), np.cos(w * t + phase)
    trem = deg * e * s
    dtrem = deg * (de * s + e * w * c)
    ddtrem = deg * (dde * s + 2.0 * de * w * c - e * w * w * s)
    return ang + trem, dang + dtrem, ddang + ddtrem


def _orientation(n_axis: FloatArray, a: FloatArray, r0: FloatArray) -> FloatArray:
    """Sensor-to-world quaternions q(t) = q_axis(a) * q0, (N, 4) as (w, x, y, z)."""
    q0 = _quat_from_matrix(r0)
    h = a / 2.0
    qa = np.column_stack([np.cos(h), np.outer(np.sin(h), n_axis)])
    w1, v1 = qa[:, 0], qa[:, 1:]
    w2, v2 = q0[0], q0[1:]
    w = w1 * w2 - v1 @ v2
    v = w1[:, None] * v2 + w2 * v1 + np.cross(v1, v2)
    return np.column_stack([w, v])
