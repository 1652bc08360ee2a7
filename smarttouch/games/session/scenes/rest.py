"""Rest between sets: a breathing circle beside a large countdown; any key or click ends it early."""

from __future__ import annotations

import math

import pygame

from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.palette import BLUE, BLUISH_GREEN, DUSK_BOTTOM, INK, SKY_BLUE, darken, lighten
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
        relax = app.tr("rest.relax.sts" if app.movement == "sit_to_stand" else "rest.relax")
        app.speak(f"{app.tr('rest.title')}. {relax}")

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
        lay = app.layout
        surface.blit(landscape((w, h), top=(120, 160, 210), bottom=DUSK_BOTTOM), (0, 0))
        drifting_clouds(surface, app.now, speed=6.0)
        panel = pygame.Rect(0, 0, int(w * 0.74), int(h * 0.76))
        panel.midtop = (w // 2, 104)
        gfx.card(surface, panel, radius=32)
        title = app.tr("rest.title")
        lay.add(
            "title",
            gfx.draw_text(
                surface,
                title,
                gfx.fitting_size(title, 48, panel.width - 60),
                (panel.centerx, panel.top + 52),
                darken(BLUISH_GREEN, 0.35),
            ),
        )
        key = "rest.relax.sts" if app.movement == "sit_to_stand" else "rest.relax"
        body = pygame.Rect(panel.left + 50, panel.top + 100, panel.width - 100, 80)
        bottom = gfx.draw_paragraph(surface, app.tr(key), 30, body)
        lay.add("body", pygame.Rect(body.left, body.top, body.width, bottom - body.top))
        # the breathing ball on the left, the countdown on the right: side by side, never overlapping
        b = breath_phase(self.age_s)
        r = int(46 + 38 * b)
        halo = r + 3 * 12
        centre = (panel.left + int(panel.width * 0.30), panel.top + 300)
        for i in range(3, 0, -1):
            pygame.draw.circle(surface, lighten(SKY_BLUE, 0.55 + 0.1 * i), centre, r + i * 12)
        surface.blit(gfx.shaded_ball(r, SKY_BLUE), (centre[0] - r, centre[1] - r))
        lay.add("figure", pygame.Rect(centre[0] - halo, centre[1] - halo, 2 * halo, 2 * halo))
        left = max(0, math.ceil(app.targets.rest_s - self.age_s))
        cx = panel.left + int(panel.width * 0.70)
        number = gfx.draw_text(surface, str(left), 120, (cx, centre[1] - 26), darken(BLUE, 0.2))
        lay.add("countdown", number)
        unit = app.tr("rest.countdown.one" if left == 1 else "rest.countdown")
        lay.add(
            "countdown",
            gfx.draw_text(
                surface,
                unit,
                gfx.fitting_size(unit, 28, int(panel.width * 0.42)),
                (cx, number.bottom + 22),
                INK,
            ),
        )
        lay.add(
            "set",
            gfx.draw_text(
                surface,
                app.tr("play.set", set=app.set_index + 1, sets=app.targets.sets),
                30,
                (panel.centerx, panel.bottom - 84),
                INK,
            ),
        )
        skip = app.tr("rest.skip")
        lay.add(
            "skip",
            gfx.draw_text(
                surface,
                skip,
                gfx.fitting_size(skip, 26, panel.width - 60),
                (panel.centerx, panel.bottom - 40),
                INK,
            ),
        )
