"""What every device profile shares: the decoded sample type, the one error type, the base class.

A *profile* turns the bytes of one BLE notification into samples in SmartTouch units
(acceleration in g, angular rate in deg/s, magnetic field in microtesla, angles in degrees,
quaternions w, x, y, z). Profiles are pure: no I/O, no clocks. Anything stateful (a packet
split across notifications, a quaternion arriving on another characteristic) lives in the
profile's :class:`StreamDecoder`, one per connection.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from smarttouch.sensors.profiles.emulation import DeviceEmulator

# Bluetooth SIG Battery Level characteristic (0x2A19, one byte, percent), read from any device
# that has the Battery service.
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"


class DecodeError(ValueError):
    """A notification payload is malformed for its profile.

    This is the only exception a decoder raises; the message names the profile and what is
    wrong (length, header byte, field value).
    """


@dataclass(frozen=True)
class ImuSamples:
    """Samples decoded from one or more notifications (arrays have ``n`` rows, or are None).

    Attributes:
        acc: acceleration in g, (n, 3).
        gyr: angular rate in deg/s, (n, 3).
        mag: magnetic field in microtesla, (n, 3).
        quat: orientation quaternion w, x, y, z, (n, 4).
        euler_deg: roll, pitch, yaw in degrees, (n, 3).
        seq: per-notification sequence number (profiles that have one), else None.
        device_time_s: device clock of the first sample in seconds, when the profile sends it.
        rate_hz: sample rate announced by the device, when the profile sends it.
    """

    acc: np.ndarray | None = None
    gyr: np.ndarray | None = None
    mag: np.ndarray | None = None
    quat: np.ndarray | None = None
    euler_deg: np.ndarray | None = None
    seq: int | None = None
    device_time_s: float | None = None
    rate_hz: float | None = None

    FIELDS: ClassVar[tuple[str, ...]] = ("acc", "gyr", "mag", "quat", "euler_deg")

    def __len__(self) -> int:
        for name in self.FIELDS:
            arr = getattr(self, name)
            if arr is not None:
                return len(arr)
        return 0

    def to_json(self) -> dict[str, Any]:
        """``{"samples": [{"acc": [...], ...}, ...]}`` with the keys this profile provides."""
        present = [name for name in self.FIELDS if getattr(self, name) is not None]
        samples = []
        for i in range(len(self)):
            samples.append({name: [float(v) for v in getattr(self, name)[i]] for name in present})
        return {"samples": samples}


EMPTY = ImuSamples()


@dataclass(frozen=True)
class HeartRateMeasurement:
    """One Heart Rate Measurement (Bluetooth SIG characteristic 0x2A37).

    Attributes:
        heart_rate_bpm: beats per minute.
        rr_s: RR intervals in seconds (resolution 1/1024 s), oldest first.
        energy_kj: energy expended in kilojoules, or None when not sent.
        contact: skin contact detected (True/False), or None when the sensor cannot tell.
    """

    heart_rate_bpm: int
    rr_s: tuple[float, ...] = ()
    energy_kj: int | None = None
    contact: bool | None = None

    def __len__(self) -> int:
        return 1

    def to_json(self) -> dict[str, Any]:
        return {
            "heart_rate_bpm": self.heart_rate_bpm,
            "rr_s": list(self.rr_s),
            "energy_kj": self.energy_kj,
            "contact": self.contact,
        }


Decoded = ImuSamples | HeartRateMeasurement


class StreamDecoder:
    """Per-connection decoder state; the default simply decodes each notification alone.

    ``feed`` never raises: a malformed payload is counted in ``errors`` (with the last message
    in ``last_error``) and yields nothing, so one bad notification never stops a stream.
    """

    def __init__(self, profile: DeviceProfile) -> None:
        self.profile = profile
        self.errors = 0
        self.last_error = ""

    def feed(self, char_uuid: str, payload: bytes) -> Decoded | None:
        """Decode one notification from characteristic ``char_uuid``; None if nothing usable."""
        try:
            return self.profile.decode(payload)
        except DecodeError as exc:
            self.errors += 1
            self.last_error = str(exc)
            return None


class DeviceProfile(ABC):
    """Base of the device profiles in :data:`smarttouch.sensors.profiles.PROFILES` (a profile
    class joins it with ``@register_profile``).

    Class attributes describe the GATT side (used by the BLE source and the virtual sensor);
    :meth:`decode` is the pure byte decoder.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    kind: ClassVar[str] = "imu"  # "imu" or "heart-rate"
    service_uuid: ClassVar[str]
    data_uuid: ClassVar[str]
    #: every characteristic the source subscribes to (data_uuid first)
    notify_uuids: ClassVar[tuple[str, ...]] = ()
    #: sample rate in Hz the device streams at by default
    nominal_rate_hz: ClassVar[float] = 100.0
    #: how many bytes one notification has when the size is fixed, else None
    fixed_size: ClassVar[int | None] = None
    #: this profile answers for a device advertising ``service_uuid`` (False for the variants
    #: of a service whose default profile is another one)
    scan_default: ClassVar[bool] = True
    #: the device side of the service, when the virtual wearable can emulate this profile
    emulator: ClassVar[type[DeviceEmulator] | None] = None

    def subscriptions(self) -> tuple[str, ...]:
        """Characteristics to subscribe to, in order."""
        return self.notify_uuids or (self.data_uuid,)

    @abstractmethod
    def decode(self, payload: bytes | bytearray | memoryview) -> Decoded:
        """Decode one complete notification.

        Raises:
            DecodeError: the payload is malformed (and nothing else).
        """

    def decode_batch(self, payloads: Sequence[bytes]) -> ImuSamples:
        """Decode many notifications into one :class:`ImuSamples` (vectorised where possible).

        Raises:
            DecodeError: any payload is malformed.
        """
        parts = [self.decode(p) for p in payloads]
        return concat_samples([p for p in parts if isinstance(p, ImuSamples)])

    def stream(self) -> StreamDecoder:
        """A fresh per-connection decoder."""
        return StreamDecoder(self)

    def _check_size(self, payload: bytes | bytearray | memoryview, layout: str) -> bytes:
        data = _as_bytes(payload, self.name)
        if self.fixed_size is not None and len(data) != self.fixed_size:
            raise DecodeError(f"{self.name}: expected {self.fixed_size} bytes ({layout}), got {len(data)}")
        return data

    def _check_batch(self, payloads: Sequence[bytes], layout: str) -> bytes:
        """Join fixed-size payloads, raising DecodeError naming the first wrong one."""
        size = self.fixed_size
        assert size is not None
        try:
            lengths = set(map(len, payloads))
        except TypeError:
            raise DecodeError(f"{self.name}: payloads must be bytes") from None
        if lengths - {size}:
            for i, p in enumerate(payloads):
                if len(p) != size:
                    raise DecodeError(
                        f"{self.name}: notification {i}: expected {size} bytes ({layout}), got {len(p)}"
                    )
        try:
            return b"".join(payloads)
        except TypeError:
            raise DecodeError(f"{self.name}: payloads must be bytes") from None


def _as_bytes(payload: Any, name: str) -> bytes:
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, (bytearray, memoryview)):
        return bytes(payload)
    raise DecodeError(f"{name}: payload must be bytes, got {type(payload).__name__}")


def concat_samples(parts: Sequence[ImuSamples]) -> ImuSamples:
    """Join decoded samples in order (a field is kept only if every part has it)."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return EMPTY
    if len(parts) == 1:
        return parts[0]
    fields = {}
    for name in ImuSamples.FIELDS:
        arrays = [getattr(p, name) for p in parts]
        fields[name] = None if any(a is None for a in arrays) else np.concatenate(arrays)
    return ImuSamples(
        **fields, seq=parts[0].seq, device_time_s=parts[0].device_time_s, rate_hz=parts[0].rate_hz
    )


def quat_from_euler_deg(euler_deg: np.ndarray) -> np.ndarray:
    """Quaternions (w, x, y, z) from roll, pitch, yaw in degrees (z-y-x intrinsic order).

    Rotation = Rz(yaw) @ Ry(pitch) @ Rx(roll), the aerospace convention both the Thingy:52
    (MPU-9250 motion driver) and WitMotion angle outputs use.
    """
    e = np.radians(np.asarray(euler_deg, dtype=np.float64).reshape(-1, 3)) / 2.0
    cr, sr = np.cos(e[:, 0]), np.sin(e[:, 0])
    cp, sp = np.cos(e[:, 1]), np.sin(e[:, 1])
    cy, sy = np.cos(e[:, 2]), np.sin(e[:, 2])
    return np.column_stack(
        [
            cr * cp * cy + sr * sp * sy,
            sr * cp * cy - cr * sp * sy,
            cr * sp * cy + sr * cp * sy,
            cr * cp * sy - sr * sp * cy,
        ]
    )


def euler_deg_from_quat(quat: np.ndarray) -> np.ndarray:
    """Roll, pitch, yaw in degrees (z-y-x intrinsic order) from quaternions (w, x, y, z)."""
    q = np.asarray(quat, dtype=np.float64).reshape(-1, 4)
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    w, x, y, z = q.T
    roll = np.arctan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y))
    pitch = np.arcsin(np.clip(2 * (w * y - z * x), -1.0, 1.0))
    yaw = np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))
    return np.asarray(np.degrees(np.column_stack([roll, pitch, yaw])), dtype=np.float64)
