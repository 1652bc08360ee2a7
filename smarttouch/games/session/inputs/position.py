"""Position-driven input: a therapist's keyboard/mouse preview, and scripted tests.

There is no IMU here, so repetitions come from a small hysteresis detector on the 0..1
position: a rep starts when the position rises above ``start_at`` and completes when it falls
back below ``end_at``; its ROM is the peak position times the assumed range in degrees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smarttouch.scoring.control import ControlState, RepEvent
from smarttouch.sensors.types import Recording


class RepHysteresis:
    """Rep boundaries from a 0..1 position stream (see module docstring)."""

    def __init__(self, start_at: float = 0.25, end_at: float = 0.12):
        if not 0.0 <= end_at < start_at <= 1.0:
            raise ValueError("need 0 <= end_at < start_at <= 1")
        self.start_at, self.end_at = start_at, end_at
        self.active = False
        self.index = 0
        self._t_start = 0.0
        self._peak = 0.0
        self._peak_speed = 0.0

    def update(self, t: float, position: float, speed_dps: float, rom_scale_deg: float) -> list[RepEvent]:
        """Feed one sample; returns the rep events it triggers."""
        out: list[RepEvent] = []
        if not self.active and position >= self.start_at:
            self.active = True
            self._t_start, self._peak, self._peak_speed = t, position, abs(speed_dps)
            out.append(RepEvent("started", t, self.index))
        elif self.active:
            self._peak = max(self._peak, position)
            self._peak_speed = max(self._peak_speed, abs(speed_dps))
            if position <= self.end_at:
                out.append(
                    RepEvent(
                        "completed",
                        t,
                        self.index,
                        rom_deg=self._peak * rom_scale_deg,
                        peak_speed_dps=self._peak_speed,
                        duration_s=t - self._t_start,
                    )
                )
                self.active = False
                self.index += 1
        return out


class PositionInput:
    """ControlState from a position function of time: ``position_fn(now_s) -> 0..1``.

    ``rom_deg`` is the range in degrees that position 1.0 stands for (until calibration sets
    it). ``connected_fn`` may simulate sensor drop-outs.
    """

    kind = "scripted"
    simulated_time = True

    def __init__(
        self,
        position_fn: Callable[[float], float],
        rom_deg: float = 90.0,
        connected_fn: Callable[[float], bool] | None = None,
        steadiness_fn: Callable[[float], float] | None = None,
    ):
        self.position_fn = position_fn
        self.connected_fn = connected_fn
        self.steadiness_fn = steadiness_fn
        self.rom_deg = float(rom_deg)
        self.reps = RepHysteresis()
        self._prev_t: float | None = None
        self._prev_angle = 0.0
        self.neutral_captured_at: float | None = None
        self._now = 0.0

    def start(self) -> None:
        """Nothing to open."""

    def position_at(self, now_s: float) -> float:
        return min(1.0, max(0.0, float(self.position_fn(now_s))))

    def poll(self, now_s: float) -> ControlState:
        self._now = now_s
        pos = self.position_at(now_s)
        angle = pos * self.rom_deg
        dt = now_s - self._prev_t if self._prev_t is not None else 0.0
        vel = (angle - self._prev_angle) / dt if dt > 0 else 0.0
        self._prev_t, self._prev_angle = now_s, angle
        connected = self.connected_fn(now_s) if self.connected_fn else True
        events = tuple(self.reps.update(now_s, pos, vel, self.rom_deg)) if connected else ()
        steady = self.steadiness_fn(now_s) if self.steadiness_fn else 1.0
        return ControlState(
            t=now_s,
            angle_deg=angle,
            position=pos,
            velocity_dps=vel,
            events=events,
            steadiness=steady,
            connected=connected,
        )

    def handle_event(self, event: Any) -> None:
        """Scripted input ignores keys."""

    def capture_neutral(self) -> None:
        self.neutral_captured_at = self._now

    def set_rom_max(self, deg: float) -> None:
        self.rom_deg = float(deg)

    def calibration_dict(self) -> dict[str, Any]:
        return {
            "source": self.kind,
            "rom_max_deg": self.rom_deg,
            "neutral_captured_at_s": self.neutral_captured_at,
        }

    def recording(self) -> Recording | None:
        return None  # no IMU samples

    def stop(self) -> None:
        """Nothing to close."""


class KeyboardInput(PositionInput):
    """Therapist preview: Up/Down arrows (or W/S) move, the mouse's height sets the position.

    Holding Up raises the position at ``speed`` (fraction of range per second); releasing lets
    it sink back, like an arm relaxing, so a press-and-release is one repetition.
    """

    kind = "keyboard"
    simulated_time = False

    def __init__(self, rom_deg: float = 90.0, speed: float = 0.9, canvas_height: int = 720):
        super().__init__(self._position, rom_deg)
        self.speed = speed
        self.canvas_height = canvas_height
        self.value = 0.0
        self._dir = 0
        self._mouse_target: float | None = None
        self._last_now: float | None = None

    def _position(self, now_s: float) -> float:
        dt = 0.0 if self._last_now is None else max(0.0, now_s - self._last_now)
        self._last_now = now_s
        if self._mouse_target is not None:
            self.value += (self._mouse_target - self.value) * min(1.0, dt * 12.0)
        elif self._dir > 0:
            self.value += self.speed * dt
        else:
            self.value -= self.speed * 0.8 * dt
        self.value = min(1.0, max(0.0, self.value))
        return self.value

    def handle_event(self, event: Any) -> None:
        import pygame

        up_keys = (pygame.K_UP, pygame.K_w)
        down_keys = (pygame.K_DOWN, pygame.K_s)
        if event.type == pygame.KEYDOWN and event.key in up_keys:
            self._dir, self._mouse_target = 1, None
        elif event.type == pygame.KEYUP and event.key in up_keys:
            self._dir = 0
        elif event.type == pygame.KEYDOWN and event.key in down_keys:
            self._dir, self._mouse_target = -1, None
        elif event.type == pygame.MOUSEMOTION:
            self._mouse_target = 1.0 - min(1.0, max(0.0, event.pos[1] / self.canvas_height))
