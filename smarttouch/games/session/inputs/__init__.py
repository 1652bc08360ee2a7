"""Where a game's ControlState comes from: motion (a sensor source or a recording fed through
the scoring room's MotionTracker), or keyboard/mouse for a therapist's preview."""

from smarttouch.games.session.inputs.base import InputDevice, merge_states
from smarttouch.games.session.inputs.motion import RecordingInput, SourceInput
from smarttouch.games.session.inputs.position import KeyboardInput, PositionInput, RepHysteresis

__all__ = [
    "InputDevice",
    "KeyboardInput",
    "PositionInput",
    "RecordingInput",
    "RepHysteresis",
    "SourceInput",
    "merge_states",
]
