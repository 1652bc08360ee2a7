"""Immediate, varied feedback: praise that rises and fades after every rep.

Success gets praise (never the same phrase twice in a row); a missed target gets gentle
encouragement, never a "fail". Logic (``rep``, ``update``) runs without a screen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.layout import CHROME_KINDS, GOAL_KINDS, PRAISE, DrawnRects, free_spot
from smarttouch.games.sdk.messages import ENCOURAGE, PraisePicker, tr
from smarttouch.games.sdk.palette import BLUE, BLUISH_GREEN, INK, WHITE, Color, darken

if TYPE_CHECKING:  # pragma: no cover
    import pygame


@dataclass
class Toast:
    text: str
    color: Color
    age_s: float = 0.0
    life_s: float = 1.6
    size: int = 64
    centre_y: int | None = None  # chosen where it hides nothing, kept while it stays free


class Feedback:
    """Praise and encouragement toasts."""

    def __init__(self, lang: str, rng: random.Random):
        self.lang = lang
        self.praise = PraisePicker(lang, random.Random(rng.random()))
        self.encourage = PraisePicker(lang, random.Random(rng.random()), ENCOURAGE)
        self.toasts: list[Toast] = []

    def rep(self, success: bool, cause: str | None = None) -> str:
        """Queue the feedback for one rep and return its text. A miss whose ``cause`` the game
        named ("hold": not held long enough, "height": not high enough) says so."""
        if success:
            text = self.praise.next()
        elif cause in MISS_CAUSES:
            text = tr(f"feedback.{cause}", self.lang)
        else:
            text = self.encourage.next()
        self.show(text, darken(BLUISH_GREEN, 0.3) if success else darken(BLUE, 0.1))
        return text

    def show(self, text: str, color: Color = INK, life_s: float = 1.6, size: int = 64) -> None:
        self.toasts = [Toast(text, color, 0.0, life_s, size)]  # one at a time, never stacked

    def update(self, dt: float) -> None:
        for t in self.toasts:
            t.age_s += dt
        self.toasts = [t for t in self.toasts if t.age_s < t.life_s]

    def draw(self, surface: pygame.Surface, layout: DrawnRects | None = None) -> None:
        """Draw the toasts where they hide no target, points or the top bar (as ``layout``
        reports them) and report their rectangles into ``layout``."""
        w, h = surface.get_size()
        avoid = layout.of(*CHROME_KINDS, *GOAL_KINDS) if layout is not None else []
        for t in self.toasts:
            f = t.age_s / t.life_s
            pop = min(1.0, t.age_s / 0.15)
            size = max(12, int(t.size * (0.7 + 0.3 * pop)))
            img = gfx.text_surface(t.text, size, t.color, WHITE)
            if f > 0.6:
                img = img.copy()
                img.set_alpha(int(255 * (1 - (f - 0.6) / 0.4)))
            full = gfx.text_surface(t.text, t.size, t.color, WHITE).get_size()
            rise = int(40 * f)
            reach = (full[0], full[1] + rise)
            if t.centre_y is None or free_spot(reach, avoid, [t.centre_y - rise / 2], w // 2) is None:
                spot = free_spot(reach, avoid, _candidate_rows(h), w // 2)
                t.centre_y = spot[1] + rise // 2 if spot is not None else int(h * 0.30)
            rect = img.get_rect(center=(w // 2, t.centre_y - rise))
            surface.blit(img, rect)
            if layout is not None:
                layout.add(PRAISE, img.get_rect(center=(w // 2, t.centre_y - rise)))


MISS_CAUSES = ("hold", "height")


def _candidate_rows(h: int) -> list[float]:
    """Where praise may go, best first: a little above the middle, then further away."""
    return [h * f for f in (0.30, 0.42, 0.22, 0.54, 0.66, 0.78, 0.88)]
