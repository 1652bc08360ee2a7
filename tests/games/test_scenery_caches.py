"""The built-in games' cached scenery: a cache key covers everything that changes the picture."""

from __future__ import annotations

import pygame

from smarttouch.games.builtin.glider.game import _strip


def test_glider_hill_strip_cache_keys_on_colour_phase_and_top() -> None:
    w, h, top = 320, 180, 126
    green = _strip(w, h, 0.80, (120, 178, 140), 0.7, top)
    red = _strip(w, h, 0.80, (200, 40, 40), 0.7, top)
    shifted = _strip(w, h, 0.80, (120, 178, 140), 2.6, top)
    taller = _strip(w, h, 0.80, (120, 178, 140), 0.7, top - 20)
    assert _strip(w, h, 0.80, (120, 178, 140), 0.7, top) is green
    assert pygame.image.tobytes(green, "RGBA") != pygame.image.tobytes(red, "RGBA")
    assert pygame.image.tobytes(green, "RGBA") != pygame.image.tobytes(shifted, "RGBA")
    assert taller.get_height() == h - (top - 20) != green.get_height()
