"""The device side of a profile, for the virtual wearable (``smarttouch.sensors.virtual``).

A profile that can be emulated names a :class:`DeviceEmulator` (``DeviceProfile.emulator``):
the GATT service the real device serves, described as plain bytes and callbacks - which
characteristics exist, what a config read returns, what a config write changes, and how a
chunk of simulated motion becomes notifications. No radio and no bumble here: the virtual
peripheral turns these descriptions into a bumble GATT server, so adding a profile that the
virtual wearable can serve needs no change to the peripheral.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol

import numpy as np


class EmulatedClock(Protocol):
    """The virtual wearable's motion clock, shared by every service it serves."""

    @property
    def rate_hz(self) -> float:
        """Motion samples per second."""
        ...

    def set_rate(self, rate_hz: float) -> None:
        """Change the sample rate (a config write asked for it), in Hz."""
        ...


class ConfigRejected(Exception):
    """A config write the emulated device refuses.

    ``reason`` picks the ATT error the peripheral answers with: ``"length"`` (Invalid
    Attribute Value Length) or ``"value"`` (Value Not Allowed).
    """

    def __init__(self, reason: Literal["length", "value"], message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class EmulatedCharacteristic:
    """One characteristic of an emulated service.

    Attributes:
        uuid: its 128-bit UUID (lowercase text).
        notify: the device sends notifications on it (data characteristics).
        initial: the value a read returns before any notification, for notify characteristics.
        read: for config characteristics: the current value.
        write: for config characteristics: apply a written value, or raise ConfigRejected.
    """

    uuid: str
    notify: bool = False
    initial: bytes = b""
    read: Callable[[], bytes] | None = None
    write: Callable[[bytes], None] | None = None


@dataclass(frozen=True)
class MotionChunk:
    """Consecutive simulated samples to stream (n rows each): acc in g, gyr in deg/s, mag in
    microtesla, quat the orientation w, x, y, z."""

    acc: np.ndarray
    gyr: np.ndarray
    mag: np.ndarray
    quat: np.ndarray

    def __len__(self) -> int:
        return len(self.acc)


@dataclass(frozen=True)
class Notification:
    """One notification to send: ``payload`` on characteristic ``uuid``, carrying ``samples``
    motion samples; ``seq`` is the device's sequence number when the profile has one."""

    uuid: str
    payload: bytes
    samples: int
    seq: int | None = None


class DeviceEmulator(ABC):
    """The device side of one GATT service (see module docstring); one instance per virtual
    wearable, which may hold the service's configuration (ranges, sequence numbers).

    Args:
        clock: the wearable's motion clock (its rate, and a way to change it).
        samples_per_notification: how many samples to pack per notification, for services
            that pack several (others ignore it).
    """

    #: the service's UUID, advertised when the wearable emulates one of its profiles
    service_uuid: ClassVar[str]
    #: advertised local name (at most 8 bytes)
    advertised_name: ClassVar[str]

    def __init__(self, clock: EmulatedClock, samples_per_notification: int = 1) -> None:
        self.clock = clock

    @abstractmethod
    def characteristics(self) -> list[EmulatedCharacteristic]:
        """The service's characteristics, in GATT table order."""

    def samples_per_notification(self) -> int:
        """Samples the service packs into one notification (1 for one sample per notification)."""
        return 1

    @abstractmethod
    def notifications(
        self, chunk: MotionChunk, device_time_us: int, subscribed: Collection[str]
    ) -> list[Notification]:
        """Notifications for ``chunk`` (whose first sample is at ``device_time_us`` on the
        device clock) on the characteristics a host subscribed to (``subscribed``: UUIDs)."""
