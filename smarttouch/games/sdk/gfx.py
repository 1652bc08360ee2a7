"""Drawing helpers: friendly fonts, cached text, gradients, soft shadows, rounded cards.

Everything expensive (gradients, blurred shadows, rendered text) is cached by its parameters
so a frame at 1280x720 costs a few blits. Sizes are in pixels of the logical 1280x720 canvas.
"""

from __future__ import annotations

import os
from functools import lru_cache

import pygame

from smarttouch.games.sdk.palette import INK, PANEL, PANEL_EDGE, WHITE, Color, darken, lighten, mix

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/usr/local/share/fonts/DejaVuSans-Bold.ttf",
)


def _font_path() -> str | None:
    override = os.environ.get("SMARTTOUCH_GAME_FONT")
    for path in ((override,) if override else ()) + FONT_CANDIDATES:
        if path and os.path.exists(path):
            return path
    return None  # pygame's default font


@lru_cache(maxsize=64)
def font(size: int) -> pygame.font.Font:
    """The friendly bold font (DejaVu Sans Bold if installed, else pygame's default) at ``size`` px."""
    if not pygame.font.get_init():
        pygame.font.init()
    path = _font_path()
    if path is None:
        return pygame.font.Font(None, int(size * 1.3))  # the default font runs small
    return pygame.font.Font(path, size)


@lru_cache(maxsize=512)
def text_surface(text: str, size: int, color: Color = INK, outline: Color | None = None) -> pygame.Surface:
    """Rendered text, anti-aliased, optionally with a 2 px outline for contrast over pictures."""
    f = font(size)
    body = f.render(text, True, color)
    if outline is None:
        return body
    w, h = body.get_size()
    out = pygame.Surface((w + 4, h + 4), pygame.SRCALPHA)
    edge = f.render(text, True, outline)
    for dx in (0, 2, 4):
        for dy in (0, 2, 4):
            if dx != 2 or dy != 2:
                out.blit(edge, (dx, dy))
    out.blit(body, (2, 2))
    return out


def draw_text(
    surface: pygame.Surface,
    text: str,
    size: int,
    pos: tuple[float, float],
    color: Color = INK,
    anchor: str = "center",
    outline: Color | None = None,
) -> pygame.Rect:
    """Blit text anchored at ``pos`` (anchor is a pygame.Rect attribute name, e.g. "midleft")."""
    img = text_surface(text, size, color, outline)
    rect = img.get_rect(**{anchor: (int(pos[0]), int(pos[1]))})
    surface.blit(img, rect)
    return rect


def wrap(text: str, size: int, width: int) -> list[str]:
    """Split ``text`` into lines that fit ``width`` pixels at font ``size``."""
    f = font(size)
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if f.size(trial)[0] <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def draw_paragraph(
    surface: pygame.Surface,
    text: str,
    size: int,
    rect: pygame.Rect,
    color: Color = INK,
    line_gap: float = 1.25,
) -> int:
    """Draw wrapped, centred text inside ``rect``; returns the y below the last line."""
    y = rect.top
    for line in wrap(text, size, rect.width):
        draw_text(surface, line, size, (rect.centerx, y), color, anchor="midtop")
        y += int(size * line_gap)
    return y


@lru_cache(maxsize=32)
def vertical_gradient(size: tuple[int, int], top: Color, bottom: Color) -> pygame.Surface:
    """A surface filled with a top-to-bottom gradient (cached)."""
    w, h = size
    strip = pygame.Surface((1, max(h, 1)))
    for y in range(h):
        f = y / max(h - 1, 1)
        strip.set_at((0, y), tuple(int(a + (b - a) * f) for a, b in zip(top, bottom)))
    return (
        pygame.transform.scale(strip, (w, h)).convert()
        if pygame.display.get_surface()
        else pygame.transform.scale(strip, (w, h))
    )


@lru_cache(maxsize=64)
def soft_shadow(
    size: tuple[int, int], radius: int = 14, alpha: int = 90, ellipse: bool = False
) -> pygame.Surface:
    """A blurred dark shape of ``size`` plus a ``radius`` margin, to blit under a card or object."""
    w, h = size
    pad = radius * 2
    base = pygame.Surface((w + pad * 2, h + pad * 2), pygame.SRCALPHA)
    shape = pygame.Rect(pad, pad, w, h)
    if ellipse:
        pygame.draw.ellipse(base, (0, 0, 0, alpha), shape)
    else:
        pygame.draw.rect(base, (0, 0, 0, alpha), shape, border_radius=radius)
    small = pygame.transform.smoothscale(
        base, (max(1, base.get_width() // 6), max(1, base.get_height() // 6))
    )
    return pygame.transform.smoothscale(small, base.get_size())


def blit_shadow(
    surface: pygame.Surface,
    rect: pygame.Rect,
    radius: int = 14,
    alpha: int = 90,
    offset: tuple[int, int] = (0, 8),
    ellipse: bool = False,
) -> None:
    shadow = soft_shadow((rect.width, rect.height), radius, alpha, ellipse)
    pad = radius * 2
    surface.blit(shadow, (rect.x - pad + offset[0], rect.y - pad + offset[1]))


def card(
    surface: pygame.Surface,
    rect: pygame.Rect,
    fill: Color = PANEL,
    edge: Color = PANEL_EDGE,
    radius: int = 24,
    shadow: bool = True,
) -> None:
    """A rounded card with a soft shadow and a gentle top highlight."""
    if shadow:
        blit_shadow(surface, rect, radius=radius // 2 + 6, alpha=70)
    pygame.draw.rect(surface, fill, rect, border_radius=radius)
    hi = pygame.Rect(rect.x + 6, rect.y + 4, rect.width - 12, max(6, rect.height // 3))
    pygame.draw.rect(surface, lighten(fill, 0.35), hi, border_radius=radius)
    pygame.draw.rect(
        surface,
        fill,
        pygame.Rect(rect.x, rect.y + rect.height // 6, rect.width, rect.height * 5 // 6),
        border_radius=radius,
    )
    pygame.draw.rect(surface, edge, rect, width=2, border_radius=radius)


@lru_cache(maxsize=128)
def shaded_ball(radius: int, color: Color) -> pygame.Surface:
    """A sphere-looking disc: concentric circles from a darker rim to a highlight up-left (cached)."""
    d = radius * 2
    surf = pygame.Surface((d, d), pygame.SRCALPHA)
    steps = max(8, radius // 2)
    rim, glow = darken(color, 0.22), lighten(color, 0.55)
    for i in range(steps):
        f = i / steps
        r = max(1, int(radius * (1.0 - f * 0.8)))
        cx = radius - int(radius * 0.3 * f)
        cy = radius - int(radius * 0.34 * f)
        pygame.draw.circle(surf, (*mix(rim, glow, f * f), 255), (cx, cy), r)
    return surf


def thick_arc(
    surface: pygame.Surface,
    color: Color,
    center: tuple[float, float],
    radius: float,
    width: float,
    start: float,
    end: float,
) -> None:
    """A solid arc from angle ``start`` to ``end`` (radians, counter-clockwise, 0 = right), as a
    polygon: no gaps, unlike pygame.draw.arc with a wide line."""
    import math

    if end <= start:
        return
    n = max(4, int((end - start) * radius / 6))
    outer, inner = radius, radius - width
    pts = [
        (
            center[0] + outer * math.cos(start + (end - start) * i / n),
            center[1] - outer * math.sin(start + (end - start) * i / n),
        )
        for i in range(n + 1)
    ]
    pts += [
        (
            center[0] + inner * math.cos(end - (end - start) * i / n),
            center[1] - inner * math.sin(end - (end - start) * i / n),
        )
        for i in range(n + 1)
    ]
    pygame.draw.polygon(surface, color, pts)


def fitting_size(text: str, size: int, width: int, smallest: int = 18) -> int:
    """The largest font size <= ``size`` at which ``text`` fits in ``width`` pixels."""
    while size > smallest and font(size).size(text)[0] > width:
        size -= 2
    return size


def button(
    surface: pygame.Surface,
    rect: pygame.Rect,
    label: str,
    fill: Color,
    text_color: Color = WHITE,
    size: int = 34,
    focused: bool = False,
) -> None:
    """A big pill button with a shadow and a focus ring (keyboard users see where they are)."""
    blit_shadow(surface, rect, radius=rect.height // 2, alpha=80, offset=(0, 6))
    pygame.draw.rect(surface, darken(fill, 0.2), rect.move(0, 4), border_radius=rect.height // 2)
    pygame.draw.rect(surface, fill, rect, border_radius=rect.height // 2)
    top = pygame.Rect(rect.x + 8, rect.y + 4, rect.width - 16, rect.height // 2 - 2)
    pygame.draw.rect(surface, lighten(fill, 0.22), top, border_radius=rect.height // 2)
    if focused:
        pygame.draw.rect(surface, INK, rect.inflate(10, 10), width=4, border_radius=rect.height // 2 + 5)
    draw_text(
        surface,
        label,
        fitting_size(label, size, rect.width - 36),
        rect.center,
        text_color,
        outline=darken(fill, 0.45),
    )


def progress_bar(
    surface: pygame.Surface, rect: pygame.Rect, fraction: float, fill: Color, label: str = ""
) -> None:
    """A rounded progress bar with a gradient fill and the label centred on it."""
    fraction = min(1.0, max(0.0, fraction))
    r = rect.height // 2
    blit_shadow(surface, rect, radius=r, alpha=60, offset=(0, 4))
    pygame.draw.rect(surface, (236, 232, 222), rect, border_radius=r)
    if fraction > 0:
        w = max(rect.height, int(rect.width * fraction))
        bar = pygame.Rect(rect.x, rect.y, w, rect.height)
        pygame.draw.rect(surface, fill, bar, border_radius=r)
        pygame.draw.rect(
            surface,
            lighten(fill, 0.35),
            pygame.Rect(bar.x + 6, bar.y + 4, bar.width - 12, rect.height // 3),
            border_radius=r,
        )
    pygame.draw.rect(surface, PANEL_EDGE, rect, width=2, border_radius=r)
    if label:
        draw_text(surface, label, max(16, int(rect.height * 0.62)), rect.center, INK, outline=WHITE)
