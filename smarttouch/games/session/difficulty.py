"""In-session difficulty: the scoring room's success-band controller driving the game's target.

The controller itself (keep success in the 70-85 % band, never past the therapist's maximum)
belongs to ``smarttouch.scoring``; this module only adapts it to the game: each ``rep`` event's
success goes in, the new target ROM (degrees) comes out into the live ``Difficulty`` the game
reads when it places its next target.
"""

from __future__ import annotations

from typing import Any, Protocol

from smarttouch.games.sdk.protocol import Difficulty
from smarttouch.games.sdk.targets import PlanTargets

FLOOR_REPS = 3  # the comfortable floor looks at the last 3 repetitions
FLOOR_FRACTION = 0.9  # and stays 10 % under the smallest of them


class SuccessBandController(Protocol):
    """What the game needs from a difficulty controller.

    ``record(success)`` takes the outcome of one attempt and returns the next target ROM in
    degrees (already clamped to the therapist's maximum).
    """

    def record(self, success: bool) -> float: ...


def scoring_controller(targets: PlanTargets) -> SuccessBandController:
    """The scoring room's weighted up-down staircase for these targets (degrees, 0..1 difficulty)."""
    from smarttouch.scoring.difficulty import make_session_controller

    return make_session_controller(
        target_rom_deg=targets.target_rom_deg, max_rom_deg=targets.max_rom_deg, difficulty=targets.difficulty
    )


class DifficultyAdapter:
    """Feeds rep outcomes to a controller and keeps ``difficulty`` (the game's view) in step."""

    def __init__(
        self,
        targets: PlanTargets,
        rom_max_deg: float,
        controller: SuccessBandController | None = None,
        tolerance_deg: float | None = None,
    ):
        self.targets = targets
        self.controller = controller
        self.difficulty = Difficulty(
            target_rom_deg=min(targets.target_rom_deg, targets.max_rom_deg),
            max_rom_deg=targets.max_rom_deg,
            rom_max_deg=float(rom_max_deg),
            level=targets.difficulty,
            tolerance_deg=tolerance_deg
            if tolerance_deg is not None
            else max(3.0, 0.06 * targets.target_rom_deg),
        )
        self.outcomes: list[bool] = []
        self.reached_deg: list[float] = []  # each rep's range of motion, degrees

    @property
    def adaptive(self) -> bool:
        return self.controller is not None

    @property
    def success_rate(self) -> float | None:
        """Share of successful reps so far (None before the first rep)."""
        return sum(self.outcomes) / len(self.outcomes) if self.outcomes else None

    def comfortable_floor_deg(self) -> float | None:
        """The lowest target that is still below what the patient reaches comfortably: a little
        under the smallest range of the last ``FLOOR_REPS`` repetitions (None before them)."""
        if len(self.reached_deg) < FLOOR_REPS:
            return None
        return min(self.targets.max_rom_deg, FLOOR_FRACTION * min(self.reached_deg[-FLOOR_REPS:]))

    def record(
        self, success: bool, *, cause: str | None = None, rom_deg: float | None = None
    ) -> dict[str, Any] | None:
        """Record one rep; returns the change as a dict (for a ``difficulty`` event) or None.

        ``cause`` says why a rep missed: ``"hold"`` (the height was reached but not held long
        enough) leaves the height alone, since lowering it would not help; ``rom_deg`` (the
        rep's range, degrees) keeps the target from ever falling below what the patient
        reaches comfortably (see :meth:`comfortable_floor_deg`).
        """
        self.outcomes.append(bool(success))
        if rom_deg is not None and rom_deg > 0:
            self.reached_deg.append(float(rom_deg))
        if self.controller is None or (not success and cause == "hold"):
            return None
        before = self.difficulty.target_rom_deg
        new = float(self.controller.record(bool(success)))
        new = min(new, self.targets.max_rom_deg)
        floor = self.comfortable_floor_deg()
        if floor is not None and new < before and new < floor:
            new = max(new, min(before, floor))
            if hasattr(self.controller, "target_rom_deg"):  # the staircase goes on from here
                self.controller.target_rom_deg = new
        self.difficulty.target_rom_deg = new
        if abs(new - before) < 1e-9:
            return None
        return {
            "target_rom_deg": round(new, 2),
            "previous_deg": round(before, 2),
            "success_rate": round(self.success_rate or 0.0, 3),
        }
