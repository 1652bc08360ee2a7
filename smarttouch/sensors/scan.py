"""Finding wearables: one BLE scan that labels each device with the profile it advertises.

Used by ``smarttouch sensors scan`` and by the patient client's "Choose your sensor" step.
"""

from __future__ import annotations

import asyncio

from smarttouch.sensors.profiles import profile_for_service

SCAN_S = 5.0  # default listening time, seconds


async def scan_devices(
    seconds: float, virtual: str | None, service: str | None = None, name: str | None = None
) -> list[tuple[str, str, int, str]]:
    """Scan for ``seconds`` and return (address, name, rssi dBm, profile) of each wearable found;
    ``virtual`` scans the emulated sensor of that profile instead of the Bluetooth adapter."""
    from bleak import BleakScanner

    scanner_backend = None
    sensor = None
    if virtual:
        from smarttouch.sensors.virtual import BumbleScannerBackend, VirtualSensor

        scanner_backend = BumbleScannerBackend
        sensor = await VirtualSensor(virtual).start()
    try:
        found = await BleakScanner.discover(
            timeout=seconds,
            return_adv=True,
            backend=scanner_backend,
            service_uuids=[service] if service else None,
        )
    finally:
        if sensor is not None:
            await sensor.stop()
    rows = []
    for device, adv in found.values():
        if name is not None and name.lower() not in (adv.local_name or device.name or "").lower():
            continue
        prof = profile_for_service(list(adv.service_uuids), kind=None)
        rows.append(
            (device.address, adv.local_name or device.name or "", adv.rssi, prof.name if prof else "-")
        )
    return sorted(rows, key=lambda r: -r[2])


def scan_wearables(seconds: float = SCAN_S, virtual: str | None = None) -> list[tuple[str, str, int, str]]:
    """Nearby wearables of a known profile, best signal first (``virtual``: a profile key whose
    virtual wearable is scanned on the in-process link). Runs its own event loop."""
    rows = asyncio.run(scan_devices(seconds, virtual))
    return [r for r in rows if r[3] != "-"]
