"""How do you feel: pain (0-10 NRS) and effort (Borg CR10), before and after the session.

One question at a time, eleven big numbered buttons and a Skip button. Mouse: hover shows,
a click answers. Keys: a number key chooses (``1`` then ``0`` within
:data:`TEN_WINDOW_S` chooses 10), the left/right arrows move the choice, Enter or Space
confirms it, ``S`` skips. Arrow keys and numbers are kept from the keyboard input device
while this scene is up, so rating never moves the game.
"""

from __future__ import annotations

import pygame

from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.palette import (
    BLUE,
    BLUISH_GREEN,
    INK,
    PANEL_EDGE,
    VERMILLION,
    WHITE,
    darken,
    lighten,
    mix,
)
from smarttouch.games.sdk.scenery import drifting_clouds, landscape
from smarttouch.games.session.feelings import SCALE_MAX, SCALES
from smarttouch.games.session.scenes.base import Scene, SceneHost
from smarttouch.scoring.control import ControlState

TEN_WINDOW_S = 1.5  # "1" then "0" within this many seconds chooses 10

_DIGITS = {getattr(pygame, f"K_{d}"): d for d in range(10)} | {
    getattr(pygame, f"K_KP{d}"): d for d in range(10)
}
_CONFIRM = (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE)


def layout(size: tuple[int, int]) -> tuple[list[pygame.Rect], pygame.Rect]:
    """The eleven number buttons (0..10, left to right) and the Skip button, in canvas pixels."""
    w, h = size
    n = SCALE_MAX + 1
    gap = 12
    margin = max(60, int(w * 0.06))
    bw = (w - 2 * margin - gap * (n - 1)) // n
    bh = max(96, int(h * 0.16))
    top = int(h * 0.42)
    numbers = [pygame.Rect(margin + i * (bw + gap), top, bw, bh) for i in range(n)]
    skip = pygame.Rect(0, 0, 260, 84)
    skip.midbottom = (w // 2, h - 40)
    return numbers, skip


def button_color(value: int) -> tuple[int, int, int]:
    """A calm blue for low values shading to vermillion for high ones (never colour alone:
    every button carries its number)."""
    return mix(BLUE, VERMILLION, value / SCALE_MAX)


class FeelingsScene(Scene):
    """Asks the scales of ``moment`` ("before" or "after") that have no answer yet."""

    name = "feelings"
    captures_input = True  # numbers and arrows answer here; they never reach the input device

    def __init__(self, moment: str) -> None:
        super().__init__()
        self.moment = moment
        self.selected: int | None = None
        self.hover: int | None = None
        self._one_at: float | None = None  # when "1" was pressed, for "10"

    def enter(self, app: SceneHost) -> None:
        super().enter(app)
        app.feedback.toasts.clear()
        self.selected = None
        self._one_at = None
        if self.scale(app) is None:  # nothing left to ask (e.g. after a window restore)
            app.feelings_done(self.moment)

    def update(self, app: SceneHost, control: ControlState, dt: float) -> None:
        super().update(app, control, dt)
        if self.moment == "after" and self.age_s >= app.config.feelings_after_timeout_s:
            while self.scale(app) is not None:  # nobody answered: keep them as skipped, save
                self._answer(app, None)

    def scale(self, app: SceneHost) -> str | None:
        """The scale being asked now, or None when both are answered."""
        left = app.unanswered_feelings(self.moment)
        return left[0] if left else None

    def _answer(self, app: SceneHost, value: int | None) -> None:
        scale = self.scale(app)
        if scale is None:
            return
        app.rate_feeling(self.moment, scale, value)
        self.selected = None
        self.hover = None
        self._one_at = None
        if self.scale(app) is None:
            app.feelings_done(self.moment)

    def handle_event(self, app: SceneHost, event: pygame.event.Event) -> None:
        et = getattr(event, "type", None)
        numbers, skip = layout(app.size)
        if et == pygame.MOUSEMOTION:
            self.hover = next((i for i, r in enumerate(numbers) if r.collidepoint(event.pos)), None)
        elif et == pygame.MOUSEBUTTONDOWN and getattr(event, "button", 1) == 1:
            if skip.collidepoint(event.pos):
                self._answer(app, None)
                return
            hit = next((i for i, r in enumerate(numbers) if r.collidepoint(event.pos)), None)
            if hit is not None:
                self._answer(app, hit)
        elif et == pygame.KEYDOWN:
            key = event.key
            if key in _DIGITS:
                digit = _DIGITS[key]
                recent_one = self._one_at is not None and self.age_s - self._one_at <= TEN_WINDOW_S
                if digit == 0 and recent_one and self.selected == 1:
                    self.selected = 10
                    self._one_at = None
                else:
                    self.selected = digit
                    self._one_at = self.age_s if digit == 1 else None
            elif key == pygame.K_RIGHT:
                self.selected = 0 if self.selected is None else min(SCALE_MAX, self.selected + 1)
            elif key == pygame.K_LEFT:
                self.selected = SCALE_MAX if self.selected is None else max(0, self.selected - 1)
            elif key in _CONFIRM and self.selected is not None:
                self._answer(app, self.selected)
            elif key == pygame.K_s:
                self._answer(app, None)

    def draw(self, app: SceneHost, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        surface.blit(landscape((w, h), top=(150, 190, 225), bottom=(236, 244, 250)), (0, 0))
        drifting_clouds(surface, app.now, speed=5.0)
        panel = pygame.Rect(24, 96, w - 48, h - 120)
        gfx.card(surface, panel, radius=32)
        scale = self.scale(app) or SCALES[-1]
        title = app.tr(f"feel.title.{self.moment}")
        gfx.draw_text(surface, title, 50, (w // 2, panel.top + 52), darken(BLUISH_GREEN, 0.35))
        step = SCALES.index(scale) + 1
        gfx.draw_text(surface, f"{step} / {len(SCALES)}", 24, (panel.right - 60, panel.top + 52), INK)
        question = app.tr("feel.pain" if scale == "pain_nrs" else "feel.effort")
        gfx.draw_paragraph(
            surface, question, 32, pygame.Rect(panel.left + 60, panel.top + 100, panel.width - 120, 90)
        )
        numbers, skip = layout((w, h))
        shown = self.selected if self.selected is not None else self.hover
        for value, rect in enumerate(numbers):
            color = button_color(value)
            chosen = value == shown
            fill = color if chosen else lighten(color, 0.55)
            gfx.blit_shadow(surface, rect, radius=18, alpha=60, offset=(0, 5))
            pygame.draw.rect(surface, fill, rect, border_radius=18)
            pygame.draw.rect(surface, darken(color, 0.2), rect, width=3, border_radius=18)
            if chosen:
                pygame.draw.rect(surface, INK, rect.inflate(12, 12), width=5, border_radius=22)
            gfx.draw_text(
                surface,
                str(value),
                54,
                rect.center,
                WHITE if chosen else darken(color, 0.45),
                outline=darken(color, 0.5) if chosen else None,
            )
        low, high = (
            ("feel.pain.low", "feel.pain.high")
            if scale == "pain_nrs"
            else ("feel.effort.low", "feel.effort.high")
        )
        under = numbers[0].bottom + 30
        gfx.draw_text(surface, app.tr(low), 26, (numbers[0].left, under), INK, anchor="midleft")
        gfx.draw_text(surface, app.tr(high), 26, (numbers[-1].right, under), INK, anchor="midright")
        if self.selected is not None:
            line = app.tr("feel.chosen", value=self.selected)
        else:
            line = app.tr("feel.hint")
        size = gfx.fitting_size(line, 26, panel.width - 80)
        gfx.draw_text(surface, line, size, (w // 2, under + 56), darken(INK, 0.0))
        gfx.button(surface, skip, app.tr("feel.skip"), darken(PANEL_EDGE, 0.4), size=34)
