"""Wearable input: BLE, device profiles, virtual/simulated/replayed sources, recordings.

A plain library: no Flask, no pygame, no database, and nothing else of SmartTouch imported.

* ``smarttouch.sensors.types``: :class:`ImuBatch`, :class:`Recording` (units: s, g, deg/s, uT).
* ``smarttouch.sensors.recording_io``: load/save/validate recordings (.npz, .csv, bytes).
* ``smarttouch.sensors.profiles``: pure decoders of device notifications, by registry key.
* ``smarttouch.sensors.sources``: ``open_source("sim:..." | "virtual:..." | "ble:..." | "replay:...")``.
* ``smarttouch.sensors.simulator``: synthetic, physically consistent IMU motion.
* ``smarttouch.sensors.virtual``: a bumble-emulated BLE wearable and the bleak backend to reach it.
"""

from smarttouch.sensors.recording_io import (
    RecordingError,
    load_recording,
    recording_from_bytes,
    recording_to_bytes,
    save_recording,
    validate_recording,
)
from smarttouch.sensors.types import ImuBatch, Recording

__all__ = [
    "ImuBatch",
    "Recording",
    "RecordingError",
    "load_recording",
    "recording_from_bytes",
    "recording_to_bytes",
    "save_recording",
    "validate_recording",
]
