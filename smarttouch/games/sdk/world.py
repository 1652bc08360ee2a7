"""A game's lasting world: how it grows across sessions (declared by the game) and where it
stands today (handed to the game at start).

Every game, built-in or from an outside developer, declares in its :class:`GameInfo` how its
world grows (``GameInfo.world``, a :class:`WorldGrowth`): how many points the first level
costs, how much dearer each next level is, and what one level is called for the patient
("a flower bed", "a butterfly"). The session framework adds the points of every session to
the game's total, keeps it in the patient's progress file (and on the hub), and hands the
game a :class:`WorldState` in ``GameContext.world`` so it can draw its world as grown as it
is (the tracking game's meadow shows one resting butterfly per level).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class WorldGrowth:
    """How a game's world grows.

    Attributes:
        first_level_points: points needed to reach level 2 from level 1.
        growth: each further level costs this many times the previous one (>= 1).
        max_level: the highest level (the world stops growing there, points still count).
        item: what one level adds, per language, e.g. {"en": "butterfly", "it": "farfalla"}.
    """

    first_level_points: int = 60
    growth: float = 1.25
    max_level: int = 99
    item: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.first_level_points < 1 or self.growth < 1.0 or self.max_level < 1:
            raise ValueError("WorldGrowth needs first_level_points >= 1, growth >= 1 and max_level >= 1")

    def cost(self, level: int) -> int:
        """Points from ``level`` to ``level + 1`` (levels start at 1)."""
        return max(1, round(self.first_level_points * self.growth ** (level - 1)))

    def state(self, points: int, data: dict[str, Any] | None = None) -> WorldState:
        """Where a world with ``points`` in total stands."""
        level, left = 1, max(0, int(points))
        while level < self.max_level and left >= self.cost(level):
            left -= self.cost(level)
            level += 1
        to_next = 0 if level >= self.max_level else self.cost(level) - left
        return WorldState(
            level=level, points=max(0, int(points)), into_level=left, to_next=to_next, data=data or {}
        )

    def item_in(self, lang: str) -> str:
        return self.item.get(lang) or self.item.get("en", "")


@dataclass
class WorldState:
    """A game's world at the start of a session.

    Attributes:
        level: 1.. (see :class:`WorldGrowth`).
        points: every point the patient ever earned in this game.
        into_level: points gathered toward the next level.
        to_next: points still needed for the next level (0 at the top level).
        data: the game's own small JSON-ready dict, kept between sessions with the progress
            (a game may change it during play; the framework saves it at the end).
    """

    level: int = 1
    points: int = 0
    into_level: int = 0
    to_next: int = 0
    data: dict[str, Any] = field(default_factory=dict)
