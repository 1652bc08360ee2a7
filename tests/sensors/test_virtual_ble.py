"""Our real BLE connection code against the bumble virtual sensor, through bleak's public API."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
from bleak import BleakClient, BleakScanner

from smarttouch.sensors.profiles import get_profile, smarttouch_imu, thingy52
from smarttouch.sensors.sources import NoAdapterError, open_source
from smarttouch.sensors.sources.ble import BleSource
from smarttouch.sensors.types import ImuBatch
from smarttouch.sensors.virtual import (
    BumbleClientBackend,
    BumbleScannerBackend,
    Faults,
    VirtualSensor,
)


def collect(src, seconds: float, until=None) -> list[ImuBatch]:
    """Read for ``seconds`` of wall time, or until ``until(src)`` is true (30 s safety cap)."""
    out: list[ImuBatch] = []
    start = time.monotonic()
    while time.monotonic() - start < (30.0 if until else seconds):
        out.extend(src.read(0.05))
        if until is not None and until(src):
            break
    return out


def test_bleak_public_api_scan_connect_read_write_notify():
    async def scenario():
        sensor = await VirtualSensor(
            "smarttouch-imu", rate_hz=100, samples_per_notification=5, battery_pct=64
        ).start()
        try:
            found = await BleakScanner.discover(
                timeout=0.3,
                return_adv=True,
                service_uuids=[smarttouch_imu.SERVICE_UUID],
                backend=BumbleScannerBackend,
            )
            device, adv = found[sensor.address]
            assert adv.local_name == "ST-IMU"
            assert smarttouch_imu.SERVICE_UUID in adv.service_uuids
            notes: list[bytes] = []
            async with BleakClient(device, backend=BumbleClientBackend) as client:
                assert client.is_connected
                assert client.services.get_service(thingy52.MOTION_SERVICE_UUID) is not None
                assert (await client.read_gatt_char("00002a19-0000-1000-8000-00805f9b34fb"))[0] == 64
                await client.write_gatt_char(
                    smarttouch_imu.CONFIG_UUID, smarttouch_imu.encode_config(200, 3, 3, 10), response=True
                )
                cfg = smarttouch_imu.decode_config(
                    bytes(await client.read_gatt_char(smarttouch_imu.CONFIG_UUID))
                )
                assert cfg["rate_hz"] == 200 and cfg["acc_range_g"] == 16.0
                await client.start_notify(smarttouch_imu.DATA_UUID, lambda _c, d: notes.append(bytes(d)))
                await asyncio.sleep(0.4)
                await client.stop_notify(smarttouch_imu.DATA_UUID)
            assert not client.is_connected
            return notes
        finally:
            await sensor.stop()

    notes = asyncio.run(scenario())
    assert len(notes) >= 3
    prof = get_profile("smarttouch-imu")
    decoded = [prof.decode(n) for n in notes]
    seqs = [d.seq for d in decoded]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert all(d.rate_hz == 200 for d in decoded[1:])
    # gravity is in the simulated acceleration: the sensor is at rest during the lead-in
    acc = np.vstack([d.acc for d in decoded])
    assert np.linalg.norm(acc, axis=1).mean() == pytest.approx(1.0, abs=0.1)


def test_virtual_source_streams_increasing_time_and_reads_battery():
    src = open_source("virtual:smarttouch-imu", battery_pct=55, reps=2)
    with src:
        batches = collect(src, 0, until=lambda s: s.stats["received"] >= 60)
        assert src.connected
        stats = src.stats
    all_ = ImuBatch.concatenate(batches)
    assert len(all_) >= 60
    assert np.all(np.diff(all_.t) > 0)
    assert stats["battery_pct"] == 55
    assert stats["lost_notifications"] == 0 and stats["reconnects"] == 0
    assert src.info["profile"] == "smarttouch-imu" and "ST-IMU" in src.info["device"]
    assert not src.connected


@pytest.mark.parametrize("profile", ["thingy52-raw", "thingy52-quaternion", "thingy52-euler"])
def test_virtual_thingy_profiles(profile):
    src = open_source(f"virtual:{profile}", reps=2)
    with src:
        got = ImuBatch.concatenate(collect(src, 0, until=lambda s: s.stats["received"] >= 15))
    assert len(got) >= 15
    assert got.mag is not None
    if profile == "thingy52-raw":
        assert got.quat is None
    else:
        np.testing.assert_allclose(np.linalg.norm(got.quat, axis=1), 1.0, atol=1e-3)


def test_survives_mid_stream_disconnect_without_duplicates_and_reports_gap():
    src = open_source("virtual:smarttouch-imu", faults=Faults(disconnect_after_s=0.3), reps=2)
    with src:
        batches = collect(src, 0, until=lambda s: s.stats["reconnects"] >= 1 and s.stats["received"] >= 80)
        stats = src.stats
        sensor_stats = src.sensor.stats
    assert stats["reconnects"] == 1
    assert sensor_stats.forced_disconnects == 1 and sensor_stats.connections == 2
    assert stats["duplicate_notifications"] == 0
    t = ImuBatch.concatenate(batches).t
    assert np.all(np.diff(t) > 0)
    (gap,) = stats["gaps"]
    assert gap["duration_s"] > 0 and gap["end_s"] > gap["start_s"]
    assert gap["missed_samples"] is not None and gap["missed_samples"] >= 0
    # the outage is visible in the time axis where the gap says it is
    assert np.max(np.diff(t)) >= 0.5 * gap["duration_s"]


def test_retries_after_connection_aborts():
    src = open_source("virtual:thingy52-raw", faults=Faults(abort_connects=2), reps=2)
    with src:
        collect(src, 0, until=lambda s: s.stats["received"] >= 10)
        assert src.connected
        assert src.sensor.stats.aborted_connections == 2
        assert src.sensor.stats.connections == 3
        assert src.stats["reconnects"] == 0  # retried inside establish_connection


def test_dropped_notifications_are_counted_from_sequence_gaps():
    src = open_source("virtual:smarttouch-imu", faults=Faults(drop_every=4), reps=2)
    with src:
        collect(src, 0, until=lambda s: s.stats["lost_notifications"] >= 5)
    dropped = src.sensor.stats.notifications_dropped
    lost = src.stats["lost_notifications"]
    assert lost >= 5
    assert dropped - 1 <= lost <= dropped  # the last drop may come after the last notification read


def test_slow_service_discovery_still_connects():
    src = open_source("virtual:smarttouch-imu", faults=Faults(discovery_delay_s=0.05), reps=2)
    with src:
        collect(src, 0, until=lambda s: s.stats["received"] >= 10)
        assert src.connected and src.stats["connect_failures"] == 0


def test_stalled_consumer_gets_fresh_motion_and_drops_are_counted():
    src = open_source("virtual:smarttouch-imu", queue_size=3, samples_per_notification=1, reps=2)
    with src:
        deadline = time.monotonic() + 30
        while src.stats["dropped_batches"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)  # the game loop hangs: nobody reads
        batches = src.poll()
    assert src.stats["dropped_batches"] > 0
    assert 1 <= len(batches) <= 3


def test_no_adapter_is_one_clear_error():
    class NoBluezScanner(BumbleScannerBackend):
        async def start(self) -> None:
            raise FileNotFoundError(2, "No such file or directory")  # no D-Bus system socket

    src = BleSource("Thingy", "thingy52-raw", scanner_backend=NoBluezScanner)
    with pytest.raises(NoAdapterError, match="sim:shoulder_flexion.*virtual:thingy52-raw"):
        src.start()
    assert not src.connected
