"""How the patient feels: pain and effort, rated before and after each session.

Pain is the 0-10 numeric rating scale (NRS: 0 = no pain, 10 = the worst pain imaginable);
effort is Borg's CR10 category-ratio scale (0 = nothing at all, 10 = maximal), asked as whole
numbers. Every question asked gives one :class:`Rating`; a question the patient skipped (or
could not answer because the window was closed) is kept as skipped, never left out, so the
therapist can tell "not asked" from "declined".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MOMENTS: tuple[str, ...] = ("before", "after")
SCALES: tuple[str, ...] = ("pain_nrs", "effort_cr10")
SCALE_MAX = 10


@dataclass(frozen=True)
class Rating:
    """One answer: ``moment`` (before/after the session), ``scale`` (pain_nrs/effort_cr10),
    ``value`` 0..10 or None when ``skipped``, and ``at``, the UTC time (ISO 8601) it was given."""

    moment: str
    scale: str
    value: int | None
    skipped: bool
    at: str

    def __post_init__(self) -> None:
        if self.moment not in MOMENTS:
            raise ValueError(f"moment must be one of {', '.join(MOMENTS)}, got {self.moment!r}")
        if self.scale not in SCALES:
            raise ValueError(f"scale must be one of {', '.join(SCALES)}, got {self.scale!r}")
        if self.skipped != (self.value is None):
            raise ValueError("a rating has a value, or is skipped, not both")
        if self.value is not None and not 0 <= int(self.value) <= SCALE_MAX:
            raise ValueError(f"{self.scale}: {self.value} is outside 0..{SCALE_MAX}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "moment": self.moment,
            "scale": self.scale,
            "value": self.value,
            "skipped": self.skipped,
            "at": self.at,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Rating:
        value = d.get("value")
        return cls(
            moment=str(d["moment"]),
            scale=str(d["scale"]),
            value=None if value is None else int(value),
            skipped=bool(d.get("skipped", value is None)),
            at=str(d.get("at", "")),
        )


def unanswered(ratings: list[Rating], moment: str) -> list[str]:
    """The scales of ``moment`` that have no rating yet, in the order they are asked."""
    done = {r.scale for r in ratings if r.moment == moment}
    return [s for s in SCALES if s not in done]
