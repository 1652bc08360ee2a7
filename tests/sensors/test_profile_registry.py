"""A new device profile is added in one place: a toy profile registered here is decoded by key,
recognised by scans, and served by the virtual wearable to the real BLE source."""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import Collection, Iterator

import numpy as np
import pytest

from smarttouch.sensors.profiles import (
    PROFILES,
    DeviceEmulator,
    DeviceProfile,
    ImuSamples,
    get_profile,
    profile_for_service,
    register_profile,
    virtual_profiles,
)
from smarttouch.sensors.profiles.emulation import EmulatedCharacteristic, MotionChunk, Notification
from smarttouch.sensors.scan import scan_devices
from smarttouch.sensors.sources import open_source
from smarttouch.sensors.types import ImuBatch
from smarttouch.sensors.virtual import VirtualSensor

TOY_SERVICE = "7e570001-0000-4000-8000-00000000a11e"
TOY_DATA = "7e570002-0000-4000-8000-00000000a11e"
TOY_FORMAT = struct.Struct("<6h")  # acc in milli-g, gyr in 0.1 deg/s


class ToyEmulator(DeviceEmulator):
    service_uuid = TOY_SERVICE
    advertised_name = "Toy"

    def characteristics(self) -> list[EmulatedCharacteristic]:
        return [EmulatedCharacteristic(TOY_DATA, notify=True, initial=bytes(TOY_FORMAT.size))]

    def notifications(
        self, chunk: MotionChunk, device_time_us: int, subscribed: Collection[str]
    ) -> list[Notification]:
        if TOY_DATA not in subscribed:
            return []
        acc, gyr = chunk.acc[-1] * 1000.0, chunk.gyr[-1] * 10.0
        values = np.clip(np.round(np.concatenate([acc, gyr])), -32768, 32767).astype(int)
        return [Notification(TOY_DATA, TOY_FORMAT.pack(*values), 1)]


class ToyProfile(DeviceProfile):
    name = "toy-imu-test"
    title = "A toy IMU for the registry test"
    service_uuid = TOY_SERVICE
    data_uuid = TOY_DATA
    fixed_size = TOY_FORMAT.size
    emulator = ToyEmulator

    def decode(self, payload: bytes | bytearray | memoryview) -> ImuSamples:
        values = np.array(TOY_FORMAT.unpack(self._check_size(payload, "6 x int16")), dtype=np.float64)
        return ImuSamples(acc=values[None, 0:3] / 1000.0, gyr=values[None, 3:6] / 10.0)


@pytest.fixture
def toy() -> Iterator[type[ToyProfile]]:
    register_profile(ToyProfile)
    yield ToyProfile
    del PROFILES[ToyProfile.name]


def test_a_registered_profile_is_found_everywhere(toy: type[ToyProfile]) -> None:
    assert isinstance(get_profile(toy.name), ToyProfile)
    found = profile_for_service(["0000180f-0000-1000-8000-00805f9b34fb", TOY_SERVICE.upper()])
    assert isinstance(found, ToyProfile)
    assert toy.name in virtual_profiles()
    assert virtual_profiles().count(toy.name) == 1


def test_registering_two_profiles_under_one_name_is_refused(toy: type[ToyProfile]) -> None:
    clash = type("Clash", (ToyProfile,), {})
    with pytest.raises(ValueError, match="already registered"):
        register_profile(clash)
    assert register_profile(ToyProfile) is ToyProfile  # the same class again is fine


def test_the_virtual_wearable_serves_a_registered_profile(toy: type[ToyProfile]) -> None:
    """Scan labels the emulated device with the toy profile; the real BLE source streams it."""
    rows = asyncio.run(scan_devices(1.0, toy.name))
    assert [(name, profile) for _, name, _, profile in rows] == [("Toy", toy.name)]

    src = open_source(f"virtual:{toy.name}", reps=2)
    got: list[ImuBatch] = []
    with src:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and sum(len(b) for b in got) < 40:
            got.extend(src.read(0.05))
        assert src.info["profile"] == toy.name
    data = ImuBatch.concatenate(got)
    assert len(data) >= 40 and np.all(np.diff(data.t) > 0)
    # gravity is in the simulated acceleration and the sensor starts at rest
    assert np.linalg.norm(data.acc, axis=1)[:10].mean() == pytest.approx(1.0, abs=0.1)


def test_the_built_in_emulated_profiles_share_one_peripheral() -> None:
    sensor = VirtualSensor("thingy52-euler")
    assert sensor.name == "Thingy" and sensor.service_uuid == get_profile("thingy52-raw").service_uuid
    served = {type(e).__name__ for e in sensor.emulators}
    assert served == {"Thingy52Emulator", "SmartTouchImuEmulator"}
    with pytest.raises(ValueError, match="no virtual sensor for profile 'witmotion'"):
        VirtualSensor("witmotion")
    with pytest.raises(ValueError, match="samples_per_notification must be 1..40"):
        VirtualSensor("smarttouch-imu", samples_per_notification=41)
