"""analyze(): fields, tremor, quality flags, calibration reuse and the functional axis."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from smarttouch.scoring import Calibration, SessionMetrics, analyze, functional_axis, tremor_metrics
from smarttouch.sensors.simulator import simulate


def test_session_metrics_fields_and_json() -> None:
    sim = simulate("elbow_flexion", reps=5, seed=3)
    m = analyze(sim.recording)
    assert isinstance(m, SessionMetrics)
    d = json.loads(json.dumps(m.to_dict()))
    for key in (
        "reps",
        "rep_table",
        "rom_deg",
        "rom_deg_mean",
        "peak_speed_dps",
        "sparc",
        "ldlj",
        "tremor_power_ratio",
        "tremor_freq_hz",
        "tremor_amplitude_deg",
        "duration_s",
        "active_time_s",
        "quality",
    ):
        assert key in d
    assert d["reps"] == 5 and len(d["rep_table"]) == 5
    assert d["movement"] == "elbow_flexion"  # taken from the recording's label
    assert d["duration_s"] == pytest.approx(sim.recording.duration_s)
    active_truth = sum(b - a for a, b in sim.rep_bounds)
    assert d["active_time_s"] == pytest.approx(active_truth, rel=0.25)
    assert d["rom_deg"] == pytest.approx(max(sim.rep_rom_deg), abs=3.0)
    assert -3.0 < d["sparc"] < -1.3 and d["ldlj"] < 0
    assert d["quality"]["ok"] and "trace" not in d


def test_tremor_is_found_at_its_frequency() -> None:
    calm = analyze(simulate("forearm_pronation", reps=6, seed=1).recording)
    shaky = analyze(simulate("forearm_pronation", reps=6, seed=1, tremor_hz=5.5, tremor_deg=1.5).recording)
    assert shaky.tremor_freq_hz == pytest.approx(5.5, abs=0.3)
    assert shaky.tremor_amplitude_deg == pytest.approx(1.5, rel=0.3)
    assert shaky.tremor_power_ratio > 10 * calm.tremor_power_ratio
    assert shaky.reps == calm.reps == 6
    assert tremor_metrics(np.zeros((10, 3)), 100.0).power_ratio == 0.0


def test_smoothness_falls_with_submovements() -> None:
    values = [
        analyze(simulate("shoulder_flexion", reps=6, submovements=k, seed=2).recording) for k in (1, 2, 3)
    ]
    assert values[0].sparc > values[1].sparc > values[2].sparc
    assert values[0].ldlj > values[1].ldlj > values[2].ldlj
    assert values[0].sparc == pytest.approx(-1.41, abs=0.05)  # one minimum-jerk stroke


def test_quality_flags_gaps_clipping_and_short() -> None:
    rec = simulate("shoulder_flexion", reps=4, seed=5).recording
    keep = np.ones(len(rec), dtype=bool)
    keep[800:850] = False
    gappy = replace(rec, t=rec.t[keep], acc=rec.acc[keep], gyr=rec.gyr[keep])
    q = analyze(gappy).quality
    assert q.gaps == 1 and q.max_gap_s == pytest.approx(0.51, abs=0.011) and not q.ok
    clipped = replace(rec, gyr=np.clip(rec.gyr, -125.0, 125.0))
    assert analyze(clipped).quality.clipped_gyr
    assert not analyze(rec).quality.clipped_gyr
    short = simulate("wrist_flexion", reps=0, lead_in_s=2.0).recording
    sq = analyze(short)
    assert sq.quality.too_short and sq.reps == 0 and sq.rom_deg < 2.0
    with pytest.raises(ValueError, match="fewer than 2"):
        analyze(replace(rec, t=rec.t[:1], acc=rec.acc[:1], gyr=rec.gyr[:1]))


def test_no_still_start_is_flagged() -> None:
    sim = simulate("elbow_flexion", reps=6, pause_s=0.0, pause_var=0.0, lead_in_s=0.0, seed=2)
    m = analyze(sim.recording)
    assert m.quality.no_still_start


def test_calibration_is_reused_across_sessions_with_another_heading() -> None:
    """A calibration from session 1 works in session 2 although 6D heading restarts."""
    first = analyze(simulate("wrist_flexion", reps=4, rom_deg=50.0, seed=1).recording)
    cal = Calibration.from_dict(first.calibration)
    assert cal.axis is not None and cal.neutral_quat is not None
    sim2 = simulate("wrist_flexion", reps=5, rom_deg=40.0, seed=9)
    rec2 = sim2.recording
    # session 2 starts 30 s later: VQF's heading frame differs; rotate the data about nothing
    second = analyze(rec2, calibration=cal)
    assert second.reps == 5
    errs = np.abs(np.array([r["rom_deg"] for r in second.rep_table]) - sim2.rep_rom_deg)
    assert errs.max() < 3.0
    assert second.calibration["axis"] == pytest.approx(list(cal.axis))


def test_functional_axis_from_a_movement() -> None:
    sim = simulate("elbow_flexion", reps=3, seed=4)
    axis = functional_axis(sim.recording.gyr)
    first = analyze(sim.recording)
    assert abs(float(np.dot(axis, first.calibration["axis"]))) > 0.999
    with pytest.raises(ValueError, match="too little movement"):
        functional_axis(np.zeros((100, 3)))
    with pytest.raises(ValueError, match="neutral_quat"):
        Calibration(neutral_quat=(0.0, 0.0, 0.0, 0.0))


def test_unnamed_periodic_movement_from_a_wrist_sensor() -> None:
    for movement in ("forearm_pronation", "elbow_flexion", "shoulder_abduction"):
        sim = simulate(
            movement,
            reps=8,
            tempo_s=2.0,
            pause_s=0.3,
            placement="wrist-right",
            tremor_hz=4.0,
            tremor_deg=1.0,
            noise_gyr_dps=0.8,
            seed=6,
        )
        rec = replace(sim.recording, labels={})
        m = analyze(rec)
        assert m.movement is None and m.reps == 8, movement
