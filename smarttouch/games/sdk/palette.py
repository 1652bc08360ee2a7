"""Colours: the Okabe-Ito colour-blind-safe palette plus a few soft tints for backgrounds.

Okabe M., Ito K. (2008) "Color Universal Design": eight colours distinguishable with the
common forms of colour blindness. Meaning never rests on colour alone: success and miss also
differ in shape, motion and sound.
"""

from __future__ import annotations

Color = tuple[int, int, int]

BLACK: Color = (0, 0, 0)
ORANGE: Color = (230, 159, 0)
SKY_BLUE: Color = (86, 180, 233)
BLUISH_GREEN: Color = (0, 158, 115)
YELLOW: Color = (240, 228, 66)
BLUE: Color = (0, 114, 178)
VERMILLION: Color = (213, 94, 0)
REDDISH_PURPLE: Color = (204, 121, 167)

OKABE_ITO: tuple[Color, ...] = (ORANGE, SKY_BLUE, BLUISH_GREEN, YELLOW, BLUE, VERMILLION, REDDISH_PURPLE)

INK: Color = (16, 32, 54)  # text on light panels (contrast > 12:1 on PANEL)
WHITE: Color = (255, 255, 255)
PANEL: Color = (252, 250, 244)  # warm off-white cards
PANEL_EDGE: Color = (210, 200, 180)
SKY_TOP: Color = (96, 170, 222)
SKY_BOTTOM: Color = (214, 236, 248)
DUSK_TOP: Color = (38, 62, 110)
DUSK_BOTTOM: Color = (120, 150, 200)
GRASS_TOP: Color = (92, 168, 88)
GRASS_BOTTOM: Color = (52, 120, 62)
SOIL: Color = (120, 84, 54)

SUCCESS: Color = BLUISH_GREEN
ATTENTION: Color = VERMILLION
HIGHLIGHT: Color = YELLOW


def lighten(c: Color, amount: float) -> Color:
    """Mix ``c`` towards white by ``amount`` (0..1)."""
    r, g, b = (int(round(v + (255 - v) * amount)) for v in c)
    return (r, g, b)


def darken(c: Color, amount: float) -> Color:
    """Mix ``c`` towards black by ``amount`` (0..1)."""
    r, g, b = (int(round(v * (1.0 - amount))) for v in c)
    return (r, g, b)


def mix(a: Color, b: Color, f: float) -> Color:
    """Linear mix: f=0 gives ``a``, f=1 gives ``b``."""
    f = min(1.0, max(0.0, f))
    r, g, b_ = (int(round(x + (y - x) * f)) for x, y in zip(a, b, strict=True))
    return (r, g, b_)
