"""The offline (whole-recording) counter on hand-made edge cases, play spans, uncertainty and
input checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from smarttouch.scoring import analyze
from smarttouch.scoring.offline_reps import RepParams
from smarttouch.sensors.simulator import simulate
from smarttouch.sensors.types import Recording
from tests.scoring.synth import Profile, imu_from_angles


def _session(fs: float = 100.0) -> Profile:
    """Still, then 6 reps of 60 deg with short rests."""
    p = Profile(fs).rest(3.0)
    for k in range(6):
        p.rep(60.0 + 3 * k, 3.0, rest_s=1.5)
    return p.rest(3.0)


@pytest.mark.parametrize("fs", [25.0, 200.0])
def test_counts_at_25_and_200_hz(fs: float) -> None:
    p = _session(fs)
    m = analyze(p.recording())
    assert m.reps == 6
    roms = np.array([r["rom_deg"] for r in m.rep_table])
    assert np.allclose(roms, [60.0 + 3 * k for k in range(6)], atol=1.5)
    assert not m.count_uncertain and all(r["confidence"] > 0.8 for r in m.rep_table)


def test_a_recording_that_starts_mid_repetition_counts_from_the_first_sample() -> None:
    """Cut inside the first rep's hold: the rep is counted (flagged truncated, less sure); cut
    on its way back near rest: it is not."""
    p = Profile(100.0).rest(3.0)
    for _ in range(5):
        p.rep(70.0, 3.0, hold_s=1.5, rest_s=3.0)
    rec = p.rest(2.0).recording()
    full = analyze(rec)
    assert full.reps == 5
    peak0 = p.rep_peaks_s[0]
    for cut_s, expected in ((peak0 + 0.8, 5), (peak0 + 2.8, 4)):
        k = int(cut_s * rec.sample_rate_hz)
        cut = replace(rec, t=rec.t[k:] - rec.t[k], acc=rec.acc[k:], gyr=rec.gyr[k:])
        m = analyze(cut)
        assert m.reps == expected, (cut_s, m.reps)
        if expected == 5:
            first = m.rep_table[0]
            assert first["truncated"] and first["t_start"] == pytest.approx(0.0, abs=0.05)
            assert first["confidence"] < min(r["confidence"] for r in m.rep_table[1:])


def test_starting_in_motion_with_no_still_second_keeps_every_rep() -> None:
    """Continuous reps from the first sample (no still lead-in, no pauses)."""
    sim = simulate("elbow_flexion", reps=8, pause_s=0.0, pause_var=0.0, lead_in_s=0.0, seed=2)
    m = analyze(sim.recording)
    assert m.reps == 8


def test_a_static_hold_at_the_end_position_is_one_rep() -> None:
    p = Profile(100.0).rest(3.0)
    for _ in range(4):
        p.rep(50.0, 3.0, hold_s=6.0, wobble_deg=12.0, rest_s=1.0)
    m = analyze(p.rest(3.0).recording())
    assert m.reps == 4
    assert all(r["hold_s"] > 4.0 for r in m.rep_table)


def test_mixed_speeds_and_low_amplitude_reps_all_count() -> None:
    """2.4 s and 9 s reps in one session, then reps at a third of the ROM."""
    p = Profile(50.0).rest(3.0)
    for seconds in (9.0, 2.4, 9.0, 2.4, 2.4, 9.0):
        p.rep(60.0, seconds, rest_s=0.8)
    for _ in range(4):
        p.rep(20.0, 3.0, rest_s=1.0)
    m = analyze(p.rest(3.0).recording())
    assert m.reps == 10
    assert sorted(r["rom_deg"] for r in m.rep_table)[:4] == pytest.approx([20.0] * 4, abs=1.5)


def test_fidgeting_in_idle_gaps_is_not_counted() -> None:
    p = Profile(100.0).rest(3.0)
    for block in range(3):
        for _ in range(5):
            p.rep(60.0, 3.0, rest_s=1.0)
        if block < 2:
            p.rest(5.0).fidget(20.0, on_axis_deg=8.0, off_axis_deg=25.0, seed=block).rest(5.0)
    m = analyze(p.rest(3.0).recording())
    assert m.reps == 15


def test_heel_impacts_up_to_11_g_are_not_reps() -> None:
    p = _session(100.0)
    impacts = tuple(t + 0.1 for t in p.rep_peaks_s) + (1.0, 2.0)
    m = analyze(p.recording(impacts_s=impacts, impact_g=11.0))
    assert m.reps == 6
    assert np.max(np.abs(p.recording(impacts_s=impacts).acc)) > 10.0


def test_pendular_swings_about_rest_count_one_per_cycle() -> None:
    """An arm hanging at rest swings forward and back through rest: one rep per cycle."""
    p = Profile(100.0).rest(3.0)
    for _ in range(7):
        p.stroke(35.0, 1.2).stroke(-35.0, 2.4).stroke(0.0, 1.2)
    m = analyze(p.rest(3.0).recording())
    assert m.reps == 7


@pytest.mark.parametrize(("circles", "period_s", "radius_deg"), [(6, 3.0, 30.0), (8, 2.0, 20.0)])
def test_circular_movements_count_one_per_circle(circles: int, period_s: float, radius_deg: float) -> None:
    """Arm circles: the rotation axis turns, neither axis dominates; one rep per circle."""
    fs = 100.0
    rest = np.zeros(int(3 * fs))
    t = np.arange(int(circles * period_s * fs)) / fs
    phase = 2 * np.pi * t / period_s
    angle = np.concatenate([rest, radius_deg * np.sin(phase), rest])
    other = np.concatenate([rest, radius_deg * (1 - np.cos(phase)), rest])
    assert analyze(imu_from_angles(angle, other, fs)).reps == circles


def test_the_magnetometer_is_not_needed() -> None:
    sim = simulate("shoulder_abduction", reps=7, with_mag=True, seed=1)
    assert sim.recording.mag is not None
    with_mag = analyze(sim.recording)
    without = analyze(replace(sim.recording, mag=None))
    assert with_mag.reps == without.reps == 7
    assert [r["rom_deg"] for r in with_mag.rep_table] == [r["rom_deg"] for r in without.rep_table]


def test_play_spans_attribute_reps_by_their_peak_and_report_per_set() -> None:
    """Calibration rep, two play sets with a rest between: only the sets count."""
    p = Profile(100.0).rest(3.0).rep(80.0, 3.0, rest_s=3.0)  # calibration movement
    t_set1 = len(p.angle) / p.fs
    for _ in range(4):
        p.rep(60.0, 3.0, rest_s=1.0)
    t_rest = len(p.angle) / p.fs
    p.rest(6.0)
    t_set2 = len(p.angle) / p.fs
    for _ in range(3):
        p.rep(50.0, 3.0, rest_s=1.0)
    t_end = len(p.angle) / p.fs
    rec = p.rest(2.0).recording()
    whole = analyze(rec)
    assert whole.reps == 8 and len(whole.sets) == 1 and whole.sets[0]["reps"] == 8
    m = analyze(rec, play_spans=[(t_set1, t_rest), (t_set2, t_end)])
    assert m.reps == 7
    assert [s["reps"] for s in m.sets] == [4, 3]
    assert [r["set"] for r in m.rep_table] == [0] * 4 + [1] * 3
    assert [r["index"] for r in m.rep_table] == list(range(7))
    assert m.sets[0]["rom_deg_mean"] == pytest.approx(60.0, abs=1.5)
    assert m.sets[1]["rom_deg"] == pytest.approx(50.0, abs=1.5)
    assert m.rom_deg == pytest.approx(60.0, abs=1.5)  # the calibration's 80 deg is left out
    d = m.to_dict()
    assert d["sets"][1]["t_start"] == pytest.approx(t_set2) and d["sets"][1]["reps"] == 3
    assert m.active_time_s < whole.active_time_s


def test_play_spans_must_be_consistent() -> None:
    rec = _session(50.0).recording()
    end = rec.duration_s
    for spans, match in (
        ([(5.0, 2.0)], "before end"),
        ([(1.0, 4.0), (3.0, 6.0)], "before the previous one ends"),
        ([(end + 5.0, end + 9.0)], "outside the recording"),
        ([(1.0,)], "expected"),
        ([(float("nan"), 3.0)], "finite"),
    ):
        with pytest.raises(ValueError, match=match):
            analyze(rec, play_spans=spans)
    assert analyze(rec, play_spans=[(-0.2, end + 0.3)]).reps == 6  # small overruns are clipped


def test_uncertainty_too_short_and_unclear_rest() -> None:
    short = Profile(50.0).rest(1.0).rep(40.0, 2.0, rest_s=0.5).recording()
    m = analyze(short)
    assert m.count_uncertain and "too short" in (m.uncertain_reason or "")
    # a symmetric back-and-forth that never rests and stops at the other end: either end
    # could be rest
    p = Profile(50.0)
    for _ in range(8):
        p.stroke(40.0, 1.5).stroke(0.0, 1.5)
    wobbly = analyze(p.stroke(40.0, 1.5).recording())
    assert wobbly.count_uncertain and "rest" in (wobbly.uncertain_reason or "")
    clean = analyze(_session(50.0).recording())
    assert not clean.count_uncertain and clean.uncertain_reason is None
    d = clean.to_dict()
    assert d["count_uncertain"] is False and d["uncertain_reason"] is None


def test_a_stricter_size_threshold_drops_low_reps() -> None:
    """The detector's constants do what they say (the benchmark tunes two of them)."""
    from smarttouch.scoring.offline_angle import angle_trace
    from smarttouch.scoring.offline_reps import detect_reps

    p = Profile(50.0).rest(3.0)
    for rom in (60.0, 60.0, 60.0, 15.0, 15.0):
        p.rep(rom, 3.0)
    rec = p.rest(3.0).recording()
    trace = angle_trace(rec.t, rec.acc, rec.gyr, rec.sample_rate_hz)
    assert len(detect_reps(trace).reps) == 5
    assert len(detect_reps(trace, RepParams(relative_threshold=0.3)).reps) == 3


def _with(rec: Recording, **arrays: Any) -> Recording:
    """A copy of ``rec`` with arrays replaced after construction (as a caller could do),
    so the Recording's own float conversion does not get a chance to hide them."""
    out = replace(rec)
    for name, value in arrays.items():
        setattr(out, name, value)
    return out


def _poke(rec: Recording, name: str, value: float) -> Recording:
    arr = getattr(rec, name).copy()
    arr[len(arr) // 2, 1] = value
    return _with(rec, **{name: arr})


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda r: _with(r, acc=r.acc * (1 + 1j)), "complex-valued"),
        (lambda r: _poke(r, "gyr", np.nan), "NaN or infinite"),
        (lambda r: _poke(r, "acc", np.inf), "NaN or infinite"),
        (lambda r: _with(r, gyr=r.gyr[:, :2]), r"shape \(n, 3\)"),
        (lambda r: _with(r, gyr=r.gyr[:-5]), "samples but t has"),
        (lambda r: _with(r, t=r.t[::-1].copy()), "strictly increasing"),
        (lambda r: _with(r, sample_rate_hz=0.0), "sample_rate_hz"),
        (lambda r: _poke(r, "gyr", 1e9), "beyond the plausible"),
        (lambda r: _with(r, acc=r.acc.astype(str)), "must hold numbers"),
        (lambda r: _with(r, t=r.t[:1], acc=r.acc[:1], gyr=r.gyr[:1]), "fewer than 2 samples"),
    ],
)
def test_corrupt_recordings_get_a_clear_error(change: Callable[[Recording], Recording], match: str) -> None:
    rec = _session(25.0).recording()
    with pytest.raises(ValueError, match=match):
        analyze(change(rec))


def test_a_calibration_axis_is_used_only_when_it_fits_the_recording() -> None:
    from smarttouch.scoring import Calibration

    rec = _session(50.0).recording()
    own = analyze(rec)
    axis = np.array(own.calibration["axis"])
    tilted = axis + 0.2 * np.cross(axis, [0.0, 0.0, 1.0])  # about 11 deg off: the same mounting
    near = analyze(rec, calibration=Calibration(axis=tuple(tilted)))
    assert near.reps == 6 and np.allclose(near.calibration["axis"], tilted / np.linalg.norm(tilted))
    assert not any("calibration's movement axis" in w for w in near.quality.warnings)
    perpendicular = np.cross(axis, [1.0, 0.0, 0.0])
    far = analyze(rec, calibration=Calibration(axis=tuple(perpendicular)))
    assert far.reps == 6 and np.allclose(far.calibration["axis"], axis, atol=1e-6)
    assert any("calibration's movement axis" in w for w in far.quality.warnings)
