"""The input-device interface every play session reads from."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from smarttouch.scoring.control import ControlState, RepEvent
from smarttouch.sensors.types import Recording


class InputDevice(Protocol):
    """A provider of ControlState for the game loop.

    ``poll(now_s)`` returns the state after everything that arrived up to ``now_s`` (seconds
    on the session clock), with the rep events of that interval. ``simulated_time`` is True
    when the device plays data on the loop's clock (a recording), so a headless loop may run
    faster than real time.
    """

    kind: str
    simulated_time: bool

    def start(self) -> None: ...

    def poll(self, now_s: float) -> ControlState: ...

    def handle_event(self, event: Any) -> None: ...

    def capture_neutral(self) -> None: ...

    def set_rom_max(self, deg: float) -> None: ...

    def calibration_dict(self) -> dict[str, Any]: ...

    def recording(self) -> Recording | None: ...

    def stop(self) -> None: ...


def merge_states(states: list[ControlState], previous: ControlState) -> ControlState:
    """One state for a frame from several tracker updates: the latest values, all events."""
    if not states:
        return replace(previous, events=())
    events: list[RepEvent] = []
    for s in states:
        events.extend(s.events)
    return replace(states[-1], events=tuple(events))


IDLE_STATE = ControlState(t=0.0, angle_deg=0.0, position=0.0, velocity_dps=0.0, events=(), connected=False)
