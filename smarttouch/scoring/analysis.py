"""Offline analysis of a whole recording: ``analyze(recording) -> SessionMetrics``.

The hub and the CLI have the entire recording, so the analysis is non-causal: the movement
axis, the rest level and the repetitions are found with all of the signal in view
(:mod:`~smarttouch.scoring.offline_angle`, :mod:`~smarttouch.scoring.offline_reps`), and a
recording that starts in the middle of a movement is counted from its first sample. The
streaming :class:`~smarttouch.scoring.tracker.MotionTracker` stays causal for the games; how
closely the two agree is measured (docs/scoring.md), not forced.

On top of the repetitions the analysis adds smoothness per repetition (SPARC, LDLJ), tremor
(Welch), active time, data-quality flags, a confidence per repetition and a plain-words flag
when the count itself is uncertain. With ``play_spans`` (the game's play phases) everything is
computed over those spans only and reported per set.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from smarttouch.scoring.calibration import Calibration
from smarttouch.scoring.movements import get_movement
from smarttouch.scoring.offline_angle import AngleTrace, angle_trace, lowpass, still_runs
from smarttouch.scoring.offline_reps import OfflineRep, detect_reps
from smarttouch.scoring.quality import QualityFlags, check_quality
from smarttouch.scoring.smoothness import ldlj_segments, sparc_segments
from smarttouch.scoring.tremor import tremor_metrics
from smarttouch.scoring.uncertainty import assess_count
from smarttouch.scoring.validation import check_play_spans, check_recording
from smarttouch.sensors.types import Recording

FloatArray = NDArray[np.float64]


ACTIVE_SPEED_DPS = 5.0  # joint angular speed above which the patient is moving, deg/s
SMOOTHNESS_LOWPASS_HZ = 10.0  # speed profiles are low-passed (zero phase) before the jerk
MIN_STROKE_SAMPLES = 8  # shorter strokes get no smoothness value
STILL_START_S = 5.0  # no still second within this many seconds: the recording starts moving


@dataclass
class SessionMetrics:
    """The clinically meaningful numbers of one recording (or of its play spans).

    Attributes:
        movement: movement name or None (unnamed periodic exercise).
        reps: number of completed repetitions (inside the play spans when given).
        rep_table: one dict per repetition: index, set, t_start, t_peak, t_end, t_reach,
            t_leave, duration_s, hold_s (s), rom_deg, start_angle_deg, peak_angle_deg (deg),
            peak_speed_dps (deg/s), confidence (0..1), truncated (already under way at the
            first sample), sparc, ldlj (speed based, LDLJ-V), ldlj_accl (acceleration based,
            LDLJ-A); smoothness is the mean of the outward and the return stroke, each a
            point-to-point movement (a static hold at the peak is left out).
        rom_deg: largest repetition ROM (or the angle's range when there are no reps), deg.
        rom_deg_mean / rom_deg_sd: mean and SD of the repetitions' ROM, deg.
        peak_speed_dps: highest joint angular speed of the repetitions, deg/s.
        peak_speed_dps_mean: mean of the repetitions' peak speeds, deg/s.
        sparc, ldlj, ldlj_accl: means over the repetitions (negative; closer to 0 = smoother).
        tremor_power_ratio: angular-velocity power in 3-7 Hz over 0.1-20 Hz, 0..1.
        tremor_freq_hz: dominant tremor frequency, Hz. tremor_amplitude_deg: equivalent
            sinusoidal amplitude, deg.
        duration_s: recording duration, s. active_time_s: time moving faster than 5 deg/s
            (inside the play spans when given), s.
        mean_rep_duration_s: mean repetition duration, s.
        sample_rate_hz: nominal sample rate, Hz.
        calibration: the calibration found (neutral pose at the rest level, axis with
            positive = away from rest, the given comfortable ROM).
        quality: data-quality flags.
        sets: one dict per play span (or one for the whole recording): index, t_start,
            t_end, duration_s, reps, rom_deg, rom_deg_mean, peak_speed_dps, sparc, ldlj,
            mean_rep_duration_s.
        count_uncertain: the repetition count is not trustworthy (see ``uncertain_reason``);
            progress trends and MCID verdicts leave such sessions out.
        uncertain_reason: why, in plain words, or None.
    """

    movement: str | None
    reps: int
    rep_table: list[dict[str, Any]]
    rom_deg: float
    rom_deg_mean: float
    rom_deg_sd: float
    peak_speed_dps: float
    peak_speed_dps_mean: float
    sparc: float
    ldlj: float
    ldlj_accl: float
    tremor_power_ratio: float
    tremor_freq_hz: float
    tremor_amplitude_deg: float
    duration_s: float
    active_time_s: float
    mean_rep_duration_s: float
    sample_rate_hz: float
    calibration: dict[str, Any]
    quality: QualityFlags
    sets: list[dict[str, Any]] = field(default_factory=list)
    count_uncertain: bool = False
    uncertain_reason: str | None = None
    trace: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict (NaN becomes None); the per-sample trace is left out."""
        # not ``asdict(self)``: it deep-copied the per-sample trace only to drop it (three
        # quarters of a worker's time per session went there); _jsonable copies the rest
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("trace", "quality")}
        d["quality"] = self.quality.to_dict()
        out: dict[str, Any] = _jsonable(d)
        return out


#: types _jsonable returns as they are (checked first: most of a result's values are these)
_PLAIN = frozenset({int, str, bool, type(None)})


def _jsonable(x: Any) -> Any:
    kind = type(x)
    if kind is float:  # the common cases first, by exact type (a worker converts ~600 values)
        return x if math.isfinite(x) else None
    if kind in _PLAIN:
        return x
    # containers: their finite floats and plain values are kept in line, without a call each
    # (a 30-rep result's rep table is ~500 of them); anything else goes through _jsonable
    if kind is dict:
        return {
            k: v if (type(v) is float and math.isfinite(v)) or type(v) in _PLAIN else _jsonable(v)
            for k, v in x.items()
        }
    if kind is list or kind is tuple:
        return [
            v if (type(v) is float and math.isfinite(v)) or type(v) in _PLAIN else _jsonable(v) for v in x
        ]
    if is_dataclass(x) and not isinstance(x, type):
        return _jsonable({f.name: getattr(x, f.name) for f in fields(x)})
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, (float, np.floating)):
        return None if not np.isfinite(x) else float(x)
    if isinstance(x, np.integer):
        return int(x)
    return x


def analyze(
    recording: Recording,
    movement: str | None = None,
    calibration: Calibration | None = None,
    *,
    play_spans: Sequence[tuple[float, float]] | None = None,
) -> SessionMetrics:
    """Analyse a whole recording, or its play spans.

    Args:
        recording: IMU recording (acc in g, gyr in deg/s; a magnetometer is not needed and
            not used, see :mod:`~smarttouch.scoring.offline_angle`).
        movement: movement name (see ``MOVEMENT_MODELS``); None uses the recording's
            ``labels["movement"]`` if present, else treats it as an unnamed periodic exercise.
        calibration: calibration, or None. Its movement axis is used when it matches the
            recording's (within 30 deg); the rest level is always found in the recording.
        play_spans: (start_s, end_s) of each play set in recording time, in order; when
            given, repetitions (by the time of their peak), ROM, smoothness, tremor and active
            time come from these spans only and ``sets`` has one entry per span. None: the
            whole recording is one set.

    Returns:
        :class:`SessionMetrics`.

    Raises:
        ValueError: an empty, corrupt, NaN or complex-valued recording, inconsistent play
            spans or an unknown movement.
    """
    check_recording(recording)
    movement = movement or recording.labels.get("movement") or None
    get_movement(movement)
    t, fs = recording.t, recording.sample_rate_hz
    spans = check_play_spans(play_spans, float(t[0]), float(t[-1]))
    windows = spans if spans is not None else [(float(t[0]), float(t[-1]))]
    axis = None if calibration is None or calibration.axis is None else np.asarray(calibration.axis)
    trace = angle_trace(t, recording.acc, recording.gyr, fs, axis)
    detection = detect_reps(trace)
    reps, set_index = _attribute(detection.reps, windows)
    ranges = [(int(np.searchsorted(t, a, "left")), int(np.searchsorted(t, b, "right"))) for a, b in windows]
    rows = _rep_table(recording, trace, reps, set_index)
    grid_t, grid_fs = trace.t, trace.fs
    rate = np.gradient(trace.angle_lp_deg) * grid_fs if len(grid_t) > 1 else np.zeros(len(grid_t))
    in_play = np.zeros(len(grid_t), dtype=bool)
    for a, b in windows:
        in_play[np.searchsorted(grid_t, a, "left") : np.searchsorted(grid_t, b, "right")] = True
    quality = check_quality(t, recording.acc, recording.gyr, fs)
    if trace.calibration_axis_off_deg is not None and trace.axis_source != "calibration":
        quality.warnings.append(
            f"the calibration's movement axis is {trace.calibration_axis_off_deg:.0f} deg from this "
            "recording's: the recording's own axis was used (sensor re-mounted or another movement?)"
        )
    runs_start, _ = still_runs(trace.speed_dps, grid_fs)
    if not runs_start.size or grid_t[runs_start[0]] - t[0] > STILL_START_S:
        quality.no_still_start = True
        quality.warnings.append(
            f"the recording starts in motion (no still second in the first {STILL_START_S:.0f} s)"
        )
    tremor = tremor_metrics(recording.gyr, fs, spans=ranges)
    roms = np.array([r.rom_deg for r in reps])
    speeds = np.array([r.peak_speed_dps for r in reps])
    played = trace.angle_lp_deg[in_play]
    assessment = assess_count(
        sum(b - a for a, b in windows),
        quality,
        trace.rest_vote,
        detection.reference_rom_deg,
        [r.confidence for r in reps],
    )
    return SessionMetrics(
        movement=movement,
        reps=len(reps),
        rep_table=rows,
        rom_deg=float(roms.max()) if len(reps) else (float(np.ptp(played)) if played.size else 0.0),
        rom_deg_mean=float(roms.mean()) if len(reps) else 0.0,
        rom_deg_sd=float(roms.std(ddof=1)) if len(reps) > 1 else 0.0,
        peak_speed_dps=float(speeds.max())
        if len(reps)
        else (float(np.max(np.abs(rate[in_play]))) if in_play.any() else 0.0),
        peak_speed_dps_mean=float(speeds.mean()) if len(reps) else 0.0,
        sparc=_mean(rows, "sparc"),
        ldlj=_mean(rows, "ldlj"),
        ldlj_accl=_mean(rows, "ldlj_accl"),
        tremor_power_ratio=tremor.power_ratio,
        tremor_freq_hz=tremor.dominant_hz,
        tremor_amplitude_deg=tremor.amplitude_deg,
        duration_s=recording.duration_s,
        active_time_s=float(np.sum(np.abs(rate[in_play]) > ACTIVE_SPEED_DPS) / grid_fs),
        mean_rep_duration_s=float(np.mean([r.duration_s for r in reps])) if reps else 0.0,
        sample_rate_hz=fs,
        calibration=_calibration(trace, calibration, movement),
        quality=quality,
        sets=[_set_summary(k, a, b, [r for r in rows if r["set"] == k]) for k, (a, b) in enumerate(windows)],
        count_uncertain=assessment.uncertain,
        uncertain_reason=assessment.reason,
        trace={
            "t": grid_t,
            "angle_deg": trace.angle_deg,
            "angle_lp_deg": trace.angle_lp_deg,
            "rate_dps": rate,
        },
    )


def _attribute(
    reps: list[OfflineRep], windows: list[tuple[float, float]]
) -> tuple[list[OfflineRep], list[int]]:
    """The repetitions whose peak lies in a window, renumbered, with their window index."""
    kept: list[OfflineRep] = []
    sets: list[int] = []
    for rep in reps:
        for k, (a, b) in enumerate(windows):
            if a <= rep.t_peak <= b:
                kept.append(rep if rep.index == len(kept) else replace(rep, index=len(kept)))
                sets.append(k)
                break
    return kept, sets


def _calibration(trace: AngleTrace, given: Calibration | None, movement: str | None) -> dict[str, Any]:
    w, x, y, z = (float(v) for v in trace.neutral_quat)
    ax, ay, az = (float(v) for v in trace.axis)
    cal = Calibration(
        neutral_quat=(w, x, y, z),
        rom_max_deg=given.rom_max_deg if given is not None else None,
        axis=(ax, ay, az),
        movement=movement,
    )
    return cal.to_dict()


def _mean(rows: list[dict[str, Any]], key: str) -> float:
    vals = [r[key] for r in rows if math.isfinite(r[key])]
    return math.fsum(vals) / len(vals) if vals else float("nan")


def _set_summary(index: int, t0: float, t1: float, rows: list[dict[str, Any]]) -> dict[str, Any]:
    roms = [r["rom_deg"] for r in rows]
    return {
        "index": index,
        "t_start": t0,
        "t_end": t1,
        "duration_s": t1 - t0,
        "reps": len(rows),
        "rom_deg": max(roms) if roms else 0.0,
        "rom_deg_mean": float(np.mean(roms)) if roms else 0.0,
        "peak_speed_dps": max((r["peak_speed_dps"] for r in rows), default=0.0),
        "sparc": _mean(rows, "sparc"),
        "ldlj": _mean(rows, "ldlj"),
        "mean_rep_duration_s": float(np.mean([r["duration_s"] for r in rows])) if rows else 0.0,
    }


def _linear_acc_g(acc: FloatArray, vertical: FloatArray) -> FloatArray:
    """|acc in the earth frame minus 1 g| per sample, g, from the earth-vertical component
    of acc: |R a - z|^2 = |a|^2 - 2 a.(R^T z) + 1."""
    sq = np.einsum("ij,ij->i", acc, acc) - 2.0 * vertical + 1.0
    return np.asarray(np.sqrt(np.maximum(sq, 0.0)), dtype=float)


def _rep_table(
    rec: Recording, trace: AngleTrace, reps: list[OfflineRep], set_index: list[int]
) -> list[dict[str, Any]]:
    """Per-repetition rows with smoothness from the angular speed and linear acceleration."""
    if not reps:
        return []
    fs, t = rec.sample_rate_hz, rec.t
    gyr_speed = np.sqrt(np.einsum("ij,ij->i", rec.gyr, rec.gyr))
    profiles = np.stack([gyr_speed, _linear_acc_g(rec.acc, trace.vertical_acc(rec.acc))], axis=1)
    speed, lin = lowpass(profiles, SMOOTHNESS_LOWPASS_HZ, fs, order=4).T
    bounds = []
    for rep in reps:  # two strokes per rep; a hold at the peak belongs to neither
        bounds += [(rep.t_start, rep.t_reach), (rep.t_leave, rep.t_end)]
    edges = np.searchsorted(t, np.array(bounds, dtype=float).reshape(-1))
    starts = np.maximum(0, edges[0::2])
    stops = np.minimum(len(t), edges[1::2] + 1)
    ok = stops - starts >= MIN_STROKE_SAMPLES
    values = np.full((3, len(starts)), np.nan)
    if ok.any():
        a, b = starts[ok], stops[ok]
        values[0, ok] = sparc_segments(speed, a, b, fs)
        values[1, ok] = ldlj_segments(speed, a, b, fs, "speed")
        values[2, ok] = ldlj_segments(lin, a, b, fs, "accl")
    per_rep = values.reshape(3, len(reps), 2)
    finite = np.isfinite(per_rep)
    count = finite.sum(axis=2)
    means = np.where(count > 0, np.where(finite, per_rep, 0.0).sum(axis=2) / np.maximum(count, 1), np.nan)
    rows = []
    for k, rep in enumerate(reps):
        row = rep.to_dict()
        row["set"] = set_index[k]
        for j, key in enumerate(("sparc", "ldlj", "ldlj_accl")):
            row[key] = float(means[j, k])
        rows.append(row)
    return rows
