"""Offline analysis of a whole recording: ``analyze(recording) -> SessionMetrics``.

The repetitions and their ROM come from the very same pipeline the streaming
:class:`~smarttouch.scoring.tracker.MotionTracker` runs (one call over the whole recording
instead of many small ones), so the game and the hub agree. On top of it the offline analysis
adds what needs the whole recording: smoothness per repetition (SPARC, LDLJ), tremor (Welch),
active time and data-quality flags.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import signal

from smarttouch.scoring import quaternion as Q
from smarttouch.scoring.calibration import Calibration
from smarttouch.scoring.pipeline import MotionPipeline
from smarttouch.scoring.quality import QualityFlags, check_quality
from smarttouch.scoring.reps import Rep
from smarttouch.scoring.smoothness import ldlj, sparc
from smarttouch.scoring.tremor import tremor_metrics
from smarttouch.sensors.types import Recording

ACTIVE_SPEED_DPS = 5.0  # joint angular speed above which the patient is moving, deg/s
SMOOTHNESS_LOWPASS_HZ = 10.0  # speed profiles are low-passed (zero phase) before the jerk


@dataclass
class SessionMetrics:
    """The clinically meaningful numbers of one recording.

    Attributes:
        movement: movement name or None (unnamed periodic exercise).
        reps: number of completed repetitions.
        rep_table: one dict per repetition: index, t_start, t_end, duration_s (s), rom_deg,
            start_angle_deg, peak_angle_deg (deg), peak_speed_dps (deg/s), sparc, ldlj (speed
            based, LDLJ-V), ldlj_accl (acceleration based, LDLJ-A); smoothness is the mean of
            the outward and the return stroke, each a point-to-point movement.
        rom_deg: largest repetition ROM (or the angle's range when there are no reps), deg.
        rom_deg_mean / rom_deg_sd: mean and SD of the repetitions' ROM, deg.
        peak_speed_dps: highest joint angular speed of the repetitions, deg/s.
        peak_speed_dps_mean: mean of the repetitions' peak speeds, deg/s.
        sparc, ldlj, ldlj_accl: means over the repetitions (negative; closer to 0 = smoother).
        tremor_power_ratio: angular-velocity power in 3-7 Hz over 0.1-20 Hz, 0..1.
        tremor_freq_hz: dominant tremor frequency, Hz. tremor_amplitude_deg: equivalent
            sinusoidal amplitude, deg.
        duration_s: recording duration, s. active_time_s: time moving faster than 5 deg/s, s.
        mean_rep_duration_s: mean repetition duration, s.
        sample_rate_hz: nominal sample rate, Hz.
        calibration: the calibration used / found (neutral, axis, rom max).
        quality: data-quality flags.
    """

    movement: str | None
    reps: int
    rep_table: list[dict[str, float]]
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
    trace: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict (NaN becomes None); the per-sample trace is left out."""
        d = {k: v for k, v in asdict(self).items() if k not in ("trace", "quality")}
        d["quality"] = self.quality.to_dict()
        return _jsonable(d)


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return None if not np.isfinite(x) else float(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def analyze(
    recording: Recording, movement: str | None = None, calibration: Calibration | None = None
) -> SessionMetrics:
    """Analyse a whole recording.

    Args:
        recording: IMU recording (acc in g, gyr in deg/s, optional mag in uT).
        movement: movement name (see ``MOVEMENT_MODELS``); None uses the recording's
            ``labels["movement"]`` if present, else treats it as an unnamed periodic exercise.
        calibration: calibration to use (neutral pose, axis, comfortable ROM), or None.

    Returns:
        :class:`SessionMetrics`.

    Raises:
        ValueError: for an empty recording or an unknown movement.
    """
    if len(recording) < 2:
        raise ValueError("recording has fewer than 2 samples; nothing to analyse")
    movement = movement or recording.labels.get("movement") or None
    fs = recording.sample_rate_hz
    cal = Calibration.from_dict(calibration.to_dict()) if calibration is not None else None
    pipe = MotionPipeline(movement, fs, cal, use_mag=recording.mag is not None)
    out = pipe.process(recording.t, recording.acc, recording.gyr, recording.mag)
    pipe.finish()
    reps = list(pipe.reps.reps)
    quality = check_quality(recording.t, recording.acc, recording.gyr, fs)
    if pipe.angles.neutral_source == "fallback":
        quality.no_still_start = True
        quality.warnings.append("no still second at the start: the neutral pose is a best guess")
    table = _rep_table(recording, out.quat, reps)
    roms = np.array([r.rom_deg for r in reps])
    speeds = np.array([r.peak_speed_dps for r in reps])
    valid = ~np.isnan(out.angle_lp_deg)
    tremor = tremor_metrics(recording.gyr, fs)
    return SessionMetrics(
        movement=movement,
        reps=len(reps),
        rep_table=table,
        rom_deg=float(roms.max())
        if len(reps)
        else (float(np.ptp(out.angle_lp_deg[valid])) if valid.any() else 0.0),
        rom_deg_mean=float(roms.mean()) if len(reps) else 0.0,
        rom_deg_sd=float(roms.std(ddof=1)) if len(reps) > 1 else 0.0,
        peak_speed_dps=float(speeds.max()) if len(reps) else float(np.max(np.abs(out.rate_dps))),
        peak_speed_dps_mean=float(speeds.mean()) if len(reps) else 0.0,
        sparc=_mean(table, "sparc"),
        ldlj=_mean(table, "ldlj"),
        ldlj_accl=_mean(table, "ldlj_accl"),
        tremor_power_ratio=tremor.power_ratio,
        tremor_freq_hz=tremor.dominant_hz,
        tremor_amplitude_deg=tremor.amplitude_deg,
        duration_s=recording.duration_s,
        active_time_s=float(np.sum(np.abs(out.rate_dps) > ACTIVE_SPEED_DPS) / fs),
        mean_rep_duration_s=float(np.mean([r.duration_s for r in reps])) if reps else 0.0,
        sample_rate_hz=fs,
        calibration=pipe.calibration.to_dict(),
        quality=quality,
        trace={
            "t": recording.t,
            "angle_deg": out.angle_deg,
            "angle_lp_deg": out.angle_lp_deg,
            "rate_dps": out.rate_dps,
            "lp_delay_s": pipe.reps.delay_s,
        },
    )


def _mean(table: list[dict], key: str) -> float:
    vals = [r[key] for r in table if np.isfinite(r[key])]
    return float(np.mean(vals)) if vals else float("nan")


def _rep_table(rec: Recording, quat: np.ndarray, reps: list[Rep]) -> list[dict[str, float]]:
    """Per-repetition rows with smoothness from the angular speed and linear acceleration."""
    fs = rec.sample_rate_hz
    if not reps:
        return []
    sos = signal.butter(4, min(SMOOTHNESS_LOWPASS_HZ, 0.4 * fs), fs=fs, output="sos")
    speed = signal.sosfiltfilt(sos, np.linalg.norm(rec.gyr, axis=1))
    lin = Q.rotate(quat, rec.acc) - np.array([0.0, 0.0, 1.0])  # earth frame, gravity removed, g
    lin_mag = signal.sosfiltfilt(sos, np.linalg.norm(lin, axis=1))
    rows = []
    for rep in reps:
        row = rep.to_dict()
        strokes = [(rep.t_start, rep.t_peak), (rep.t_peak, rep.t_end)]
        vals = [_stroke_smoothness(rec.t, speed, lin_mag, a, b, fs) for a, b in strokes]
        for k, key in enumerate(("sparc", "ldlj", "ldlj_accl")):
            got = [v[k] for v in vals if np.isfinite(v[k])]
            row[key] = float(np.mean(got)) if got else float("nan")
        rows.append(row)
    return rows


def _stroke_smoothness(t, speed, lin_mag, t0, t1, fs) -> tuple[float, float, float]:
    """(SPARC, LDLJ-V, LDLJ-A) of one point-to-point stroke between t0 and t1 (s)."""
    nan = float("nan")
    i0, i1 = np.searchsorted(t, [t0, t1])
    i0, i1 = max(0, int(i0)), min(len(t), int(i1) + 1)
    if i1 - i0 < 8:
        return nan, nan, nan
    seg, acc_seg = speed[i0:i1], lin_mag[i0:i1]
    s = sparc(seg, fs) if seg.max() > 0 else nan
    lv = ldlj(seg, fs, "speed") if seg.max() > 0 else nan
    la = ldlj(acc_seg, fs, "accl") if acc_seg.max() > 0 else nan
    return s, lv, la
