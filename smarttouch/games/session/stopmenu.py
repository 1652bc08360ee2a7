"""The always-reachable stop control: a big Stop button, then "pain / tired / other / keep playing".

Reachable by mouse or touch (the button, top right, on every scene but the summary), by
Escape, and by keys 1-4 once open. Logic (``handle_event``) is separate from drawing.
"""

from __future__ import annotations

from typing import Any

import pygame

from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.layout import STOP, DrawnRects
from smarttouch.games.sdk.messages import tr
from smarttouch.games.sdk.palette import BLUE, BLUISH_GREEN, INK, REDDISH_PURPLE, VERMILLION, WHITE, darken
from smarttouch.games.sdk.scenery import dim

CHOICES = ("pain", "fatigue", "other", "resume")
LABEL_KEYS = {"pain": "stop.pain", "fatigue": "stop.fatigue", "other": "stop.other", "resume": "stop.resume"}
COLOURS = {
    "pain": darken(VERMILLION, 0.2),
    "fatigue": darken(BLUE, 0.05),
    "other": darken(REDDISH_PURPLE, 0.35),
    "resume": darken(BLUISH_GREEN, 0.2),
}


def stop_button_rect(size: tuple[int, int]) -> pygame.Rect:
    w, _ = size
    return pygame.Rect(w - 196, 18, 176, 64)


def menu_rects(size: tuple[int, int]) -> dict[str, pygame.Rect]:
    """Where the dialog and its four buttons are, in canvas pixels."""
    w, h = size
    panel = pygame.Rect(0, 0, 820, 470)
    panel.center = (w // 2, h // 2)
    rects = {"panel": panel}
    bw, bh, gap = 236, 96, 26
    x0 = panel.centerx - (3 * bw + 2 * gap) // 2
    for i, name in enumerate(CHOICES[:3]):
        rects[name] = pygame.Rect(x0 + i * (bw + gap), panel.top + 150, bw, bh)
    rects["resume"] = pygame.Rect(0, 0, 420, 84)
    rects["resume"].midbottom = (panel.centerx, panel.bottom - 40)
    return rects


class StopMenu:
    """State of the stop dialog; ``handle_event`` returns a choice from CHOICES or None."""

    def __init__(self) -> None:
        self.open = False
        self.focus = 0

    def close(self) -> None:
        self.open = False

    def handle_event(self, event: Any, size: tuple[int, int], in_summary: bool = False) -> str | None:
        if in_summary:
            return None
        et = getattr(event, "type", None)
        if not self.open:
            if et == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
                self.open, self.focus = True, 3
            elif et == pygame.MOUSEBUTTONDOWN and stop_button_rect(size).collidepoint(event.pos):
                self.open, self.focus = True, 3
            return None
        if et == pygame.KEYDOWN:
            keys = {
                pygame.K_1: "pain",
                pygame.K_2: "fatigue",
                pygame.K_3: "other",
                pygame.K_4: "resume",
                pygame.K_ESCAPE: "resume",
            }
            if event.key in keys:
                return self._choose(keys[event.key])
            if event.key in (pygame.K_RIGHT, pygame.K_TAB, pygame.K_DOWN):
                self.focus = (self.focus + 1) % len(CHOICES)
            elif event.key in (pygame.K_LEFT, pygame.K_UP):
                self.focus = (self.focus - 1) % len(CHOICES)
            elif event.key in (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE):
                return self._choose(CHOICES[self.focus])
        elif et == pygame.MOUSEBUTTONDOWN:
            rects = menu_rects(size)
            for name in CHOICES:
                if rects[name].collidepoint(event.pos):
                    return self._choose(name)
        return None

    def _choose(self, name: str) -> str:
        self.open = False
        return name

    def draw(
        self, surface: pygame.Surface, lang: str, in_summary: bool = False, layout: DrawnRects | None = None
    ) -> None:
        if in_summary:
            return
        size = surface.get_size()
        if not self.open:
            rect = stop_button_rect(size)
            gfx.button(surface, rect, "■ " + tr("stop.button", lang), COLOURS["pain"], size=32)
            if layout is not None:
                layout.add(STOP, rect.inflate(0, 8).move(0, 2))  # with its shadow edge
            return
        if layout is not None:
            layout.clear()  # a modal dialog: nothing under it needs to be seen
        dim(surface, 140)
        rects = menu_rects(size)
        gfx.card(surface, rects["panel"], radius=30)
        gfx.draw_text(
            surface, tr("stop.title", lang), 44, (rects["panel"].centerx, rects["panel"].top + 72), INK
        )
        for i, name in enumerate(CHOICES):
            label = tr(LABEL_KEYS[name], lang)
            gfx.button(
                surface,
                rects[name],
                label,
                COLOURS[name],
                WHITE,
                size=34 if name != "resume" else 34,
                focused=self.focus == i,
            )
            gfx.draw_text(surface, str(i + 1), 20, (rects[name].left + 22, rects[name].top + 18), WHITE)
