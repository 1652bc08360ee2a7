"""The in-process radio: one bumble ``LocalLink`` per asyncio event loop.

Every virtual peripheral and every central created by the bleak backend in the same event
loop shares this link, so they see each other's advertisements and connect to each other
exactly as separate Bluetooth controllers would, but without hardware or sockets.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import weakref
from typing import TYPE_CHECKING

from bumble.controller import Controller
from bumble.device import Device
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

if TYPE_CHECKING:
    from smarttouch.sensors.virtual.peripheral import VirtualSensor

# A notification racing a link the peer just dropped makes bumble's controller log a warning;
# on the virtual link that race is expected (it is how a real radio loses packets), not news.
logging.getLogger("bumble.controller").setLevel(logging.ERROR)

_AIRS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, VirtualAir] = weakref.WeakKeyDictionary()


class VirtualAir:
    """Shared virtual BLE link of one event loop, with its peripherals by address."""

    def __init__(self) -> None:
        self.link = LocalLink()  # type: ignore[no-untyped-call]  # bumble leaves it unannotated
        self.peripherals: dict[str, VirtualSensor] = {}
        self._counter = itertools.count(1)
        self._controllers: dict[int, Controller] = {}

    @classmethod
    def current(cls) -> VirtualAir:
        """The air of the running event loop (created on first use)."""
        loop = asyncio.get_running_loop()
        air = _AIRS.get(loop)
        if air is None:
            air = _AIRS[loop] = cls()
        return air

    def new_device(self, name: str, role: str) -> Device:
        """A fresh bumble device (own controller and host) on this link.

        ``role`` is "peripheral" (random static address C0:5E:...) or "central" (C1:5E:...).
        """
        n = next(self._counter)
        prefix = "C0" if role == "peripheral" else "C1"
        address = f"{prefix}:5E:00:{(n >> 16) & 0xFF:02X}:{(n >> 8) & 0xFF:02X}:{n & 0xFF:02X}"
        controller = Controller(f"{role}-{n}", link=self.link, public_address=address)
        device = Device(name=name, address=Address(address), host=Host(controller, AsyncPipeSink(controller)))
        self._controllers[id(device)] = controller
        return device

    def release(self, device: Device) -> None:
        """Take a device's controller off the link (it can no longer be seen or reached)."""
        controller = self._controllers.pop(id(device), None)
        if controller is not None and controller in self.link.controllers:
            self.link.remove_controller(controller)
