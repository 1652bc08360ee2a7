"""Sources that play a recording: ``sim:MOVEMENT`` (simulated) and ``replay:FILE``.

In real time the samples come out at the pace of their timestamps, measured from ``start()``
on the monotonic clock; with ``realtime=False`` each ``poll``/``read`` returns the next batch
at once, so tests and batch tools run as fast as they consume.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from smarttouch.sensors.sources.base import Source, SourceError
from smarttouch.sensors.types import ImuBatch, Recording


class RecordingSource(Source):
    """Plays recordings in batches of ``batch_size`` samples.

    Args:
        first: the recording to play.
        realtime: pace samples by their timestamps (True) or deliver as fast as consumed.
        batch_size: samples per batch (default: 50 ms worth at the recording's rate).
        following: called with the number of recordings played so far to get the next one
            when ``first`` ends (None = the source finishes). Times continue seamlessly.
        spec: the specification string, for messages.
    """

    def __init__(
        self,
        first: Recording,
        *,
        realtime: bool = True,
        batch_size: int | None = None,
        following: Callable[[int], Recording] | None = None,
        spec: str = "",
    ) -> None:
        super().__init__()
        if len(first) == 0:
            raise SourceError(f"{spec or 'recording'}: the recording has no samples")
        self.spec = spec
        self.realtime = realtime
        self.batch_size = batch_size or max(1, int(round(first.sample_rate_hz * 0.05)))
        self._following = following
        self._played = 0
        self.info.update(
            device=first.device,
            profile=first.profile or "replay",
            sample_rate_hz=first.sample_rate_hz,
            placement=first.placement,
            labels=dict(first.labels),
            calibration=dict(first.calibration),
        )
        self._set_current(first, offset=-float(first.t[0]))
        self._started_at: float | None = None
        self._samples = 0
        self._batches = 0
        self._done = False

    def _set_current(self, rec: Recording, offset: float) -> None:
        self._rec = rec
        self._t = rec.t + offset
        self._pos = 0

    def _advance_recording(self) -> bool:
        if self._following is None:
            return False
        self._played += 1
        step = 1.0 / self._rec.sample_rate_hz
        nxt = self._following(self._played)
        self._set_current(nxt, offset=float(self._t[-1]) + step - float(nxt.t[0]))
        return True

    def start(self) -> RecordingSource:
        self._started_at = time.perf_counter()
        return self

    def stop(self) -> None:
        self._done = True

    def _slice(self, end: int) -> ImuBatch:
        sl = slice(self._pos, end)
        r = self._rec
        batch = ImuBatch(
            self._t[sl],
            r.acc[sl],
            r.gyr[sl],
            None if r.mag is None else r.mag[sl],
            None if r.quat is None else r.quat[sl],
        )
        self._pos = end
        self._samples += len(batch)
        self._batches += 1
        return batch

    def _due(self) -> list[ImuBatch]:
        if self._started_at is None:
            raise SourceError(f"{self.spec}: call start() before reading")
        out: list[ImuBatch] = []
        if self._done:
            return out
        if not self.realtime:
            if self._pos >= len(self._t) and not self._advance_recording():
                self._done = True
                return out
            out.append(self._slice(min(self._pos + self.batch_size, len(self._t))))
            return out
        now = time.perf_counter() - self._started_at
        while True:
            end = int(np.searchsorted(self._t, now, side="right"))
            while end - self._pos >= 1:
                out.append(self._slice(min(self._pos + self.batch_size, end)))
            if self._pos < len(self._t):
                break
            if not self._advance_recording():
                self._done = True
                break
        return out

    def poll(self) -> list[ImuBatch]:
        return self._due()

    def read(self, timeout: float) -> list[ImuBatch]:
        deadline = time.perf_counter() + max(0.0, timeout)
        while True:
            out = self._due()
            if out or self._done:
                return out
            assert self._started_at is not None
            next_t = self._started_at + float(self._t[self._pos])
            now = time.perf_counter()
            if now >= deadline:
                return out
            time.sleep(max(0.0, min(next_t, deadline) - now))

    @property
    def connected(self) -> bool:
        return self._started_at is not None and not self._done

    @property
    def finished(self) -> bool:
        return self._done

    @property
    def stats(self) -> dict[str, Any]:
        return {
            "received": self._samples,
            "batches": self._batches,
            "lost_notifications": 0,
            "dropped_batches": 0,
            "reconnects": 0,
            "battery_pct": None,
        }
