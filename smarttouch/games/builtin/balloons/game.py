"""Balloon Pop: raise your arm to lift a magic star up to the balloon and pop it.

Movement: shoulder flexion (or abduction). Each balloon floats at the height the difficulty
controller chose inside the calibrated range (never above the therapist's maximum); reaching
it pops it with confetti and a sound; when the arm comes back down (the rep completes) the
next balloon rises into place. A missed balloon drifts gently away: no penalty, just "nearly".
"""

from __future__ import annotations

import math
from typing import Any

import pygame

from smarttouch.games.builtin.balloons import INFO
from smarttouch.games.builtin.common import (
    HUD_BOTTOM,
    balloon_sprite,
    draw_string,
    glow,
    star_points,
    target_line,
    y_of,
)
from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.basegame import RepGame
from smarttouch.games.sdk.events import GameEvent
from smarttouch.games.sdk.layout import PLAYER, POINTS, TARGET
from smarttouch.games.sdk.palette import INK, OKABE_ITO, ORANGE, WHITE, YELLOW, darken, lighten
from smarttouch.games.sdk.particles import Particles
from smarttouch.games.sdk.scenery import drifting_clouds, landscape
from smarttouch.games.sdk.trophy import Trophy
from smarttouch.scoring.control import ControlState, RepEvent

BALLOON_COLOURS = tuple(c for c in OKABE_ITO if c != YELLOW)
BALLOON_R = 46
BOB_PX = 6
LINE_HALF_PX = 130  # the guide line spans the balloon's neighbourhood only
POPUP_X_FRAC = 0.17  # points rise in a column of their own, left of where balloons float


def balloon_centre_y(position: float, h: int) -> float:
    """Where a balloon for ``position`` floats: centred on the height to reach, but never so
    high that it (with its bob) would touch the top bar."""
    top_limit = HUD_BOTTOM + BALLOON_R * 1.15 + BOB_PX + 4
    return max(y_of(position, h), top_limit)


def w_popup(size: tuple[int, int]) -> float:
    """The x of the points' column (canvas pixels)."""
    return size[0] * POPUP_X_FRAC


class BalloonPop(RepGame):
    info = INFO

    def on_start(self) -> None:
        w, h = self.ctx.size
        self.particles = Particles(self.ctx.rng)
        self.popups: list[list[Any]] = []  # [text, x, y, age]
        self.balloon: dict[str, Any] | None = None
        self.leaving: list[dict[str, Any]] = []
        self.star_x = w * 0.5
        self.trail: list[tuple[float, float]] = []
        # far-off birds drifting across the sky: alive, and nothing like a balloon to aim at
        self.birds: list[dict[str, float]] = [
            {
                "x": self.ctx.rng.uniform(0, w),
                "y": self.ctx.rng.uniform(h * 0.22, h * 0.5),
                "s": self.ctx.rng.uniform(7.0, 12.0),
                "v": self.ctx.rng.uniform(14, 28),
                "p": self.ctx.rng.uniform(0, 6.0),
            }
            for _ in range(5)
        ]

    def on_new_target(self) -> None:
        w, h = self.ctx.size
        rng = self.ctx.rng
        self.balloon = {
            "x": rng.uniform(w * 0.38, w * 0.62),
            "y": h + 80.0,  # rises into place
            "target_y": balloon_centre_y(self.target_position, h),
            "color": rng.choice(BALLOON_COLOURS),
            "r": BALLOON_R,
            "age": 0.0,
        }

    def on_hit(self, control: ControlState) -> list[GameEvent]:
        b = self.balloon
        if b is not None:
            self.particles.burst(b["x"], b["y"], n=34, speed=420)
            self.popups.append(["+10", w_popup(self.ctx.size), b["y"], 0.0])
            self.balloon = None
        return []

    def on_rep_completed(self, rep: RepEvent, success: bool) -> list[GameEvent]:
        if not success and self.balloon is not None:
            self.leaving.append(self.balloon)
            self.popups.append(["+3", w_popup(self.ctx.size), self.balloon["y"], 0.0])
            self.balloon = None
        return []

    def animate(self, control: ControlState, dt: float) -> None:
        w, h = self.ctx.size
        self.particles.update(dt)
        b = self.balloon
        if b is not None:
            b["age"] += dt
            b["y"] += (b["target_y"] - b["y"]) * min(1.0, dt * 3.0)
            self.star_x += (b["x"] - self.star_x) * min(1.0, dt * 2.5)
        for lb in self.leaving:
            lb["y"] -= 160 * dt
            lb["x"] += 40 * dt
        self.leaving = [lb for lb in self.leaving if lb["y"] > -150]
        for p in self.popups:
            p[2] = max(HUD_BOTTOM + 40.0, p[2] - 50 * dt)
            p[3] += dt
        self.popups = [p for p in self.popups if p[3] < 1.2]
        for bird in self.birds:
            bird["x"] += bird["v"] * dt
            if bird["x"] > w + 40:
                bird["x"], bird["y"] = -40.0, self.ctx.rng.uniform(h * 0.22, h * 0.5)
        self.trail.append((self.star_x, y_of(self.position, h)))
        self.trail = self.trail[-14:]

    def snapshot(self) -> dict[str, Any]:
        snap = super().snapshot()
        snap["balloon_y"] = None if self.balloon is None else round(self.balloon["target_y"], 1)
        return snap

    def trophy(self) -> Trophy:
        """Balloons popped today (the summary's trophy)."""
        return Trophy(
            self.hits,
            {
                "en": ("{n} balloon popped", "{n} balloons popped"),
                "it": ("{n} palloncino scoppiato", "{n} palloncini scoppiati"),
            },
            ORANGE,
        )

    # --- drawing ---------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        surface.blit(landscape((w, h)), (0, 0))
        drifting_clouds(surface, self.t)
        for bird in self.birds:
            flap = 0.5 + 0.5 * math.sin(self.t * 5.0 + bird["p"])
            sx, x, y = bird["s"], bird["x"], bird["y"]
            wing = (110, 120, 140)
            pygame.draw.lines(
                surface,
                wing,
                False,
                [(x - sx, y - sx * 0.5 * flap), (x, y), (x + sx, y - sx * 0.5 * flap)],
                2,
            )
        if self.balloon is not None:
            b = self.balloon
            line_y = y_of(self.target_position, h)
            x0, x1 = int(b["x"] - LINE_HALF_PX), int(b["x"] + LINE_HALF_PX)
            target_line(surface, line_y, lighten(ORANGE, 0.2), self.t, x0=x0, x1=x1)
            self.layout.add(TARGET, pygame.Rect(x0, int(line_y) - 2, x1 - x0, 5))
            self.layout.add(TARGET, self._balloon(surface, b))
        for lb in self.leaving:
            self._balloon(surface, lb)
        self.layout.add(PLAYER, self._star(surface, w, h))
        self.particles.draw(surface)
        for text, x, y, _age in self.popups:
            img = gfx.text_surface(text, 40, darken(ORANGE, 0.35), WHITE)
            rect = img.get_rect(center=(int(x), int(y)))
            surface.blit(img, rect)
            self.layout.add(POINTS, rect)

    def _balloon(self, surface: pygame.Surface, b: dict[str, Any]) -> pygame.Rect:
        """Draw one balloon; returns its body's rectangle (where it can be at this moment)."""
        r = b["r"]
        bob = BOB_PX * math.sin(self.t * 2.0 + b["x"] * 0.01)
        x, y = b["x"], b["y"] + bob
        gfx.blit_shadow(
            surface,
            pygame.Rect(int(x - r), int(y - r * 1.1), 2 * r, int(2.3 * r)),
            radius=14,
            alpha=45,
            offset=(14, 22),
            ellipse=True,
        )
        draw_string(surface, x + 2, y + r * 1.25, 90, self.t)
        sprite = balloon_sprite(r, b["color"])
        surface.blit(sprite, (int(x - r - 2), int(y - r * 1.15)))
        return pygame.Rect(int(x - r - 2), int(y - r * 1.15), 2 * r + 4, int(2.5 * r))

    def _star(self, surface: pygame.Surface, w: int, h: int) -> pygame.Rect:
        y = y_of(self.position, h)
        x = self.star_x
        for i, (tx, ty) in enumerate(self.trail[:-1]):
            pygame.draw.circle(surface, lighten(YELLOW, 0.5), (int(tx), int(ty)), 3 + i // 2)
        g = glow(70, YELLOW, 16 if self.connected else 6)
        surface.blit(g, (int(x - 70), int(y - 70)))
        pts = star_points(x, y, 34, math.sin(self.t * 1.5) * 0.2)
        pygame.draw.polygon(surface, darken(ORANGE, 0.3), [(px + 3, py + 4) for px, py in pts])
        pygame.draw.polygon(surface, YELLOW, pts)
        pygame.draw.polygon(surface, darken(ORANGE, 0.1), pts, 3)
        pygame.draw.circle(surface, INK, (int(x - 9), int(y - 3)), 4)
        pygame.draw.circle(surface, INK, (int(x + 9), int(y - 3)), 4)
        pygame.draw.arc(surface, INK, pygame.Rect(int(x - 9), int(y - 2), 18, 12), math.pi, 2 * math.pi, 3)
        return pygame.Rect(int(x - 36), int(y - 36), 72, 72)
