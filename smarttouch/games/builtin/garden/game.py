"""Garden: every sit-to-stand makes your garden grow, and the garden is still there next time.

Movement: sit-to-stand. Standing up raises the sun; reaching the sun line (the target height
the difficulty controller chose) makes it shine and water the garden. Every completed rep
grows the next plant one stage (two stages when the sun line was reached); a full bed of
flowers is celebrated and a new bed starts. The garden lives in ``garden.json`` in the
game's data folder (``GameContext.data_dir``), or in ``state_path`` when given (tests).
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import pygame

from smarttouch.files import atomic_write_json
from smarttouch.games.builtin.common import HUD_BOTTOM, glow, target_line, y_of
from smarttouch.games.builtin.garden import INFO
from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.basegame import RepGame
from smarttouch.games.sdk.events import GameEvent
from smarttouch.games.sdk.layout import COUNTER, PLAYER, TARGET
from smarttouch.games.sdk.messages import plural_of
from smarttouch.games.sdk.palette import (
    BLUE,
    GRASS_BOTTOM,
    GRASS_TOP,
    OKABE_ITO,
    ORANGE,
    SKY_BLUE,
    SOIL,
    YELLOW,
    darken,
    lighten,
)
from smarttouch.games.sdk.particles import Particles
from smarttouch.games.sdk.scenery import draw_cloud
from smarttouch.games.sdk.trophy import Trophy
from smarttouch.scoring.control import ControlState, RepEvent

SLOTS = 24  # plants per bed (3 rows of 8)
MAX_STAGE = 4  # 0 empty, 1 sprout, 2 leaves, 3 bud, 4 flower
FLOWER_COLOURS = tuple(c for c in OKABE_ITO if c not in (BLUE,))


class GardenState:
    """The persistent garden: stage and colour of each slot, beds completed, reps ever."""

    def __init__(
        self,
        stages: list[int] | None = None,
        colours: list[int] | None = None,
        beds_completed: int = 0,
        total_reps: int = 0,
    ):
        self.stages = list(stages) if stages else [0] * SLOTS
        self.colours = list(colours) if colours else [i % len(FLOWER_COLOURS) for i in range(SLOTS)]
        self.beds_completed = beds_completed
        self.total_reps = total_reps

    def grow(self, amount: int) -> tuple[int, bool]:
        """Grow the first unfinished plants by ``amount`` stages; returns (slot, bed_completed)."""
        slot = -1
        for _ in range(amount):
            open_slots = [i for i, s in enumerate(self.stages) if s < MAX_STAGE]
            if not open_slots:
                break
            slot = open_slots[0]
            self.stages[slot] += 1
        done = all(s >= MAX_STAGE for s in self.stages)
        if done:
            self.beds_completed += 1
        return slot, done

    def new_bed(self, shift: int) -> None:
        self.stages = [0] * SLOTS
        self.colours = [(i + shift) % len(FLOWER_COLOURS) for i in range(SLOTS)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "stages": self.stages,
            "colours": self.colours,
            "beds_completed": self.beds_completed,
            "total_reps": self.total_reps,
        }

    @classmethod
    def load(cls, path: Path | None) -> GardenState:
        if path is None or not path.exists():
            return cls()
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            stages = [max(0, min(MAX_STAGE, int(s))) for s in d["stages"]][:SLOTS]
            return cls(
                stages + [0] * (SLOTS - len(stages)),
                [int(c) % len(FLOWER_COLOURS) for c in d["colours"]][:SLOTS],
                int(d.get("beds_completed", 0)),
                int(d.get("total_reps", 0)),
            )
        except (ValueError, KeyError, TypeError):
            return cls()  # a damaged file never stops the patient from playing


SUN_R = 44  # the sun's disc, px
RAYS_R = (52, 66)  # inner and outer end of its rays, px (the outer end breathes by 8 px)
SUN_X_FRAC = 0.80
GROUNDS_TOP = 0.49  # the fence's posts begin at half the height: above it, only sky


def sun_y(position: float, h: int) -> float:
    """Screen y of the sun: just above the garden when seated (0), high in the sky standing
    (1), where its rays still clear the top bar."""
    seated = y_of(0.0, h) * 0.62 + (1 - 0.62) * y_of(1.0, h) - 0.07 * h
    standing = HUD_BOTTOM + RAYS_R[1] + 8 + 18
    return seated + (standing - seated) * position


class Garden(RepGame):
    info = INFO

    def __init__(self, state_path: str | Path | None = None):
        self._state_path_override = Path(state_path) if state_path is not None else None

    @property
    def state_path(self) -> Path | None:
        if self._state_path_override is not None:
            return self._state_path_override
        return None if self.ctx.data_dir is None else Path(self.ctx.data_dir) / "garden.json"

    def on_start(self) -> None:
        self.garden = GardenState.load(self.state_path)
        self.particles = Particles(self.ctx.rng, gravity=500.0)
        self.grow_anim = [1.0] * SLOTS
        self.celebrate = 0.0
        self.sun_y = sun_y(0.0, self.ctx.size[1])
        self.shine = 0.0
        self.bloomed = 0  # flowers that reached full bloom this session

    def on_hit(self, control: ControlState) -> list[GameEvent]:
        self.shine = 1.0
        w, h = self.ctx.size
        for x in (w * 0.3, w * 0.5, w * 0.7):
            self.particles.burst(
                x, h * 0.55, n=10, speed=160, colors=(SKY_BLUE, lighten(SKY_BLUE, 0.4)), size=5, life_s=0.8
            )
        return []

    def on_rep_completed(self, rep: RepEvent, success: bool) -> list[GameEvent]:
        g = self.garden
        g.total_reps += 1
        open_before = sum(1 for s in g.stages if s >= MAX_STAGE)
        slot, done = g.grow(2 if success else 1)
        self.bloomed += sum(1 for s in g.stages if s >= MAX_STAGE) - open_before
        if slot >= 0:
            self.grow_anim[slot] = 0.0
            x, y = self._slot_pos(slot)
            self.particles.burst(
                x, y - 20, n=14, speed=200, colors=(YELLOW, FLOWER_COLOURS[g.colours[slot]]), size=6
            )
        if done:
            self.celebrate = 3.0
            g.new_bed(g.beds_completed)
            self.grow_anim = [1.0] * SLOTS
        self._save()
        return []

    def finish(self) -> None:
        self._save()

    def _save(self) -> None:
        path = self.state_path
        if path is not None:
            atomic_write_json(path, self.garden.to_dict())

    def animate(self, control: ControlState, dt: float) -> None:
        self.sun_y += (sun_y(self.position, self.ctx.size[1]) - self.sun_y) * min(1.0, dt * 8.0)
        self.grow_anim = [min(1.0, a + dt * 1.5) for a in self.grow_anim]
        self.shine = max(0.0, self.shine - dt * 0.6)
        self.celebrate = max(0.0, self.celebrate - dt)
        self.particles.update(dt)

    def flowers_in_bloom(self) -> int:
        """The flowers drawn in the bed now: what the sign counts."""
        return sum(1 for s in self.garden.stages if s >= MAX_STAGE)

    def snapshot(self) -> dict[str, Any]:
        snap = super().snapshot()
        snap.update(
            plants=sum(1 for s in self.garden.stages if s > 0),
            flowers=self.flowers_in_bloom(),
            beds_completed=self.garden.beds_completed,
            garden_total_reps=self.garden.total_reps,
        )
        return snap

    def trophy(self) -> Trophy:
        """Flowers that opened today (the summary's trophy)."""
        return Trophy(
            self.bloomed,
            {
                "en": ("{n} flower opened", "{n} flowers opened"),
                "it": ("{n} fiore sbocciato", "{n} fiori sbocciati"),
            },
            FLOWER_COLOURS[0],
        )

    # --- drawing ---------------------------------------------------------------------------
    def _slot_pos(self, slot: int) -> tuple[float, float]:
        w, h = self.ctx.size
        row, col = divmod(slot, 8)
        return w * (0.13 + 0.105 * col + 0.03 * (row % 2)), h * (0.745 + 0.085 * row)

    def draw(self, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        surface.blit(gfx.vertical_gradient((w, h), (110, 185, 235), (255, 236, 200)), (0, 0))
        target_y = sun_y(self.target_position, h)
        sign = self._sign_rect(h)
        x0, x1 = sign.right + 24, int(w * 0.95)
        sx = int(w * SUN_X_FRAC)
        if self.shine > 0:
            g = glow(170, YELLOW, int(26 * self.shine))
            surface.blit(g, (sx - 170, int(self.sun_y) - 170))
        for k in range(12):
            a = k * math.pi / 6 + self.t * 0.3
            r1, r2 = RAYS_R[0], RAYS_R[1] + 8 * math.sin(self.t * 3 + k)
            pygame.draw.line(
                surface,
                (250, 205, 80),
                (sx + r1 * math.cos(a), self.sun_y + r1 * math.sin(a)),
                (sx + r2 * math.cos(a), self.sun_y + r2 * math.sin(a)),
                6,
            )
        surface.blit(gfx.shaded_ball(SUN_R, (248, 200, 60)), (sx - SUN_R, int(self.sun_y) - SUN_R))
        reach = RAYS_R[1] + 8 + 3
        self.layout.add(PLAYER, pygame.Rect(sx - reach, int(self.sun_y) - reach, 2 * reach, 2 * reach))
        pygame.draw.arc(
            surface,
            darken(ORANGE, 0.5),
            pygame.Rect(sx - 16, int(self.sun_y) - 4, 32, 22),
            math.pi,
            2 * math.pi,
            4,
        )
        for dx in (-14, 14):
            pygame.draw.circle(surface, darken(ORANGE, 0.5), (sx + dx, int(self.sun_y) - 10), 5)
        for i in range(3):
            draw_cloud(surface, (i * 430 + self.t * 10) % (w + 300) - 150, h * (0.22 + 0.07 * i), 0.7)
        target_line(surface, target_y, lighten(ORANGE, 0.1), self.t, x0=x0, x1=x1)  # over the clouds
        self.layout.add(TARGET, pygame.Rect(x0, int(target_y) - 2, x1 - x0, 5))
        surface.blit(_grounds((w, h)), (0, int(h * GROUNDS_TOP)))
        for slot in range(SLOTS):
            self._plant(surface, slot)
        self.particles.draw(surface)
        gfx.card(surface, sign, fill=(250, 240, 215), edge=darken(SOIL, 0.2), radius=14, shadow=True)
        for k in range(5):
            a = k * 2 * math.pi / 5
            pygame.draw.circle(
                surface,
                FLOWER_COLOURS[0],
                (sign.left + 30 + int(9 * math.cos(a)), sign.centery + int(9 * math.sin(a))),
                7,
            )
        pygame.draw.circle(surface, YELLOW, (sign.left + 30, sign.centery), 6)
        gfx.draw_text(
            surface,
            self._sign_text(),
            26,
            (sign.left + 52, sign.centery),
            darken(SOIL, 0.4),
            anchor="midleft",
        )
        self.layout.add(COUNTER, sign)
        if self.celebrate > 0:
            gfx.draw_text(surface, "★ ★ ★", 80, (w // 2, int(h * 0.45)), YELLOW, outline=darken(ORANGE, 0.4))

    def _sign_text(self) -> str:
        n = self.flowers_in_bloom()
        return plural_of(
            {"en": ("{n} flower", "{n} flowers"), "it": ("{n} fiore", "{n} fiori")}, n, self.ctx.lang
        )

    def _sign_rect(self, h: int) -> pygame.Rect:
        """The garden's sign: how many flowers bloom in the bed (what is drawn)."""
        return pygame.Rect(24, int(h * 0.40), 52 + gfx.font(26).size(self._sign_text())[0] + 18, 48)

    def _plant(self, surface: pygame.Surface, slot: int) -> None:
        stage = self.garden.stages[slot]
        if stage <= 0:
            return
        x, y = self._slot_pos(slot)
        grow = self.grow_anim[slot]
        sway = 4 * math.sin(self.t * 1.6 + slot) * (1 + self.shine)
        height = (22 + 22 * min(stage, 3)) * (0.6 + 0.4 * grow)
        top = (x + sway, y - height)
        pygame.draw.ellipse(surface, darken(SOIL, 0.3), pygame.Rect(int(x) - 16, int(y) - 5, 32, 10))
        pygame.draw.line(surface, (46, 120, 50), (x, y), top, 6)
        if stage >= 2:
            for side in (-1, 1):
                leaf = pygame.Rect(0, 0, 34, 15)
                leaf.center = (int(x + side * 17 + sway * 0.5), int(y - height * 0.45))
                pygame.draw.ellipse(surface, (70, 160, 70), leaf)
                pygame.draw.ellipse(surface, (40, 110, 50), leaf, 2)
        color = FLOWER_COLOURS[self.garden.colours[slot]]
        if stage == 1:
            for side in (-1, 1):
                pygame.draw.ellipse(
                    surface,
                    (90, 180, 80),
                    pygame.Rect(int(top[0]) + (0 if side > 0 else -16), int(top[1]) - 6, 16, 10),
                )
        elif stage == 3:
            pygame.draw.ellipse(surface, color, pygame.Rect(int(top[0]) - 9, int(top[1]) - 16, 18, 26))
            pygame.draw.ellipse(
                surface, darken(color, 0.3), pygame.Rect(int(top[0]) - 9, int(top[1]) - 16, 18, 26), 2
            )
        elif stage >= 4:
            r = int(17 * (0.7 + 0.3 * grow))
            for k in range(6):
                a = k * math.pi / 3 + self.t * 0.2
                pygame.draw.circle(
                    surface, color, (int(top[0] + r * math.cos(a)), int(top[1] + r * math.sin(a))), r - 2
                )
            pygame.draw.circle(surface, YELLOW, (int(top[0]), int(top[1])), max(4, r - 5))


@lru_cache(maxsize=4)
def _grounds(size: tuple[int, int]) -> pygame.Surface:
    """The static foreground (cached per canvas size in px): lawn, fence and the soil bed with its
    rows and specks, on a transparent sky so the moving sun and clouds show above it."""
    w, h = size
    top = int(h * GROUNDS_TOP)
    full = pygame.Surface(size, pygame.SRCALPHA)
    _draw_grounds(full, w, h)
    part = full.subsurface(pygame.Rect(0, top, w, h - top)).copy()  # the sky above stays unblitted
    return part


def _draw_grounds(surf: pygame.Surface, w: int, h: int) -> None:
    ground = pygame.Rect(0, int(h * 0.6), w, h - int(h * 0.6))
    surf.blit(gfx.vertical_gradient((w, ground.height), GRASS_TOP, GRASS_BOTTOM), ground.topleft)
    fence = (236, 222, 196)
    pygame.draw.rect(surf, darken(fence, 0.15), pygame.Rect(0, int(h * 0.575), w, 8))
    pygame.draw.rect(surf, darken(fence, 0.15), pygame.Rect(0, int(h * 0.535), w, 8))
    for x in range(10, w, 46):
        post = pygame.Rect(x, int(h * 0.50), 22, int(h * 0.11))
        pygame.draw.rect(surf, fence, post, border_top_left_radius=10, border_top_right_radius=10)
        pygame.draw.rect(
            surf, darken(fence, 0.25), post, 2, border_top_left_radius=10, border_top_right_radius=10
        )
    bed = pygame.Rect(int(w * 0.07), int(h * 0.64), int(w * 0.86), int(h * 0.33))
    gfx.blit_shadow(surf, bed, radius=20, alpha=70)
    pygame.draw.rect(surf, SOIL, bed, border_radius=26)
    pygame.draw.rect(surf, darken(SOIL, 0.25), bed, 5, border_radius=26)
    for row in range(3):
        y = int(h * (0.745 + 0.085 * row)) + 10
        pygame.draw.line(surf, darken(SOIL, 0.18), (bed.left + 24, y), (bed.right - 24, y), 4)
    for i in range(40):
        px = bed.left + 20 + (i * 137) % (bed.width - 40)
        py = bed.top + 14 + (i * 71) % (bed.height - 28)
        pygame.draw.ellipse(surf, darken(SOIL, 0.12 + 0.1 * (i % 3)), pygame.Rect(px, py, 10, 6))
