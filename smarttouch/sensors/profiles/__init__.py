"""Device profiles: pure decoders from BLE notification bytes to samples, in a registry.

Look a profile up by its key::

    from smarttouch.sensors.profiles import get_profile, DecodeError
    samples = get_profile("thingy52-raw").decode(payload)

Every decoder raises only :class:`DecodeError` on a malformed payload.

A new profile is one module here: its classes decorated with ``@register_profile`` (and, for
the virtual wearable to serve it, a :class:`DeviceEmulator` named by the class), listed in
``BUILTIN_MODULES`` below so it is imported. Decoding, scanning, the BLE source and the virtual
wearable all read that one registry.
"""

from __future__ import annotations

import importlib

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
from smarttouch.sensors.profiles.emulation import DeviceEmulator
from smarttouch.sensors.profiles.registry import (
    PROFILES,
    get_profile,
    profile_for_service,
    register_profile,
    virtual_profiles,
)

# The built-in profile modules. Importing one registers its profiles; this order is the order
# `smarttouch sensors profiles` lists them and the order scans try them in.
BUILTIN_MODULES = ("thingy52", "witmotion", "heart_rate", "smarttouch_imu")
for _module in BUILTIN_MODULES:
    importlib.import_module(f"{__name__}.{_module}")

__all__ = [
    "BATTERY_LEVEL_UUID",
    "PROFILES",
    "DecodeError",
    "Decoded",
    "DeviceEmulator",
    "DeviceProfile",
    "HeartRateMeasurement",
    "ImuSamples",
    "StreamDecoder",
    "euler_deg_from_quat",
    "get_profile",
    "profile_for_service",
    "quat_from_euler_deg",
    "register_profile",
    "virtual_profiles",
]
