"""A virtual BLE wearable: a bumble peripheral streaming simulated motion.

It serves, with their real UUIDs and byte layouts, the service of every registered device
profile that names an emulator (``DeviceProfile.emulator``, see
``smarttouch.sensors.profiles.emulation``: today the Nordic Thingy:52 motion service and the
SmartTouch ``smarttouch-imu`` service) plus the standard Battery Service (0x180F, Battery
Level 0x2A19), and advertises the service of the profile it was created for. Motion comes from
:func:`smarttouch.sensors.simulator.simulate` and is streamed at the real sample rate, each
notification delayed by a random jitter (as radio connection events do). Faults can be
injected to exercise the host's connection code (see :class:`Faults`).
"""

from __future__ import annotations

import asyncio
import logging
import random
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from bumble import att, hci
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection, Device
from bumble.gatt import Characteristic, CharacteristicValue, Service

from smarttouch.sensors.profiles import BATTERY_LEVEL_UUID, PROFILES, DeviceEmulator, virtual_profiles
from smarttouch.sensors.profiles.emulation import (
    ConfigRejected,
    EmulatedCharacteristic,
    MotionChunk,
    Notification,
)
from smarttouch.sensors.simulator import simulate
from smarttouch.sensors.virtual.air import VirtualAir

log = logging.getLogger(__name__)

BATTERY_SERVICE_UUID = "0000180f-0000-1000-8000-00805f9b34fb"
_ATT_ERRORS = {"length": att.ErrorCode.INVALID_ATTRIBUTE_LENGTH, "value": att.ErrorCode.VALUE_NOT_ALLOWED}
_DISCOVERY_REQUESTS = (
    "on_att_read_by_group_type_request",
    "on_att_read_by_type_request",
    "on_att_find_information_request",
    "on_att_find_by_type_value_request",
)


@dataclass
class Faults:
    """Misbehaviour to inject, all off by default.

    Attributes:
        abort_connects: the first N connections are terminated by the sensor as soon as they
            are made (the host sees the connection abort during setup).
        disconnect_after_s: drop the link this many seconds after streaming starts.
        disconnects: how many times ``disconnect_after_s`` fires (one per connection).
        drop_every: skip every Nth notification (the sequence number still advances).
        drop_rate: probability of skipping any notification.
        discovery_delay_s: delay before answering each service-discovery request, seconds.
    """

    abort_connects: int = 0
    disconnect_after_s: float | None = None
    disconnects: int = 1
    drop_every: int = 0
    drop_rate: float = 0.0
    discovery_delay_s: float = 0.0


@dataclass
class PeripheralStats:
    """What the virtual sensor did (for tests and benchmarks)."""

    connections: int = 0
    aborted_connections: int = 0
    forced_disconnects: int = 0
    notifications_sent: int = 0
    notifications_dropped: int = 0
    samples_streamed: int = 0
    send_times: dict[int, float] = field(default_factory=dict)  # smarttouch-imu seq -> loop time


def _uuid(text: str) -> UUID:
    return UUID(text)


class _Motion:
    """An endless supply of simulated samples at ``rate_hz`` (new simulation when one ends)."""

    def __init__(self, movement: str, rate_hz: float, seed: int, params: dict[str, Any]) -> None:
        self.movement, self.rate_hz, self.seed, self.params = movement, rate_hz, seed, params
        self._chunk = 0
        self._next: Any = None  # the next simulation, made ahead off the event loop
        self._load()

    def _simulate(self, chunk: int) -> Any:
        params = {"reps": 20, **self.params}
        return simulate(self.movement, fs=self.rate_hz, with_mag=True, seed=self.seed + chunk, **params)

    def prepare(self) -> None:
        """Start making the next simulation in a worker thread a second before the current
        one runs out: a simulation takes ~0.1 s, which would stall the link's event loop (and
        so the notifications of that moment) if it ran there."""
        if self._next is None and len(self.acc) - self.pos <= self.rate_hz:
            self._next = asyncio.ensure_future(asyncio.to_thread(self._simulate, self._chunk))

    def _load(self) -> None:
        ahead, self._next = self._next, None
        if ahead is not None and ahead.done() and not ahead.cancelled() and ahead.exception() is None:
            sim = ahead.result()
        else:
            if ahead is not None:
                ahead.cancel()
            sim = self._simulate(self._chunk)
        rec = sim.recording
        self.acc, self.gyr, self.mag = rec.acc, rec.gyr, rec.mag
        self.quat = sim.orientation if len(sim.orientation) == len(rec.t) else rec.quat
        self.pos = 0
        self._chunk += 1

    def take(self, n: int) -> MotionChunk:
        out: dict[str, list[np.ndarray]] = {"acc": [], "gyr": [], "mag": [], "quat": []}
        while n > 0:
            if self.pos >= len(self.acc):
                self._load()
            sl = slice(self.pos, min(self.pos + n, len(self.acc)))
            for name in out:
                arr = getattr(self, name)
                out[name].append(
                    arr[sl] if arr is not None else np.tile([1.0, 0, 0, 0], (sl.stop - sl.start, 1))
                )
            n -= sl.stop - sl.start
            self.pos = sl.stop
        return MotionChunk(**{k: np.vstack(v) for k, v in out.items()})


class VirtualSensor:
    """An emulated BLE IMU wearable on the in-process link of the running event loop.

    Args:
        profile: which service to advertise: a key of ``virtual_profiles()`` (a registered
            profile that names an emulator).
        name: advertised local name (at most 8 characters; default: the emulator's, e.g.
            "Thingy" or "ST-IMU").
        movement: simulator movement streamed (see ``smarttouch.sensors.simulator.MOVEMENTS``).
        rate_hz: motion sample rate in Hz.
        samples_per_notification: samples per notification, for services that pack several
            (smarttouch-imu: 1..40).
        jitter_s: each notification is delayed by a uniform random 0..jitter_s seconds.
        faults: fault injection, see :class:`Faults`.
        battery_pct: Battery Level value, percent.
        seed: seed of the simulator and of the jitter/drop randomness.
        sim_params: extra keyword arguments for ``simulate`` (reps, rom_deg, tempo_s, ...).
    """

    def __init__(
        self,
        profile: str = "smarttouch-imu",
        *,
        name: str | None = None,
        movement: str = "shoulder_flexion",
        rate_hz: float = 100.0,
        samples_per_notification: int = 4,
        jitter_s: float = 0.002,
        faults: Faults | None = None,
        battery_pct: int = 87,
        seed: int = 0,
        sim_params: dict[str, Any] | None = None,
    ) -> None:
        known = virtual_profiles()
        if profile not in known:
            raise ValueError(f"no virtual sensor for profile {profile!r}; choose one of {', '.join(known)}")
        self.profile = profile
        self.rate_hz = float(rate_hz)
        # one emulator per distinct service, in registry order (this profile's service among them)
        kinds = list(dict.fromkeys(c.emulator for c in PROFILES.values() if c.emulator is not None))
        self.emulators: list[DeviceEmulator] = [kind(self, samples_per_notification) for kind in kinds]
        self._sends_on = {
            id(e): frozenset(c.uuid for c in e.characteristics() if c.notify) for e in self.emulators
        }
        own = PROFILES[profile].emulator
        self.emulator = next(e for e in self.emulators if type(e) is own)
        self.name = name or self.emulator.advertised_name
        if len(self.name.encode()) > 8:
            raise ValueError("advertised name must be at most 8 bytes")
        self.jitter_s = jitter_s
        self.faults = faults or Faults()
        self.battery_pct = battery_pct
        self.stats = PeripheralStats()
        self._rng = random.Random(seed)
        self._motion = _Motion(movement, self.rate_hz, seed, dict(sim_params or {}))
        self._sample_index = 0
        self._notify_chars: dict[str, Characteristic[bytes]] = {}  # uuid -> bumble characteristic
        self._device: Device | None = None
        self._air: VirtualAir | None = None
        self._task: asyncio.Task[None] | None = None
        self._streaming_connections: weakref.WeakSet[Any] = weakref.WeakSet()
        self._drops: set[asyncio.Future[None]] = set()
        self._disconnects_left = self.faults.disconnects
        self._aborts_left = self.faults.abort_connects

    # ------------------------------------------------------------------ GATT

    def _characteristic(self, spec: EmulatedCharacteristic) -> Characteristic[bytes]:
        props = Characteristic.Properties
        if spec.notify:
            char = Characteristic[bytes](
                _uuid(spec.uuid), props.NOTIFY, Characteristic.READABLE, spec.initial
            )
            self._notify_chars[spec.uuid] = char
            return char
        read, write = spec.read, spec.write

        def on_read(_conn: Connection) -> bytes:
            return read() if read is not None else b""

        def on_write(_conn: Connection, value: bytes) -> None:
            if write is None:
                raise att.ATT_Error(att.ErrorCode.WRITE_NOT_PERMITTED)
            try:
                write(bytes(value))
            except ConfigRejected as exc:
                raise att.ATT_Error(_ATT_ERRORS[exc.reason]) from exc

        properties = props.READ | (props.WRITE if write is not None else 0)
        permissions = Characteristic.READABLE | (Characteristic.WRITEABLE if write is not None else 0)
        return Characteristic[bytes](
            _uuid(spec.uuid),
            properties,
            permissions,
            CharacteristicValue[bytes](read=on_read, write=on_write),
        )

    def _build_services(self, device: Device) -> None:
        props = Characteristic.Properties
        battery = Characteristic[bytes](
            _uuid(BATTERY_LEVEL_UUID),
            props.READ | props.NOTIFY,
            Characteristic.READABLE,
            CharacteristicValue[bytes](read=lambda _conn: bytes([self.battery_pct])),
        )
        services = [
            Service(_uuid(e.service_uuid), [self._characteristic(c) for c in e.characteristics()])
            for e in self.emulators
        ]
        device.add_services([*services, Service(_uuid(BATTERY_SERVICE_UUID), [battery])])

    def set_rate(self, rate_hz: float) -> None:
        """Stream at ``rate_hz`` from now on (a config write asked for it)."""
        if rate_hz != self.rate_hz:
            self.rate_hz = float(rate_hz)
            m = self._motion
            self._motion = _Motion(m.movement, self.rate_hz, m.seed + 1000, m.params)

    def _slow_discovery(self, device: Device) -> None:
        """Answer service-discovery requests only after ``faults.discovery_delay_s``."""
        server = device.gatt_server
        delay = self.faults.discovery_delay_s
        loop = asyncio.get_running_loop()
        for name in _DISCOVERY_REQUESTS:
            original = getattr(server, name, None)
            if original is None:
                continue

            def delayed(bearer: Any, pdu: Any, _original: Any = original) -> None:
                def answer() -> None:
                    try:
                        _original(bearer, pdu)
                    except att.ATT_Error as error:
                        server.send_response(
                            bearer,
                            att.ATT_Error_Response(
                                request_opcode_in_error=pdu.op_code,
                                attribute_handle_in_error=error.att_handle,
                                error_code=error.error_code,
                            ),
                        )

                loop.call_later(delay, answer)

            setattr(server, name, delayed)

    # ------------------------------------------------------------------ lifecycle

    @property
    def address(self) -> str:
        """The Bluetooth address the sensor advertises from."""
        if self._device is None:
            raise RuntimeError("virtual sensor not started")
        return str(self._device.random_address)

    @property
    def service_uuid(self) -> str:
        """The service advertised: the one of the profile this wearable was created for."""
        return self.emulator.service_uuid

    async def start(self, air: VirtualAir | None = None) -> VirtualSensor:
        """Power on, advertise and start the motion clock in the running event loop."""
        self._air = air or VirtualAir.current()
        device = self._device = self._air.new_device(self.name, "peripheral")
        self._build_services(device)
        device.on(device.EVENT_CONNECTION, self._on_connection)
        await device.power_on()
        if self.faults.discovery_delay_s > 0:
            self._slow_discovery(device)
        adv = AdvertisingData(
            [
                (AdvertisingData.FLAGS, bytes([0x06])),
                (AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode()),
                (
                    AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
                    bytes(_uuid(self.service_uuid)),
                ),
            ]
        )
        await device.start_advertising(
            advertising_data=bytes(adv),
            auto_restart=True,
            advertising_interval_min=20,
            advertising_interval_max=20,
        )
        self._air.peripherals[self.address] = self
        self._task = asyncio.get_running_loop().create_task(self._stream())
        return self

    async def stop(self) -> None:
        """Stop streaming, drop connections, leave the air."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if self._device is not None and self._air is not None:
            for conn in list(self._device.connections.values()):
                try:
                    await conn.disconnect()
                except Exception:  # already gone
                    log.debug("disconnect on stop failed", exc_info=True)
            try:
                await self._device.stop_advertising()
            except Exception:
                log.debug("stop advertising failed", exc_info=True)
            self._air.peripherals.pop(self.address, None)
            self._air.release(self._device)
            self._device = None

    def _on_connection(self, connection: Connection) -> None:
        self.stats.connections += 1
        if self._aborts_left > 0:
            self._aborts_left -= 1
            self.stats.aborted_connections += 1
            asyncio.get_running_loop().create_task(
                self._drop(connection, hci.HCI_CONNECTION_FAILED_TO_BE_ESTABLISHED_ERROR)
            )

    async def _drop(self, connection: Connection, reason: int) -> None:
        try:
            await connection.disconnect(reason)
        except Exception:
            log.debug("fault disconnect failed", exc_info=True)

    async def disconnect_all(self) -> None:
        """Drop every connection now (as if the wearable went out of range)."""
        if self._device is not None:
            for conn in list(self._device.connections.values()):
                self.stats.forced_disconnects += 1
                await self._drop(conn, hci.HCI_REMOTE_USER_TERMINATED_CONNECTION_ERROR)

    # ------------------------------------------------------------------ streaming

    def _subscribed(self, characteristic: Characteristic[bytes]) -> list[Any]:
        assert self._device is not None
        return [
            bearer
            for bearer, cccds in self._device.gatt_server.subscribers.items()
            if cccds.get(characteristic.handle, b"\x00\x00")[0] & 0x01
        ]

    def _should_drop(self) -> bool:
        f = self.faults
        n = self.stats.notifications_sent + self.stats.notifications_dropped + 1
        if f.drop_every and n % f.drop_every == 0:
            return True
        return f.drop_rate > 0 and self._rng.random() < f.drop_rate

    async def _notify(self, characteristic: Characteristic[bytes], value: bytes) -> None:
        assert self._device is not None
        if self._should_drop():
            self.stats.notifications_dropped += 1
            return
        await self._device.notify_subscribers(characteristic, value)
        self.stats.notifications_sent += 1

    def _arm_disconnect(self, bearers: list[Any]) -> None:
        f = self.faults
        for bearer in bearers:
            if bearer in self._streaming_connections:
                continue
            self._streaming_connections.add(bearer)
            if f.disconnect_after_s is not None and self._disconnects_left > 0:
                self._disconnects_left -= 1
                conn = getattr(bearer, "connection", bearer)
                self.stats.forced_disconnects += 1
                asyncio.get_running_loop().call_later(f.disconnect_after_s, self._drop_later, conn)

    def _drop_later(self, connection: Connection) -> None:
        """The injected disconnect, run as a task kept until it is done (not garbage-collected)."""
        task = asyncio.ensure_future(self._drop(connection, hci.HCI_REMOTE_USER_TERMINATED_CONNECTION_ERROR))
        self._drops.add(task)
        task.add_done_callback(self._drops.discard)

    def _subscribed_uuids(self) -> set[str]:
        return {uuid for uuid, char in self._notify_chars.items() if self._subscribed(char)}

    async def _stream(self) -> None:
        loop = asyncio.get_running_loop()
        next_tick = loop.time()
        while True:
            subscribed = self._subscribed_uuids()
            busy = [
                e for e in self.emulators if subscribed & {c.uuid for c in e.characteristics() if c.notify}
            ]
            per_tick = max((e.samples_per_notification() for e in busy), default=1)
            period = per_tick / self.rate_hz
            next_tick += period
            delay = next_tick - loop.time() + self._rng.uniform(0.0, self.jitter_s)
            await asyncio.sleep(max(0.0, delay))
            if loop.time() - next_tick > 1.0:  # we were suspended: do not burst to catch up
                next_tick = loop.time()
            self._motion.prepare()
            chunk = self._motion.take(per_tick)
            t_us = int(round(self._sample_index * 1e6 / self.rate_hz))
            self._sample_index += per_tick
            await self._send(chunk, t_us)

    async def _send(self, chunk: MotionChunk, t_us: int) -> None:
        subscribed = self._subscribed_uuids()
        for emulator in self.emulators:
            for note in emulator.notifications(chunk, t_us, subscribed):
                await self._deliver(note)

    async def _deliver(self, note: Notification) -> None:
        characteristic = self._notify_chars[note.uuid]
        bearers = self._subscribed(characteristic)
        if not bearers:
            return
        self._arm_disconnect(bearers)
        if note.seq is not None:
            self.stats.send_times[note.seq] = asyncio.get_running_loop().time()
            if len(self.stats.send_times) > 10000:
                self.stats.send_times.pop(next(iter(self.stats.send_times)))
        await self._notify(characteristic, note.payload)
        self.stats.samples_streamed += note.samples
