"""MotionTracker: the streaming form, as games use it."""

from __future__ import annotations

import numpy as np
import pytest

from smarttouch.scoring import Calibration, ControlState, MotionTracker
from smarttouch.sensors.simulator import simulate


def _feed(tracker: MotionTracker, rec, size: int = 10) -> list:
    states = [tracker.update(b) for b in rec.batches(size)]
    states.append(tracker.finish())
    return states


def test_tracker_counts_reps_and_reports_rom_and_position() -> None:
    sim = simulate("shoulder_flexion", reps=6, rom_deg=100.0, seed=11)
    tracker = MotionTracker("shoulder_flexion", 100.0)
    states = _feed(tracker, sim.recording)
    assert all(isinstance(s, ControlState) for s in states)
    events = [e for s in states for e in s.events]
    started = [e for e in events if e.kind == "started"]
    completed = [e for e in events if e.kind == "completed"]
    assert len(started) == len(completed) == 6
    assert [e.index for e in completed] == list(range(6))
    for e, rom in zip(completed, sim.rep_rom_deg):
        assert e.rom_deg == pytest.approx(rom, abs=3.0)
        assert e.duration_s > 0 and e.peak_speed_dps > 10
    positions = np.array([s.position for s in states])
    assert positions.min() == 0.0  # no calibrated max: the movement's default comfortable max
    assert tracker.calibration.rom_max_deg is None
    assert positions.max() == pytest.approx(max(sim.angle_deg) / tracker.rom_max_deg, abs=0.03)
    assert all(0.0 <= s.steadiness <= 1.0 for s in states)


def test_position_follows_calibrated_rom_and_neutral() -> None:
    sim = simulate("elbow_flexion", reps=3, rom_deg=60.0, rom_var=0.0, seed=2)
    tracker = MotionTracker("elbow_flexion", 100.0)
    tracker.set_rom_max(120.0)
    states = _feed(tracker, sim.recording)
    peak = max(s.position for s in states)
    assert peak == pytest.approx(0.5, abs=0.03)
    cal = tracker.calibration
    assert cal.neutral_quat is not None and cal.axis is not None and cal.rom_max_deg == 120.0
    again = Calibration.from_dict(cal.to_dict())
    assert again == cal


def test_capture_neutral_moves_the_zero() -> None:
    sim = simulate("wrist_flexion", reps=1, rom_deg=40.0, tempo_s=4.0, seed=1)
    rec = sim.recording
    tracker = MotionTracker("wrist_flexion", 100.0)
    top = int(np.argmax(sim.angle_deg))
    for b in rec.batches(10)[: top // 10]:
        state = tracker.update(b)
    assert state.angle_deg > 30.0
    tracker.capture_neutral()
    state = tracker.update(rec.batches(10)[top // 10])
    assert abs(state.angle_deg) < 2.0


def test_before_neutral_the_state_is_zero_and_bad_rom_rejected() -> None:
    sim = simulate("wrist_flexion", reps=1, lead_in_s=2.0)
    tracker = MotionTracker(None, 100.0)
    state = tracker.update(sim.recording.batches(10)[0])
    assert state.position == 0.0 and state.angle_deg == 0.0
    for bad in (-3, 0.5, 500.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="rom_max_deg must be between 1 and 360"):
            tracker.set_rom_max(bad)
    assert tracker.calibration.rom_max_deg is None  # a rejected value leaves the calibration as it was
    tracker.set_rom_max(360)
    assert Calibration.from_dict(tracker.calibration.to_dict()).rom_max_deg == 360.0
    with pytest.raises(ValueError, match="unknown movement"):
        MotionTracker("juggling")
