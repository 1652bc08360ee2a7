"""Nordic Thingy:52 motion service (TMS): raw, quaternion and Euler characteristics.

Source of the layouts: Nordic Thingy:52 firmware v2.2.0, ``ble_tms.h`` (packed structs
``ble_tms_raw_t``, ``ble_tms_quat_t``, ``ble_tms_euler_t``, ``ble_tms_config_t``) and
``drv_motion.h`` (``RAW_Q_FORMAT_*_COMMA_BITS``); documentation at
https://nordicsemiconductor.github.io/Nordic-Thingy52-FW/documentation/firmware_architecture.html
All values little-endian.

* Raw data ``EF680406``: 18 bytes, int16 accel x/y/z in Q6.10 g, int16 gyro x/y/z in Q11.5
  deg/s, int16 compass x/y/z in Q12.4 microtesla.
* Quaternion ``EF680404``: 16 bytes, int32 w/x/y/z in Q2.30.
* Euler ``EF680407``: 12 bytes, int32 roll/pitch/yaw in Q16.16 degrees.
* Config ``EF680401``: 9 bytes, uint16 pedometer interval ms, uint16 temperature compensation
  interval ms, uint16 compass compensation interval ms, uint16 motion processing frequency Hz
  (5..200), uint8 wake-on-motion.
"""

from __future__ import annotations

import struct
from collections.abc import Collection, Sequence

import numpy as np

from smarttouch.sensors.profiles.base import (
    Decoded,
    DecodeError,
    DeviceProfile,
    ImuSamples,
    StreamDecoder,
    euler_deg_from_quat,
    quat_from_euler_deg,
)
from smarttouch.sensors.profiles.emulation import (
    ConfigRejected,
    DeviceEmulator,
    EmulatedCharacteristic,
    MotionChunk,
    Notification,
)
from smarttouch.sensors.profiles.registry import register_profile

BASE = "ef68{:04x}-9b35-4933-9b10-52ffa9740042"
MOTION_SERVICE_UUID = BASE.format(0x0400)
CONFIG_UUID = BASE.format(0x0401)
QUATERNION_UUID = BASE.format(0x0404)
RAW_UUID = BASE.format(0x0406)
EULER_UUID = BASE.format(0x0407)

ACC_SCALE = 1.0 / (1 << 10)  # Q6.10 -> g
GYR_SCALE = 1.0 / (1 << 5)  # Q11.5 -> deg/s
MAG_SCALE = 1.0 / (1 << 4)  # Q12.4 -> microtesla
QUAT_SCALE = 1.0 / (1 << 30)  # Q2.30
EULER_SCALE = 1.0 / (1 << 16)  # Q16.16 degrees

CONFIG_FORMAT = "<HHHHB"
MOTION_FREQ_RANGE_HZ = (5, 200)

_RAW_LAYOUT = "9 x int16: accel Q6.10 g, gyro Q11.5 deg/s, compass Q12.4 uT"
_QUAT_LAYOUT = "4 x int32 Q2.30: w, x, y, z"
_EULER_LAYOUT = "3 x int32 Q16.16 degrees: roll, pitch, yaw"


def _fixed(values: np.ndarray, scale: float, lo: int, hi: int) -> np.ndarray:
    return np.clip(np.round(np.asarray(values, dtype=np.float64) / scale), lo, hi)


def encode_raw(acc: np.ndarray, gyr: np.ndarray, mag: np.ndarray | None = None) -> list[bytes]:
    """Thingy raw notifications for n samples (acc g, gyr deg/s, mag uT; saturating)."""
    acc = np.asarray(acc, dtype=np.float64).reshape(-1, 3)
    gyr = np.asarray(gyr, dtype=np.float64).reshape(-1, 3)
    mag = np.zeros_like(acc) if mag is None else np.asarray(mag, dtype=np.float64).reshape(-1, 3)
    raw = np.hstack(
        [
            _fixed(acc, ACC_SCALE, -32768, 32767),
            _fixed(gyr, GYR_SCALE, -32768, 32767),
            _fixed(mag, MAG_SCALE, -32768, 32767),
        ]
    ).astype("<i2")
    return [row.tobytes() for row in raw]


def encode_quaternion(quat: np.ndarray) -> list[bytes]:
    """Thingy quaternion notifications for n unit quaternions (w, x, y, z)."""
    q = _fixed(np.asarray(quat).reshape(-1, 4), QUAT_SCALE, -(2**31), 2**31 - 1).astype("<i4")
    return [row.tobytes() for row in q]


def encode_euler(euler_deg: np.ndarray) -> list[bytes]:
    """Thingy Euler notifications for n (roll, pitch, yaw) in degrees."""
    e = _fixed(np.asarray(euler_deg).reshape(-1, 3), EULER_SCALE, -(2**31), 2**31 - 1)
    return [row.tobytes() for row in e.astype("<i4")]


def encode_config(
    motion_freq_hz: int,
    pedo_ms: int = 1000,
    temp_ms: int = 500,
    compass_ms: int = 500,
    wake_on_motion: int = 0,
) -> bytes:
    """The 9-byte TMS config value."""
    return struct.pack(CONFIG_FORMAT, pedo_ms, temp_ms, compass_ms, motion_freq_hz, wake_on_motion)


def decode_config(payload: bytes) -> dict[str, int]:
    """Parse the 9-byte TMS config value."""
    if len(payload) != struct.calcsize(CONFIG_FORMAT):
        raise DecodeError(f"thingy52 config: expected 9 bytes, got {len(payload)}")
    pedo, temp, compass, freq, wom = struct.unpack(CONFIG_FORMAT, payload)
    return {
        "pedo_interval_ms": pedo,
        "temp_interval_ms": temp,
        "compass_interval_ms": compass,
        "motion_freq_hz": freq,
        "wake_on_motion": wom,
    }


class Thingy52Emulator(DeviceEmulator):
    """The Thingy:52 motion service as the virtual wearable serves it: config, quaternion, raw
    and Euler characteristics, one notification per motion-processing step carrying the latest
    sample (the real firmware sends at ``motion_freq_hz``)."""

    service_uuid = MOTION_SERVICE_UUID
    advertised_name = "Thingy"

    def characteristics(self) -> list[EmulatedCharacteristic]:
        return [
            EmulatedCharacteristic(CONFIG_UUID, read=self._read_config, write=self._write_config),
            EmulatedCharacteristic(QUATERNION_UUID, notify=True, initial=bytes(16)),
            EmulatedCharacteristic(RAW_UUID, notify=True, initial=bytes(18)),
            EmulatedCharacteristic(EULER_UUID, notify=True, initial=bytes(12)),
        ]

    def _read_config(self) -> bytes:
        return encode_config(int(round(self.clock.rate_hz)))

    def _write_config(self, value: bytes) -> None:
        try:
            cfg = decode_config(value)
        except DecodeError as exc:
            raise ConfigRejected("length", str(exc)) from exc
        lo, hi = MOTION_FREQ_RANGE_HZ
        if not lo <= cfg["motion_freq_hz"] <= hi:
            raise ConfigRejected("value", f"motion frequency {cfg['motion_freq_hz']} Hz outside {lo}..{hi}")
        self.clock.set_rate(cfg["motion_freq_hz"])

    def notifications(
        self, chunk: MotionChunk, device_time_us: int, subscribed: Collection[str]
    ) -> list[Notification]:
        last = slice(len(chunk) - 1, len(chunk))
        out = []
        if QUATERNION_UUID in subscribed:
            out.append(Notification(QUATERNION_UUID, encode_quaternion(chunk.quat[last])[0], 0))
        if EULER_UUID in subscribed:
            out.append(Notification(EULER_UUID, encode_euler(euler_deg_from_quat(chunk.quat[last]))[0], 0))
        if RAW_UUID in subscribed:
            raw = encode_raw(chunk.acc[last], chunk.gyr[last], chunk.mag[last])[0]
            out.append(Notification(RAW_UUID, raw, 1))
        return out


@register_profile
class Thingy52Raw(DeviceProfile):
    """Accelerometer, gyroscope and compass from the Thingy:52 raw data characteristic."""

    name = "thingy52-raw"
    title = "Nordic Thingy:52 raw accel/gyro/compass (EF680406)"
    service_uuid = MOTION_SERVICE_UUID
    data_uuid = RAW_UUID
    config_uuid = CONFIG_UUID
    nominal_rate_hz = 100.0
    fixed_size = 18
    emulator = Thingy52Emulator

    def decode(self, payload: bytes | bytearray | memoryview) -> ImuSamples:
        data = self._check_size(payload, _RAW_LAYOUT)
        return self._from_raw(np.frombuffer(data, dtype="<i2").reshape(1, 9))

    def decode_batch(self, payloads: Sequence[bytes]) -> ImuSamples:
        joined = self._check_batch(payloads, _RAW_LAYOUT)
        return self._from_raw(np.frombuffer(joined, dtype="<i2").reshape(-1, 9))

    @staticmethod
    def _from_raw(raw: np.ndarray) -> ImuSamples:
        values = raw.astype(np.float64)
        return ImuSamples(
            acc=values[:, 0:3] * ACC_SCALE,
            gyr=values[:, 3:6] * GYR_SCALE,
            mag=values[:, 6:9] * MAG_SCALE,
        )


class _OrientationStream(StreamDecoder):
    """Pairs raw samples with the latest orientation notification of the same device.

    The Thingy sends orientation and raw data on separate characteristics at the same motion
    processing rate; each raw sample gets the most recent orientation. Raw samples that arrive
    before any orientation are dropped (counted in ``waiting_for_orientation``).
    """

    def __init__(self, profile: Thingy52Quaternion | Thingy52Euler) -> None:
        super().__init__(profile)
        self._raw = Thingy52Raw()
        self._latest: ImuSamples | None = None
        self.waiting_for_orientation = 0

    def feed(self, char_uuid: str, payload: bytes) -> Decoded | None:
        try:
            if char_uuid.lower() == RAW_UUID:
                raw = self._raw.decode(payload)
                if self._latest is None:
                    self.waiting_for_orientation += 1
                    return None
                return ImuSamples(
                    acc=raw.acc,
                    gyr=raw.gyr,
                    mag=raw.mag,
                    quat=self._latest.quat,
                    euler_deg=self._latest.euler_deg,
                )
            latest = self.profile.decode(payload)
            assert isinstance(latest, ImuSamples)
            if latest.quat is None and latest.euler_deg is not None:
                latest = ImuSamples(quat=quat_from_euler_deg(latest.euler_deg), euler_deg=latest.euler_deg)
            self._latest = latest
            return None
        except DecodeError as exc:
            self.errors += 1
            self.last_error = str(exc)
            return None


@register_profile
class Thingy52Quaternion(DeviceProfile):
    """Orientation quaternion (on-board sensor fusion) from the Thingy:52, paired with raw data."""

    name = "thingy52-quaternion"
    title = "Nordic Thingy:52 quaternion (EF680404) + raw data"
    service_uuid = MOTION_SERVICE_UUID
    data_uuid = QUATERNION_UUID
    notify_uuids = (QUATERNION_UUID, RAW_UUID)
    config_uuid = CONFIG_UUID
    nominal_rate_hz = 100.0
    fixed_size = 16
    scan_default = False  # a scanned Thingy is read as raw data
    emulator = Thingy52Emulator

    def decode(self, payload: bytes | bytearray | memoryview) -> ImuSamples:
        data = self._check_size(payload, _QUAT_LAYOUT)
        return ImuSamples(quat=np.frombuffer(data, dtype="<i4").reshape(1, 4) * QUAT_SCALE)

    def decode_batch(self, payloads: Sequence[bytes]) -> ImuSamples:
        joined = self._check_batch(payloads, _QUAT_LAYOUT)
        return ImuSamples(quat=np.frombuffer(joined, dtype="<i4").reshape(-1, 4) * QUAT_SCALE)

    def stream(self) -> StreamDecoder:
        return _OrientationStream(self)


@register_profile
class Thingy52Euler(DeviceProfile):
    """Roll/pitch/yaw from the Thingy:52 Euler characteristic, paired with raw data."""

    name = "thingy52-euler"
    title = "Nordic Thingy:52 Euler angles (EF680407) + raw data"
    service_uuid = MOTION_SERVICE_UUID
    data_uuid = EULER_UUID
    notify_uuids = (EULER_UUID, RAW_UUID)
    config_uuid = CONFIG_UUID
    nominal_rate_hz = 100.0
    fixed_size = 12
    scan_default = False  # a scanned Thingy is read as raw data
    emulator = Thingy52Emulator

    def decode(self, payload: bytes | bytearray | memoryview) -> ImuSamples:
        data = self._check_size(payload, _EULER_LAYOUT)
        return self._from_raw(np.frombuffer(data, dtype="<i4").reshape(1, 3))

    def decode_batch(self, payloads: Sequence[bytes]) -> ImuSamples:
        joined = self._check_batch(payloads, _EULER_LAYOUT)
        return self._from_raw(np.frombuffer(joined, dtype="<i4").reshape(-1, 3))

    @staticmethod
    def _from_raw(raw: np.ndarray) -> ImuSamples:
        return ImuSamples(euler_deg=raw * EULER_SCALE)

    def stream(self) -> StreamDecoder:
        return _OrientationStream(self)
