"""Shared bits of the built-in games: the vertical play band and cached sprites."""

from __future__ import annotations

import math
from functools import lru_cache

import pygame

from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.palette import WHITE, Color, darken, lighten

HUD_BOTTOM = 110


def band(h: int, top_margin: int = HUD_BOTTOM + 50, bottom_frac: float = 0.86) -> tuple[float, float]:
    """Screen y of position 0 (bottom) and position 1 (top) for a canvas of height ``h``."""
    return h * bottom_frac, float(top_margin)


def y_of(position: float, h: int, top_margin: int = HUD_BOTTOM + 50) -> float:
    """Screen y for a 0..1 position (``top_margin``: y of position 1, below the top bar by
    at least half of what the game draws around that point)."""
    y0, y1 = band(h, top_margin)
    return y0 + (y1 - y0) * position


@lru_cache(maxsize=64)
def balloon_sprite(r: int, color: Color) -> pygame.Surface:
    """A shiny balloon (ellipse, highlight, knot) without its string, ``r`` = half width in px."""
    w, h = 2 * r, int(2.5 * r)
    surf = pygame.Surface((w + 4, h + 20), pygame.SRCALPHA)
    body = pygame.transform.smoothscale(gfx.shaded_ball(r, color), (w, int(2.3 * r)))
    surf.blit(body, (2, 0))
    hl = pygame.Surface((int(r * 0.5), int(r * 0.8)), pygame.SRCALPHA)
    pygame.draw.ellipse(hl, (*WHITE, 150), hl.get_rect())
    surf.blit(pygame.transform.rotate(hl, 25), (int(r * 0.45), int(r * 0.35)))
    knot_y = int(2.3 * r) - 2
    pygame.draw.polygon(
        surf, darken(color, 0.25), [(r + 2, knot_y - 2), (r - 6, knot_y + 10), (r + 10, knot_y + 10)]
    )
    return surf


def draw_string(
    surface: pygame.Surface, x: float, y: float, length: float, t: float, color: Color = (90, 90, 110)
) -> None:
    pts = [(x + 6 * math.sin(t * 2.0 + i * 0.5), y + i * length / 12) for i in range(13)]
    pygame.draw.lines(surface, color, False, pts, 2)


@lru_cache(maxsize=16)
def glow(r: int, color: Color, strength: int = 14) -> pygame.Surface:
    """A soft radial glow of radius ``r``."""
    surf = pygame.Surface((2 * r, 2 * r), pygame.SRCALPHA)
    for i in range(16, 0, -1):
        f = i / 16
        pygame.draw.circle(surf, (*lighten(color, 0.2), int(strength * (1.2 - f))), (r, r), int(r * f))
    return surf


def star_points(cx: float, cy: float, r: float, rot: float = 0.0) -> list[tuple[float, float]]:
    pts = []
    for i in range(10):
        a = -math.pi / 2 + rot + i * math.pi / 5
        rr = r if i % 2 == 0 else r * 0.46
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return pts


def target_line(
    surface: pygame.Surface, y: float, color: Color, t: float, x0: int = 0, x1: int | None = None
) -> None:
    """A dashed, gently moving guide line at the target height, from ``x0`` to ``x1`` px."""
    x1 = surface.get_width() if x1 is None else x1
    off = int(t * 40) % 40
    for x in range(x0 - 40 + off, x1, 40):
        a, b = max(x, x0), min(x + 22, x1)
        if b > a:
            pygame.draw.line(surface, color, (a, int(y)), (b, int(y)), 4)
