"""Wearable input: BLE, device profiles, virtual/simulated/replayed sources, recordings.

A plain library: no Flask, no pygame, no database, and nothing else of SmartTouch imported.
"""

from smarttouch.sensors.types import ImuBatch, Recording

__all__ = ["ImuBatch", "Recording"]
