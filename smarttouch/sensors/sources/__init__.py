"""Motion sources behind one interface, opened from a specification string::

    from smarttouch.sensors.sources import open_source
    src = open_source("sim:shoulder_flexion", realtime=True, reps=5)
    src.start()
    batches = src.poll()          # non-blocking
    batches = src.read(0.1)       # blocks up to 0.1 s
    src.connected, src.stats
    src.stop()

Specifications:

* ``sim[:MOVEMENT]``: simulated motion (keyword arguments go to ``simulate``; ``loop=True``
  plays fresh simulations forever),
* ``virtual:PROFILE``: an emulated BLE wearable reached through bleak (see VirtualSource),
* ``ble:ADDRESS_OR_NAME[:PROFILE]`` or ``ble`` / ``ble::PROFILE`` (first matching device),
* ``replay:FILE``: a recording (``.npz`` or ``.csv``; ``fs=`` for CSV without time;
  ``loop=True`` repeats it).
"""

from __future__ import annotations

import inspect
from typing import Any

from smarttouch.sensors.profiles import PROFILES
from smarttouch.sensors.recording_io import RecordingError, load_recording
from smarttouch.sensors.simulator import MOVEMENTS, simulate
from smarttouch.sensors.sources.base import BatchQueue, NoAdapterError, Source, SourceError
from smarttouch.sensors.sources.playback import RecordingSource
from smarttouch.sensors.types import Recording

KINDS = ("sim", "virtual", "ble", "replay")
_SIM_PARAMS = set(inspect.signature(simulate).parameters) - {"movement"}


def _open_sim(movement: str, spec: str, realtime: bool, params: dict[str, Any]) -> Source:
    movement = movement or "shoulder_flexion"
    if movement not in MOVEMENTS:
        raise SourceError(f"{spec}: unknown movement {movement!r}; choose one of {', '.join(MOVEMENTS)}")
    loop = bool(params.pop("loop", False))
    batch_size = params.pop("batch_size", None)
    unknown = set(params) - _SIM_PARAMS
    if unknown:
        raise SourceError(f"{spec}: unknown simulator parameter(s) {', '.join(sorted(unknown))}")
    seed = params.pop("seed", 0)
    try:
        first = simulate(movement, seed=seed, **params).recording
    except (TypeError, ValueError) as exc:
        raise SourceError(f"{spec}: {exc}") from None

    def following(k: int) -> Recording:
        return simulate(movement, seed=None if seed is None else seed + k, **params).recording

    return RecordingSource(
        first, realtime=realtime, batch_size=batch_size, following=following if loop else None, spec=spec
    )


def _open_replay(path: str, spec: str, realtime: bool, params: dict[str, Any]) -> Source:
    if not path:
        raise SourceError(f"{spec}: give a file, e.g. replay:session.npz")
    loop = bool(params.pop("loop", False))
    batch_size = params.pop("batch_size", None)
    fs = params.pop("fs", None)
    if params:
        raise SourceError(f"{spec}: unknown replay parameter(s) {', '.join(sorted(params))}")
    try:
        rec = load_recording(path, fs=fs)
    except RecordingError as exc:
        raise SourceError(str(exc)) from None
    return RecordingSource(
        rec, realtime=realtime, batch_size=batch_size, following=(lambda _k: rec) if loop else None, spec=spec
    )


def _open_ble(rest: str, spec: str, params: dict[str, Any]) -> Source:
    from smarttouch.sensors.sources.ble import BLE_PARAMS, BleSource

    target, profile = rest, None
    head, sep, tail = rest.rpartition(":")
    if sep and tail in PROFILES:
        target, profile = head, tail
    elif rest in PROFILES:
        target, profile = "", rest
    unknown = set(params) - BLE_PARAMS
    if unknown:
        raise SourceError(f"{spec}: unknown BLE parameter(s) {', '.join(sorted(unknown))}")
    return BleSource(target or None, profile, spec=spec, **params)


def _open_virtual(profile: str, spec: str, params: dict[str, Any]) -> Source:
    from smarttouch.sensors.sources.virtual import VirtualSource

    return VirtualSource(profile or "smarttouch-imu", spec=spec, **params)


def parse_spec(spec: str) -> tuple[str, str]:
    """Split ``"kind:rest"``; raises SourceError for an unknown kind."""
    kind, _, rest = spec.strip().partition(":")
    if kind not in KINDS:
        raise SourceError(
            f"unknown sensor {spec!r}: use sim:MOVEMENT, virtual:PROFILE, "
            f"ble:ADDRESS_OR_NAME[:PROFILE] or replay:FILE"
        )
    return kind, rest


def open_source(spec: str, realtime: bool = True, **params: Any) -> Source:
    """Create (not start) the source named by ``spec``; see the module docstring.

    Args:
        spec: source specification.
        realtime: sim/replay pace samples by their timestamps; False delivers them as fast as
            they are read. BLE and virtual sources are always real time.
        **params: source-specific parameters (simulator parameters for ``sim``; sensor,
            fault and simulator parameters for ``virtual``; ``fs`` for ``replay``).

    Raises:
        SourceError: unknown kind, movement, profile, parameter or unreadable file.
    """
    kind, rest = parse_spec(spec)
    params = dict(params)
    if kind == "sim":
        return _open_sim(rest, spec, realtime, params)
    if kind == "replay":
        return _open_replay(rest, spec, realtime, params)
    if kind == "ble":
        return _open_ble(rest, spec, params)
    return _open_virtual(rest, spec, params)


__all__ = [
    "KINDS",
    "BatchQueue",
    "NoAdapterError",
    "Source",
    "SourceError",
    "open_source",
    "parse_spec",
]
