"""A game's preview picture, drawn by the game itself, headless.

:func:`render_preview` starts the game with its own typical targets, plays it for a few
seconds of scripted motion (smooth repetitions across the calibrated range, with the rep
events a tracker would report) and draws one frame of the game world (no framework HUD);
:func:`preview_png` returns it as PNG bytes, scaled to ``PREVIEW_SIZE``. Nothing is
downloaded: the picture is whatever the game draws. The hub calls this module as a command
(``python -m smarttouch.games.sdk.preview KEY OUT.png [LANG]``) so pygame never runs inside a web
worker, and caches the file (``platform/services/clinic/previews.py``).
"""

from __future__ import annotations

import io
import math
import os
import random
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from smarttouch.files import atomic_write_bytes
from smarttouch.games.sdk.protocol import Difficulty, GameContext
from smarttouch.games.sdk.registry import game_info, make_game
from smarttouch.games.sdk.targets import PlanTargets

if TYPE_CHECKING:  # pragma: no cover
    import pygame

CANVAS = (1280, 720)
PREVIEW_SIZE = (640, 360)
STEP_S = 1.0 / 60.0
PERIOD_S = 4.0  # one scripted repetition
PEAK = 0.85  # of the calibrated range
SECONDS = 9.0  # shown a quarter into the third repetition: the movement under way


def _pygame() -> object:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    pygame.display.init()
    pygame.font.init()
    if pygame.display.get_surface() is None:
        pygame.display.set_mode((1, 1))
    return pygame


def render_preview(key: str, size: tuple[int, int] = CANVAS, lang: str = "en") -> pygame.Surface:
    """One representative frame of game ``key`` (a registry key) at ``size`` pixels."""
    _pygame()
    import pygame

    from smarttouch.scoring.control import ControlState, RepEvent

    info = game_info(key)
    targets = PlanTargets(
        game=key,
        movement=info.movements[0],
        target_rom_deg=info.rom_deg,
        max_rom_deg=info.max_rom_deg,
        lang=lang,
    )
    rom_max = info.max_rom_deg
    difficulty = Difficulty(target_rom_deg=info.rom_deg, max_rom_deg=info.max_rom_deg, rom_max_deg=rom_max)
    game = make_game(key)
    game.start(GameContext(targets, info.movements[0], difficulty, random.Random(1), None, size))
    t, index = 0.0, 0
    for _ in range(int(SECONDS / STEP_S)):
        t += STEP_S
        cycle = t / PERIOD_S
        position = PEAK * 0.5 * (1.0 - math.cos(2.0 * math.pi * cycle))
        events: tuple[RepEvent, ...] = ()
        if int(cycle) > index:  # a repetition just came back to rest
            events = (RepEvent("completed", t, index, rom_deg=PEAK * rom_max, duration_s=PERIOD_S),)
            index += 1
        game.update(ControlState(t, position * rom_max, position, 0.0, events), STEP_S)
    surface = pygame.Surface(size)
    game.draw(surface)
    return surface


def preview_png(key: str, lang: str = "en") -> bytes:
    """The preview of game ``key`` as PNG bytes of ``PREVIEW_SIZE``."""
    import pygame

    frame = render_preview(key, CANVAS, lang)
    small = pygame.transform.smoothscale(frame, PREVIEW_SIZE)
    buf = io.BytesIO()
    pygame.image.save(small, buf, "preview.png")
    return buf.getvalue()


def write_preview(key: str, path: Path, lang: str = "en") -> Path:
    """Write the preview of ``key`` to ``path`` (atomically) and return it."""
    atomic_write_bytes(path, preview_png(key, lang))
    return path


def main(argv: list[str]) -> int:
    """``python -m smarttouch.games.sdk.preview KEY OUT.png [LANG]`` (LANG: en or it)."""
    if len(argv) not in (2, 3):
        print("usage: python -m smarttouch.games.sdk.preview KEY OUT.png [en|it]", file=sys.stderr)
        return 2
    write_preview(argv[0], Path(argv[1]), argv[2] if len(argv) == 3 else "en")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
