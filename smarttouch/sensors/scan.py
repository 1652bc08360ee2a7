"""Finding wearables: one BLE scan that labels each device with the profile it advertises.

Used by ``smarttouch sensors scan`` and by the patient client's "Choose your sensor" step.
"""

from __future__ import annotations

import asyncio
from typing import Any, NamedTuple

from smarttouch.sensors.profiles import profile_for_service

SCAN_S = 5.0  # default listening time, seconds
UNKNOWN = "-"  # the profile of a device no registered profile recognises


class ScannedDevice(NamedTuple):
    """A device heard during a scan: address, advertised name, signal in dBm and the key of
    the profile its advertised services match (``UNKNOWN`` when none)."""

    address: str
    name: str
    rssi_dbm: int
    profile: str


async def scan_devices(
    seconds: float, virtual: str | None, service: str | None = None, name: str | None = None
) -> list[ScannedDevice]:
    """Scan for ``seconds`` and return every device heard, best signal first; ``virtual`` scans
    the emulated sensor of that profile instead of the Bluetooth adapter. ``service`` keeps
    only devices advertising that service UUID, ``name`` those whose name contains it."""
    from bleak import BleakScanner

    scanner_backend = None
    sensor = None
    if virtual:
        from smarttouch.sensors.virtual import BumbleScannerBackend, VirtualSensor

        scanner_backend = BumbleScannerBackend
        sensor = await VirtualSensor(virtual).start()
    options: dict[str, Any] = {}  # bleak's defaults otherwise (the adapter, every service)
    if scanner_backend is not None:
        options["backend"] = scanner_backend
    if service:
        options["service_uuids"] = [service]
    try:
        found = await BleakScanner.discover(timeout=seconds, return_adv=True, **options)
    finally:
        if sensor is not None:
            await sensor.stop()
    rows = []
    for device, adv in found.values():
        heard = adv.local_name or device.name or ""
        if name is not None and name.lower() not in heard.lower():
            continue
        prof = profile_for_service(list(adv.service_uuids), kind=None)
        rows.append(ScannedDevice(device.address, heard, adv.rssi, prof.name if prof else UNKNOWN))
    return sorted(rows, key=lambda r: -r.rssi_dbm)


def scan_wearables(seconds: float = SCAN_S, virtual: str | None = None) -> list[ScannedDevice]:
    """Nearby wearables of a known profile, best signal first (``virtual``: a profile key whose
    virtual wearable is scanned on the in-process link). Runs its own event loop."""
    rows = asyncio.run(scan_devices(seconds, virtual))
    return [r for r in rows if r.profile != UNKNOWN]
