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
from smarttouch.games.builtin.common import balloon_sprite, draw_string, glow, star_points, target_line, y_of
from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.basegame import RepGame
from smarttouch.games.sdk.events import GameEvent
from smarttouch.games.sdk.palette import INK, OKABE_ITO, ORANGE, WHITE, YELLOW, darken, lighten
from smarttouch.games.sdk.particles import Particles
from smarttouch.games.sdk.scenery import drifting_clouds, landscape
from smarttouch.games.sdk.trophy import Trophy
from smarttouch.scoring.control import ControlState, RepEvent

BALLOON_COLOURS = tuple(c for c in OKABE_ITO if c != YELLOW)


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
        self.background: list[dict[str, Any]] = [
            {
                "x": self.ctx.rng.uniform(0, w),
                "y": self.ctx.rng.uniform(h * 0.2, h),
                "r": self.ctx.rng.randint(14, 22),
                "c": self.ctx.rng.choice(BALLOON_COLOURS),
                "v": self.ctx.rng.uniform(18, 34),
            }
            for _ in range(6)
        ]

    def on_new_target(self) -> None:
        w, h = self.ctx.size
        rng = self.ctx.rng
        self.balloon = {
            "x": rng.uniform(w * 0.38, w * 0.62),
            "y": h + 80.0,  # rises into place
            "target_y": y_of(self.target_position, h) - 40,
            "color": rng.choice(BALLOON_COLOURS),
            "r": 46,
            "age": 0.0,
        }

    def on_hit(self, control: ControlState) -> list[GameEvent]:
        b = self.balloon
        if b is not None:
            self.particles.burst(b["x"], b["y"], n=34, speed=420)
            self.popups.append(["+10", b["x"], b["y"] - 40, 0.0])
            self.balloon = None
        return []

    def on_rep_completed(self, rep: RepEvent, success: bool) -> list[GameEvent]:
        if not success and self.balloon is not None:
            self.leaving.append(self.balloon)
            self.popups.append(["+3", self.balloon["x"], self.balloon["y"] - 40, 0.0])
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
            p[2] -= 50 * dt
            p[3] += dt
        self.popups = [p for p in self.popups if p[3] < 1.2]
        for bb in self.background:
            bb["y"] -= bb["v"] * dt
            if bb["y"] < -60:
                bb["y"], bb["x"] = h + 60, self.ctx.rng.uniform(0, w)
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
        for bb in self.background:
            spr = balloon_sprite(bb["r"], lighten(bb["c"], 0.45))
            surface.blit(spr, (bb["x"] - bb["r"], bb["y"]))
        if self.balloon is not None:
            target_line(surface, self.balloon["target_y"] + 40, lighten(ORANGE, 0.2), self.t)
            self._balloon(surface, self.balloon)
        for lb in self.leaving:
            self._balloon(surface, lb)
        self._star(surface, w, h)
        self.particles.draw(surface)
        for text, x, y, _age in self.popups:
            img = gfx.text_surface(text, 40, darken(ORANGE, 0.35), WHITE)
            surface.blit(img, img.get_rect(center=(int(x), int(y))))

    def _balloon(self, surface: pygame.Surface, b: dict[str, Any]) -> None:
        r = b["r"]
        bob = 6 * math.sin(self.t * 2.0 + b["x"] * 0.01)
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
        surface.blit(balloon_sprite(r, b["color"]), (int(x - r - 2), int(y - r * 1.15)))

    def _star(self, surface: pygame.Surface, w: int, h: int) -> None:
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
