"""Instructions: the game, what to do, today's goal and the therapist's note, then a countdown."""

from __future__ import annotations

import math

import pygame

from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.messages import ntr
from smarttouch.games.sdk.palette import BLUE, INK, ORANGE, darken
from smarttouch.games.sdk.scenery import drifting_clouds, landscape
from smarttouch.games.session.scenes.base import Scene, SceneHost, is_continue
from smarttouch.scoring.control import ControlState

MESSAGE_CHARS = 140  # three lines of the banner; the portal shows the message whole


def _shortened(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1].rstrip() + "…"


class InstructionsScene(Scene):
    name = "instructions"

    def update(self, app: SceneHost, control: ControlState, dt: float) -> None:
        super().update(app, control, dt)
        if self.age_s >= app.config.instructions_s:
            self._go(app)

    def handle_event(self, app: SceneHost, event: pygame.event.Event) -> None:
        if is_continue(event):
            self._go(app)

    def _go(self, app: SceneHost) -> None:
        from smarttouch.games.session.scenes.play import PlayScene

        app.goto(PlayScene())

    def draw(self, app: SceneHost, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        t = app.targets
        surface.blit(landscape((w, h)), (0, 0))
        drifting_clouds(surface, app.now)
        panel = pygame.Rect(0, 0, int(w * 0.8), int(h * 0.74))
        panel.center = (w // 2, int(h * 0.55))
        gfx.card(surface, panel, radius=32)
        gfx.draw_text(
            surface, app.game.info.title_in(t.lang), 60, (panel.centerx, panel.top + 66), darken(BLUE, 0.2)
        )
        y = gfx.draw_paragraph(
            surface,
            app.game.info.how_to_in(t.lang),
            34,
            pygame.Rect(panel.left + 60, panel.top + 120, panel.width - 120, 140),
        )
        goal = app.tr(
            "instr.goal.counted",
            reps=ntr("count.reps", t.total_reps, t.lang),
            sets=ntr("count.sets", t.sets, t.lang, per_set=t.reps),
        )
        chip = pygame.Rect(0, 0, min(panel.width - 80, gfx.font(34).size(goal)[0] + 70), 70)
        chip.midtop = (panel.centerx, y + 16)
        gfx.card(surface, chip, fill=(255, 243, 214), edge=ORANGE, radius=35, shadow=False)
        gfx.draw_text(surface, goal, 34, chip.center, INK)
        y = chip.bottom + 22
        if t.therapist_note:
            y = gfx.draw_paragraph(
                surface,
                app.tr("instr.note", note=t.therapist_note),
                28,
                pygame.Rect(panel.left + 60, y, panel.width - 120, 90),
                darken(BLUE, 0.35),
            )
        if t.messages:  # the newest unread message, in a banner above the panel
            banner = pygame.Rect(int(w * 0.1), 14, int(w * 0.72), panel.top - 26)
            gfx.card(surface, banner, fill=(255, 243, 214), edge=ORANGE, radius=20, shadow=False)
            gfx.draw_paragraph(
                surface,
                app.tr("instr.message", message=_shortened(t.messages[-1])),
                22,
                banner.inflate(-40, -16),
                darken(ORANGE, 0.55),
            )
        left = max(0, math.ceil(app.config.instructions_s - self.age_s))
        gfx.draw_text(
            surface, app.tr("instr.start", seconds=left), 28, (panel.centerx, panel.bottom - 40), INK
        )
