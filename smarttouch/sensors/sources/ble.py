"""``ble:ADDRESS_OR_NAME[:profile]``: a BLE wearable through bleak, robust to a flaky link.

An asyncio loop runs in a background thread. It scans (by address, advertised name or the
profile's service UUID), connects with bleak-retry-connector's ``establish_connection``
using the scanned ``BLEDevice``, reads the battery level, subscribes to the profile's
characteristics and timestamps every notification on arrival. Decoded batches go to a
bounded queue the synchronous consumer drains. When the link drops the loop reconnects with
exponential backoff while the consumer keeps running; sequence numbers (``smarttouch-imu``)
reveal lost notifications and duplicates, and each outage is reported in ``stats["gaps"]``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakError
from bleak_retry_connector import establish_connection

from smarttouch.sensors.profiles import (
    BATTERY_LEVEL_UUID,
    PROFILES,
    DeviceProfile,
    ImuSamples,
    StreamDecoder,
    get_profile,
    profile_for_service,
)
from smarttouch.sensors.sources.base import BatchQueue, NoAdapterError, Source, SourceError
from smarttouch.sensors.sources.clock import SampleClock, SequenceTracker
from smarttouch.sensors.types import ImuBatch

log = logging.getLogger(__name__)

# keyword parameters a BLE source spec may set (ble:..., virtual:...)
BLE_PARAMS = frozenset({"queue_size", "scan_timeout_s", "backoff_s", "max_backoff_s"})
_ADDRESS = re.compile(r"^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f-]{36}$")
NO_ADAPTER_HINT = (
    "no Bluetooth adapter is available (BlueZ not running or no radio); use "
    "--sensor sim:shoulder_flexion or --sensor virtual:thingy52-raw instead"
)


def is_no_adapter_error(exc: BaseException) -> bool:
    """True when ``exc`` means the host has no usable Bluetooth stack or adapter."""
    if isinstance(exc, (FileNotFoundError, ConnectionRefusedError, PermissionError)):
        return True  # no D-Bus system bus socket
    text = f"{type(exc).__name__} {exc}".lower()
    markers = (
        "bluetoothnotavailable",
        "no bluetooth adapter",
        "org.bluez",
        "serviceunknown",
        "adapter",
        "bluetooth is turned off",
        "bluetooth device is turned off",
    )
    return isinstance(exc, BleakError) and any(m in text for m in markers)


class BleSource(Source):
    """Streams IMU batches from a BLE wearable (see module docstring).

    Args:
        target: address or advertised name; None = the first device advertising a known
            (or the given profile's) service.
        profile: device profile key; None = inferred from the advertised service UUIDs.
        scanner_backend / client_backend: bleak backends (None = the platform's own).
        queue_size: batches buffered for the consumer before the oldest are dropped.
        scan_timeout_s: how long one scan looks for the device.
        backoff_s: first reconnect delay; doubles after each failure up to ``max_backoff_s``.
    """

    def __init__(
        self,
        target: str | None = None,
        profile: str | None = None,
        *,
        scanner_backend: type | None = None,
        client_backend: type | None = None,
        queue_size: int = 256,
        scan_timeout_s: float = 10.0,
        backoff_s: float = 0.25,
        max_backoff_s: float = 8.0,
        spec: str = "",
    ) -> None:
        super().__init__()
        if profile is not None:
            try:
                self.profile: DeviceProfile | None = get_profile(profile)
            except KeyError as exc:
                raise SourceError(str(exc.args[0])) from None
            if self.profile.kind != "imu":
                raise SourceError(
                    f"{profile} is not a motion profile; choose one of "
                    f"{', '.join(n for n, c in PROFILES.items() if c.kind == 'imu')}"
                )
        else:
            self.profile = None
        self.target = target
        self.spec = spec or f"ble:{target or ''}"
        self._scanner_backend = scanner_backend
        self._client_backend = client_backend
        self.scan_timeout_s = scan_timeout_s
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._queue = BatchQueue(queue_size)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._fatal: SourceError | None = None
        self._connected = False
        self._t0 = 0.0
        self._clock = SampleClock()
        self._seq = SequenceTracker()
        self._counters = {
            "received": 0,
            "batches": 0,
            "connections": 0,
            "connect_failures": 0,
            "decode_errors": 0,
        }
        self._battery: int | None = None
        self.last_error = ""
        self.gaps: list[dict[str, Any]] = []
        self._gap_start: float | None = None
        self.latencies_s: deque[float] = deque(maxlen=20000)

    # ------------------------------------------------------------------ consumer side

    def start(self) -> BleSource:
        if self._thread is not None:
            return self
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._thread_main, name=f"ble-source {self.spec}", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=15.0)
        if self._fatal is not None:
            self.stop()
            raise self._fatal
        return self

    def stop(self) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(stop.set)
            except RuntimeError:  # loop already closed
                pass
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10.0)
        self._connected = False
        self._queue.wake()

    def poll(self) -> list[ImuBatch]:
        """Queued batches; raises SourceError if the background loop died."""
        items = self._queue.drain()
        if not items and self._fatal is not None:
            raise self._fatal
        return items

    def read(self, timeout: float) -> list[ImuBatch]:
        if self._fatal is None:
            self._queue.wait(timeout)
        return self.poll()

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def time_origin(self) -> float:
        """``time.perf_counter()`` value that sample time 0 corresponds to."""
        return self._t0

    @property
    def stats(self) -> dict[str, Any]:
        c = self._counters
        return {
            "received": c["received"],
            "batches": c["batches"],
            "lost_notifications": self._seq.lost,
            "duplicate_notifications": self._seq.duplicates,
            "dropped_batches": self._queue.dropped,
            "reconnects": max(0, c["connections"] - 1),
            "connect_failures": c["connect_failures"],
            "decode_errors": c["decode_errors"],
            "battery_pct": self._battery,
            "gaps": list(self.gaps),
            "last_error": self.last_error,
        }

    # ------------------------------------------------------------------ background loop

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # never let the thread die silently
            log.exception("BLE source loop crashed")
            self._fatal = self._fatal or SourceError(f"{self.spec}: {exc}")
        finally:
            self._connected = False
            self._ready.set()
            self._queue.wake()

    async def _setup(self) -> None:
        """Hook for subclasses (the virtual source starts its peripheral here)."""

    async def _teardown(self) -> None:
        """Hook for subclasses."""

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            await self._setup()
            await self._run()
        finally:
            await self._teardown()

    async def _sleep_or_stop(self, seconds: float) -> None:
        assert self._stop is not None
        try:
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
        except TimeoutError:
            pass

    async def _run(self) -> None:
        assert self._stop is not None
        backoff = self.backoff_s
        while not self._stop.is_set():
            try:
                found = await self._scan()
                if found is not None:
                    await self._session(*found)
                    backoff = self.backoff_s
                    continue
                self.last_error = f"no device matching {self.target or 'a known profile'} found"
            except NoAdapterError as exc:
                self._fatal = exc
                self._ready.set()
                return
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise  # we are being shut down
                self._counters["connect_failures"] += 1
                self.last_error = "connection attempt cancelled by the stack"
            except Exception as exc:  # bleak and backend errors: retry with backoff
                self._counters["connect_failures"] += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.debug("BLE session failed: %s", self.last_error)
            self._connected = False
            await self._sleep_or_stop(backoff)
            backoff = min(backoff * 2.0, self.max_backoff_s)

    def _matches(self, device: BLEDevice, adv: AdvertisementData) -> DeviceProfile | None:
        if self.target is not None:
            if _ADDRESS.match(self.target):
                if device.address.lower() != self.target.lower():
                    return None
            elif adv.local_name != self.target and device.name != self.target:
                return None
        if self.profile is not None:
            if self.target is None and self.profile.service_uuid not in adv.service_uuids:
                return None
            return self.profile
        return profile_for_service(list(adv.service_uuids))

    async def _scan(self) -> tuple[BLEDevice, DeviceProfile] | None:
        loop = asyncio.get_running_loop()
        found: asyncio.Future[tuple[BLEDevice, DeviceProfile]] = loop.create_future()

        def on_advertisement(device: BLEDevice, adv: AdvertisementData) -> None:
            if found.done():
                return
            profile = self._matches(device, adv)
            if profile is not None:
                found.set_result((device, profile))
            elif (
                self.target is not None
                and self.profile is None
                and (device.address.lower() == self.target.lower() or adv.local_name == self.target)
            ):
                found.set_exception(
                    SourceError(
                        f"{self.target}: cannot tell its device profile from its advertisement; "
                        f"add it to the spec, e.g. ble:{self.target}:thingy52-raw"
                    )
                )

        scanner = BleakScanner(on_advertisement, backend=self._scanner_backend)
        try:
            await scanner.start()
        except Exception as exc:
            if is_no_adapter_error(exc):
                raise NoAdapterError(NO_ADAPTER_HINT) from None
            raise
        self._ready.set()
        assert self._stop is not None  # made by _main before any scan
        try:
            stop_wait = asyncio.ensure_future(self._stop.wait())
            waiting: set[asyncio.Future[Any]] = {found, stop_wait}
            done, _ = await asyncio.wait(
                waiting, timeout=self.scan_timeout_s, return_when=asyncio.FIRST_COMPLETED
            )
            stop_wait.cancel()
            if found in done:
                return found.result()
            found.cancel()
            return None
        finally:
            await scanner.stop()

    async def _session(self, device: BLEDevice, profile: DeviceProfile) -> None:
        assert self._stop is not None
        lost = asyncio.get_running_loop().create_future()

        def on_disconnect(_client: BleakClient) -> None:
            if not lost.done():
                lost.set_result(None)

        client = await establish_connection(
            BleakClient,
            device,
            device.name or device.address,
            disconnected_callback=on_disconnect,
            backend=self._client_backend,
        )
        decoder = profile.stream()
        try:
            self._counters["connections"] += 1
            self.info.update(device=f"{device.name or ''} {device.address}".strip(), profile=profile.name)
            await self._read_battery(client)
            self._seq.new_connection()
            for uuid in profile.subscriptions():
                await client.start_notify(uuid, self._make_callback(uuid, decoder, profile))
            self._connected = True
            log.info("streaming %s from %s", profile.name, device.address)
            stop_wait = asyncio.ensure_future(self._stop.wait())
            await asyncio.wait({lost, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
            stop_wait.cancel()
            if lost.done():
                self.last_error = "link lost"
                self._gap_start = self._clock.last_t
        finally:
            self._connected = False
            self._counters["decode_errors"] += decoder.errors
            try:
                await client.disconnect()
            except Exception:
                log.debug("disconnect failed", exc_info=True)

    async def _read_battery(self, client: BleakClient) -> None:
        try:
            if client.services.get_characteristic(BATTERY_LEVEL_UUID) is not None:
                value = await client.read_gatt_char(BATTERY_LEVEL_UUID)
                self._battery = int(value[0]) if value else None
        except Exception:
            log.debug("battery read failed", exc_info=True)

    def _make_callback(
        self, uuid: str, decoder: StreamDecoder, profile: DeviceProfile
    ) -> Callable[[Any, bytearray], None]:
        def on_notification(_sender: Any, data: bytearray) -> None:
            arrival = time.perf_counter()
            decoded = decoder.feed(uuid, bytes(data))
            if not isinstance(decoded, ImuSamples) or decoded.acc is None or decoded.gyr is None:
                return
            lost_before = self._seq.lost
            if decoded.seq is not None and not self._seq.accept(
                decoded.seq, decoded.device_time_s, len(decoded), decoded.rate_hz
            ):
                return
            rate = decoded.rate_hz or profile.nominal_rate_hz
            self.info["sample_rate_hz"] = rate
            in_sequence = (
                decoded.seq is not None and self._seq.lost == lost_before and self._gap_start is None
            )
            t = self._clock.assign(arrival - self._t0, len(decoded), rate, nothing_lost=in_sequence)
            if self._gap_start is not None:
                self._record_gap(float(t[0]))
            queued_at = self._queue.put(ImuBatch(t, decoded.acc, decoded.gyr, decoded.mag, decoded.quat))
            self.latencies_s.append(queued_at - arrival)
            self._counters["received"] += len(decoded)
            self._counters["batches"] += 1

        return on_notification

    def _record_gap(self, resumed_at: float) -> None:
        start = self._gap_start
        assert start is not None
        self._gap_start = None
        self.gaps.append(
            {
                "start_s": start,
                "end_s": resumed_at,
                "duration_s": resumed_at - start,
                "lost_notifications": self._seq.last_gap_notifications,
                "missed_samples": self._seq.last_gap_samples,
            }
        )
