"""Glider: bend your wrist to fly a paper glider up through the rings.

Movement: wrist flexion/extension (or forearm pronation/supination). The glider's height
follows the movement across the calibrated range; a ring flies in from the right at the
height the difficulty controller chose and waits at the glider. The ring is passed (and
scored) when it has reached the glider and the glider is at its height, with sparkles; when
the wrist returns (the rep completes) the next ring flies in. The landscape scrolls gently
all the time so the world feels alive even for a slow patient.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import pygame

from smarttouch.games.builtin.common import HUD_BOTTOM, glow, target_line, y_of
from smarttouch.games.builtin.glider import INFO
from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.basegame import RepGame
from smarttouch.games.sdk.events import GameEvent
from smarttouch.games.sdk.layout import PLAYER, TARGET
from smarttouch.games.sdk.palette import (
    BLUE,
    BLUISH_GREEN,
    INK,
    ORANGE,
    REDDISH_PURPLE,
    SKY_BLUE,
    VERMILLION,
    WHITE,
    YELLOW,
    Color,
    darken,
    lighten,
)
from smarttouch.games.sdk.particles import Particles
from smarttouch.games.sdk.scenery import draw_cloud, hill_points
from smarttouch.games.sdk.trophy import Trophy
from smarttouch.scoring.control import ControlState, RepEvent

RING_COLOURS = (ORANGE, REDDISH_PURPLE, BLUISH_GREEN, VERMILLION, BLUE)
SCROLL_PX_S = 60.0
GLIDER_X_FRAC = 0.26
RING_SIZE = (64, 130)  # width, height in px
RING_SPEED_PX_S = 1200.0  # how fast a new ring flies in to meet the glider
ARRIVED_PX = 24  # a ring this close to the glider's x has reached it
TOP_MARGIN = HUD_BOTTOM + 80  # a ring at the top still clears the top bar


def glider_y(position: float, h: int) -> float:
    """Screen y of the glider (and of a ring) for a 0..1 position."""
    return y_of(position, h, TOP_MARGIN)


class Glider(RepGame):
    info = INFO

    def on_start(self) -> None:
        self.particles = Particles(self.ctx.rng, gravity=120.0)
        self.scroll = 0.0
        self.glider_y = glider_y(0.0, self.ctx.size[1])
        self.tilt = 0.0
        self.ring: dict[str, Any] | None = None
        self.passed: list[dict[str, Any]] = []
        self.trail: list[tuple[float, float]] = []
        self.rings_passed = 0

    def on_new_target(self) -> None:
        w, h = self.ctx.size
        self.ring = {
            "x": w + 120.0,
            "home_x": w * GLIDER_X_FRAC,  # the ring comes to the glider, and waits there
            "y": glider_y(self.target_position, h),
            "color": RING_COLOURS[self.reps % len(RING_COLOURS)],
            "flash": 0.0,
        }

    def ring_arrived(self) -> bool:
        """The ring has reached the glider (it flies in from the right)."""
        return self.ring is not None and self.ring["x"] - self.ring["home_x"] <= ARRIVED_PX

    def is_reached(self, control: ControlState) -> bool:
        """Through the ring: the ring is at the glider and the glider at the ring's height."""
        return self.ring_arrived() and self.at_target(control)

    def on_hit(self, control: ControlState) -> list[GameEvent]:
        if self.ring is not None:
            self.ring["flash"] = 1.0
            self.particles.burst(
                self.ring["x"],
                self.ring["y"],
                n=28,
                speed=300,
                colors=(YELLOW, WHITE, self.ring["color"]),
                size=6,
            )
            self.passed.append(self.ring)
            self.ring = None
            self.rings_passed += 1
        return []

    def on_rep_completed(self, rep: RepEvent, success: bool) -> list[GameEvent]:
        if not success and self.ring is not None:
            self.ring["missed"] = True
            self.passed.append(self.ring)
            self.ring = None
        return []

    def animate(self, control: ControlState, dt: float) -> None:
        w, h = self.ctx.size
        self.scroll += SCROLL_PX_S * dt
        target = glider_y(self.position, h)
        vy = (target - self.glider_y) / max(dt, 1e-6)
        self.glider_y += (target - self.glider_y) * min(1.0, dt * 10.0)
        self.tilt += (max(-0.5, min(0.5, -vy / 1500.0)) - self.tilt) * min(1.0, dt * 6.0)
        if self.ring is not None:
            gap = self.ring["x"] - self.ring["home_x"]
            step = max(RING_SPEED_PX_S * dt * min(1.0, 0.15 + gap / 400.0), 1.0)
            self.ring["x"] = self.ring["home_x"] + max(0.0, gap - step)
        for r in self.passed:
            r["x"] -= 520 * dt
            r["flash"] = max(0.0, r["flash"] - dt * 1.5)
        self.passed = [r for r in self.passed if r["x"] > -150]
        self.particles.update(dt)
        self.trail.append((w * GLIDER_X_FRAC - 40, self.glider_y + 6))
        self.trail = [(x - SCROLL_PX_S * 3 * dt, y) for x, y in self.trail[-40:]]

    def snapshot(self) -> dict[str, Any]:
        snap = super().snapshot()
        snap["rings_passed"] = self.rings_passed
        return snap

    def trophy(self) -> Trophy:
        """Rings flown through today (the summary's trophy)."""
        return Trophy(
            self.rings_passed,
            {
                "en": ("{n} ring flown through", "{n} rings flown through"),
                "it": ("{n} anello attraversato", "{n} anelli attraversati"),
            },
            SKY_BLUE,
        )

    # --- drawing ---------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        surface.blit(gfx.vertical_gradient((w, h), (70, 150, 215), (230, 242, 250)), (0, 0))
        self._parallax(surface, w, h)
        if self.ring is not None:
            x0 = int(w * GLIDER_X_FRAC) + 70
            target_line(surface, self.ring["y"], lighten(self.ring["color"], 0.3), self.t, x0=x0)
            self.layout.add(TARGET, pygame.Rect(x0, int(self.ring["y"]) - 2, w - x0, 5))
            self.layout.add(TARGET, self._ring(surface, self.ring, back=True))
        for r in self.passed:
            self._ring(surface, r, back=True)
        if len(self.trail) > 2:
            pygame.draw.lines(surface, lighten(SKY_BLUE, 0.6), False, self.trail, 5)
        self.layout.add(PLAYER, self._glider(surface, w * GLIDER_X_FRAC, self.glider_y))
        if self.ring is not None:
            self._ring(surface, self.ring, back=False)
        for r in self.passed:
            self._ring(surface, r, back=False)
        self.particles.draw(surface)

    def _parallax(self, surface: pygame.Surface, w: int, h: int) -> None:
        for i in range(4):
            x = (i * 380 - self.scroll * 0.4) % (w + 380) - 190
            draw_cloud(surface, x, h * (0.2 + 0.12 * (i % 3)), 0.8 + 0.2 * (i % 2))
        top = int(h * 0.70)
        far = _strip(w, h, 0.80, (120, 178, 140), 0.7, top)
        near = _strip(w, h, 0.88, (64, 140, 80), 2.6, top)
        off_far = int(self.scroll * 0.5) % w
        off_near = int(self.scroll * 1.2) % w
        for strip, off in ((far, off_far), (near, off_near)):
            surface.blit(strip, (-off, top))
            surface.blit(strip, (w - off, top))

    def _ring(self, surface: pygame.Surface, r: dict[str, Any], back: bool) -> pygame.Rect:
        rx, ry = int(r["x"]), int(r["y"])
        rect = pygame.Rect(0, 0, *RING_SIZE)
        rect.center = (rx, ry)
        color = r["color"] if not r.get("missed") else lighten(r["color"], 0.5)
        if back:
            if r["flash"] > 0:
                g = glow(110, YELLOW, int(22 * r["flash"]))
                surface.blit(g, (rx - 110, ry - 110))
            pygame.draw.arc(surface, darken(color, 0.35), rect, math.pi / 2, 3 * math.pi / 2, 16)
        else:
            pygame.draw.arc(surface, color, rect, -math.pi / 2, math.pi / 2, 16)
            pygame.draw.arc(
                surface, lighten(color, 0.4), rect.inflate(-10, -10), -math.pi / 3, math.pi / 3, 4
            )
        return rect

    def _glider(self, surface: pygame.Surface, x: float, y: float) -> pygame.Rect:
        s = 1.0
        pts = [(60, 0), (-40, -26), (-24, 0), (-40, 22)]
        ca, sa = math.cos(self.tilt), math.sin(self.tilt)
        rot = [(x + s * (px * ca - py * sa), y + s * (px * sa + py * ca)) for px, py in pts]
        shadow = [(px + 6, py + 10) for px, py in rot]
        pygame.draw.polygon(surface, (40, 60, 90), shadow)
        pygame.draw.polygon(surface, WHITE, rot)
        pygame.draw.polygon(surface, lighten(SKY_BLUE, 0.4), [rot[0], rot[2], rot[3]])
        pygame.draw.polygon(surface, INK, rot, 3)
        pygame.draw.line(surface, INK, rot[0], rot[2], 2)
        xs, ys = [p[0] for p in shadow + rot], [p[1] for p in shadow + rot]
        return pygame.Rect(int(min(xs)), int(min(ys)), int(max(xs) - min(xs)) + 1, int(max(ys) - min(ys)) + 1)


@lru_cache(maxsize=8)
def _strip(w: int, h: int, base: float, color: Color, phase: float, top: int) -> pygame.Surface:
    """A seamlessly wrapping band of hills (integer wave counts), only the rows below ``top``.

    Cached on every argument: ``base`` and ``top`` are fractions/pixels of the ``w`` x ``h``
    canvas, ``color`` an RGB tuple, ``phase`` the wave phase in radians.
    """
    surf = pygame.Surface((w, h - top), pygame.SRCALPHA)
    pts = [(x, y - top) for x, y in hill_points(w, h, h * base, h * 0.05, phase, (1.0, 3.0))]
    pygame.draw.polygon(surf, color, pts)
    pygame.draw.lines(surf, lighten(color, 0.3), False, pts[1:-1], 3)
    return surf
