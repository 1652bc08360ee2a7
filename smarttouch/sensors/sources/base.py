"""The interface every motion source shares, and the bounded queue between threads.

Games and the patient client call sources from a synchronous loop (pygame): ``poll()`` never
blocks, ``read(timeout)`` blocks until something arrives or the timeout passes. Producers
(a BLE thread, a playback clock) push :class:`ImuBatch` objects into a :class:`BatchQueue`;
when the consumer stalls the queue drops the *oldest* batches and counts them, so a game that
hiccups resumes on fresh motion instead of replaying stale motion.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from typing import Any

from smarttouch.sensors.types import ImuBatch


class SourceError(RuntimeError):
    """A source cannot be opened or run; the message is one line meant for the user."""


class NoAdapterError(SourceError):
    """No usable Bluetooth adapter (no BlueZ, no radio, Bluetooth switched off)."""


class BatchQueue:
    """Thread-safe bounded FIFO of batches that drops the oldest when full.

    Attributes:
        dropped: batches discarded because the consumer did not keep up.
    """

    def __init__(self, maxlen: int = 256) -> None:
        if maxlen < 1:
            raise ValueError("queue length must be at least 1")
        self._items: deque[ImuBatch] = deque(maxlen=maxlen)
        self._cond = threading.Condition()
        self.dropped = 0

    def put(self, batch: ImuBatch) -> float:
        """Queue ``batch``; returns the ``time.perf_counter()`` at which it became visible."""
        with self._cond:
            if len(self._items) == self._items.maxlen:
                self.dropped += 1
            self._items.append(batch)
            queued_at = time.perf_counter()
            self._cond.notify_all()
        return queued_at

    def drain(self) -> list[ImuBatch]:
        """Everything queued, oldest first (non-blocking)."""
        with self._cond:
            items = list(self._items)
            self._items.clear()
        return items

    def wait(self, timeout: float) -> bool:
        """Block until something is queued or ``timeout`` seconds pass; True if non-empty."""
        with self._cond:
            return self._cond.wait_for(lambda: bool(self._items), timeout=max(0.0, timeout))

    def wake(self) -> None:
        """Wake any waiting reader (used when the source stops)."""
        with self._cond:
            self._cond.notify_all()

    def __len__(self) -> int:
        return len(self._items)


class Source(ABC):
    """Base class of motion sources (see :func:`smarttouch.sensors.sources.open_source`).

    Attributes:
        spec: the source specification it was opened with, e.g. ``"sim:elbow_flexion"``.
        info: metadata for recordings: ``device``, ``profile``, ``sample_rate_hz``,
            ``placement`` and ``labels`` (when the source knows them).
    """

    spec: str = ""

    def __init__(self) -> None:
        self.info: dict[str, Any] = {
            "device": "",
            "profile": "",
            "sample_rate_hz": 100.0,
            "placement": "",
            "labels": {},
        }

    @abstractmethod
    def start(self) -> Source:
        """Begin producing samples; returns self. Raises :class:`SourceError`."""

    @abstractmethod
    def stop(self) -> None:
        """Stop producing and release resources (idempotent)."""

    @abstractmethod
    def poll(self) -> list[ImuBatch]:
        """Every batch available now, oldest first; never blocks."""

    @abstractmethod
    def read(self, timeout: float) -> list[ImuBatch]:
        """Batches available now, or wait up to ``timeout`` seconds for some (may be [])."""

    @property
    @abstractmethod
    def connected(self) -> bool:
        """True while samples can arrive (a BLE link is up, a playback has not ended)."""

    @property
    def sample_rate_hz(self) -> float:
        """Nominal sample rate in Hz (as announced by the device once connected)."""
        return float(self.info.get("sample_rate_hz") or 100.0)

    @property
    def finished(self) -> bool:
        """True when a finite source (sim, replay) has delivered everything."""
        return False

    @property
    @abstractmethod
    def stats(self) -> dict[str, Any]:
        """Counters: received (samples), batches, lost_notifications, dropped_batches,
        reconnects, battery_pct and source-specific extras."""

    def __enter__(self) -> Source:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
