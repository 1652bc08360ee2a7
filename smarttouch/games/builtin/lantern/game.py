"""Lantern: lift the lantern above the line and hold it there, steady, to free a firefly.

For steadiness and tremor control (e.g. Parkinson's disease): shoulder flexion or a forward
reach. The hold counts only while the lantern is at or above the target line; a steady hand
(the tracker's ``steadiness`` >= 0.6) fills the hold ring at full speed, a shaky one at half
speed. The hold time starts from the difficulty level (0.8 s to 2.0 s) and adapts: two held
lanterns in a row ask 0.2 s more, a lantern that reached the line but was not held long
enough asks 0.3 s less (0.6 s to 3 s); such a miss is reported with cause "hold", so the
framework neither lowers the line nor says "higher", but "hold a little longer". A completed
hold releases a firefly into the jar; the rep then ends when the arm comes down.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import pygame

from smarttouch.games.builtin.common import HUD_BOTTOM, glow, target_line, y_of
from smarttouch.games.builtin.lantern import INFO
from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.basegame import RepGame
from smarttouch.games.sdk.events import GameEvent
from smarttouch.games.sdk.layout import COUNTER, PLAYER, TARGET
from smarttouch.games.sdk.palette import INK, ORANGE, SKY_BLUE, WHITE, YELLOW, darken, lighten
from smarttouch.games.sdk.particles import Particles
from smarttouch.games.sdk.scenery import hill_points
from smarttouch.games.sdk.trophy import Trophy
from smarttouch.scoring.control import ControlState, RepEvent

STEADY_ENOUGH = 0.6
TOP_MARGIN = HUD_BOTTOM + 100  # the lantern's handle and hold ring stay clear of the top bar


def lantern_y(position: float, h: int) -> float:
    """Screen y of the lantern (and of the target line) for a 0..1 position."""
    return y_of(position, h, TOP_MARGIN)


HOLD_MIN_S, HOLD_MAX_S = 0.6, 3.0
HOLD_STEP_UP_S = 0.2  # after two held lanterns in a row
HOLD_STEP_DOWN_S = 0.3  # after a lantern that reached the line but was not held long enough


def hold_seconds(level: float) -> float:
    """Hold time asked at difficulty ``level`` (0..1) when a session starts, seconds."""
    return 0.8 + 1.2 * min(1.0, max(0.0, level))


def adapt_hold(hold_s: float, success: bool, cause: str | None, streak: int) -> float:
    """The next hold time (s): longer after ``streak`` >= 2 successes in a row, shorter after a
    miss caused by the hold (a miss caused by the height leaves it alone: the height adapts)."""
    if success and streak >= 2:
        hold_s += HOLD_STEP_UP_S
    elif not success and cause == "hold":
        hold_s -= HOLD_STEP_DOWN_S
    return round(min(HOLD_MAX_S, max(HOLD_MIN_S, hold_s)), 2)


class Lantern(RepGame):
    info = INFO

    def on_start(self) -> None:
        self.hold_needed = hold_seconds(self.ctx.difficulty.level)
        self.hold = 0.0
        self.was_above = False  # the lantern reached the line during this rep
        self.streak = 0
        self.fireflies: list[list[float]] = []  # x, y, phase
        self.flying: list[list[float]] = []  # x, y, progress
        self.particles = Particles(self.ctx.rng, gravity=-40.0)
        self.lantern_y = lantern_y(0.0, self.ctx.size[1])
        w, h = self.ctx.size
        self.stars = [
            (self.ctx.rng.uniform(0, w), self.ctx.rng.uniform(0, h * 0.6), self.ctx.rng.uniform(0, 6))
            for _ in range(60)
        ]

    def on_new_target(self) -> None:
        self.hold = 0.0
        self.was_above = False

    def miss_cause(self) -> str:
        """A lantern that reached the line but was not held long enough missed by its hold."""
        return "hold" if self.was_above else "height"

    def on_rep_completed(self, rep: RepEvent, success: bool) -> list[GameEvent]:
        cause = None if success else self.miss_cause()
        self.streak = self.streak + 1 if success else 0
        before = self.hold_needed
        self.hold_needed = adapt_hold(before, success, cause, self.streak)
        if success and self.streak >= 2:
            self.streak = 0
        if self.hold_needed == before:
            return []
        return [GameEvent(rep.t, "hold_time", {"hold_s": self.hold_needed, "previous_s": before})]

    def is_reached(self, control: ControlState) -> bool:
        return self.hold >= self.hold_needed

    def animate(self, control: ControlState, dt: float) -> None:
        w, h = self.ctx.size
        above = self.at_target(control)
        if above and control.connected:
            self.was_above = True
        if not self.reached and control.connected:
            if above:
                self.hold += dt * (1.0 if control.steadiness >= STEADY_ENOUGH else 0.5)
            else:
                self.hold = max(0.0, self.hold - dt * 0.5)
        self.lantern_y += (lantern_y(self.position, h) - self.lantern_y) * min(1.0, dt * 12.0)
        for f in self.flying:
            f[2] = min(1.0, f[2] + dt * 0.8)
        done = [f for f in self.flying if f[2] >= 1.0]
        self.flying = [f for f in self.flying if f[2] < 1.0]
        for _ in done:
            jar = self._jar_rect(w, h)
            n = len(self.fireflies)
            self.fireflies.append(
                [jar.centerx + ((n * 37) % 60) - 30, jar.bottom - 30 - ((n * 23) % 80), n * 1.3]
            )
        self.particles.update(dt)

    def on_hit(self, control: ControlState) -> list[GameEvent]:
        w, h = self.ctx.size
        self.flying.append([w * 0.45, self.lantern_y, 0.0])
        self.particles.burst(
            w * 0.45, self.lantern_y, n=22, speed=150, colors=(YELLOW, WHITE), size=5, life_s=1.2
        )
        return []

    def snapshot(self) -> dict[str, Any]:
        snap = super().snapshot()
        snap.update(
            hold_s=round(self.hold, 2),
            hold_needed_s=round(self.hold_needed, 2),
            fireflies=len(self.fireflies) + len(self.flying),
        )
        return snap

    def trophy(self) -> Trophy:
        """Fireflies caught in the jar today (the summary's trophy)."""
        return Trophy(
            len(self.fireflies) + len(self.flying),
            {
                "en": ("{n} firefly caught", "{n} fireflies caught"),
                "it": ("{n} lucciola catturata", "{n} lucciole catturate"),
            },
            YELLOW,
        )

    # --- drawing ---------------------------------------------------------------------------
    @staticmethod
    def _jar_rect(w: int, h: int) -> pygame.Rect:
        r = pygame.Rect(0, 0, 150, 200)
        r.bottomright = (w - 60, int(h * 0.9))
        return r

    def draw(self, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        surface.blit(_night((w, h)), (0, 0))
        for x, y, ph in self.stars:  # stars sit in the top 60 %, above the hill
            a = 0.5 + 0.5 * math.sin(self.t * 1.5 + ph)
            pygame.draw.circle(surface, lighten((150, 170, 220), a * 0.8), (int(x), int(y)), 2)
        ty = lantern_y(self.target_position, h)
        target_line(surface, ty, (240, 200, 90), self.t, x0=int(w * 0.2), x1=int(w * 0.72))
        self.layout.add(TARGET, pygame.Rect(int(w * 0.2), int(ty) - 2, int(w * 0.52), 5))
        jar = self._jar_rect(w, h)
        self._jar(surface, jar)
        x = w * 0.45
        y = self.lantern_y
        shake = (1.0 - self.steadiness) * 6
        flame = 0.8 + 0.2 * math.sin(self.t * 9) + shake * 0.03
        surface.blit(glow(140, (255, 200, 90), int(14 + 8 * flame)), (int(x - 140), int(y - 140)))
        pygame.draw.line(surface, (80, 70, 60), (x, y - 60), (x, y - 90), 4)
        body = pygame.Rect(0, 0, 70, 96)
        body.center = (int(x), int(y))
        gfx.blit_shadow(surface, body, radius=12, alpha=80)
        pygame.draw.rect(surface, lighten(YELLOW, 0.5), body, border_radius=18)
        pygame.draw.ellipse(
            surface, ORANGE, pygame.Rect(int(x - 12), int(y - 22 * flame), 24, int(40 * flame))
        )
        pygame.draw.ellipse(
            surface, YELLOW, pygame.Rect(int(x - 6), int(y - 10 * flame), 12, int(22 * flame))
        )
        for bx in (body.left + 22, body.right - 22):
            pygame.draw.line(surface, darken(ORANGE, 0.5), (bx, body.top + 4), (bx, body.bottom - 4), 3)
        pygame.draw.rect(surface, darken(ORANGE, 0.5), body, 5, border_radius=18)
        pygame.draw.rect(
            surface,
            darken(ORANGE, 0.5),
            pygame.Rect(body.left - 6, body.top - 8, body.width + 12, 14),
            border_radius=6,
        )
        pygame.draw.rect(
            surface,
            darken(ORANGE, 0.5),
            pygame.Rect(body.left - 6, body.bottom - 6, body.width + 12, 14),
            border_radius=6,
        )
        frac = 1.0 if self.reached else min(1.0, self.hold / self.hold_needed)
        ring = pygame.Rect(0, 0, 170, 170)
        ring.center = (int(x), int(y))
        self.layout.add(PLAYER, ring.inflate(12, 12))
        pygame.draw.circle(surface, (60, 70, 110), ring.center, 85, 8)
        if frac > 0:
            gfx.thick_arc(
                surface,
                YELLOW if not self.reached else lighten(SKY_BLUE, 0.2),
                ring.center,
                89,
                12,
                math.pi / 2 - 2 * math.pi * frac,
                math.pi / 2,
            )
        for fx, fy, p in self.flying:
            cx = fx + (jar.centerx - fx) * p
            cy = fy + (jar.top - fy) * p - 80 * math.sin(math.pi * p)
            self._firefly(surface, cx, cy, p)
        self.particles.draw(surface)
        self.layout.add(
            COUNTER,
            gfx.draw_text(
                surface, str(len(self.fireflies)), 40, (jar.centerx, jar.top - 40), WHITE, outline=INK
            ),
        )

    def _jar(self, surface: pygame.Surface, jar: pygame.Rect) -> None:
        surface.blit(_jar_glass(jar.size), jar.topleft)
        pygame.draw.rect(
            surface,
            (150, 110, 70),
            pygame.Rect(jar.left + 10, jar.top - 16, jar.width - 20, 22),
            border_radius=8,
        )
        for fx, fy, ph in self.fireflies:
            self._firefly(surface, fx + 6 * math.sin(self.t + ph), fy + 4 * math.cos(self.t * 1.3 + ph), 1.0)

    def _firefly(self, surface: pygame.Surface, x: float, y: float, bright: float) -> None:
        surface.blit(glow(24, YELLOW, 30), (int(x - 24), int(y - 24)))
        pygame.draw.circle(surface, (255, 250, 180), (int(x), int(y)), 6)


@lru_cache(maxsize=4)
def _night(size: tuple[int, int]) -> pygame.Surface:
    """The static backdrop (cached per canvas size in px): night-sky gradient and the dark hill."""
    w, h = size
    surf = gfx.vertical_gradient(size, (22, 34, 72), (70, 90, 140)).copy()
    pygame.draw.polygon(surf, (30, 52, 60), hill_points(w, h, h * 0.86, h * 0.03, 1.0))
    return surf


@lru_cache(maxsize=4)
def _jar_glass(size: tuple[int, int]) -> pygame.Surface:
    """The jar's translucent glass and rim (cached per jar size in px)."""
    glass = pygame.Surface(size, pygame.SRCALPHA)
    pygame.draw.rect(glass, (200, 230, 255, 60), glass.get_rect(), border_radius=30)
    pygame.draw.rect(glass, (220, 240, 255, 160), glass.get_rect(), 4, border_radius=30)
    return glass
