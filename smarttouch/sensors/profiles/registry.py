"""The one registry of device profiles, read by decoding, scanning, the BLE source and the
virtual wearable alike.

A profile module decorates its classes with :func:`register_profile`; that is all the rest of
the room needs: :func:`get_profile` finds it by key, :func:`profile_for_service` recognises a
device advertising its service, and when the class names an ``emulator`` the virtual wearable
serves it (:func:`virtual_profiles`).
"""

from __future__ import annotations

from typing import TypeVar

from smarttouch.sensors.profiles.base import DeviceProfile

PROFILES: dict[str, type[DeviceProfile]] = {}

P = TypeVar("P", bound=type[DeviceProfile])


def register_profile(cls: P) -> P:
    """Class decorator: add a profile to :data:`PROFILES` under ``cls.name``.

    Raises:
        ValueError: another profile already has this name.
    """
    existing = PROFILES.get(cls.name)
    if existing is not None and existing is not cls:
        raise ValueError(
            f"a device profile named {cls.name!r} is already registered ({existing.__qualname__})"
        )
    PROFILES[cls.name] = cls
    return cls


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
    """The profile of ``kind`` whose GATT service is among ``service_uuids`` (advertised UUIDs).

    ``kind`` is ``"imu"`` (the default: what a motion source can stream), ``"heart-rate"``, or
    None for any kind (used to label every device in a scan listing; a motion profile wins
    over others then). Of the profiles sharing one service, the one marked ``scan_default``
    answers (e.g. Thingy:52 raw data rather than its quaternion or Euler variants).
    """
    wanted = {u.lower() for u in service_uuids}
    found = [
        cls
        for cls in PROFILES.values()
        if cls.scan_default and (kind is None or cls.kind == kind) and cls.service_uuid in wanted
    ]
    found.sort(key=lambda cls: cls.kind != "imu")  # stable: registry order within a kind
    return found[0]() if found else None


def virtual_profiles() -> tuple[str, ...]:
    """Keys of the profiles the virtual wearable can emulate (their class names an emulator)."""
    return tuple(name for name, cls in PROFILES.items() if cls.emulator is not None)
