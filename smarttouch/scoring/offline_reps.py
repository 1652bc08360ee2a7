"""Repetitions of a whole recording, counted with all of it in view (non-causal).

Input: the joint angle of :mod:`smarttouch.scoring.offline_angle` (0 = rest, positive = away
from rest, low-passed). A repetition is an excursion away from rest and back:

1. **Candidates**: every local maximum of the angle that stands at least ``min_rep_deg`` above
   its surroundings (``scipy.signal.find_peaks`` prominence), with the lowest point between
   consecutive maxima as the valley that separates them. Before the first sample and after the
   last the angle is padded with the lowest level of the nearby ``edge_window_s`` seconds, so a
   recording that starts in the middle of a repetition still shows that repetition's peak.
2. **Merging** (persistence simplification): the weakest maximum is dropped (with the higher
   of its two valleys) until every maximum stands out from *both* neighbouring valleys by at
   least ``return_fraction`` of its height above the local rest level (the median of the
   nearby valleys). A static hold with some wobble at the end position is then one
   repetition, not two; a posture shift between sets does not hide the repetitions after it.
3. **Size**: a repetition must also rise ``relative_threshold`` x the session's reference ROM
   (the median of its ``reference_reps`` largest excursions, and at least half the largest,
   so two repetitions among fidgets still set the scale) above the local rest level, so
   fidgeting and posture adjustments in idle gaps are not counted while low-amplitude
   repetitions (they are often a third of a full one) are.
4. **Edges**: a repetition already under way at the first sample (the recording starts well
   above rest) counts when it is large (``edge_fraction`` of the reference ROM) - its peak and
   return are in view; one still out at the last sample is not complete and does not count.

No period, tempo or sample count is assumed: mixed speeds, pauses and holds of any length are
the same problem. Each repetition gets a confidence 0..1 from how clearly it passed the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided
from numpy.typing import NDArray
from scipy import signal

from smarttouch.scoring.offline_angle import AngleTrace

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

STOP_FRACTION = 0.1  # moving slower than 10 % of the rep's peak rate = stopped (start/end/hold)
NEAR_REST_FRACTION = 0.3  # start/end within 30 % of the ROM of rest; a hold within 30 % of the peak
HOLD_MIN_S = 0.5  # a stop at the peak shorter than this is just the turn
REFERENCE_MAX_FRACTION = 0.5  # the reference ROM is at least half the largest excursion
EDGE_CONFIDENCE = 0.7  # a repetition cut by the recording's start is less certain
AXIS_SHARE_LOW, AXIS_SHARE_HIGH = 0.3, 0.7  # confidence from the share of rotation about the axis


@dataclass(frozen=True)
class RepParams:
    """Constants of the offline detector (degrees, seconds and fractions).

    Attributes:
        min_rep_deg: smallest excursion that can be a repetition (sensor noise and drift
            stay well below it), deg.
        relative_threshold: smallest repetition as a fraction of the session's reference ROM.
        return_fraction: how far back towards rest the angle must come between two
            repetitions, as a fraction of their height above rest.
        edge_fraction: smallest repetition already under way at the first sample, as a
            fraction of the reference ROM.
        truncated_fraction: a recording that starts more than this fraction of a
            repetition's height above rest starts inside that repetition.
        baseline_valleys: valleys on each side of a repetition that give its rest level.
        edge_window_s: seconds at each end searched for the rest level beyond the edges.
        reference_reps: largest excursions whose median is the reference ROM.
    """

    min_rep_deg: float = 2.0
    relative_threshold: float = 0.2
    return_fraction: float = 0.5
    edge_fraction: float = 0.5
    truncated_fraction: float = 0.25
    baseline_valleys: int = 3
    edge_window_s: float = 20.0
    reference_reps: int = 5


@dataclass(slots=True)
class OfflineRep:
    """One repetition (times in s from the recording's time origin, angles in deg).

    ``t_reach``/``t_leave`` bound the time spent at the peak (a static hold); ``truncated``
    marks a repetition already under way when the recording started.
    """

    index: int
    t_start: float
    t_peak: float
    t_end: float
    t_reach: float
    t_leave: float
    rom_deg: float
    start_angle_deg: float
    peak_angle_deg: float
    peak_speed_dps: float
    confidence: float
    truncated: bool

    @property
    def duration_s(self) -> float:
        return self.t_end - self.t_start

    @property
    def hold_s(self) -> float:
        return self.t_leave - self.t_reach

    def to_dict(self) -> dict[str, Any]:
        d = {name: getattr(self, name) for name in _REP_FIELDS}
        d["duration_s"] = self.duration_s
        d["hold_s"] = self.hold_s
        return d


#: OfflineRep's field names in order (``fields()`` on every ``to_dict`` cost more than the copy)
_REP_FIELDS = tuple(f.name for f in fields(OfflineRep))


@dataclass(frozen=True)
class RepDetection:
    """The detector's result: repetitions, the reference ROM and the size threshold (deg)."""

    reps: list[OfflineRep]
    reference_rom_deg: float
    threshold_deg: float


def _valleys(ep: FloatArray, peaks: IntArray) -> IntArray:
    """Index of the lowest sample before the first peak, between consecutive peaks and after
    the last (n + 1 valleys for n peaks)."""
    first = int(np.argmin(ep[: peaks[0] + 1]))
    last = int(peaks[-1] + np.argmin(ep[peaks[-1] :]))
    if len(peaks) == 1:
        return np.array([first, last], dtype=np.intp)
    lows = np.minimum.reduceat(ep, peaks)[:-1]  # min of ep[P_k : P_k+1]
    span = ep[peaks[0] : peaks[-1]]
    hits = np.flatnonzero(span == np.repeat(lows, np.diff(peaks))) + peaks[0]
    between = hits[np.searchsorted(hits, peaks[:-1])]
    return np.concatenate([[first], between, [last]]).astype(np.intp)


def _rest_levels(valley_levels: FloatArray, per_side: int) -> FloatArray:
    """Rest level of each peak: median of the (up to) ``per_side`` valleys on each side."""
    n_peaks = len(valley_levels) - 1
    if n_peaks < 1:
        return np.empty(0)
    pad = np.full(per_side - 1, np.inf)
    padded = np.concatenate([pad, valley_levels, pad])
    # the n_peaks windows of 2 x per_side valleys (sliding_window_view's read-only view, without
    # its checks: this runs once per merging pass)
    step = padded.strides[0]
    windows = np.sort(as_strided(padded, (n_peaks, 2 * per_side), (step, step), writeable=False), axis=1)
    count = np.count_nonzero(np.isfinite(windows), axis=1)
    rows = np.arange(n_peaks)
    return np.asarray(0.5 * (windows[rows, (count - 1) // 2] + windows[rows, count // 2]), dtype=float)


def _thresholds(
    ep: FloatArray, peaks: IntArray, valleys: IntArray, params: RepParams, size_deg: float
) -> tuple[FloatArray, FloatArray]:
    """(dip, threshold) per peak: its smaller drop to a neighbouring valley, and the drop it
    needs (infinite when it does not rise ``size_deg`` above its rest level)."""
    height, left, right = ep[peaks], ep[valleys[:-1]], ep[valleys[1:]]
    rest = _rest_levels(ep[valleys], params.baseline_valleys)
    above = height - rest
    need = np.maximum(max(params.min_rep_deg, size_deg), params.return_fraction * above)
    need = np.where(above >= size_deg, need, np.inf)
    return height - np.maximum(left, right), need


def _simplify(
    ep: FloatArray, peaks: IntArray, valleys: IntArray, params: RepParams, size_deg: float
) -> tuple[IntArray, IntArray]:
    """Drop failing peaks, weakest first (several non-adjacent ones per pass)."""
    while len(peaks):
        dip, need = _thresholds(ep, peaks, valleys, params, size_deg)
        fail = dip < need
        if not fail.any():
            break
        score = np.where(fail, dip - need, np.inf)
        left = np.concatenate([[np.inf], score[:-1]])
        right = np.concatenate([score[1:], [np.inf]])
        drop = fail & (score <= left) & (score < right)
        if not drop.any():
            drop = fail & (score == score.min())
        idx = np.flatnonzero(drop)
        higher = np.where(ep[valleys[idx]] >= ep[valleys[idx + 1]], idx, idx + 1)
        keep_p = np.ones(len(peaks), dtype=bool)
        keep_p[idx] = False
        keep_v = np.ones(len(valleys), dtype=bool)
        keep_v[higher] = False
        peaks, valleys = peaks[keep_p], valleys[keep_v]
    return peaks, valleys


def _segment_max(x: FloatArray, starts: IntArray, stops: IntArray) -> FloatArray:
    """max of x[starts[k] : stops[k] + 1] for non-overlapping, ordered segments."""
    xx = np.concatenate([x, [-np.inf]])
    bounds = np.empty(2 * len(starts), dtype=np.intp)
    bounds[0::2], bounds[1::2] = starts, stops + 1
    return np.asarray(np.maximum.reduceat(xx, bounds)[0::2], dtype=float)


def detect_reps(trace: AngleTrace, params: RepParams | None = None) -> RepDetection:
    """Repetitions of the whole recording (see the module docstring).

    Args:
        trace: the joint angle (rest at 0, movement positive).
        params: detector constants; the defaults are the validated ones.
    """
    p = params or RepParams()
    e = trace.angle_lp_deg
    n, fs = len(e), trace.fs
    empty = RepDetection([], 0.0, 0.0)
    if n < 3:
        return empty
    window = max(1, int(round(p.edge_window_s * fs)))
    ep = np.concatenate([[np.min(e[:window])], e, [np.min(e[-window:])]])
    peaks, _ = signal.find_peaks(ep, prominence=p.min_rep_deg)
    peaks = peaks.astype(np.intp)
    if not len(peaks):
        return empty
    valleys = _valleys(ep, peaks)
    peaks, valleys = _simplify(ep, peaks, valleys, p, 0.0)
    rest = _rest_levels(ep[valleys], p.baseline_valleys)
    above = np.sort(ep[peaks] - rest)[::-1]
    ref = max(float(np.median(above[: p.reference_reps])), REFERENCE_MAX_FRACTION * float(above[0]))
    size = p.relative_threshold * ref
    peaks, valleys = _simplify(ep, peaks, valleys, p, size)
    if not len(peaks):
        return RepDetection([], ref, size)
    dip, need = _thresholds(ep, peaks, valleys, p, size)
    keep = np.ones(len(peaks), dtype=bool)
    first_h = ep[peaks[0]] - ep[valleys[0]]
    # under way at the first sample: well above the valley before it and above rest (0); a
    # recording that starts at rest, e.g. before a pendulum's first swing below it, is not
    started_out = min(ep[1] - ep[valleys[0]], ep[1]) > p.truncated_fraction * first_h
    truncated_first = bool(started_out and peaks[0] == int(np.argmax(ep[: peaks[0] + 1])))
    if (truncated_first and first_h < p.edge_fraction * ref) or (peaks[0] == 1 and not started_out):
        keep[0] = False
    last_h = ep[peaks[-1]] - ep[valleys[-1]]
    if ep[-2] - ep[valleys[-1]] > (1.0 - p.return_fraction) * last_h:
        keep[-1] = False  # still out when the recording stopped: not a completed repetition
    truncated = np.zeros(len(peaks), dtype=bool)
    truncated[0] = truncated_first
    sel = np.flatnonzero(keep)
    if not sel.size:
        return RepDetection([], ref, size)
    peaks, margin, truncated = peaks[sel], dip[sel] / need[sel], truncated[sel]
    lv, rv = valleys[sel], valleys[sel + 1]
    return RepDetection(
        _describe(trace, peaks - 1, (lv - 1, rv - 1), (ep[lv], ep[rv]), margin, truncated),
        ref,
        size,
    )


def _segments(starts: IntArray, stops: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """For ordered, non-overlapping inclusive segments: every sample index, the segment it
    belongs to, and where each segment begins in that flat list."""
    lengths = stops - starts + 1
    begin = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.intp)
    owner = np.repeat(np.arange(len(starts)), lengths)
    idx = np.arange(int(lengths.sum())) - begin[owner] + starts[owner]
    return idx.astype(np.intp), owner, begin


def _last_true(cond: NDArray[np.bool_], idx: IntArray, begin: IntArray, default: IntArray) -> IntArray:
    hit = np.maximum.reduceat(np.where(cond, idx, -1), begin)
    return np.where(hit >= 0, hit, default).astype(np.intp)


def _first_true(cond: NDArray[np.bool_], idx: IntArray, begin: IntArray, default: IntArray) -> IntArray:
    big = np.iinfo(np.intp).max
    hit = np.minimum.reduceat(np.where(cond, idx, big), begin)
    return np.where(hit < big, hit, default).astype(np.intp)


def _describe(
    trace: AngleTrace,
    peaks: IntArray,
    valleys: tuple[IntArray, IntArray],
    levels: tuple[FloatArray, FloatArray],
    margin: FloatArray,
    truncated: NDArray[np.bool_],
) -> list[OfflineRep]:
    """Times, ROM, speed and confidence of each repetition.

    ``peaks`` and the (left, right) ``valleys`` are sample indices; ``levels`` are the
    (left, right) rest levels in degrees. A repetition starts at the last moment before its
    peak, near rest, when the angular rate was below ``STOP_FRACTION`` of its peak rate, and
    ends at the first such moment after it; a hold at the peak is the time between the first
    and the last such moment near the peak (when at least ``HOLD_MIN_S``).
    """
    e, t, fs = trace.angle_lp_deg, trace.t, trace.fs
    n = len(e)
    left_v = np.clip(valleys[0], 0, n - 1).astype(np.intp)
    right_v = np.clip(valleys[1], 0, n - 1).astype(np.intp)
    left_level, right_level = levels
    rom = e[peaks] - left_level
    rate = np.abs(np.gradient(e)) * fs if n > 1 else np.zeros(n)
    slow = STOP_FRACTION * _segment_max(rate, left_v, right_v)
    idx, k, begin = _segments(left_v, peaks)
    cond = (e[idx] <= (left_level + NEAR_REST_FRACTION * rom)[k]) & (rate[idx] <= slow[k])
    starts = _last_true(cond, idx, begin, np.where(truncated, 0, left_v))
    idx, k, begin = _segments(peaks, right_v)
    cond = (e[idx] <= (right_level + NEAR_REST_FRACTION * (e[peaks] - right_level))[k]) & (
        rate[idx] <= slow[k]
    )
    ends = _first_true(cond, idx, begin, right_v)
    idx, k, begin = _segments(starts, ends)
    cond = (e[idx] >= (e[peaks] - NEAR_REST_FRACTION * rom)[k]) & (rate[idx] <= slow[k])
    first, last = _first_true(cond, idx, begin, peaks), _last_true(cond, idx, begin, peaks)
    held = (last - first) >= HOLD_MIN_S * fs
    reach, leave = np.where(held, first, peaks), np.where(held, last, peaks)
    speed = _segment_max(rate, starts, ends)
    on_axis = _axis_share(trace.gyr_dps, trace.axis, starts, ends)
    conf = (1.0 - 0.5 * np.exp(-2.0 * (margin - 1.0))) * np.where(truncated, EDGE_CONFIDENCE, 1.0)
    conf *= 0.5 + 0.5 * np.clip((on_axis - AXIS_SHARE_LOW) / (AXIS_SHARE_HIGH - AXIS_SHARE_LOW), 0.0, 1.0)
    conf = np.clip(conf, 0.0, 1.0)
    columns = zip(
        t[starts].tolist(),
        t[peaks].tolist(),
        t[ends].tolist(),
        t[reach].tolist(),
        t[leave].tolist(),
        rom.tolist(),
        left_level.tolist(),
        e[peaks].tolist(),
        speed.tolist(),
        conf.tolist(),
        truncated.tolist(),
    )
    return [OfflineRep(j, *row) for j, row in enumerate(columns)]


def _axis_share(gyr: FloatArray, axis: FloatArray, starts: IntArray, ends: IntArray) -> FloatArray:
    """Fraction of the angular-velocity energy about ``axis`` within each repetition."""
    along = np.concatenate([[0.0], np.cumsum((gyr @ axis) ** 2)])
    total = np.concatenate([[0.0], np.cumsum(np.einsum("ij,ij->i", gyr, gyr))])
    num = along[ends + 1] - along[starts]
    den = total[ends + 1] - total[starts]
    return np.asarray(np.where(den > 0, num / np.maximum(den, 1e-12), 0.0), dtype=float)
