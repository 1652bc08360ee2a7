"""Repetition detection on a low-pass-filtered joint angle, streaming and chunk-independent.

A repetition is an excursion out of a rest level and back (valley -> peak -> back):

* start: the angle rises ``h`` degrees above its running minimum; the rep starts at the last
  sample still within ``START_BAND`` of that minimum;
* peak: confirmed once the angle falls ``h`` below its running maximum;
* end: after the angle has come back within ``RETURN_FRACTION`` of the excursion to its start
  level, the first sample where the angular speed drops below ``STOP_FRACTION`` of the rep's
  peak speed (the patient has stopped); or, if the patient goes straight into the next rep,
  the valley before it.

``h`` adapts: ``max(min_rep_deg, HYSTERESIS_FRACTION * median of the last three ROMs)``, so
the counter follows tempo changes, pauses and ROM changes, and ignores tremor and noise smaller
than ``h``. All state is carried between calls, so feeding samples in one call or in any pieces
gives the same repetitions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

FloatArray: TypeAlias = NDArray[np.float64]

HYSTERESIS_FRACTION = 0.2
RETURN_FRACTION = 0.3
STOP_FRACTION = 0.1
STOP_MIN_DPS = 3.0
START_BAND_FRACTION = 0.03
START_BAND_MIN_DEG = 0.5
SEARCH_WINDOW = 512  # samples examined per vectorised step (bounds the work per event)


@dataclass(frozen=True)
class Rep:
    """One detected repetition (times in s, angles in deg, speeds in deg/s)."""

    index: int
    t_start: float
    t_end: float
    rom_deg: float
    peak_speed_dps: float
    start_angle_deg: float
    peak_angle_deg: float
    t_peak: float = float("nan")

    @property
    def duration_s(self) -> float:
        return self.t_end - self.t_start

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["duration_s"] = self.duration_s
        return d


# ("started", rep index, t_start) or ("completed", Rep, t_end)
RepDetectorEvent: TypeAlias = tuple[str, "Rep | int", float]


class _Growable:
    """An append-only float array with amortised doubling."""

    def __init__(self) -> None:
        self.data = np.empty(1024)
        self.n = 0

    def extend(self, x: np.ndarray) -> None:
        need = self.n + len(x)
        if need > len(self.data):
            new = np.empty(max(need, 2 * len(self.data)))
            new[: self.n] = self.data[: self.n]
            self.data = new
        self.data[self.n : need] = x
        self.n = need

    def view(self) -> np.ndarray:
        return self.data[: self.n]


class RepDetector:
    """Streaming repetition detector on a filtered angle (deg) and its rate (deg/s).

    Args:
        min_rep_deg: smallest excursion that counts as a repetition, degrees.
        delay_s: delay of the filter in front of the detector, seconds; reported times are
            moved back by it.
    """

    REST, OUT, BACK = "rest", "out", "back"

    def __init__(self, min_rep_deg: float = 8.0, delay_s: float = 0.0) -> None:
        self.min_rep_deg = float(min_rep_deg)
        self.delay_s = float(delay_s)  # filter delay subtracted from reported times
        self._t, self._y, self._v = _Growable(), _Growable(), _Growable()
        self._i = 0  # next sample to examine
        self.state = self.REST
        self._ext = (np.inf, -1)  # running (value, index) extreme of the current state
        self._base = 0.0
        self._start = 0
        self._peak = (0.0, 0)
        self._crossed = False
        self._speed = 0.0  # running max |v| of the current rep
        self.reps: list[Rep] = []
        self._h: float | None = None

    @property
    def hysteresis_deg(self) -> float:
        """Current hysteresis ``h`` in degrees (updated when a rep completes)."""
        return self._h if self._h is not None else self.min_rep_deg

    def _update_hysteresis(self) -> None:
        ref = float(np.median([r.rom_deg for r in self.reps[-3:]]))
        self._h = max(self.min_rep_deg, HYSTERESIS_FRACTION * ref)

    def update(self, t: FloatArray, angle_deg: FloatArray, rate_dps: FloatArray) -> list[RepDetectorEvent]:
        """Add samples; return events ``("started", rep_index, t_start)`` and
        ``("completed", Rep, t_end)`` in order."""
        ok = ~np.isnan(angle_deg)
        self._t.extend(np.asarray(t)[ok])
        self._y.extend(np.asarray(angle_deg)[ok])
        self._v.extend(np.asarray(rate_dps)[ok])
        events: list[RepDetectorEvent] = []
        y, v = self._y.view(), self._v.view()
        n = len(y)
        while self._i < n:
            step = {self.REST: self._rest, self.OUT: self._out, self.BACK: self._back}[self.state]
            step(y, v, min(n, self._i + SEARCH_WINDOW), events)
        return events

    def finish(self) -> list[RepDetectorEvent]:
        """End of data: complete a rep that has already come back most of the way."""
        if self.state == self.BACK and self._crossed:
            return [self._complete(self._y.n - 1)]
        return []

    def _rest(self, y: FloatArray, v: FloatArray, n: int, events: list[RepDetectorEvent]) -> None:
        seg = y[self._i : n]
        best, best_i = self._ext
        run = np.minimum.accumulate(np.concatenate([[best], seg]))[1:]
        hit = np.flatnonzero(seg - run > self.hysteresis_deg)
        upto = hit[0] + 1 if hit.size else len(seg)
        j = int(np.argmin(seg[:upto]))
        if seg[j] < best:
            best, best_i = float(seg[j]), self._i + j
        if not hit.size:
            self._ext = (best, best_i)
            self._i = n
            return
        c = self._i + int(hit[0])
        band = max(START_BAND_MIN_DEG, START_BAND_FRACTION * self.hysteresis_deg)
        near = np.flatnonzero(y[best_i : c + 1] <= best + band)
        self._start = best_i + int(near[-1])
        self._base = best
        self.state = self.OUT
        self._crossed = False
        top = int(np.argmax(y[self._start : c + 1]))
        self._ext = (float(y[self._start + top]), self._start + top)
        self._speed = float(np.max(np.abs(v[self._start : c + 1])))
        events.append(("started", len(self.reps), float(self._t.data[self._start]) - self.delay_s))
        self._i = c + 1

    def _out(self, y: FloatArray, v: FloatArray, n: int, events: list[RepDetectorEvent]) -> None:
        seg = y[self._i : n]
        best, best_i = self._ext
        run = np.maximum.accumulate(np.concatenate([[best], seg]))[1:]
        hit = np.flatnonzero(run - seg > self.hysteresis_deg)
        upto = hit[0] + 1 if hit.size else len(seg)
        j = int(np.argmax(seg[:upto]))
        if seg[j] > best:
            best, best_i = float(seg[j]), self._i + j
        self._speed = max(self._speed, float(np.max(np.abs(v[self._i : self._i + upto]))))
        if not hit.size:
            self._ext = (best, best_i)
            self._i = n
            return
        c = self._i + int(hit[0])
        self._peak = (best, best_i)
        self.state = self.BACK
        low = int(np.argmin(y[best_i : c + 1]))
        self._ext = (float(y[best_i + low]), best_i + low)
        self._i = c + 1

    def _back(self, y: FloatArray, v: FloatArray, n: int, events: list[RepDetectorEvent]) -> None:
        seg = y[self._i : n]
        best, best_i = self._ext
        peak = self._peak[0]
        h = self.hysteresis_deg
        run = np.minimum.accumulate(np.concatenate([[best], seg]))[1:]
        rise = np.flatnonzero(seg - run > h)
        if self._crossed:
            first_cross = 0
        else:
            crossed = np.flatnonzero(seg <= self._base + RETURN_FRACTION * (peak - self._base))
            first_cross = int(crossed[0]) if crossed.size else len(seg)
        speed = np.maximum.accumulate(np.concatenate([[self._speed], np.abs(v[self._i : n])]))[1:]
        thr = np.maximum(STOP_MIN_DPS, STOP_FRACTION * speed)
        stop = np.flatnonzero(np.abs(v[self._i : n]) < thr)
        stop = stop[stop >= first_cross]
        r = int(rise[0]) if rise.size else len(seg)
        s = int(stop[0]) if stop.size else len(seg)
        if r < len(seg) and r <= s:
            j = int(np.argmin(seg[: r + 1]))
            if seg[j] < best:
                best, best_i = float(seg[j]), self._i + j
            events.append(self._complete(best_i))
            self.state = self.REST
            self._ext = (best, best_i)
            self._i = best_i + 1
            return
        if s < len(seg):
            events.append(self._complete(self._i + s))
            self.state = self.REST
            self._ext = (float(y[self._i + s]), self._i + s)
            self._i = self._i + s + 1
            return
        j = int(np.argmin(seg))
        if seg[j] < best:
            best, best_i = float(seg[j]), self._i + j
        self._ext = (best, best_i)
        self._speed = float(speed[-1])
        self._crossed = self._crossed or first_cross < len(seg)
        self._i = n

    def _complete(self, end: int) -> RepDetectorEvent:
        t = self._t.data
        speed = float(np.max(np.abs(self._v.data[self._start : end + 1])))
        rep = Rep(
            index=len(self.reps),
            t_start=float(t[self._start]) - self.delay_s,
            t_end=float(t[end]) - self.delay_s,
            rom_deg=float(self._peak[0] - self._base),
            peak_speed_dps=speed,
            start_angle_deg=float(self._base),
            peak_angle_deg=float(self._peak[0]),
            t_peak=float(t[self._peak[1]]) - self.delay_s,
        )
        self.reps.append(rep)
        self._update_hysteresis()
        self.state = self.REST
        return ("completed", rep, rep.t_end)
