"""What the streaming tracker hands to a game on every update."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RepEvent:
    """A repetition boundary seen by the streaming tracker.

    Attributes:
        kind: "started" or "completed".
        t: time of the event in seconds (recording time).
        index: 0-based repetition number.
        rom_deg: range of motion of the rep in degrees (completed events; 0.0 for started).
        peak_speed_dps: peak angular speed in deg/s during the rep (completed events).
        duration_s: duration of the rep in seconds (completed events).
    """

    kind: str
    t: float
    index: int
    rom_deg: float = 0.0
    peak_speed_dps: float = 0.0
    duration_s: float = 0.0


@dataclass(frozen=True)
class ControlState:
    """The game-facing state of the patient's movement after the latest batch.

    Attributes:
        t: time of the latest sample in seconds.
        angle_deg: current joint angle in degrees (0 = calibrated neutral pose).
        position: 0..1 across the calibrated range (0 = neutral, 1 = comfortable maximum),
            clipped to [0, 1].
        velocity_dps: angular velocity of the joint angle in deg/s.
        events: rep events that happened in this batch, in order.
        steadiness: 0..1, 1 = perfectly steady (low tremor/jitter power), over the last ~2 s.
        connected: False while the sensor is disconnected (games should pause).
    """

    t: float
    angle_deg: float
    position: float
    velocity_dps: float
    events: tuple[RepEvent, ...] = field(default_factory=tuple)
    steadiness: float = 1.0
    connected: bool = True
