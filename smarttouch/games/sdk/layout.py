"""What a scene drew where: named rectangles, so a test can check that the goal is never hidden.

Every frame, the framework and the game report the screen rectangles of the elements a
patient must see (``DrawnRects.add(kind, rect)``): the top bar, the Stop button, the target,
praise, points, counters and the texts of the framework's cards. :func:`clashes` lists the
pairs that overlap although they must not; the layout test plays every game with several
calibrations and asks for none on every frame. A game built on ``RepGame`` reports into
``self.layout``; a game that reports nothing is simply not checked.

Kinds (strings, so an outside game may add its own): two rectangles of different kinds must
not overlap, except the pairs in :data:`MAY_OVERLAP` (the player's avatar is meant to reach the
target, and may pass behind praise). Rectangles of the same kind may overlap (a balloon and
its guide line are one target).
"""

from __future__ import annotations

from collections.abc import Iterable

import pygame

TOPBAR = "topbar"
STOP = "stop"
TARGET = "target"
PLAYER = "player"
PRAISE = "praise"
POINTS = "points"
COUNTER = "counter"
HINT = "hint"

CHROME_KINDS = (TOPBAR, STOP)  # the framework's controls, over every scene
GOAL_KINDS = (TARGET, POINTS, COUNTER)  # what the patient aims at and what they earned
TEXT_KINDS = (PRAISE, HINT)

MAY_OVERLAP: frozenset[frozenset[str]] = frozenset(
    frozenset(pair)
    for pair in (
        (TARGET, PLAYER),
        (PLAYER, PRAISE),
        (PLAYER, POINTS),
        (PLAYER, HINT),
    )
)

Rect = tuple[int, int, int, int]


class DrawnRects:
    """The rectangles of one frame, by kind (see the module docstring)."""

    def __init__(self) -> None:
        self.rects: dict[str, list[pygame.Rect]] = {}

    def clear(self) -> None:
        self.rects.clear()

    def add(self, kind: str, rect: pygame.Rect | Rect) -> pygame.Rect:
        r = pygame.Rect(rect)
        self.rects.setdefault(kind, []).append(r)
        return r

    def extend(self, other: DrawnRects) -> None:
        for kind, rects in other.rects.items():
            self.rects.setdefault(kind, []).extend(rects)

    def of(self, *kinds: str) -> list[pygame.Rect]:
        return [r for k in kinds for r in self.rects.get(k, [])]

    def items(self) -> Iterable[tuple[str, pygame.Rect]]:
        for kind, rects in self.rects.items():
            for r in rects:
                yield kind, r


def may_overlap(a: str, b: str) -> bool:
    return a == b or frozenset((a, b)) in MAY_OVERLAP


def clashes(drawn: DrawnRects) -> list[tuple[str, Rect, str, Rect]]:
    """Every pair of rectangles that overlap although their kinds must not."""
    items = list(drawn.items())
    out: list[tuple[str, Rect, str, Rect]] = []
    for i, (ka, ra) in enumerate(items):
        for kb, rb in items[i + 1 :]:
            if not may_overlap(ka, kb) and ra.colliderect(rb):
                out.append((ka, tuple(ra), kb, tuple(rb)))  # type: ignore[arg-type]
    return out


def free_spot(
    size: tuple[int, int], avoid: list[pygame.Rect], centres_y: Iterable[float], centre_x: int
) -> tuple[int, int] | None:
    """The first centre (x, y) from ``centres_y`` at which a rect of ``size`` overlaps none of
    ``avoid`` (a little margin kept), or None."""
    for cy in centres_y:
        r = pygame.Rect(0, 0, *size)
        r.center = (centre_x, int(cy))
        grown = r.inflate(12, 12)
        if not any(grown.colliderect(a) for a in avoid):
            return r.center
    return None
