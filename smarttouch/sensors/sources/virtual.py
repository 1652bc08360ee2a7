"""``virtual:PROFILE``: the BLE source talking to an emulated wearable in the same process.

The source's background event loop also hosts a :class:`VirtualSensor`; the connection code
is the real :class:`BleSource` (scan, ``establish_connection``, notifications, reconnects),
reaching the sensor through bleak with the bumble backend. Virtual sensors always stream in
real time.
"""

from __future__ import annotations

from typing import Any

from smarttouch.sensors.profiles import virtual_profiles
from smarttouch.sensors.sources.base import SourceError
from smarttouch.sensors.sources.ble import BLE_PARAMS, BleSource
from smarttouch.sensors.virtual import (
    BumbleClientBackend,
    BumbleScannerBackend,
    Faults,
    VirtualSensor,
)

_SENSOR_KEYS = {
    "name",
    "movement",
    "rate_hz",
    "samples_per_notification",
    "jitter_s",
    "faults",
    "battery_pct",
    "seed",
}


class VirtualSource(BleSource):
    """A :class:`BleSource` connected to its own :class:`VirtualSensor`.

    Keyword arguments go to the sensor (name, movement, rate_hz, samples_per_notification,
    jitter_s, faults, battery_pct, seed), to the source (queue_size, scan_timeout_s,
    backoff_s, max_backoff_s); any other keyword is a simulator parameter (reps, rom_deg, ...).
    """

    def __init__(self, profile: str, spec: str = "", **params: Any) -> None:
        known = virtual_profiles()
        if profile not in known:
            raise SourceError(f"no virtual sensor for profile {profile!r}; choose one of {', '.join(known)}")
        faults = params.pop("faults", None)
        if isinstance(faults, dict):
            faults = Faults(**faults)
        sensor_kwargs = {k: params.pop(k) for k in list(params) if k in _SENSOR_KEYS}
        sensor_kwargs["faults"] = faults
        source_kwargs = {k: params.pop(k) for k in list(params) if k in BLE_PARAMS}
        sensor_kwargs["sim_params"] = params
        super().__init__(
            None,
            profile,
            scanner_backend=BumbleScannerBackend,
            client_backend=BumbleClientBackend,
            spec=spec or f"virtual:{profile}",
            **source_kwargs,
        )
        # build the sensor now, in the caller's thread, so bad parameters fail here; _setup
        # starts this same instance on the source's event loop
        try:
            self.sensor = VirtualSensor(profile, **sensor_kwargs)
        except (TypeError, ValueError) as exc:
            raise SourceError(f"{self.spec}: {exc}") from None

    async def _setup(self) -> None:
        await self.sensor.start()
        self.target = self.sensor.address
        self.info["placement"] = ""

    async def _teardown(self) -> None:
        await self.sensor.stop()
