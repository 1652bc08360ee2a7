"""Rest between sets: a breathing circle and a countdown; any key or click ends it early."""

from __future__ import annotations

import math

import pygame

from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.palette import BLUISH_GREEN, DUSK_BOTTOM, INK, SKY_BLUE, darken, lighten
from smarttouch.games.sdk.scenery import drifting_clouds, landscape
from smarttouch.games.session.scenes.base import Scene, SceneHost, is_continue
from smarttouch.scoring.control import ControlState

BREATH_IN_S, BREATH_OUT_S = 4.0, 6.0


def breath_phase(t: float) -> float:
    """0..1..0 over one slow breath (in 4 s, out 6 s)."""
    c = t % (BREATH_IN_S + BREATH_OUT_S)
    if c < BREATH_IN_S:
        return 0.5 - 0.5 * math.cos(math.pi * c / BREATH_IN_S)
    return 0.5 + 0.5 * math.cos(math.pi * (c - BREATH_IN_S) / BREATH_OUT_S)


class RestScene(Scene):
    name = "rest"

    def enter(self, app: SceneHost) -> None:
        super().enter(app)
        app.feedback.toasts.clear()  # the rest card itself says "well done"
        app.sound.play("rest", app.control.t)
        app.log("rest", seconds=app.targets.rest_s, next_set=app.set_index + 1)

    def update(self, app: SceneHost, control: ControlState, dt: float) -> None:
        super().update(app, control, dt)
        if self.age_s >= app.targets.rest_s:
            self._go(app)

    def handle_event(self, app: SceneHost, event: pygame.event.Event) -> None:
        if is_continue(event) and self.age_s > 1.0:
            self._go(app)

    def _go(self, app: SceneHost) -> None:
        from smarttouch.games.session.scenes.play import PlayScene

        app.log("rest_end", rested_s=round(self.age_s, 2))
        app.goto(PlayScene())

    def draw(self, app: SceneHost, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        surface.blit(landscape((w, h), top=(120, 160, 210), bottom=DUSK_BOTTOM), (0, 0))
        drifting_clouds(surface, app.now, speed=6.0)
        panel = pygame.Rect(0, 0, int(w * 0.72), int(h * 0.68))
        panel.center = (w // 2, int(h * 0.56))
        gfx.card(surface, panel, radius=32)
        gfx.draw_text(
            surface, app.tr("rest.title"), 50, (panel.centerx, panel.top + 62), darken(BLUISH_GREEN, 0.35)
        )
        left = max(0, math.ceil(app.targets.rest_s - self.age_s))
        key = "rest.body.sts" if app.movement == "sit_to_stand" else "rest.body"
        gfx.draw_paragraph(
            surface,
            app.tr(key, seconds=left),
            32,
            pygame.Rect(panel.left + 50, panel.top + 110, panel.width - 100, 100),
        )
        b = breath_phase(self.age_s)
        r = int(60 + 50 * b)
        centre = (panel.centerx, panel.top + int(panel.height * 0.64))
        for i in range(3, 0, -1):
            pygame.draw.circle(surface, lighten(SKY_BLUE, 0.55 + 0.1 * i), centre, r + i * 14)
        surface.blit(gfx.shaded_ball(r, SKY_BLUE), (centre[0] - r, centre[1] - r))
        gfx.draw_text(
            surface,
            app.tr("play.set", set=app.set_index + 1, sets=app.targets.sets),
            30,
            (panel.centerx, panel.bottom - 78),
            INK,
        )
        gfx.draw_text(surface, app.tr("rest.skip"), 26, (panel.centerx, panel.bottom - 36), darken(INK, 0.0))
