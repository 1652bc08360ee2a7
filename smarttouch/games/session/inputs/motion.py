"""Motion input: IMU batches fed through the scoring room's streaming ``MotionTracker``.

``RecordingInput`` plays a recording on the loop's clock (headless tests, the challenges
harness, ``--sensor sim`` headless), feeding the samples whose time has come in small chunks
like BLE notifications. ``SourceInput`` reads a live sensors source (BLE, virtual, realtime
simulation, replay) and keeps every batch for the session's recording.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from smarttouch.games.session.inputs.base import IDLE_STATE, merge_states
from smarttouch.scoring.control import ControlState
from smarttouch.sensors.types import ImuBatch, Recording

if TYPE_CHECKING:  # pragma: no cover
    from smarttouch.scoring import MotionTracker


def make_tracker(movement: str | None, sample_rate_hz: float, calibration: Any = None) -> MotionTracker:
    """The scoring room's streaming tracker for ``movement`` at ``sample_rate_hz`` Hz."""
    from smarttouch.scoring import MotionTracker

    return MotionTracker(movement=movement or None, sample_rate_hz=sample_rate_hz, calibration=calibration)


class _TrackerInput:
    kind = "motion"
    simulated_time = False

    def __init__(
        self, movement: str | None, sample_rate_hz: float, calibration: Any = None, tracker: Any = None
    ):
        self.movement = movement
        self.sample_rate_hz = float(sample_rate_hz)
        self.tracker = tracker if tracker is not None else make_tracker(movement, sample_rate_hz, calibration)
        self._last = IDLE_STATE
        self._batches: list[ImuBatch] = []

    def _feed(self, batches: list[ImuBatch]) -> ControlState:
        states = []
        for b in batches:
            if len(b):
                self._batches.append(b)
                states.append(self.tracker.update(b))
        self._last = merge_states(states, self._last)
        return self._last

    def handle_event(self, event: Any) -> None:
        """Motion input ignores keys and mouse (the stop button is handled by the app)."""

    def capture_neutral(self) -> None:
        self.tracker.capture_neutral()

    def set_rom_max(self, deg: float) -> None:
        self.tracker.set_rom_max(float(deg))

    def calibration_dict(self) -> dict[str, Any]:
        cal = getattr(self.tracker, "calibration", None)
        if cal is None:
            return {}
        return cal.to_dict() if hasattr(cal, "to_dict") else dict(cal)

    def _fed_batch(self) -> ImuBatch:
        return ImuBatch.concatenate(self._batches)


class RecordingInput(_TrackerInput):
    """Play ``recording`` on the session clock: at ``poll(now)`` feed samples with t <= t0 + now."""

    simulated_time = True

    def __init__(
        self,
        recording: Recording,
        movement: str | None = None,
        *,
        chunk: int = 5,
        calibration: Any = None,
        tracker: Any = None,
    ):
        if len(recording) == 0:
            raise ValueError("the recording has no samples")
        super().__init__(
            movement or recording.labels.get("movement"), recording.sample_rate_hz, calibration, tracker
        )
        self.source_recording = recording
        self.chunk = max(1, int(chunk))
        self._t0 = float(recording.t[0])
        self._next = 0

    def start(self) -> None:
        """Nothing to open."""

    @property
    def exhausted(self) -> bool:
        return self._next >= len(self.source_recording)

    @property
    def end_s(self) -> float:
        """Session time at which the recording runs out, in seconds."""
        return float(self.source_recording.t[-1]) - self._t0

    def poll(self, now_s: float) -> ControlState:
        rec = self.source_recording
        stop = int(np.searchsorted(rec.t, self._t0 + now_s, side="right"))
        batches = []
        for i in range(self._next, stop, self.chunk):
            j = min(i + self.chunk, stop)
            batches.append(
                ImuBatch(
                    rec.t[i:j],
                    rec.acc[i:j],
                    rec.gyr[i:j],
                    None if rec.mag is None else rec.mag[i:j],
                    None if rec.quat is None else rec.quat[i:j],
                )
            )
        self._next = max(self._next, stop)
        return self._feed(batches)

    def recording(self) -> Recording | None:
        rec = self.source_recording
        n = self._next
        if n == 0:
            return None
        return Recording(
            t=rec.t[:n],
            acc=rec.acc[:n],
            gyr=rec.gyr[:n],
            mag=None if rec.mag is None else rec.mag[:n],
            quat=None if rec.quat is None else rec.quat[:n],
            sample_rate_hz=rec.sample_rate_hz,
            device=rec.device,
            profile=rec.profile,
            placement=rec.placement,
            calibration=self.calibration_dict(),
            labels=dict(rec.labels),
        )

    def stop(self) -> None:
        """Nothing to close."""


class SourceInput(_TrackerInput):
    """A live sensors source (``smarttouch.sensors.sources``) read on the wall clock."""

    def __init__(
        self,
        source: Any,
        movement: str | None,
        sample_rate_hz: float = 100.0,
        *,
        calibration: Any = None,
        tracker: Any = None,
        device: str = "",
        profile: str = "",
        placement: str = "",
    ):
        rate = float(getattr(source, "sample_rate_hz", 0.0) or sample_rate_hz)
        super().__init__(movement, rate, calibration, tracker)
        self.source = source
        self.device, self.profile, self.placement = device, profile, placement
        self._t0: float | None = None

    def start(self) -> None:
        self.source.start()

    def _rebase(self, b: ImuBatch) -> ImuBatch:
        """Shift device time so the session's recording starts at t = 0 s."""
        if self._t0 is None:
            self._t0 = float(b.t[0])
        return ImuBatch(b.t - self._t0, b.acc, b.gyr, b.mag, b.quat)

    def poll(self, now_s: float) -> ControlState:
        state = self._feed([self._rebase(b) for b in self.source.poll() if len(b)])
        connected = bool(getattr(self.source, "connected", True)) and bool(self._batches)
        if connected != state.connected:
            state = replace(state, connected=connected)
            self._last = state
        return state

    def recording(self) -> Recording | None:
        if not self._batches:
            return None
        b = self._fed_batch()
        order = np.argsort(b.t, kind="stable")
        keep = np.concatenate([[True], np.diff(b.t[order]) > 0])  # drop duplicate timestamps
        idx = order[keep]
        return Recording(
            t=b.t[idx],
            acc=b.acc[idx],
            gyr=b.gyr[idx],
            mag=None if b.mag is None else b.mag[idx],
            quat=None if b.quat is None else b.quat[idx],
            sample_rate_hz=self.sample_rate_hz,
            device=self.device,
            profile=self.profile,
            placement=self.placement,
            calibration=self.calibration_dict(),
            labels={"movement": self.movement or ""},
        )

    def stop(self) -> None:
        self.source.stop()
