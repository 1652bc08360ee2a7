"""Immediate, varied feedback: praise that rises and fades after every rep.

Success gets praise (never the same phrase twice in a row); a missed target gets gentle
encouragement, never a "fail". Logic (``rep``, ``update``) runs without a screen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.messages import ENCOURAGE, PraisePicker
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


class Feedback:
    """Praise and encouragement toasts."""

    def __init__(self, lang: str, rng: random.Random):
        self.praise = PraisePicker(lang, random.Random(rng.random()))
        self.encourage = PraisePicker(lang, random.Random(rng.random()), ENCOURAGE)
        self.toasts: list[Toast] = []

    def rep(self, success: bool) -> str:
        """Queue the feedback for one rep and return its text."""
        text = self.praise.next() if success else self.encourage.next()
        self.show(text, darken(BLUISH_GREEN, 0.3) if success else darken(BLUE, 0.1))
        return text

    def show(self, text: str, color: Color = INK, life_s: float = 1.6, size: int = 64) -> None:
        self.toasts = self.toasts[-2:] + [Toast(text, color, 0.0, life_s, size)]

    def update(self, dt: float) -> None:
        for t in self.toasts:
            t.age_s += dt
        self.toasts = [t for t in self.toasts if t.age_s < t.life_s]

    def draw(self, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        for t in self.toasts:
            f = t.age_s / t.life_s
            pop = min(1.0, t.age_s / 0.15)
            size = max(12, int(t.size * (0.7 + 0.3 * pop)))
            img = gfx.text_surface(t.text, size, t.color, WHITE)
            if f > 0.6:
                img = img.copy()
                img.set_alpha(int(255 * (1 - (f - 0.6) / 0.4)))
            rect = img.get_rect(center=(w // 2, int(h * 0.30 - 60 * f)))
            surface.blit(img, rect)
