"""Follow the butterfly: the tracking game (see ``path.py`` for its rules and scoring).

The butterfly glides along a smooth path at a fixed column of the screen; the path ahead is
drawn as a dotted trail coming from the right, so the patient can anticipate it, and the
patient's own recent path is drawn to the left. The flower ring moves with the joint angle;
it glows while it is within the on-target band of the butterfly.
"""

from __future__ import annotations

import math
from collections import deque
from functools import lru_cache
from typing import Any

import numpy as np
import pygame

from smarttouch.games.builtin.common import draw_world_tokens, glow, world_tokens, y_of
from smarttouch.games.builtin.tracking import INFO
from smarttouch.games.builtin.tracking.path import (
    Coach,
    TargetPath,
    TrackingScore,
    band_for,
    rep_points,
)
from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.basegame import RepGame
from smarttouch.games.sdk.events import GameEvent
from smarttouch.games.sdk.layout import COUNTER, PLAYER, TARGET
from smarttouch.games.sdk.palette import (
    BLUISH_GREEN,
    INK,
    ORANGE,
    REDDISH_PURPLE,
    SKY_BLUE,
    WHITE,
    YELLOW,
    darken,
    lighten,
)
from smarttouch.games.sdk.particles import Particles
from smarttouch.games.sdk.scenery import drifting_clouds, landscape
from smarttouch.games.sdk.trophy import Trophy
from smarttouch.scoring.control import ControlState, RepEvent

COLUMN = 0.32  # the butterfly's x, as a share of the width
AHEAD_S = 4.0  # seconds of path shown ahead
BEHIND_S = 2.0  # seconds of the patient's own path shown behind
AHEAD = np.linspace(0.0, AHEAD_S, 33)
STREAK_S = 1.5  # on target this long without a break: sparkles and the "hit" sound


class Tracking(RepGame):
    info = INFO

    def on_start(self) -> None:
        d = self.ctx.difficulty
        self.band = band_for(d.tolerance_position)
        ceiling = min(1.0, d.max_rom_deg / d.rom_max_deg) if d.rom_max_deg > 0 else 1.0
        self.coach = Coach.starting_at(d.target_position, ceiling, d.rom_max_deg, self.band)
        high = self.coach.high()
        self.path = TargetPath(high=high, period_s=self.coach.clamp_period(7.0 - 2.0 * d.level, high))
        self.score_track = TrackingScore(self.band)
        self.trace: list[tuple[float, float, float]] = []  # (target, position, dt) per step
        self.behind: deque[tuple[float, float]] = deque(maxlen=int(BEHIND_S * 60))
        self.on_target = False
        self.streak_s = 0.0
        self.glow_s = 0.0
        self.message = ""
        self.message_s = 0.0
        self.particles = Particles(self.ctx.rng, gravity=-60.0)
        self.last_share = 0.0
        self.hits_followed = 0  # repetitions that succeeded (followed closely): the trophy
        self.resting = world_tokens(self.ctx)  # the meadow: one resting butterfly per level

    # --- rules --------------------------------------------------------------------------
    def on_new_target(self) -> None:
        """The rep's target is the path's current top (not the framework's reach target)."""
        self.target_position = self.path.high
        self.target_rom_deg = self.path.high * self.ctx.difficulty.rom_max_deg

    def is_reached(self, control: ControlState) -> bool:
        """The "hit" of this game: on target without a break for ``STREAK_S`` (once per rep)."""
        return self.streak_s >= STREAK_S

    def rep_success(self) -> bool:
        return self.score_track.window_followed()

    def miss_cause(self) -> str:
        """A missed repetition here was not followed closely enough (not a matter of height)."""
        return "follow"

    def points_for_rep(self, success: bool) -> int:
        return rep_points(self.score_track.window_share)

    def rep_details(self) -> dict[str, Any]:
        return {
            "on_target_share": round(self.score_track.window_share, 3),
            "tracking_error_deg": round(self.score_track.window_error * self.ctx.difficulty.rom_max_deg, 2),
            "path_high_deg": round(self.path.high * self.ctx.difficulty.rom_max_deg, 1),
        }

    def on_rep_completed(self, rep: RepEvent, success: bool) -> list[GameEvent]:
        self.hits_followed += int(success)
        self.last_share = self.score_track.close_window()
        return []

    def on_hit(self, control: ControlState) -> list[GameEvent]:
        w, h = self.ctx.size
        self.particles.burst(
            w * COLUMN, y_of(self.path.position, h), n=16, speed=170, colors=(YELLOW, WHITE), size=5
        )
        return []

    def update(self, control: ControlState, dt: float) -> list[GameEvent]:
        events = super().update(control, dt)
        if control.connected:
            target = self.path.position
            self.score_track.add(target, self.position, dt)
            self.coach.observe(self.position - target, dt)
            self.trace.append((target, self.position, dt))
            self.on_target = abs(self.position - target) <= self.band
            self.streak_s = self.streak_s + dt if self.on_target else 0.0
            if self.path.advance(dt):
                change = self.coach.cycle_ended(self.path)
                events.append(GameEvent(control.t, "tracking", change))
                if change["verdict"] != "keep":
                    self.message = self.ctx.tr(f"tracking.{change['verdict']}")
                    self.message_s = 2.5
        return events

    def animate(self, control: ControlState, dt: float) -> None:
        self.behind.append((self.t, self.position))
        self.glow_s = min(1.0, self.glow_s + dt * 3) if self.on_target else max(0.0, self.glow_s - dt * 2)
        self.message_s = max(0.0, self.message_s - dt)
        self.particles.update(dt)

    def trophy(self) -> Trophy:
        """Repetitions followed closely today (on target at least half of the time)."""
        return Trophy(
            self.hits_followed,
            {
                "en": ("{n} butterfly flight followed closely", "{n} butterfly flights followed closely"),
                "it": (
                    "{n} volo della farfalla seguito da vicino",
                    "{n} voli della farfalla seguiti da vicino",
                ),
            },
            REDDISH_PURPLE,
        )

    def snapshot(self) -> dict[str, Any]:
        snap = super().snapshot()
        snap.update(
            path_position=round(self.path.position, 3),
            path_high=round(self.path.high, 3),
            period_s=round(self.path.period_s, 3),
            on_target_share=round(self.score_track.share, 3),
            tracking_error=round(self.score_track.mean_error, 4),
            cycles=self.path.cycles,
        )
        return snap

    # --- drawing ---------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        surface.blit(landscape((w, h), sun=False), (0, 0))
        drifting_clouds(surface, self.t, speed=10.0, n=3)
        draw_world_tokens(surface, self.resting, "butterfly", self.t)
        x0 = w * COLUMN
        px_per_s = (w - x0) / (AHEAD_S + 0.4)
        # the ring shows the on-target band, capped so it never reaches the top bar
        band_px = min(52, max(26, int(self.band * (y_of(0.0, h) - y_of(1.0, h)))))
        ahead = self.path.preview(AHEAD)
        for i, (s, p) in enumerate(zip(AHEAD, ahead, strict=True)):
            if i == 0:
                continue
            r = max(3, 9 - i // 5)
            pygame.draw.circle(
                surface,
                lighten(REDDISH_PURPLE, 0.1 + 0.015 * i),
                (int(x0 + s * px_per_s), int(y_of(p, h))),
                r,
            )
        if len(self.behind) > 1:
            pts = [(x0 - (self.t - t) * px_per_s, y_of(p, h)) for t, p in self.behind]
            pygame.draw.lines(surface, darken(BLUISH_GREEN, 0.1), False, pts, 6)
        ring_y, target_y = y_of(self.position, h), y_of(self.path.position, h)
        self._ring(surface, x0, ring_y, band_px)
        self._butterfly(surface, x0, target_y)
        self.layout.add(
            PLAYER,
            pygame.Rect(int(x0) - band_px - 9, int(ring_y) - band_px - 9, 2 * band_px + 18, 2 * band_px + 18),
        )
        self.layout.add(TARGET, pygame.Rect(int(x0) - 42, int(target_y) - 40, 84, 72))
        self.particles.draw(surface)
        self.layout.add(COUNTER, self._meter(surface, w, h))

    def _ring(self, surface: pygame.Surface, x: float, y: float, r: int) -> None:
        if self.glow_s > 0:
            g = glow(r + 40, YELLOW, 10 + 6 * math.ceil(3 * self.glow_s))  # 4 cached strengths
            surface.blit(g, (int(x) - r - 40, int(y) - r - 40))
        colour = BLUISH_GREEN if not self.on_target else lighten(BLUISH_GREEN, 0.25)
        pygame.draw.circle(surface, darken(colour, 0.35), (int(x), int(y)), r, 10)
        pygame.draw.circle(surface, colour, (int(x), int(y)), r, 6)
        for k in range(8):
            a = k * math.pi / 4 + self.t * 0.5
            fx, fy = x + r * math.cos(a), y + r * math.sin(a)
            surface.blit(_petal(ORANGE if k % 2 else YELLOW), (int(fx) - 9, int(fy) - 9))

    def _butterfly(self, surface: pygame.Surface, x: float, y: float) -> None:
        flap = 0.35 + 0.65 * abs(math.sin(self.t * 7.0))
        for side in (-1, 1):
            upper = pygame.Rect(0, 0, int(40 * flap), 46)
            if side < 0:
                upper.bottomright = (int(x) - 2, int(y) + 4)
            else:
                upper.bottomleft = (int(x) + 2, int(y) + 4)
            lower = pygame.Rect(0, 0, int(28 * flap), 30)
            if side < 0:
                lower.topright = (int(x) - 2, int(y))
            else:
                lower.topleft = (int(x) + 2, int(y))
            pygame.draw.ellipse(surface, REDDISH_PURPLE, upper)
            pygame.draw.ellipse(surface, darken(REDDISH_PURPLE, 0.4), upper, 3)
            pygame.draw.ellipse(surface, lighten(REDDISH_PURPLE, 0.3), lower)
            pygame.draw.ellipse(surface, darken(REDDISH_PURPLE, 0.4), lower, 3)
        pygame.draw.ellipse(surface, INK, pygame.Rect(int(x) - 5, int(y) - 22, 10, 46))
        for side in (-1, 1):
            pygame.draw.line(surface, INK, (x, y - 20), (x + side * 12, y - 36), 2)
            pygame.draw.circle(surface, INK, (int(x + side * 12), int(y - 36)), 3)

    def _meter(self, surface: pygame.Surface, w: int, h: int) -> pygame.Rect:
        """Bottom-right card (clear of the ring's column and of the framework's praise): how
        closely the patient has followed so far this session, or for a moment the coach's
        word after a change of speed."""
        share = round(100 * self.score_track.share)
        words = (
            self.message
            if self.message_s > 0 and self.message
            else self.ctx.tr("tracking.follow", share=share)
        )
        text = gfx.text_surface(words, 28, INK)
        card = pygame.Rect(0, 0, text.get_width() + 90, 56)
        card.bottomright = (w - 24, h - 14)
        gfx.card(surface, card, radius=26)
        pygame.draw.circle(surface, SKY_BLUE if share < 50 else YELLOW, (card.left + 32, card.centery), 14)
        surface.blit(text, text.get_rect(midleft=(card.left + 58, card.centery)))
        return card


@lru_cache(maxsize=4)
def _petal(colour: tuple[int, int, int]) -> pygame.Surface:
    """A small round petal sprite (18 px)."""
    surf = pygame.Surface((18, 18), pygame.SRCALPHA)
    pygame.draw.circle(surf, colour, (9, 9), 8)
    pygame.draw.circle(surf, darken(colour, 0.3), (9, 9), 8, 2)
    return surf
