"""Sources: spec parsing, sim/replay playback, the bounded queue, sample clock and sequences."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from smarttouch.sensors.recording_io import save_recording
from smarttouch.sensors.simulator import simulate
from smarttouch.sensors.sources import BatchQueue, SourceError, open_source
from smarttouch.sensors.sources.clock import SampleClock, SequenceTracker
from smarttouch.sensors.types import ImuBatch, Recording


def drain_all(src, limit: int = 100000) -> ImuBatch:
    out = []
    for _ in range(limit):
        got = src.read(1.0)
        out.extend(got)
        if src.finished:
            break
    return ImuBatch.concatenate(out)


def test_sim_fast_delivers_the_simulation_exactly():
    expected = simulate("elbow_flexion", reps=2, seed=4).recording
    src = open_source("sim:elbow_flexion", realtime=False, reps=2, seed=4, batch_size=7)
    with src:
        assert src.connected
        first = src.poll()
        assert len(first) == 1 and len(first[0]) == 7
        rest = drain_all(src)
    got = ImuBatch.concatenate([first[0], rest])
    np.testing.assert_array_equal(got.acc, expected.acc)
    np.testing.assert_allclose(got.t, expected.t - expected.t[0])
    assert src.finished and not src.connected
    assert src.stats["received"] == len(expected)
    assert src.info["labels"]["movement"] == "elbow_flexion"


def test_sim_loop_continues_time_seamlessly():
    src = open_source("sim:wrist_flexion", realtime=False, reps=1, lead_in_s=0.2, loop=True, batch_size=1000)
    src.start()
    batches = [b for _ in range(12) for b in src.read(0.1)]
    t = ImuBatch.concatenate(batches).t
    assert not src.finished
    assert np.all(np.diff(t) > 0)
    np.testing.assert_allclose(np.diff(t), 0.01, atol=1e-9)


def test_replay_realtime_paces_and_finishes(tmp_path):
    n = 30
    rec = Recording(
        t=np.arange(n) / 100 + 5.0,
        acc=np.tile([0, 0, 1.0], (n, 1)),
        gyr=np.zeros((n, 3)),
        sample_rate_hz=100,
        device="dev",
        profile="thingy52-raw",
    )
    path = save_recording(rec, tmp_path / "short.npz")
    src = open_source(f"replay:{path}")
    src.start()
    assert len(ImuBatch.concatenate(src.poll())) < n  # not everything is due at once
    got = drain_all(src)
    assert src.finished
    assert src.stats["received"] == n
    assert got.t[-1] == pytest.approx(0.29)
    assert src.info["device"] == "dev"


def test_replay_csv_without_time_uses_fs(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("ax,ay,az,gx,gy,gz\n" + "0,0,1,0,0,0\n" * 10)
    src = open_source(f"replay:{path}", realtime=False, fs=50.0).start()
    got = drain_all(src)
    assert len(got) == 10 and got.t[1] == pytest.approx(0.02)


@pytest.mark.parametrize(
    "spec, params, pattern",
    [
        ("usb:thing", {}, "unknown sensor"),
        ("sim:juggling", {}, "unknown movement"),
        ("sim:elbow_flexion", {"wobble": 1}, "unknown simulator parameter"),
        ("sim:elbow_flexion", {"fs": -1.0}, "sim:elbow_flexion: "),
        ("replay:", {}, "give a file"),
        ("replay:/nonexistent/x.npz", {}, "no such recording"),
        ("ble:AA:BB:CC:DD:EE:FF:heart-rate", {}, "not a motion profile"),
        ("ble:Thingy", {"colour": 1}, "unknown BLE parameter"),
        ("virtual:witmotion", {}, "no virtual sensor"),
    ],
)
def test_bad_specs_raise_source_error(spec, params, pattern):
    with pytest.raises(SourceError, match=pattern):
        open_source(spec, **params)


def test_reading_before_start_is_an_error():
    src = open_source("sim:elbow_flexion", realtime=False, reps=1)
    with pytest.raises(SourceError, match="start"):
        src.poll()


def test_batch_queue_drops_oldest_and_counts():
    q = BatchQueue(3)
    for i in range(5):
        q.put(ImuBatch([float(i)], [[0, 0, 1]], [[0, 0, 0]]))
    assert q.dropped == 2
    assert [b.t[0] for b in q.drain()] == [2.0, 3.0, 4.0]
    assert q.drain() == []


def test_batch_queue_wait_wakes_on_put():
    q = BatchQueue(4)
    timer = threading.Timer(0.05, lambda: q.put(ImuBatch([0.0], [[0, 0, 1]], [[0, 0, 0]])))
    timer.start()
    assert q.wait(5.0)
    assert len(q.drain()) == 1
    assert not q.wait(0.0)


def test_sample_clock_spaces_back_and_stays_increasing():
    clock = SampleClock()
    t1 = clock.assign(1.0, 4, 100.0)
    np.testing.assert_allclose(t1, [0.97, 0.98, 0.99, 1.0])
    t2 = clock.assign(1.005, 4, 100.0)  # arrived early (jitter): pushed after the previous
    assert t2[0] > t1[-1]
    np.testing.assert_allclose(np.diff(t2), 0.01)


def test_sequence_tracker_lost_duplicates_wrap_and_reset():
    s = SequenceTracker()
    assert s.accept(65533)
    assert s.accept(65535)  # one lost
    assert s.accept(1)  # wraps past 0: one lost
    assert not s.accept(1)  # duplicate
    assert not s.accept(65000)  # old
    assert (s.lost, s.duplicates) == (2, 2)
    s.new_connection()
    assert s.accept(11, device_time_s=2.0, n=4, rate_hz=100)
    assert s.last_gap_notifications == 9
    s.new_connection()
    assert s.accept(3)  # the device restarted its counter: not a loss
    assert s.resets == 1 and s.lost == 11


def test_sequence_tracker_sizes_the_hole_from_device_time():
    s = SequenceTracker()
    s.accept(10, device_time_s=1.00, n=4, rate_hz=100)
    s.new_connection()
    s.accept(14, device_time_s=1.20, n=4, rate_hz=100)
    assert s.last_gap_notifications == 3
    assert s.last_gap_samples == 16


def test_sample_clock_keeps_the_sensor_rate_through_connection_event_bursts():
    """One sample per notification at 100 Hz heard as bursts of three every 30 ms (a 30 ms
    connection interval) with arrival jitter: the time axis runs at 100 Hz, not at the
    bursts' rate, and a 1 s silence stays a 1 s hole."""
    rng = np.random.default_rng(0)
    clock = SampleClock()
    times = []
    for k in range(600):
        sent = k * 0.01
        arrival = (np.floor(sent / 0.03) + 1) * 0.03 + rng.uniform(0, 0.004)  # next connection event
        if k >= 300:
            arrival += 1.0  # the sensor was away for a second
        times.append(clock.assign(float(arrival), 1, 100.0)[0])
    steps = np.diff(times)
    assert np.all(steps > 0)
    assert np.median(steps[:299]) == pytest.approx(0.01, rel=0.05)
    assert np.median(steps[301:]) == pytest.approx(0.01, rel=0.05)
    assert steps[299] == pytest.approx(1.01, abs=0.05)


def test_sample_clock_follows_a_device_running_off_its_nominal_rate():
    clock = SampleClock()
    times = [clock.assign(k / 104.0 + 0.03, 1, 100.0)[0] for k in range(2000)]
    assert 1.0 / np.median(np.diff(times[-500:])) == pytest.approx(104.0, rel=0.01)
    assert abs(times[-1] - (1999 / 104.0 + 0.03)) < 0.05  # never drifts away from the arrivals


def test_sample_clock_late_delivery_opens_no_hole():
    """Issue 15: a host that delivers notifications 150 ms late now and then (a busy event
    loop, then a burst) made intervals over 1.5 periods, counted as gaps though no sample was
    missing. Late arrival is delivery delay: the time axis keeps its rate."""
    clock = SampleClock()
    times = []
    for k in range(3000):
        sent = k * 0.01
        stalled = (k // 50) % 7 == 3  # every 3.5 s, half a second of late delivery
        arrival = sent + 0.004 + (0.15 if stalled else 0.0)
        times.extend(clock.assign(arrival, 1, 100.0))
    steps = np.diff(times)
    assert np.all(steps > 0)
    assert int(np.sum(steps > 0.015)) == 0
    assert 29.99 <= times[-1] <= 29.99 + 0.155  # between sending and arrival


def test_sample_clock_keeps_the_grid_through_a_long_stall_when_nothing_was_lost():
    held, fresh = SampleClock(), SampleClock()
    for clock, nothing_lost in ((held, True), (fresh, False)):
        for k in range(100):
            clock.assign(k * 0.01, 1, 100.0, nothing_lost=nothing_lost)
        clock.assign(100 * 0.01 + 0.4, 1, 100.0, nothing_lost=nothing_lost)  # 400 ms late
    assert held.last_t == pytest.approx(1.0 + 0.002, abs=0.003)  # on the grid: no hole
    assert fresh.last_t == pytest.approx(1.4)  # a possible loss: the hole stays visible


def test_sample_clock_follows_a_device_slower_than_nominal():
    clock = SampleClock()
    times = [clock.assign(k / 96.0 + 0.03, 1, 100.0)[0] for k in range(3000)]
    assert 1.0 / np.median(np.diff(times[-500:])) == pytest.approx(96.0, rel=0.01)
    assert abs(times[-1] - (2999 / 96.0 + 0.03)) < 0.1
