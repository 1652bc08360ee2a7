"""``smarttouch-imu``: SmartTouch's open GATT profile for do-it-yourself IMU wearables.

The normative description (UUIDs, byte layout, config, firmware guidance) is
``docs/sensor-profile.md``; this module is its reference decoder and encoder.

Data notification (little-endian)::

    offset size field
    0      1    version, = 1
    1      1    flags: bit 0 magnetometer present; bits 1-2 accelerometer range code
                (0: +-2 g, 1: +-4 g, 2: +-8 g, 3: +-16 g); bits 3-4 gyroscope range code
                (0: +-250, 1: +-500, 2: +-1000, 3: +-2000 deg/s); bits 5-7 zero
    2      2    sequence number, uint16, +1 per notification since power-on, wraps
    4      2    sample rate in Hz, uint16, 1..1000
    6      4    device time of the first sample, uint32 microseconds, wraps
    10     1    sample count N, 1..40
    11     ...  N samples of int16 ax ay az gx gy gz [mx my mz]

acc [g] = raw * range_g / 32768, gyr [deg/s] = raw * range_dps / 32768,
mag [uT] = raw / 16.
"""

from __future__ import annotations

import struct
from collections.abc import Collection, Sequence

import numpy as np

from smarttouch.sensors.profiles.base import (
    DecodeError,
    DeviceProfile,
    ImuSamples,
    _as_bytes,
    concat_samples,
)
from smarttouch.sensors.profiles.emulation import (
    ConfigRejected,
    DeviceEmulator,
    EmulatedCharacteristic,
    EmulatedClock,
    MotionChunk,
    Notification,
)
from smarttouch.sensors.profiles.registry import register_profile

BASE = "a6b0{:04x}-960f-4ed1-9f5d-df04b5619203"
SERVICE_UUID = BASE.format(0x0001)
DATA_UUID = BASE.format(0x0002)
CONFIG_UUID = BASE.format(0x0003)

VERSION = 1
HEADER = struct.Struct("<BBHHIB")
HEADER_SIZE = HEADER.size  # 11
MAX_SAMPLES = 40
ACC_RANGES_G = (2.0, 4.0, 8.0, 16.0)
GYR_RANGES_DPS = (250.0, 500.0, 1000.0, 2000.0)
MAG_SCALE = 1.0 / 16.0
FLAG_MAG = 0x01

CONFIG = struct.Struct("<HBBBB")
RATE_RANGE_HZ = (25, 1000)


def range_code(value: float, ranges: tuple[float, ...]) -> int:
    """The smallest range code whose full scale covers ``value`` (largest if none does)."""
    for code, full_scale in enumerate(ranges):
        if value <= full_scale:
            return code
    return len(ranges) - 1


def encode_notification(
    seq: int,
    device_time_us: int,
    rate_hz: int,
    acc: np.ndarray,
    gyr: np.ndarray,
    mag: np.ndarray | None = None,
    acc_code: int = 2,
    gyr_code: int = 3,
) -> bytes:
    """One data notification carrying n samples (acc g, gyr deg/s, mag uT; saturating)."""
    acc = np.asarray(acc, dtype=np.float64).reshape(-1, 3)
    gyr = np.asarray(gyr, dtype=np.float64).reshape(-1, 3)
    n = len(acc)
    if not 1 <= n <= MAX_SAMPLES:
        raise ValueError(f"a notification carries 1..{MAX_SAMPLES} samples, got {n}")
    cols = [acc * 32768.0 / ACC_RANGES_G[acc_code], gyr * 32768.0 / GYR_RANGES_DPS[gyr_code]]
    flags = (acc_code << 1) | (gyr_code << 3)
    if mag is not None:
        cols.append(np.asarray(mag, dtype=np.float64).reshape(-1, 3) / MAG_SCALE)
        flags |= FLAG_MAG
    body = np.clip(np.round(np.hstack(cols)), -32768, 32767).astype("<i2")
    header = HEADER.pack(VERSION, flags, seq & 0xFFFF, rate_hz, device_time_us & 0xFFFFFFFF, n)
    return header + body.tobytes()


def encode_config(
    rate_hz: int = 100,
    acc_code: int = 2,
    gyr_code: int = 3,
    samples_per_notification: int = 0,
    mag: bool = False,
) -> bytes:
    """The 6-byte config characteristic value."""
    return CONFIG.pack(rate_hz, acc_code, gyr_code, samples_per_notification, FLAG_MAG if mag else 0)


def decode_config(payload: bytes) -> dict[str, int | bool]:
    """Parse and check a config value.

    Raises:
        DecodeError: wrong length or a field out of range.
    """
    if len(payload) != CONFIG.size:
        raise DecodeError(f"smarttouch-imu config: expected {CONFIG.size} bytes, got {len(payload)}")
    rate, acc_code, gyr_code, per_note, flags = CONFIG.unpack(payload)
    if not RATE_RANGE_HZ[0] <= rate <= RATE_RANGE_HZ[1]:
        raise DecodeError(f"smarttouch-imu config: sample rate {rate} Hz outside {RATE_RANGE_HZ}")
    if acc_code > 3 or gyr_code > 3:
        raise DecodeError(f"smarttouch-imu config: range codes must be 0..3, got {acc_code}, {gyr_code}")
    if per_note > MAX_SAMPLES:
        raise DecodeError(f"smarttouch-imu config: at most {MAX_SAMPLES} samples per notification")
    return {
        "rate_hz": rate,
        "acc_range_g": ACC_RANGES_G[acc_code],
        "gyr_range_dps": GYR_RANGES_DPS[gyr_code],
        "acc_code": acc_code,
        "gyr_code": gyr_code,
        "samples_per_notification": per_note,
        "mag": bool(flags & FLAG_MAG),
    }


class SmartTouchImuEmulator(DeviceEmulator):
    """The ``smarttouch-imu`` service as the virtual wearable serves it: sequence-numbered
    data notifications of ``samples_per_notification`` samples and a writable config (rate,
    ranges, samples per notification, magnetometer)."""

    service_uuid = SERVICE_UUID
    advertised_name = "ST-IMU"

    def __init__(self, clock: EmulatedClock, samples_per_notification: int = 4) -> None:
        super().__init__(clock, samples_per_notification)
        if not 1 <= samples_per_notification <= MAX_SAMPLES:
            raise ValueError(f"samples_per_notification must be 1..{MAX_SAMPLES}")
        self.per_notification = samples_per_notification
        self.acc_code, self.gyr_code, self.mag = 2, 3, False
        self.seq = 0

    def characteristics(self) -> list[EmulatedCharacteristic]:
        return [
            EmulatedCharacteristic(DATA_UUID, notify=True),
            EmulatedCharacteristic(CONFIG_UUID, read=self._read_config, write=self._write_config),
        ]

    def samples_per_notification(self) -> int:
        return self.per_notification

    def _read_config(self) -> bytes:
        rate = int(round(self.clock.rate_hz))
        return encode_config(rate, self.acc_code, self.gyr_code, self.per_notification, self.mag)

    def _write_config(self, value: bytes) -> None:
        try:
            cfg = decode_config(value)
        except DecodeError as exc:
            raise ConfigRejected("value", str(exc)) from exc
        self.acc_code, self.gyr_code, self.mag = int(cfg["acc_code"]), int(cfg["gyr_code"]), bool(cfg["mag"])
        self.per_notification = int(cfg["samples_per_notification"]) or 8
        self.clock.set_rate(int(cfg["rate_hz"]))

    def notifications(
        self, chunk: MotionChunk, device_time_us: int, subscribed: Collection[str]
    ) -> list[Notification]:
        if DATA_UUID not in subscribed:
            return []
        note = encode_notification(
            self.seq,
            device_time_us,
            int(round(self.clock.rate_hz)),
            chunk.acc,
            chunk.gyr,
            chunk.mag if self.mag else None,
            self.acc_code,
            self.gyr_code,
        )
        seq, self.seq = self.seq, (self.seq + 1) & 0xFFFF
        return [Notification(DATA_UUID, note, len(chunk), seq)]


@register_profile
class SmartTouchImu(DeviceProfile):
    """SmartTouch open IMU profile: several samples per notification, sequence-numbered."""

    name = "smarttouch-imu"
    title = "SmartTouch open IMU profile (docs/sensor-profile.md)"
    service_uuid = SERVICE_UUID
    data_uuid = DATA_UUID
    config_uuid = CONFIG_UUID
    nominal_rate_hz = 100.0
    emulator = SmartTouchImuEmulator

    def _header(self, data: bytes) -> tuple[int, int, int, int, int]:
        if len(data) < HEADER_SIZE:
            raise DecodeError(f"{self.name}: {len(data)} bytes is shorter than the {HEADER_SIZE}-byte header")
        version, flags, seq, rate, t_us, n = HEADER.unpack_from(data)
        if version != VERSION:
            raise DecodeError(f"{self.name}: unsupported version {version} (expected {VERSION})")
        if flags & 0xE0:
            raise DecodeError(f"{self.name}: reserved flag bits set in 0x{flags:02x}")
        if not 1 <= rate <= RATE_RANGE_HZ[1]:
            raise DecodeError(f"{self.name}: sample rate {rate} Hz outside 1..{RATE_RANGE_HZ[1]}")
        if not 1 <= n <= MAX_SAMPLES:
            raise DecodeError(f"{self.name}: sample count {n} outside 1..{MAX_SAMPLES}")
        width = 18 if flags & FLAG_MAG else 12
        if len(data) != HEADER_SIZE + n * width:
            raise DecodeError(
                f"{self.name}: header announces {n} samples of {width} bytes "
                f"({HEADER_SIZE + n * width} bytes) but the payload has {len(data)}"
            )
        return flags, seq, rate, t_us, n

    def decode(self, payload: bytes | bytearray | memoryview) -> ImuSamples:
        data = _as_bytes(payload, self.name)
        flags, seq, rate, t_us, n = self._header(data)
        raw = np.frombuffer(data, dtype="<i2", offset=HEADER_SIZE).reshape(n, -1).astype(np.float64)
        return ImuSamples(
            acc=raw[:, 0:3] * (ACC_RANGES_G[(flags >> 1) & 3] / 32768.0),
            gyr=raw[:, 3:6] * (GYR_RANGES_DPS[(flags >> 3) & 3] / 32768.0),
            mag=raw[:, 6:9] * MAG_SCALE if flags & FLAG_MAG else None,
            seq=seq,
            device_time_s=t_us * 1e-6,
            rate_hz=float(rate),
        )

    def decode_batch(self, payloads: Sequence[bytes]) -> ImuSamples:
        """Vectorised when every notification has the same size and flags; else one by one."""
        if not payloads:
            return ImuSamples()
        first = _as_bytes(payloads[0], self.name)
        flags, _, _, _, n = self._header(first)
        size = len(first)
        try:
            uniform = set(map(len, payloads)) == {size}
            joined = b"".join(payloads) if uniform else b""
        except TypeError:
            raise DecodeError(f"{self.name}: payloads must be bytes") from None
        if not uniform:
            return concat_samples([self.decode(p) for p in payloads])
        width = (size - HEADER_SIZE) // (2 * n)
        dtype = np.dtype(
            [
                ("version", "u1"),
                ("flags", "u1"),
                ("seq", "<u2"),
                ("rate", "<u2"),
                ("t_us", "<u4"),
                ("n", "u1"),
                ("s", "<i2", (n, width)),
            ]
        )
        rec = np.frombuffer(joined, dtype=dtype)
        if (rec["version"] != VERSION).any() or (rec["flags"] != flags).any() or (rec["n"] != n).any():
            return concat_samples([self.decode(p) for p in payloads])
        if ((rec["rate"] < 1) | (rec["rate"] > RATE_RANGE_HZ[1])).any():
            bad = int(np.flatnonzero((rec["rate"] < 1) | (rec["rate"] > RATE_RANGE_HZ[1]))[0])
            raise DecodeError(
                f"{self.name}: notification {bad}: sample rate "
                f"{int(rec['rate'][bad])} Hz outside 1..{RATE_RANGE_HZ[1]}"
            )
        raw = rec["s"].reshape(-1, width).astype(np.float64)
        return ImuSamples(
            acc=raw[:, 0:3] * (ACC_RANGES_G[(flags >> 1) & 3] / 32768.0),
            gyr=raw[:, 3:6] * (GYR_RANGES_DPS[(flags >> 3) & 3] / 32768.0),
            mag=raw[:, 6:9] * MAG_SCALE if flags & FLAG_MAG else None,
            seq=int(rec["seq"][0]),
            device_time_s=float(rec["t_us"][0]) * 1e-6,
            rate_hz=float(rec["rate"][0]),
        )
