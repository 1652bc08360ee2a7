"""Which sensor today's session uses: ``--sensor``, else the one remembered from the last
session, else the wearable a scan finds (through the "Choose your sensor" screen when there
is a window, see ``games.session.scenes.sensor_picker``)."""

from __future__ import annotations

from collections.abc import Callable

from smarttouch.client.errors import PlayError
from smarttouch.client.store import ClientStore
from smarttouch.games.session.result import SessionResult
from smarttouch.sensors.scan import ScannedDevice, scan_wearables

CHOOSE = "choose"  # --sensor choose[:virtual:PROFILE]: show the picker even if one is remembered

Scan = Callable[[], list[ScannedDevice]]
ToSpec = Callable[[ScannedDevice], str]
Picker = Callable[[Scan, ToSpec], str]


def sensor_spec(row: ScannedDevice, virtual: str | None = None) -> str:
    """The ``--sensor`` spec of a scanned wearable (a virtual one is reopened by profile)."""
    address, _, _, profile = row
    return f"virtual:{profile}" if virtual else f"ble:{address}:{profile}"


def pick_sensor(
    explicit: str | None,
    store: ClientStore,
    choose: Callable[[list[ScannedDevice]], int] | None = None,
    scan: Scan | None = None,
    picker: Picker | None = None,
) -> str:
    """``--sensor`` if given, else the remembered one, else the wearable a scan finds.

    ``picker(scan, to_spec)`` (the "Choose your sensor" screen) returns the spec itself and
    handles a missing adapter on screen; without it, the scan runs here and ``choose`` picks
    among several rows (the first one when None). ``--sensor choose`` (or
    ``choose:virtual:PROFILE`` for the demo link) skips the remembered sensor."""
    forced = explicit == CHOOSE or (explicit or "").startswith(CHOOSE + ":")
    if explicit and not forced:
        return explicit
    virtual = None
    if explicit and forced and explicit != CHOOSE:
        kind, _, virtual = explicit.partition(":")[2].partition(":")
        if kind != "virtual" or not virtual:
            raise PlayError(f"--sensor {explicit}: expected choose or choose:virtual:PROFILE")
    remembered = store.prefs().get("sensor")
    if not forced and isinstance(remembered, str) and remembered:
        return remembered

    def default_scan() -> list[ScannedDevice]:
        return scan_wearables(virtual=virtual)

    def to_spec(row: ScannedDevice) -> str:
        return sensor_spec(row, virtual)

    scan = scan or default_scan
    if picker is not None:
        return picker(scan, to_spec)
    try:
        rows = scan()
    except Exception as exc:
        from smarttouch.sensors.sources.ble import NO_ADAPTER_HINT, is_no_adapter_error

        if is_no_adapter_error(exc):
            raise PlayError(NO_ADAPTER_HINT) from None
        raise PlayError(f"scanning for your sensor failed ({exc}); pass --sensor") from None
    if not rows:
        raise PlayError(
            "no sensor found nearby: switch it on and keep it close, or pass --sensor ble:ADDRESS"
        )
    index = 0 if len(rows) == 1 or choose is None else choose(rows)
    return to_spec(rows[index])


def remember_sensor(store: ClientStore, spec: str, result: SessionResult) -> None:
    """Keep a real (or virtual) wearable that streamed, for the next session."""
    if result.recording is not None and spec.startswith(("ble:", "virtual:")):
        store.set_pref("sensor", spec)
