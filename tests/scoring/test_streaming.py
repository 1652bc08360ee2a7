"""Streaming (MotionTracker, batch by batch) and offline (analyze) give the same reps and ROM."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smarttouch.scoring import Calibration, MotionTracker, analyze
from smarttouch.scoring.reps import RepDetector
from smarttouch.sensors.types import ImuBatch
from tests.scoring.simcases import varied_case


def _stream(rec, movement, sizes, calibration=None):
    tracker = MotionTracker(movement, rec.sample_rate_hz, calibration)
    events = []
    i = 0
    k = 0
    while i < len(rec.t):
        size = sizes[k % len(sizes)]
        k += 1
        sl = slice(i, i + size)
        state = tracker.update(ImuBatch(rec.t[sl], rec.acc[sl], rec.gyr[sl]))
        events.extend(state.events)
        i += size
    events.extend(tracker.finish().events)
    return tracker, events


@pytest.mark.parametrize("seed", range(12))
def test_streaming_equals_offline(seed: int) -> None:
    case = varied_case(seed)
    rec = case.recording
    offline = analyze(rec, movement=case.analysis_movement)
    tracker, events = _stream(rec, case.analysis_movement, [1, 7, 10, 33, 128])
    completed = [e for e in events if e.kind == "completed"]
    started = [e for e in events if e.kind == "started"]
    assert len(completed) == offline.reps == len(started)
    for e, row in zip(completed, offline.rep_table):
        assert e.rom_deg == pytest.approx(row["rom_deg"], abs=1e-9)
        assert e.duration_s == pytest.approx(row["duration_s"], abs=1e-9)
        assert e.peak_speed_dps == pytest.approx(row["peak_speed_dps"], abs=1e-9)
        assert e.t == pytest.approx(row["t_end"], abs=1e-9)
    cal = tracker.calibration.to_dict()
    assert cal["neutral_quat"] == pytest.approx(offline.calibration["neutral_quat"], abs=1e-9)
    assert cal["axis"] == pytest.approx(offline.calibration["axis"], abs=1e-9)


def test_streaming_with_calibration_equals_offline() -> None:
    case = varied_case(3)
    first = analyze(case.recording, movement=case.analysis_movement)
    cal = Calibration.from_dict({**first.calibration, "rom_max_deg": 100.0})
    offline = analyze(case.recording, movement=case.analysis_movement, calibration=cal)
    _, events = _stream(case.recording, case.analysis_movement, [10], cal)
    roms = [e.rom_deg for e in events if e.kind == "completed"]
    assert roms == pytest.approx([r["rom_deg"] for r in offline.rep_table], abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 400), min_size=1, max_size=12), st.integers(0, 5))
def test_rep_detector_is_chunk_independent(sizes: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = np.arange(3000) / 100.0
    y = 40 * np.clip(np.sin(2 * np.pi * t / rng.uniform(2, 5)), 0, None) + rng.normal(0, 0.3, t.size)
    v = np.gradient(y) * 100.0
    whole = RepDetector(8.0)
    whole.update(t, y, v)
    whole.finish()
    pieces = RepDetector(8.0)
    i = k = 0
    while i < t.size:
        s = sizes[k % len(sizes)]
        pieces.update(t[i : i + s], y[i : i + s], v[i : i + s])
        i += s
        k += 1
    pieces.finish()
    assert whole.reps == pieces.reps
    assert len(whole.reps) >= 4
