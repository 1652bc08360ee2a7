"""Shared scenery: a calm sky with sun, clouds and rolling hills, pre-rendered once per size.

Games and framework scenes blit the cached picture and draw only what moves on top.
"""

from __future__ import annotations

import math
from functools import lru_cache

import pygame

from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.palette import (
    GRASS_BOTTOM,
    GRASS_TOP,
    SKY_BOTTOM,
    SKY_TOP,
    WHITE,
    Color,
    darken,
    lighten,
    mix,
)


def hill_points(
    w: int, h: int, base: float, amp: float, phase: float, waves: tuple[float, ...] = (1.0, 2.3)
) -> list[tuple[int, int]]:
    """The top edge of a hill band as a closed polygon down to the bottom of the screen."""
    pts = [(0, h)]
    for x in range(0, w + 16, 16):
        y = base
        for k, f in enumerate(waves):
            y += amp / (k + 1) * math.sin(x / w * math.pi * 2 * f + phase * (k + 1))
        pts.append((x, int(y)))
    pts.append((w, h))
    return pts


@lru_cache(maxsize=32)
def cloud_sprite(scale: float, alpha: int = 235) -> pygame.Surface:
    """A puffy cloud of overlapping discs with a soft shade underneath (cached per scale)."""
    blobs = ((0, 0, 34), (36, -14, 42), (78, 0, 32), (40, 10, 36), (-30, 8, 24), (104, 10, 22))
    w, h = int(190 * scale), int(100 * scale)
    surf = pygame.Surface((w, h), pygame.SRCALPHA)
    ox, oy = int(45 * scale), int(55 * scale)
    for dx, dy, r in blobs:
        pygame.draw.circle(
            surf, (200, 214, 230, alpha), (ox + int(dx * scale), oy + int(dy * scale) + 6), int(r * scale)
        )
    for dx, dy, r in blobs:
        pygame.draw.circle(
            surf, (*WHITE, alpha), (ox + int(dx * scale), oy + int(dy * scale)), int(r * scale)
        )
    return surf


def draw_cloud(surface: pygame.Surface, x: float, y: float, scale: float, alpha: int = 235) -> None:
    """Blit a cloud centred near (x, y)."""
    scale = round(scale, 2)
    surface.blit(cloud_sprite(scale, alpha), (int(x - 45 * scale), int(y - 55 * scale)))


def draw_sun(surface: pygame.Surface, x: int, y: int, r: int) -> None:
    glow = pygame.Surface((r * 6, r * 6), pygame.SRCALPHA)
    for i in range(24, 0, -1):
        pygame.draw.circle(glow, (255, 240, 170, 5), (r * 3, r * 3), int(r * (1 + i * 0.08)))
    for k in range(12):
        a = k * math.pi / 6
        p1 = (r * 3 + int(r * 1.25 * math.cos(a)), r * 3 + int(r * 1.25 * math.sin(a)))
        p2 = (r * 3 + int(r * 1.75 * math.cos(a)), r * 3 + int(r * 1.75 * math.sin(a)))
        pygame.draw.line(glow, (255, 226, 120, 150), p1, p2, 6)
    surface.blit(glow, (x - r * 3, y - r * 3))
    surface.blit(gfx.shaded_ball(r, (250, 214, 90)), (x - r, y - r))


@lru_cache(maxsize=8)
def landscape(
    size: tuple[int, int],
    top: Color = SKY_TOP,
    bottom: Color = SKY_BOTTOM,
    horizon: float = 0.72,
    sun: bool = True,
) -> pygame.Surface:
    """Sky gradient, sun, far and near hills (cached)."""
    w, h = size
    surf = gfx.vertical_gradient(size, top, bottom).copy()
    if sun:
        draw_sun(surf, int(w * 0.84), int(h * 0.2), int(h * 0.07))
    far = hill_points(w, h, h * horizon, h * 0.05, 0.6)
    pygame.draw.polygon(surf, mix(GRASS_TOP, bottom, 0.45), far)
    near = hill_points(w, h, h * (horizon + 0.08), h * 0.04, 2.1, (0.7, 1.9))
    band = gfx.vertical_gradient((w, h - int(h * horizon)), GRASS_TOP, GRASS_BOTTOM)
    mask = pygame.Surface((w, h), pygame.SRCALPHA)
    pygame.draw.polygon(mask, (255, 255, 255, 255), near)
    grass = pygame.Surface((w, h), pygame.SRCALPHA)
    grass.blit(band, (0, int(h * horizon)))
    grass.blit(mask, (0, 0), special_flags=pygame.BLEND_RGBA_MIN)
    surf.blit(grass, (0, 0))
    pygame.draw.lines(surf, lighten(GRASS_TOP, 0.25), False, near[1:-1], 3)
    return surf


def drifting_clouds(surface: pygame.Surface, t: float, speed: float = 12.0, n: int = 4) -> None:
    """Draw ``n`` clouds drifting right at ``speed`` px/s (time ``t`` in s)."""
    w, h = surface.get_size()
    for i in range(n):
        span = w + 300
        x = (i * span / n + t * speed * (1 + 0.25 * i)) % span - 150
        y = h * (0.12 + 0.09 * ((i * 37) % 4))
        draw_cloud(surface, x, y, 0.7 + 0.15 * (i % 3))


def dim(surface: pygame.Surface, alpha: int = 110, color: Color = (20, 30, 50)) -> None:
    """Darken the whole picture (behind a dialog)."""
    veil = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
    veil.fill((*color, alpha))
    surface.blit(veil, (0, 0))


__all__ = ["darken", "dim", "draw_cloud", "draw_sun", "drifting_clouds", "hill_points", "landscape"]
