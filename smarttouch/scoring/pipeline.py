"""The causal motion pipeline of the streaming tracker (the games' live input).

orientation (VQF) -> joint angle (neutral + axis) -> low-pass angle and its rate
-> repetitions; plus a steadiness signal. Every stage is causal and carries its state, so one
call over a whole recording equals many calls over its pieces. The offline analysis of a whole
recording (:mod:`smarttouch.scoring.analysis`) does not use it: it may look ahead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smarttouch.scoring.calibration import Calibration
from smarttouch.scoring.filters import StreamingEMA, StreamingSOS
from smarttouch.scoring.joint_angle import AngleTracker
from smarttouch.scoring.movements import MovementModel, get_movement
from smarttouch.scoring.orientation import OrientationFilter
from smarttouch.scoring.reps import RepDetector, RepDetectorEvent

ANGLE_LOWPASS_HZ = 2.5  # voluntary movement lives below ~2 Hz; tremor (3-12 Hz) above
ANGLE_LOWPASS_ORDER = 4
# band (Hz) of the shaking that lowers the live steadiness score: wider than the clinical
# tremor band of tremor.TREMOR_BAND_HZ so any involuntary oscillation counts
STEADINESS_BAND_HZ = (3.0, 12.0)
STEADINESS_TAU_S = 2.0
STEADINESS_REF_DEG = 1.0  # RMS tremor-band angle that gives steadiness exp(-1) = 0.37


@dataclass
class PipelineOutput:
    """Per-sample outputs of one call (angles in deg, rates in deg/s)."""

    quat: np.ndarray
    angle_deg: np.ndarray  # NaN before the neutral pose is known
    angle_lp_deg: np.ndarray  # low-pass angle, NaN before neutral
    rate_dps: np.ndarray  # rate of the low-pass angle
    steadiness: np.ndarray  # 0..1
    events: list[RepDetectorEvent]


class MotionPipeline:
    """Streaming motion pipeline for one sensor on one segment.

    Args:
        movement: movement name (see :data:`MOVEMENT_MODELS`) or None for unnamed periodic.
        sample_rate_hz: sample rate, Hz.
        calibration: optional calibration (updated in place as neutral/axis are found).
        use_mag: fuse the magnetometer when present (9D).
    """

    def __init__(
        self,
        movement: str | None,
        sample_rate_hz: float,
        calibration: Calibration | None = None,
        use_mag: bool = False,
    ) -> None:
        self.model: MovementModel = get_movement(movement)
        self.sample_rate_hz = float(sample_rate_hz)
        self.calibration = calibration if calibration is not None else Calibration(movement=movement)
        self.orientation = OrientationFilter(sample_rate_hz, use_mag=use_mag)
        self.angles = AngleTracker(sample_rate_hz, self.calibration)
        self._lowpass = StreamingSOS(ANGLE_LOWPASS_ORDER, ANGLE_LOWPASS_HZ, sample_rate_hz)
        self._band = StreamingSOS(2, STEADINESS_BAND_HZ, sample_rate_hz, btype="bandpass")
        self._power = StreamingEMA(STEADINESS_TAU_S, sample_rate_hz)
        min_rep = self.model.min_rep_deg
        if self.calibration.rom_max_deg is not None:
            min_rep = min(max(min_rep, 0.15 * self.calibration.rom_max_deg), 20.0)
        self.reps = RepDetector(min_rep_deg=min_rep, delay_s=self._lowpass.dc_delay_s(sample_rate_hz))
        self._prev_lp: float | None = None

    def process(
        self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray, mag: np.ndarray | None = None
    ) -> PipelineOutput:
        """Run the next consecutive samples through every stage."""
        quat, _rest = self.orientation.update(acc, gyr, mag)
        angle = self.angles.update(quat, gyr)
        n = len(angle)
        lp = np.full(n, np.nan)
        rate = np.zeros(n)
        steady = np.ones(n)
        valid = np.flatnonzero(~np.isnan(angle))
        if valid.size:
            k = int(valid[0])
            lp[k:] = self._lowpass(angle[k:])
            prev = lp[k] if self._prev_lp is None else self._prev_lp
            rate[k:] = np.diff(np.concatenate([[prev], lp[k:]])) * self.sample_rate_hz
            self._prev_lp = float(lp[-1])
            power = self._power(self._band(angle[k:]) ** 2)
            steady[k:] = np.exp(-np.sqrt(np.maximum(power, 0.0)) / STEADINESS_REF_DEG)
        events = self.reps.update(t, lp, rate)
        return PipelineOutput(quat, angle, lp, rate, steady, events)

    def finish(self) -> list[RepDetectorEvent]:
        """End of data: complete a repetition that has nearly returned."""
        return self.reps.finish()
