"""Host-side timing of BLE samples and sequence-number bookkeeping.

BLE gives no sample clock, only notification arrival times (jittered by connection events).
:class:`SampleClock` stamps the *last* sample of a notification with its arrival time and
spaces the earlier ones back at the sample period, keeping times strictly increasing.
:class:`SequenceTracker` turns ``smarttouch-imu`` sequence numbers into counts of lost and
duplicated notifications, and sizes the hole left by a reconnect.
"""

from __future__ import annotations

import numpy as np

SEQ_MODULO = 1 << 16
DEVICE_CLOCK_WRAP_S = (1 << 32) * 1e-6  # smarttouch-imu uint32 microseconds


class SampleClock:
    """Assigns strictly increasing sample times in seconds from arrival times."""

    def __init__(self) -> None:
        self.last_t: float | None = None

    def assign(self, arrival_s: float, n: int, rate_hz: float) -> np.ndarray:
        """Times of ``n`` samples whose last one arrived at ``arrival_s`` (rate in Hz)."""
        step = 1.0 / rate_hz
        t = arrival_s - step * np.arange(n - 1, -1, -1, dtype=np.float64)
        if self.last_t is not None:
            earliest = self.last_t + step / 4.0
            if t[0] < earliest:
                t += earliest - t[0]
        self.last_t = float(t[-1])
        return t


class SequenceTracker:
    """Counts lost and duplicated notifications from 16-bit wrapping sequence numbers.

    Attributes:
        lost: notifications missing from the sequence.
        duplicates: notifications seen again (dropped by the caller).
        resets: times the device's counter restarted (e.g. it rebooted between connections).
        last_gap_notifications / last_gap_samples: size of the latest reconnect hole (None
            when unknown).
    """

    def __init__(self) -> None:
        self.lost = 0
        self.duplicates = 0
        self.resets = 0
        self.last_gap_notifications: int | None = None
        self.last_gap_samples: int | None = None
        self._last: int | None = None
        self._next_device_t: float | None = None
        self._fresh = True

    def new_connection(self) -> None:
        """Call when a new connection starts: the next number may jump or restart."""
        self._fresh = True
        self.last_gap_notifications = None
        self.last_gap_samples = None

    def accept(
        self, seq: int, device_time_s: float | None = None, n: int = 1, rate_hz: float | None = None
    ) -> bool:
        """Register notification ``seq``; False means it is a duplicate to drop."""
        fresh, self._fresh = self._fresh, False
        if self._last is not None:
            d = (seq - self._last) % SEQ_MODULO
            backwards = d == 0 or d >= SEQ_MODULO // 2
            if backwards and not fresh:
                self.duplicates += 1
                return False
            if backwards:
                self.resets += 1
            else:
                self.lost += d - 1
                if fresh:
                    self.last_gap_notifications = d - 1
                    if device_time_s is not None and rate_hz and self._next_device_t is not None:
                        hole = (device_time_s - self._next_device_t) % DEVICE_CLOCK_WRAP_S
                        self.last_gap_samples = int(round(hole * rate_hz))
        self._last = seq
        if device_time_s is not None and rate_hz:
            self._next_device_t = device_time_s + n / rate_hz
        return True
