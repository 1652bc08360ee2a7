"""Host-side timing of BLE samples and sequence-number bookkeeping.

BLE gives no sample clock, only notification arrival times, and those come in bursts: a
central exchanges packets at connection events every 7.5-50 ms (Bluetooth Core Specification
v5.3, Vol 6, Part B, 4.5.1), so a sensor sending one sample per notification at 100 Hz is
heard as two or three notifications at once, then nothing. :class:`SampleClock` therefore lays
the samples on a regular grid at the sample period and steers the grid gently toward the
arrival times, so the time axis keeps the sensor's steady rate instead of the radio's bursts.
:class:`SequenceTracker` turns ``smarttouch-imu`` sequence numbers into counts of lost and
duplicated notifications, and sizes the hole left by a reconnect.
"""

from __future__ import annotations

import numpy as np

SEQ_MODULO = 1 << 16
DEVICE_CLOCK_WRAP_S = (1 << 32) * 1e-6  # smarttouch-imu uint32 microseconds


class SampleClock:
    """Assigns strictly increasing sample times in seconds from arrival times.

    The first notification places its last sample at its arrival. After that each
    notification continues the grid one sample period after the previous sample, moved toward
    where its arrival puts it by :attr:`STEER` of the difference (a first-order phase-locked
    loop): arrival jitter of tens of milliseconds moves a sample time by a few percent of it,
    while a device clock a few percent off its nominal rate is followed (the steady offset is
    the per-notification drift divided by ``STEER``). Lateness moves the grid by at most
    :attr:`MAX_LATE_STEP` of a period per notification (see :meth:`assign`), so delivery
    delays never look like holes. A notification arriving more than :attr:`RESYNC_S` later
    than the grid expects (lost notifications, a reconnect) restarts the grid at its arrival,
    so the hole stays in the time axis, unless sequence numbers show nothing was lost. Times
    never step by less than a quarter period.
    """

    STEER = 0.05
    RESYNC_S = 0.25
    MAX_LATE_STEP = 0.2  # a late arrival moves the grid by at most this fraction of a period

    def __init__(self) -> None:
        self.last_t: float | None = None

    def assign(self, arrival_s: float, n: int, rate_hz: float, nothing_lost: bool = False) -> np.ndarray:
        """Times of ``n`` samples whose last one arrived at ``arrival_s`` (rate in Hz).

        A notification can only arrive after its samples were taken, so lateness is mostly
        delivery delay (the radio, the host's event loop, a busy process), not a sign that
        the samples are late: a late arrival moves the grid by at most ``MAX_LATE_STEP`` of a
        period (enough to follow a device clock up to 20 % slow), so a delivery stall never
        opens a hole in the time axis that the data do not have. ``nothing_lost``: sequence
        numbers show no notification is missing, so even a stall longer than ``RESYNC_S``
        keeps the grid (the samples are all there, just delivered late).
        """
        step = 1.0 / rate_hz
        by_arrival = arrival_s - step * (n - 1)  # where the arrival puts the first sample
        late = None if self.last_t is None else by_arrival - (self.last_t + step)
        if late is None or (late > self.RESYNC_S and not nothing_lost):
            start = by_arrival
        else:
            assert self.last_t is not None
            expected = self.last_t + step
            pull = min(self.STEER * (by_arrival - expected), self.MAX_LATE_STEP * step)
            start = max(expected + pull, self.last_t + step / 4.0)
        t = start + step * np.arange(n, dtype=np.float64)
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
