"""Device profiles: pure decoders from BLE notification bytes to samples, in a registry.

Look a profile up by its key::

    from smarttouch.sensors.profiles import get_profile, DecodeError
    samples = get_profile("thingy52-raw").decode(payload)

Every decoder raises only :class:`DecodeError` on a malformed payload.
"""

from __future__ import annotations

from smarttouch.sensors.profiles.base import (
    BATTERY_LEVEL_UUID,
    Decoded,
    DecodeError,
    DeviceProfile,
    HeartRateMeasurement,
    ImuSamples,
    StreamDecoder,
    euler_deg_from_quat,
    quat_from_euler_deg,
)
from smarttouch.sensors.profiles.heart_rate import HeartRate
from smarttouch.sensors.profiles.smarttouch_imu import SmartTouchImu
from smarttouch.sensors.profiles.thingy52 import Thingy52Euler, Thingy52Quaternion, Thingy52Raw
from smarttouch.sensors.profiles.witmotion import WitMotion

PROFILES: dict[str, type[DeviceProfile]] = {
    cls.name: cls
    for cls in (Thingy52Raw, Thingy52Quaternion, Thingy52Euler, WitMotion, HeartRate, SmartTouchImu)
}


def get_profile(name: str) -> DeviceProfile:
    """A profile instance by registry key.

    Raises:
        KeyError: unknown name (the message lists the known ones).
    """
    try:
        return PROFILES[name]()
    except KeyError:
        raise KeyError(f"unknown device profile {name!r}; known: {', '.join(PROFILES)}") from None


def profile_for_service(service_uuids: list[str], kind: str | None = "imu") -> DeviceProfile | None:
    """The first profile of ``kind`` whose GATT service is among ``service_uuids`` (advertised UUIDs).

    ``kind`` is ``"imu"`` (the default: what a motion source can stream), ``"heart-rate"``, or
    None for any kind (used to label every device in a scan listing).
    """
    wanted = {u.lower() for u in service_uuids}
    for cls in (SmartTouchImu, Thingy52Raw, WitMotion, HeartRate):
        if (kind is None or cls.kind == kind) and cls.service_uuid in wanted:
            return cls()
    return None


__all__ = [
    "BATTERY_LEVEL_UUID",
    "PROFILES",
    "DecodeError",
    "Decoded",
    "DeviceProfile",
    "HeartRateMeasurement",
    "ImuSamples",
    "StreamDecoder",
    "euler_deg_from_quat",
    "get_profile",
    "profile_for_service",
    "quat_from_euler_deg",
]
