"""Tiny particle bursts (confetti, sparkles, petals) for immediate, joyful feedback.

Logic (``update``) is plain arithmetic so it runs without a screen; ``draw`` blits cached
shaded discs. Positions in pixels, velocities in px/s, gravity in px/s^2, life in seconds.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smarttouch.games.sdk.palette import OKABE_ITO, Color

if TYPE_CHECKING:  # pragma: no cover
    import pygame


@dataclass
class Particle:
    x: float
    y: float
    vx: float
    vy: float
    life_s: float
    age_s: float
    color: Color
    size: float


class Particles:
    """A pool of short-lived particles, capped so a frame stays cheap."""

    def __init__(self, rng: random.Random, gravity: float = 600.0, cap: int = 240):
        self.rng = rng
        self.gravity = gravity
        self.cap = cap
        self.items: list[Particle] = []

    def burst(
        self,
        x: float,
        y: float,
        n: int = 26,
        speed: float = 380.0,
        colors: tuple[Color, ...] = OKABE_ITO,
        size: float = 7.0,
        life_s: float = 1.0,
    ) -> None:
        """Emit ``n`` particles from (x, y) in all directions."""
        for _ in range(n):
            a = self.rng.uniform(0, 2 * math.pi)
            v = speed * self.rng.uniform(0.35, 1.0)
            self.items.append(
                Particle(
                    x,
                    y,
                    v * math.cos(a),
                    v * math.sin(a) - speed * 0.35,
                    life_s * self.rng.uniform(0.6, 1.0),
                    0.0,
                    self.rng.choice(colors),
                    size * self.rng.uniform(0.6, 1.3),
                )
            )
        if len(self.items) > self.cap:
            del self.items[: len(self.items) - self.cap]

    def update(self, dt: float) -> None:
        alive = []
        for p in self.items:
            p.age_s += dt
            if p.age_s >= p.life_s:
                continue
            p.vy += self.gravity * dt
            p.x += p.vx * dt
            p.y += p.vy * dt
            alive.append(p)
        self.items = alive

    def draw(self, surface: pygame.Surface) -> None:
        import pygame

        for p in self.items:
            fade = 1.0 - p.age_s / p.life_s
            r = max(1, int(p.size * (0.5 + 0.5 * fade)))
            pygame.draw.circle(surface, p.color, (int(p.x), int(p.y)), r)
