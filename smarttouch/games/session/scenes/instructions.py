"""Instructions: the game, what to do with a moving demonstration, today's goal, the
therapist's note and newest unread message; they wait for the patient.

The patient starts when ready: a key (Enter, Space), a click, or holding still for
``AppConfig.start_still_s`` seconds, judged on the sensor stream's own angular speed (so a
patient whose hands are busy with the sensor needs no keyboard); stillness counts only after
``instructions_read_s``, so the first moment of reading does not start the game. With
``AppConfig.instructions_s`` set (headless runs), the game starts after that long anyway.
The demonstration is the movement's figure (``sdk.figures``): a new game gets it for free.
"""

from __future__ import annotations

import math

import pygame

from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.figures import draw_demo
from smarttouch.games.sdk.messages import ntr
from smarttouch.games.sdk.palette import BLUE, INK, ORANGE, SKY_BLUE, darken, lighten
from smarttouch.games.sdk.scenery import drifting_clouds, landscape
from smarttouch.games.session.scenes.base import Scene, SceneHost, is_continue
from smarttouch.scoring.control import ControlState

MESSAGE_CHARS = 110  # two lines of the banner; the portal shows the message whole


def _shortened(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1].rstrip() + "…"


class InstructionsScene(Scene):
    name = "instructions"

    def enter(self, app: SceneHost) -> None:
        super().enter(app)
        self.still_s = 0.0
        app.speak(
            " ".join(
                (
                    how_to_text(app),
                    goal_text(app),
                    app.tr("instr.wait") if app.config.instructions_s is None else "",
                )
            )
        )

    def update(self, app: SceneHost, control: ControlState, dt: float) -> None:
        super().update(app, control, dt)
        cfg = app.config
        if cfg.instructions_s is not None and self.age_s >= cfg.instructions_s:
            self._go(app)
            return
        still = control.connected and abs(control.velocity_dps) < cfg.neutral_still_dps
        if still and self.age_s >= cfg.instructions_read_s:
            self.still_s += dt
        else:
            self.still_s = 0.0
        if self.still_s >= cfg.start_still_s:
            app.log("instructions_start", by="stillness", after_s=round(self.age_s, 2))
            self._go(app)

    def handle_event(self, app: SceneHost, event: pygame.event.Event) -> None:
        if is_continue(event):
            app.log("instructions_start", by="key" if event.type == pygame.KEYDOWN else "click")
            self._go(app)

    def _go(self, app: SceneHost) -> None:
        from smarttouch.games.session.scenes.play import PlayScene

        app.goto(PlayScene())

    def draw(self, app: SceneHost, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        t = app.targets
        lay = app.layout
        surface.blit(landscape((w, h)), (0, 0))
        drifting_clouds(surface, app.now)
        panel = pygame.Rect(0, 0, int(w * 0.86), int(h * 0.80))
        panel.midtop = (w // 2, 100)
        gfx.card(surface, panel, radius=32)
        title = app.game.info.title_in(t.lang)
        lay.add(
            "title",
            gfx.draw_text(
                surface,
                title,
                gfx.fitting_size(title, 54, panel.width - 80),
                (panel.centerx, panel.top + 50),
                darken(BLUE, 0.2),
            ),
        )
        demo = pygame.Rect(
            panel.right - 40 - int(panel.width * 0.34), panel.top + 96, int(panel.width * 0.34), 276
        )
        text_box = pygame.Rect(panel.left + 44, panel.top + 100, demo.left - panel.left - 80, 276)
        how_to = how_to_text(app)
        size = _fitting_paragraph(how_to, 32, text_box)
        y = gfx.draw_paragraph(surface, how_to, size, text_box)
        lay.add("body", pygame.Rect(text_box.left, text_box.top, text_box.width, y - text_box.top))
        stage = demo.inflate(0, 0)
        pygame.draw.rect(surface, lighten(SKY_BLUE, 0.82), stage, border_radius=24)
        pygame.draw.rect(surface, lighten(SKY_BLUE, 0.4), stage, 2, border_radius=24)
        draw_demo(surface, stage.inflate(-30, -56).move(0, -10), app.movement, self.age_s, side=t.side)
        lay.add("demo", stage)
        gfx.draw_text(
            surface, app.tr("instr.demo"), 22, (stage.centerx, stage.bottom - 20), darken(BLUE, 0.3)
        )
        goal = goal_text(app)
        gsize = gfx.fitting_size(goal, 32, panel.width - 140)
        chip = pygame.Rect(0, 0, min(panel.width - 80, gfx.font(gsize).size(goal)[0] + 70), 64)
        chip.midtop = (panel.centerx, demo.bottom + 16)
        gfx.card(surface, chip, fill=(255, 243, 214), edge=ORANGE, radius=32, shadow=False)
        gfx.draw_text(surface, goal, gsize, chip.center, INK)
        lay.add("goal", chip)
        y = chip.bottom + 12
        if t.therapist_note:
            note_box = pygame.Rect(panel.left + 60, y, panel.width - 120, 64)
            bottom = gfx.draw_paragraph(
                surface, app.tr("instr.note", note=t.therapist_note), 26, note_box, darken(BLUE, 0.35)
            )
            lay.add("note", pygame.Rect(note_box.left, note_box.top, note_box.width, bottom - note_box.top))
        if t.messages:  # the therapist's newest unread message, in a banner above the panel
            banner = pygame.Rect(int(w * 0.1), 12, int(w * 0.72), panel.top - 22)
            gfx.card(surface, banner, fill=(255, 243, 214), edge=ORANGE, radius=18, shadow=False)
            gfx.draw_paragraph(
                surface,
                app.tr("instr.message", message=_shortened(t.messages[-1])),
                20,
                banner.inflate(-32, -14),
                darken(ORANGE, 0.55),
            )
            lay.add("message", banner)
        self._prompt(app, surface, panel)

    def _prompt(self, app: SceneHost, surface: pygame.Surface, panel: pygame.Rect) -> None:
        cfg = app.config
        centre_y = panel.bottom - 38
        if cfg.instructions_s is not None:
            left = max(0, math.ceil(cfg.instructions_s - self.age_s))
            text = app.tr("instr.start", seconds=left)
        else:
            text = app.tr("instr.starting") if self.still_s > 0.3 else app.tr("instr.wait")
        size = gfx.fitting_size(text, 28, panel.width - 200)
        rect = gfx.draw_text(surface, text, size, (panel.centerx + 26, centre_y), INK)
        app.layout.add("prompt", rect)
        ring_c = (rect.left - 34, centre_y)
        frac = min(1.0, self.still_s / max(cfg.start_still_s, 1e-6))
        pygame.draw.circle(surface, lighten(SKY_BLUE, 0.6), ring_c, 20, 5)
        if frac > 0:
            gfx.thick_arc(surface, BLUE, ring_c, 21, 7, math.pi / 2 - 2 * math.pi * frac, math.pi / 2)


def sensor_text(app: SceneHost) -> str:
    """Where the plan has the sensor worn and which side trains ("Sensor on your left wrist"),
    or "" when the plan does not say."""
    t = app.targets
    if not (t.placement and t.side):
        return ""
    return app.tr("instr.sensor", place=app.tr(f"place.{t.placement}.{t.side}"))


def how_to_text(app: SceneHost) -> str:
    """The game's own instructions, then where the sensor goes."""
    return " ".join(p for p in (app.game.info.how_to_in(app.targets.lang), sensor_text(app)) if p)


def goal_text(app: SceneHost) -> str:
    """Today's goal, with the plural forms of the patient's language."""
    t = app.targets
    return app.tr(
        "instr.goal.counted",
        reps=ntr("count.reps", t.total_reps, t.lang),
        sets=ntr("count.sets", t.sets, t.lang, per_set=t.reps),
    )


def _fitting_paragraph(text: str, size: int, box: pygame.Rect, smallest: int = 22) -> int:
    """The largest font size <= ``size`` at which ``text`` wraps inside ``box``."""
    while size > smallest and len(gfx.wrap(text, size, box.width)) * int(size * 1.25) > box.height:
        size -= 2
    return size
