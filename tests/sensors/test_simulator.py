"""The motion simulator is physically consistent and returns a matching ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from smarttouch.sensors import simulator
from smarttouch.sensors.simulator import MOVEMENTS, PLACEMENTS, SimResult, simulate
from smarttouch.sensors.types import Recording


def _qmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    w1, v1, w2, v2 = a[0], a[1:], b[0], b[1:]
    return np.r_[w1 * w2 - v1 @ v2, w1 * v2 + w2 * v1 + np.cross(v1, v2)]


def _rot_t(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """R(q)^T v: a world vector expressed in the sensor frame."""
    w, x, y, z = q
    r = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )
    return r.T @ v


def _integrate_gyro(gyr_dps: np.ndarray, fs: float, q0: np.ndarray) -> np.ndarray:
    q = q0.copy()
    out = [q]
    dt = 1.0 / fs
    for i in range(1, len(gyr_dps)):
        w = np.radians(0.5 * (gyr_dps[i - 1] + gyr_dps[i]))
        ang = np.linalg.norm(w) * dt
        if ang > 0:
            q = _qmul(q, np.r_[np.cos(ang / 2), w / np.linalg.norm(w) * np.sin(ang / 2)])
        out.append(q)
    return np.array(out)


@pytest.mark.parametrize("movement", MOVEMENTS)
def test_gyro_integration_reproduces_orientation(movement: str) -> None:
    for placement in PLACEMENTS[movement]:
        sim = simulate(
            movement,
            reps=2,
            placement=placement,
            noise_acc_g=0.0,
            noise_gyr_dps=0.0,
            tremor_hz=5.0,
            tremor_deg=1.0,
            submovements=2,
        )
        q = _integrate_gyro(sim.recording.gyr, sim.recording.sample_rate_hz, sim.orientation[0])
        dots = np.clip(np.abs(np.sum(q * sim.orientation, axis=1)), 0.0, 1.0)
        err_deg = np.degrees(2.0 * np.arccos(dots))
        assert err_deg.max() < 0.05, (movement, placement, err_deg.max())


@pytest.mark.parametrize("movement", MOVEMENTS)
def test_acc_at_rest_is_gravity_of_one_g(movement: str) -> None:
    sim = simulate(movement, reps=3, noise_acc_g=0.0, noise_gyr_dps=0.0)
    rec = sim.recording
    still = np.abs(rec.gyr).max(axis=1) < 1e-9
    assert still[: int(1.5 * rec.sample_rate_hz)].all()  # lead-in is still
    assert still.sum() > rec.sample_rate_hz * 2
    norms = np.linalg.norm(rec.acc[still], axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-9)
    for i in np.flatnonzero(still)[::50]:
        expected = _rot_t(sim.orientation[i], np.array([0.0, 0.0, 1.0]))
        np.testing.assert_allclose(rec.acc[i], expected, atol=1e-9)


def test_acc_includes_the_true_linear_acceleration() -> None:
    """Specific force minus gravity equals the second difference of the sensor position."""
    fs = 1000.0
    sim = simulate(
        "reach_forward",
        reps=1,
        fs=fs,
        noise_acc_g=0.0,
        noise_gyr_dps=0.0,
        tempo_s=1.0,
        pause_s=0.2,
        lead_in_s=0.2,
    )
    spec = simulator._MOVEMENTS["reach_forward"]
    n = np.asarray(spec.axis)
    r_seg0 = np.asarray(spec.segment_axes).T
    lever = r_seg0 @ np.asarray(spec.placements["wrist-right"].lever_m)
    a = np.radians(sim.angle_deg)
    pos = simulator._rotate(n, a, lever) + simulator._rotate(
        n, spec.proximal_gain * a, np.asarray(spec.proximal_link_m)
    )
    lin = (pos[2:] - 2 * pos[1:-1] + pos[:-2]) * fs * fs
    for i in range(1, len(pos) - 1, 37):
        expected = _rot_t(sim.orientation[i], (lin[i - 1] + [0.0, 0.0, simulator.G]) / simulator.G)
        np.testing.assert_allclose(sim.recording.acc[i], expected, atol=2e-3)


def test_ground_truth_matches_the_angle_trace() -> None:
    sim = simulate("elbow_flexion", reps=6, rom_deg=70.0, rom_var=0.2, seed=3)
    assert isinstance(sim, SimResult) and isinstance(sim.recording, Recording)
    assert len(sim.rep_bounds) == len(sim.rep_rom_deg) == 6
    t = sim.recording.t
    for (t0, t1), rom in zip(sim.rep_bounds, sim.rep_rom_deg):
        inside = (t >= t0) & (t <= t1)
        assert np.ptp(sim.angle_deg[inside]) == pytest.approx(rom, abs=0.05)
        assert abs(sim.angle_deg[np.searchsorted(t, t0) - 1]) < 1e-9
    assert np.all(np.abs(sim.angle_deg[t < 2.0]) == 0.0)
    labels = sim.recording.labels
    assert labels["synthetic"] is True and labels["movement"] == "elbow_flexion"
    assert labels["reps"] == [list(b) for b in sim.rep_bounds]


def test_parameters_shape_the_signal() -> None:
    base = simulate("shoulder_flexion", reps=4, seed=1, noise_gyr_dps=0.0)
    fast = simulate("shoulder_flexion", reps=4, seed=1, tempo_s=1.5, noise_gyr_dps=0.0)
    assert fast.recording.duration_s < base.recording.duration_s
    assert np.abs(fast.recording.gyr).max() > 1.5 * np.abs(base.recording.gyr).max()
    assert base.recording.sample_rate_hz == 100.0
    hi = simulate("shoulder_flexion", reps=2, fs=200.0)
    assert np.allclose(np.diff(hi.recording.t), 1 / 200.0)
    biased = simulate("shoulder_flexion", reps=1, gyr_bias_dps=2.0, noise_gyr_dps=0.0)
    assert np.linalg.norm(biased.recording.gyr[0]) == pytest.approx(2.0)
    mag = simulate("wrist_flexion", reps=1, with_mag=True)
    assert mag.recording.mag is not None
    assert np.linalg.norm(mag.recording.mag, axis=1).mean() == pytest.approx(48.0, abs=0.5)
    again = simulate("shoulder_flexion", reps=4, seed=1, noise_gyr_dps=0.0)
    np.testing.assert_array_equal(again.recording.acc, base.recording.acc)


def test_tremor_shows_in_gyro_at_its_frequency() -> None:
    sim = simulate("forearm_pronation", reps=2, tremor_hz=5.0, tremor_deg=2.0, noise_gyr_dps=0.0)
    rec = sim.recording
    late = rec.t > rec.t[-1] - 1.0  # still final rest: only tremor moves
    speed = np.linalg.norm(rec.gyr[late], axis=1)
    # peak angular speed of a 2 deg, 5 Hz oscillation is 2 * 2 pi * 5 = 62.8 deg/s
    assert speed.max() == pytest.approx(2.0 * 2 * np.pi * 5.0, rel=0.02)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"movement": "jumping"}, "unknown movement"),
        ({"movement": "wrist_flexion", "placement": "thigh-right"}, "placement"),
        ({"movement": "wrist_flexion", "rom_deg": -5.0}, "rom_deg"),
        ({"movement": "wrist_flexion", "fs": 1.0}, "fs"),
        ({"movement": "wrist_flexion", "reps": -1}, "reps"),
    ],
)
def test_bad_parameters_are_named(kwargs: dict, message: str) -> None:
    movement = kwargs.pop("movement")
    with pytest.raises(ValueError, match=message):
        simulate(movement, **kwargs)
