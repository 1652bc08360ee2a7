"""A bleak backend over the in-process bumble link, so ``BleakScanner``/``BleakClient`` reach
virtual sensors through bleak's public API::

    from bleak import BleakClient, BleakScanner
    from smarttouch.sensors.virtual.bleak_backend import BumbleClientBackend, BumbleScannerBackend

    device = await BleakScanner.find_device_by_name("ST-IMU", backend=BumbleScannerBackend)
    async with BleakClient(device, backend=BumbleClientBackend) as client:
        await client.start_notify(DATA_UUID, callback)

The backend implements bleak's ``BaseBleakScanner`` and ``BaseBleakClient`` contracts with a
bumble central device on the running event loop's :class:`VirtualAir`. Everything above it
(our BLE source, bleak-retry-connector) is the same code that drives real hardware.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from bleak.assigned_numbers import CharacteristicPropertyName
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError
from bleak.uuids import normalize_uuid_str
from bumble.core import UUID, AdvertisingData
from bumble.device import Advertisement, Connection, Device, Peer
from bumble.hci import Address

from smarttouch.sensors.virtual.air import VirtualAir

log = logging.getLogger(__name__)

#: bleak's name for each GATT characteristic property bit
_PROPERTY_NAMES: dict[int, CharacteristicPropertyName] = {
    0x01: "broadcast",
    0x02: "read",
    0x04: "write-without-response",
    0x08: "write",
    0x10: "notify",
    0x20: "indicate",
    0x40: "authenticated-signed-writes",
    0x80: "extended-properties",
}
#: the error text BlueZ gives when a link drops while being set up; bleak-retry-connector
#: classifies it as transient and retries with a short backoff
ABORT_ERROR = "le-connection-abort-by-local"


def uuid_str(uuid: UUID) -> str:
    """bleak's canonical lower-case 128-bit UUID string for a bumble UUID."""
    hex_str = uuid.to_hex_str().lower()
    if len(hex_str) == 32:
        return f"{hex_str[:8]}-{hex_str[8:12]}-{hex_str[12:16]}-{hex_str[16:20]}-{hex_str[20:]}"
    return normalize_uuid_str(hex_str)


@dataclass(frozen=True)
class VirtualDeviceDetails:
    """``BLEDevice.details`` of a device seen on the virtual link."""

    address: str
    name: str | None


class BumbleScannerBackend(BaseBleakScanner):
    """Scans the virtual link with a bumble central (bleak scanner backend)."""

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: Literal["active", "passive"] = "active",
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._active = scanning_mode == "active"
        self._device: Device | None = None
        self._air: VirtualAir | None = None

    async def start(self) -> None:
        self.seen_devices = {}
        self._air = VirtualAir.current()
        self._device = self._air.new_device("scanner", "central")
        self._device.on(self._device.EVENT_ADVERTISEMENT, self._on_advertisement)
        await self._device.power_on()
        await self._device.start_scanning(active=self._active, filter_duplicates=False)

    async def stop(self) -> None:
        if self._device is None:
            return
        try:
            await self._device.stop_scanning()
        finally:
            assert self._air is not None
            self._air.release(self._device)
            self._device = None

    def _on_advertisement(self, adv: Advertisement) -> None:
        names = adv.data.get_all(AdvertisingData.COMPLETE_LOCAL_NAME) or adv.data.get_all(
            AdvertisingData.SHORTENED_LOCAL_NAME
        )
        name = names[-1] if names else None
        uuids: list[str] = []
        for kind in (
            AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
            AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
            AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
            AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
        ):
            for group in adv.data.get_all(kind) or []:
                uuids.extend(uuid_str(u) for u in group if uuid_str(u) not in uuids)
        if not self.is_allowed_uuid(uuids):
            return
        address = str(adv.address).split("/")[0]
        data = AdvertisementData(
            local_name=name,
            manufacturer_data={},
            service_data={},
            service_uuids=uuids,
            tx_power=None,
            rssi=adv.rssi,
            platform_data=(adv,),
        )
        device = self.create_or_update_device(
            address, address, name, VirtualDeviceDetails(address, name), data
        )
        self.call_detection_callbacks(device, data)


class BumbleClientBackend(BaseBleakClient):
    """Connects to a virtual sensor with a bumble central (bleak client backend)."""

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None = None,
        timeout: float = 10.0,
        services: set[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout)
        self._name = (
            address_or_ble_device.name if isinstance(address_or_ble_device, BLEDevice) else None
        ) or self.address
        self._device: Device | None = None
        self._air: VirtualAir | None = None
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._closing = False
        self._lost: asyncio.Future[int] | None = None

    # ------------------------------------------------------------------ connection

    @property
    def name(self) -> str:
        return self._name

    @property
    def mtu_size(self) -> int:
        return self._connection.att_mtu if self._connection is not None else 23

    @property
    def is_connected(self) -> bool:
        return self._connection is not None and self._lost is not None and not self._lost.done()

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        timeout = float(kwargs.get("timeout", self._timeout))
        self._air = VirtualAir.current()
        if self.address not in self._air.peripherals:
            raise BleakDeviceNotFoundError(self.address, f"Device with address {self.address} was not found")
        self._closing = False
        self._device = self._air.new_device("central", "central")
        await self._device.power_on()
        try:
            try:
                connection = await self._device.connect(Address(self.address), timeout=timeout)
            except Exception as exc:
                if "timeout" in type(exc).__name__.lower() or "timeout" in str(exc).lower():
                    raise TimeoutError(f"{self.address}: connection timed out") from exc
                raise BleakError(f"{self.address}: {exc}") from exc
            self._connection = connection
            loop = asyncio.get_running_loop()
            self._lost = loop.create_future()
            connection.on(connection.EVENT_DISCONNECTION, self._on_disconnection)
            self._peer = Peer(connection)
            setup = asyncio.ensure_future(self._discover())
            waiting: set[asyncio.Future[Any]] = {setup, self._lost}
            done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            if self._lost.done():
                # bumble cancels the pending GATT requests of a dropped link
                setup.cancel()
                raise BleakError(f"{self.address}: {ABORT_ERROR} (link lost during setup)")
            if setup not in done:
                setup.cancel()
                raise TimeoutError(f"{self.address}: service discovery timed out")
            if setup.cancelled():
                raise BleakError(f"{self.address}: {ABORT_ERROR} (setup cancelled)")
            setup.result()
        except BaseException:
            await self._teardown()
            raise

    async def _discover(self) -> None:
        assert self._peer is not None
        await self._peer.request_mtu(247)
        await self._peer.discover_all()  # type: ignore[no-untyped-call]  # bumble leaves it unannotated
        collection = BleakGATTServiceCollection()
        for sp in self._peer.services:
            service = BleakGATTService(sp, sp.handle, uuid_str(sp.uuid))
            collection.add_service(service)
            for cp in sp.characteristics:
                props = [n for bit, n in _PROPERTY_NAMES.items() if int(cp.properties) & bit]
                char = BleakGATTCharacteristic(
                    cp, cp.handle, uuid_str(cp.uuid), props, lambda: self.mtu_size - 3, service
                )
                collection.add_characteristic(char)
                for dp in cp.descriptors:
                    collection.add_descriptor(BleakGATTDescriptor(dp, dp.handle, uuid_str(dp.type), char))
        self.services = collection

    def _on_disconnection(self, reason: int) -> None:
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(reason)
        self._connection = None
        if not self._closing and self._disconnected_callback is not None and self.services is not None:
            self._disconnected_callback()
        if self._air is not None and self._device is not None:
            self._air.release(self._device)

    async def _teardown(self) -> None:
        self._closing = True
        conn = self._connection
        if conn is not None:
            try:
                await conn.disconnect()
            except Exception:
                log.debug("disconnect failed", exc_info=True)
        if self._air is not None and self._device is not None:
            self._air.release(self._device)
        self._connection = None
        self.services = None

    async def disconnect(self) -> None:
        await self._teardown()

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        log.debug("virtual sensors need no pairing")

    async def unpair(self) -> None:
        log.debug("virtual sensors need no pairing")

    # ------------------------------------------------------------------ GATT I/O

    def _require_peer(self) -> Peer:
        if self._peer is None or not self.is_connected:
            raise BleakError("Not connected")
        return self._peer

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        return bytearray(await self._require_peer().read_value(characteristic.obj))

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        return bytearray(await self._require_peer().read_value(descriptor.obj))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: Any, response: bool
    ) -> None:
        await self._require_peer().write_value(characteristic.obj, bytes(data), with_response=response)

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        await self._require_peer().write_value(descriptor.obj, bytes(data), with_response=True)

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        await self._require_peer().subscribe(characteristic.obj, lambda value: callback(bytearray(value)))

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        await self._require_peer().unsubscribe(characteristic.obj)
