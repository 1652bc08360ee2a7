"""Difficulty: keep the patient's success rate in the 70-85 % band, never past the therapist's max.

Within a session: a weighted up-down staircase (Kaernbach 1991, "Simple adaptive testing with
the weighted up-down method", Perception & Psychophysics 49:227-229). After a success the target
ROM rises by ``step_up``; after a miss it falls by ``step_down = step_up * p / (1 - p)``. The
staircase settles where ``p * step_up = (1 - p) * step_down``, i.e. at success rate ``p``. ``p``
is taken inside the band from the therapist's difficulty: 0 (gentlest) -> 85 %, 1 -> 70 %.
The target is clamped to [min_rom_deg, max_rom_deg]; max_rom_deg is the therapist's maximum.

Between sessions: :func:`propose_next_targets` moves the starting target by 5 % up when the last
session's success rate was above the band, 5 % down when below, keeps it inside, and never
beyond the therapist's maximum ROM.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BAND = (0.70, 0.85)
STEP_FRACTION = 0.03  # step up, as a fraction of the therapist's max ROM
NEXT_SESSION_CHANGE = 0.05


def target_success_rate(difficulty: float) -> float:
    """Target success rate inside the 70-85 % band for a 0..1 difficulty (0 = gentlest)."""
    if not 0.0 <= difficulty <= 1.0:
        raise ValueError(f"difficulty must be between 0 and 1, got {difficulty}")
    return BAND[1] - difficulty * (BAND[1] - BAND[0])


@dataclass
class SessionController:
    """Within-session target controller (weighted up-down staircase).

    Attributes:
        target_rom_deg: current target ROM, degrees.
        max_rom_deg: therapist's maximum ROM, degrees (never exceeded).
        min_rom_deg: lowest target, degrees.
        success_rate_goal: success rate the staircase converges to (0.70..0.85).
        step_up_deg: increase after a success, degrees.
    """

    target_rom_deg: float
    max_rom_deg: float
    min_rom_deg: float = 5.0
    success_rate_goal: float = 0.775
    step_up_deg: float = 0.0
    outcomes: list[bool] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.max_rom_deg > 0:
            raise ValueError(f"max_rom_deg must be > 0 degrees, got {self.max_rom_deg}")
        if not BAND[0] <= self.success_rate_goal <= BAND[1]:
            raise ValueError(f"success_rate_goal must be within {BAND}, got {self.success_rate_goal}")
        self.min_rom_deg = min(self.min_rom_deg, self.max_rom_deg)
        if self.step_up_deg <= 0:
            self.step_up_deg = max(0.5, STEP_FRACTION * self.max_rom_deg)
        self.target_rom_deg = self._clamp(self.target_rom_deg)

    @property
    def step_down_deg(self) -> float:
        p = self.success_rate_goal
        return self.step_up_deg * p / (1.0 - p)

    @property
    def success_rate(self) -> float | None:
        return sum(self.outcomes) / len(self.outcomes) if self.outcomes else None

    def record(self, success: bool) -> float:
        """Record one attempt; return the next target ROM in degrees."""
        self.outcomes.append(bool(success))
        delta = self.step_up_deg if success else -self.step_down_deg
        self.target_rom_deg = self._clamp(self.target_rom_deg + delta)
        return self.target_rom_deg

    def _clamp(self, value: float) -> float:
        return float(min(self.max_rom_deg, max(self.min_rom_deg, value)))


def make_session_controller(
    target_rom_deg: float, max_rom_deg: float, difficulty: float = 0.5
) -> SessionController:
    """A :class:`SessionController` starting at ``target_rom_deg`` (deg), capped at
    ``max_rom_deg`` (deg), aiming at the success rate chosen by ``difficulty`` (0..1)."""
    return SessionController(
        target_rom_deg=target_rom_deg,
        max_rom_deg=max_rom_deg,
        success_rate_goal=target_success_rate(difficulty),
    )


@dataclass(frozen=True)
class NextTargets:
    """Proposed starting targets of the next session."""

    target_rom_deg: float
    reason: str


def propose_next_targets(
    last_target_rom_deg: float, success_rate: float, max_rom_deg: float, min_rom_deg: float = 5.0
) -> NextTargets:
    """Next session's starting target ROM (deg) from the last one and its success rate (0..1)."""
    if not 0.0 <= success_rate <= 1.0:
        raise ValueError(f"success_rate must be between 0 and 1, got {success_rate}")
    if success_rate > BAND[1]:
        target, reason = last_target_rom_deg * (1 + NEXT_SESSION_CHANGE), "success above 85 %: harder"
    elif success_rate < BAND[0]:
        target, reason = last_target_rom_deg * (1 - NEXT_SESSION_CHANGE), "success below 70 %: easier"
    else:
        target, reason = last_target_rom_deg, "success within 70-85 %: unchanged"
    if target >= max_rom_deg:
        target, reason = max_rom_deg, reason + " (capped at the therapist's maximum)"
    return NextTargets(float(max(min(min_rom_deg, max_rom_deg), target)), reason)
