"""``RepGame``: an optional base class for games built on "one target per repetition".

The pattern every built-in uses, and the easiest way for an outside developer to write a
correct game: a target is placed at the difficulty's height; reaching it during the rep is a
*hit* (instant feedback); when the tracker reports the rep completed, the game emits exactly
one ``rep`` event (success = the target was reached) and places the next target.
Subclasses override the ``on_*`` hooks and ``draw``; they never need to count reps.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

from smarttouch.games.sdk.events import GameEvent, rep_event
from smarttouch.games.sdk.layout import DrawnRects
from smarttouch.games.sdk.protocol import GameContext, GameInfo
from smarttouch.scoring.control import ControlState, RepEvent

if TYPE_CHECKING:  # pragma: no cover
    import pygame

POINTS_HIT = 10
POINTS_EFFORT = 3


class RepGame(ABC):
    """Base class implementing the Game protocol's bookkeeping (see module docstring)."""

    info: ClassVar[GameInfo]

    def start(self, ctx: GameContext) -> None:
        self.ctx = ctx
        self.t = 0.0
        self.reps = 0
        self.hits = 0
        self.score = 0
        self.position = 0.0
        self.steadiness = 1.0
        self.connected = True
        self.reached = False
        self.peak_position = 0.0
        self.target_position = 0.0
        self.target_rom_deg = 0.0
        self.layout = DrawnRects()  # what draw() puts where (the framework clears it each frame)
        self.on_start()
        self._place_target()

    # --- the protocol -------------------------------------------------------------------
    def update(self, control: ControlState, dt: float) -> list[GameEvent]:
        self.t += dt
        if self._pending_target:  # placed now so the framework's difficulty update is seen
            self._place_target()
        self.position = float(control.position)
        self.steadiness = float(control.steadiness)
        self.connected = bool(control.connected)
        events: list[GameEvent] = []
        if control.connected:
            self.peak_position = max(self.peak_position, self.position)
            if not self.reached and self.is_reached(control):
                self.reached = True
                self.hits += 1
                events.append(
                    GameEvent(control.t, "hit", {"target_position": round(self.target_position, 3)})
                )
                events.extend(self.on_hit(control))
        for rep in control.events:
            if rep.kind == "completed":
                events.extend(self._complete(rep, control))
            elif rep.kind == "started":
                self.on_rep_started(rep)
        self.animate(control, dt)
        return events

    def finish(self) -> None:
        """Nothing to save by default."""

    def snapshot(self) -> dict[str, Any]:
        return {
            "reps": self.reps,
            "hits": self.hits,
            "score": self.score,
            "target_position": round(self.target_position, 3),
            "target_rom_deg": round(self.target_rom_deg, 1),
            "position": round(self.position, 3),
            "reached": self.reached,
        }

    @abstractmethod
    def draw(self, surface: pygame.Surface) -> None:
        """Draw the game's world (the framework draws the progress bar and stop button)."""

    # --- helpers ------------------------------------------------------------------------
    def at_target(self, control: ControlState) -> bool:
        """The position (0..1) is at or above the target, less the difficulty's tolerance."""
        return control.position >= self.target_position - self.ctx.difficulty.tolerance_position

    def is_reached(self, control: ControlState) -> bool:
        """Default: the position came within tolerance of the target."""
        return self.at_target(control)

    def _complete(self, rep: RepEvent, control: ControlState) -> list[GameEvent]:
        success = self.reached
        points = POINTS_HIT if success else POINTS_EFFORT
        self.score += points
        extra: dict[str, Any] = {} if success else {"cause": self.miss_cause()}
        ev = rep_event(
            rep.t,
            self.reps,
            success,
            rep.rom_deg,
            self.target_rom_deg,
            peak_position=round(self.peak_position, 3),
            duration_s=round(rep.duration_s, 3),
            **extra,
        )
        self.reps += 1
        out = [ev, GameEvent(rep.t, "score", {"points": points, "total": self.score})]
        out.extend(self.on_rep_completed(rep, success))
        self.reached = False
        self.peak_position = 0.0
        self._pending_target = True
        return out

    def _place_target(self) -> None:
        self._pending_target = False
        self.target_position = self.ctx.difficulty.target_position
        self.target_rom_deg = min(self.ctx.difficulty.target_rom_deg, self.ctx.difficulty.max_rom_deg)
        self.on_new_target()

    # --- hooks for subclasses -----------------------------------------------------------
    def on_start(self) -> None:
        """Set up the scene (called once, before the first target)."""

    def on_new_target(self) -> None:
        """A new target is at ``self.target_position`` (0..1)."""

    def on_hit(self, control: ControlState) -> list[GameEvent]:
        """The target was just reached: start the celebration."""
        return []

    def miss_cause(self) -> str:
        """Why the rep that just ended missed: "height" (not high enough) by default; a game
        with more to do at the target says so (the Lantern's "hold")."""
        return "height"

    def on_rep_started(self, rep: RepEvent) -> None:
        """The tracker saw a rep begin."""

    def on_rep_completed(self, rep: RepEvent, success: bool) -> list[GameEvent]:
        """A rep finished; ``success`` says whether the target was reached."""
        return []

    def animate(self, control: ControlState, dt: float) -> None:
        """Advance animations by ``dt`` seconds (no drawing here)."""
