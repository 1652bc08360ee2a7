"""Virtual BLE wearables for tests and demos: a bumble peripheral streaming simulated motion,
reached through bleak's public API by a custom bleak backend over bumble's in-process link.
Which profiles it can emulate: ``smarttouch.sensors.profiles.virtual_profiles()``."""

from smarttouch.sensors.virtual.air import VirtualAir
from smarttouch.sensors.virtual.bleak_backend import BumbleClientBackend, BumbleScannerBackend
from smarttouch.sensors.virtual.peripheral import Faults, VirtualSensor

__all__ = [
    "BumbleClientBackend",
    "BumbleScannerBackend",
    "Faults",
    "VirtualAir",
    "VirtualSensor",
]
