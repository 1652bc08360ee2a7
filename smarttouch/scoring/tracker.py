"""MotionTracker: the streaming form of the analysis, for games.

Feed it :class:`~smarttouch.sensors.types.ImuBatch` objects as they arrive; each update returns
a :class:`~smarttouch.scoring.control.ControlState` with the joint angle, the position 0..1
across the calibrated range, the angular velocity, repetition events and steadiness.
"""

from __future__ import annotations

import numpy as np

from smarttouch.scoring.calibration import Calibration
from smarttouch.scoring.control import ControlState, RepEvent
from smarttouch.scoring.pipeline import MotionPipeline
from smarttouch.scoring.reps import Rep, RepDetectorEvent
from smarttouch.sensors.types import ImuBatch


class MotionTracker:
    """Streaming motion tracker.

    Args:
        movement: movement name (e.g. "shoulder_flexion") or None for any periodic exercise.
        sample_rate_hz: sample rate of the batches, Hz.
        calibration: previous calibration (neutral pose, axis, comfortable ROM) or None. Before
            a neutral pose is known, the orientation at the end of the first still second
            becomes the neutral pose.
    """

    def __init__(
        self,
        movement: str | None = None,
        sample_rate_hz: float = 100.0,
        calibration: Calibration | None = None,
    ) -> None:
        if calibration is not None:
            calibration = Calibration.from_dict(calibration.to_dict())  # never mutate the caller's
        self._pipe = MotionPipeline(movement, sample_rate_hz, calibration)
        self.movement = movement
        self._state = ControlState(t=0.0, angle_deg=0.0, position=0.0, velocity_dps=0.0)

    @property
    def calibration(self) -> Calibration:
        """The calibration in use, with the neutral pose and axis once they are known."""
        return self._pipe.calibration

    @property
    def rom_max_deg(self) -> float:
        """Angle (deg) that maps to position 1.0."""
        return self.calibration.rom_max_deg or self._pipe.model.default_rom_deg

    @property
    def reps(self) -> list[Rep]:
        """Completed repetitions so far."""
        return list(self._pipe.reps.reps)

    @property
    def state(self) -> ControlState:
        """The latest control state."""
        return self._state

    def capture_neutral(self) -> None:
        """Make the current orientation the neutral pose (angle 0)."""
        self._pipe.angles.capture_neutral()

    def set_rom_max(self, deg: float) -> None:
        """Set the comfortable maximum angle in degrees (position 1.0)."""
        self.calibration.rom_max_deg = Calibration.checked_rom_max(deg)

    def update(self, batch: ImuBatch) -> ControlState:
        """Process a batch of samples and return the new control state."""
        if len(batch) == 0:
            self._state = ControlState(**{**self._state.__dict__, "events": ()})
            return self._state
        out = self._pipe.process(batch.t, batch.acc, batch.gyr, batch.mag)
        return self._emit(
            float(batch.t[-1]), out.angle_deg[-1], out.rate_dps[-1], out.steadiness[-1], out.events
        )

    def finish(self) -> ControlState:
        """Call at the end of a session: completes a repetition that has nearly returned."""
        s = self._state
        return self._emit(s.t, s.angle_deg, s.velocity_dps, s.steadiness, self._pipe.finish())

    def _emit(
        self, t: float, angle: float, rate: float, steady: float, events: list[RepDetectorEvent]
    ) -> ControlState:
        angle = 0.0 if np.isnan(angle) else float(angle)
        position = float(np.clip(angle / self.rom_max_deg, 0.0, 1.0))
        self._state = ControlState(
            t=t,
            angle_deg=angle,
            position=position,
            velocity_dps=float(rate),
            events=tuple(_to_event(e) for e in events),
            steadiness=float(np.clip(steady, 0.0, 1.0)),
        )
        return self._state


def _to_event(event: RepDetectorEvent) -> RepEvent:
    kind, payload, t = event
    if not isinstance(payload, Rep):
        return RepEvent(kind="started", t=t, index=int(payload))
    rep = payload
    return RepEvent(
        kind="completed",
        t=t,
        index=rep.index,
        rom_deg=rep.rom_deg,
        peak_speed_dps=rep.peak_speed_dps,
        duration_s=rep.duration_s,
    )
