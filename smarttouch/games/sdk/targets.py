"""What a session is asked to do: the therapist's targets mapped onto a game.

``PlanTargets`` is deliberately shaped like the hub's Assignment (activity, movement, target
ROM, reps x sets, difficulty, therapist note) so the patient client can build one from today's
plan and hand it to :func:`smarttouch.games.session.runner.run_session`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from smarttouch.sensors.placements import SIDES, SITES, placement_text

LANGS = ("en", "it")


@dataclass(frozen=True)
class PlanTargets:
    """Targets of one session.

    Attributes:
        game: registry key of the game (e.g. "balloons").
        movement: movement name as the scoring/simulator rooms spell it (e.g.
            "shoulder_flexion"); empty means the game's own default movement.
        target_rom_deg: range of motion to aim for in degrees (where targets start).
        max_rom_deg: the therapist's ceiling in degrees: no target is ever placed beyond it.
        reps: repetitions per set.
        sets: number of sets.
        difficulty: 0..1 starting difficulty chosen by the therapist (0 = gentlest).
        rest_s: rest between sets in seconds.
        therapist_note: free text shown on the instructions and summary screens.
        messages: the therapist's messages not yet read, shown on the instructions screen.
        lang: "en" or "it".
        assignment_id: the hub's assignment id when the plan came from the hub, else None.
        sessions_per_week: the prescription's sessions per week (the hub's plan), else None;
            the summary's weekly goal, streak and badges follow it.
        side: the side that trains, "left", "right" or "both" (bilateral); empty: not said
            (a game run without a plan).
        placement: where the sensor is worn (``smarttouch.sensors.placements.SITES``, e.g.
            "wrist"); empty: not said.
    """

    game: str = "balloons"
    movement: str = ""
    target_rom_deg: float = 90.0
    max_rom_deg: float = 120.0
    reps: int = 10
    sets: int = 2
    difficulty: float = 0.5
    rest_s: float = 20.0
    therapist_note: str = ""
    messages: tuple[str, ...] = ()
    lang: str = "en"
    assignment_id: int | str | None = None
    sessions_per_week: int | None = None
    side: str = ""
    placement: str = ""

    def __post_init__(self) -> None:
        problems = []
        if not self.game:
            problems.append("game must not be empty")
        if not (0.0 < self.target_rom_deg <= 360.0):
            problems.append(f"target_rom_deg must be in (0, 360], got {self.target_rom_deg}")
        if not (0.0 < self.max_rom_deg <= 360.0):
            problems.append(f"max_rom_deg must be in (0, 360], got {self.max_rom_deg}")
        if self.target_rom_deg > self.max_rom_deg:
            problems.append(
                f"target_rom_deg {self.target_rom_deg} exceeds the therapist's max_rom_deg {self.max_rom_deg}"
            )
        if not (1 <= int(self.reps) <= 500):
            problems.append(f"reps must be 1..500, got {self.reps}")
        if not (1 <= int(self.sets) <= 20):
            problems.append(f"sets must be 1..20, got {self.sets}")
        if not (0.0 <= self.difficulty <= 1.0):
            problems.append(f"difficulty must be 0..1, got {self.difficulty}")
        if self.rest_s < 0:
            problems.append(f"rest_s must be >= 0, got {self.rest_s}")
        if self.sessions_per_week is not None and not (1 <= int(self.sessions_per_week) <= 21):
            problems.append(f"sessions_per_week must be 1..21, got {self.sessions_per_week}")
        if self.side not in ("", *SIDES):
            problems.append(f"side must be one of {', '.join(SIDES)}, got {self.side!r}")
        if self.placement not in ("", *SITES):
            problems.append(f"placement must be one of {', '.join(SITES)}, got {self.placement!r}")
        if self.lang not in LANGS:
            problems.append(f"lang must be one of {', '.join(LANGS)}, got {self.lang!r}")
        if problems:
            raise ValueError("invalid plan targets: " + "; ".join(problems))

    @property
    def total_reps(self) -> int:
        """Today's goal: reps x sets."""
        return int(self.reps) * int(self.sets)

    @property
    def sensor_placement(self) -> str:
        """The recording's placement text (``wrist-left``), or "" when the plan did not say."""
        return placement_text(self.placement, self.side) if self.placement and self.side else ""

    def with_(self, **changes: Any) -> PlanTargets:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The targets as saved with a session (the therapist's messages are for display
        only: they stay out of the session's files and upload)."""
        data = asdict(self)
        data.pop("messages", None)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlanTargets:
        """Build from a dict (e.g. an Assignment's JSON); unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
