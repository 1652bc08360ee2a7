"""Calibration: neutral pose (keep still), then the comfortable maximum (move and come back).

Both steps are recorded as ``calibration`` events and end up in the SessionResult. The
comfortable maximum is the peak angle (degrees) of the calibration movement; it becomes
position 1.0 for the game.
"""

from __future__ import annotations

import math

import pygame

from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.messages import ntr
from smarttouch.games.sdk.palette import (
    BLUE,
    BLUISH_GREEN,
    INK,
    ORANGE,
    SKY_BLUE,
    WHITE,
    Color,
    darken,
    lighten,
)
from smarttouch.games.sdk.scenery import drifting_clouds, landscape
from smarttouch.games.session.scenes.base import Scene, SceneHost
from smarttouch.scoring.control import ControlState

MIN_ROM_DEG = 15.0
RETURN_FRACTION = 0.35
DONE_HOLD_S = 1.5


class CalibrationScene(Scene):
    name = "calibration"

    def enter(self, app: SceneHost) -> None:
        super().enter(app)
        self.phase = "neutral"
        self.still_s = 0.0
        self.phase_s = 0.0
        self.peak_deg = 0.0
        self.angle_deg = 0.0
        sts = app.movement == "sit_to_stand"
        app.speak(app.tr("calib.neutral.sts" if sts else "calib.neutral"))

    def update(self, app: SceneHost, control: ControlState, dt: float) -> None:
        super().update(app, control, dt)
        cfg = app.config
        if not control.connected:
            self.still_s = 0.0
            return
        self.phase_s += dt
        self.angle_deg = control.angle_deg
        if self.phase == "neutral":
            self.still_s = self.still_s + dt if abs(control.velocity_dps) < cfg.neutral_still_dps else 0.0
            if self.still_s >= cfg.neutral_hold_s:
                app.device.capture_neutral()
                app.log("calibration_step", step="neutral", held_s=round(self.still_s, 2))
                app.sound.play("step", control.t)
                self.phase, self.phase_s = "max", 0.0
                app.speak(app.tr("calib.max.sts" if app.movement == "sit_to_stand" else "calib.max"))
        elif self.phase == "max":
            self.peak_deg = max(self.peak_deg, control.angle_deg)
            came_back = self.peak_deg >= MIN_ROM_DEG and control.angle_deg <= RETURN_FRACTION * self.peak_deg
            timed_out = self.phase_s >= cfg.calibration_timeout_s
            if came_back or timed_out:
                usable = self.peak_deg >= MIN_ROM_DEG
                rom = self.peak_deg if usable else app.targets.target_rom_deg
                app.log(
                    "calibration_step",
                    step="max",
                    peak_deg=round(self.peak_deg, 2),
                    outcome="measured" if usable else "timeout_used_target",
                )
                app.apply_calibration(rom, measured=usable)
                app.sound.play("step", control.t)
                self.phase, self.phase_s = "done", 0.0
        elif self.phase == "done" and self.phase_s >= DONE_HOLD_S:
            from smarttouch.games.session.scenes.instructions import InstructionsScene

            app.goto(InstructionsScene())

    def draw(self, app: SceneHost, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        sts = app.movement == "sit_to_stand"
        surface.blit(landscape((w, h)), (0, 0))
        drifting_clouds(surface, app.now)
        panel = pygame.Rect(0, 0, int(w * 0.78), int(h * 0.70))
        panel.center = (w // 2, int(h * 0.56))
        gfx.card(surface, panel, radius=32)
        gfx.draw_text(surface, app.tr("calib.title"), 52, (panel.centerx, panel.top + 60), INK)
        if self.phase == "neutral":
            text = app.tr("calib.neutral.sts" if sts else "calib.neutral")
            frac = min(1.0, self.still_s / max(app.config.neutral_hold_s, 1e-6))
            color = BLUE
        elif self.phase == "max":
            text = app.tr("calib.max.sts" if sts else "calib.max")
            frac = None
            color = ORANGE
        elif sts:  # a sit-to-stand is counted in stand-ups, never in degrees
            text = app.tr("calib.done.sts")
            frac = 1.0
            color = BLUISH_GREEN
        else:
            text = ntr("calib.done.n", int(round(app.rom_max_deg or 0)), app.targets.lang)
            frac = 1.0
            color = BLUISH_GREEN
        gfx.draw_paragraph(
            surface, text, 36, pygame.Rect(panel.left + 50, panel.top + 110, panel.width - 100, 120)
        )
        centre = (panel.centerx, panel.bottom - 150)
        if frac is not None:
            _ring(surface, centre, 92, frac, color, app.now)
        else:
            _gauge(surface, centre, 120, self.angle_deg, self.peak_deg, app.targets.max_rom_deg)
            gfx.draw_text(
                surface,
                app.tr("calib.reached.sts")
                if sts
                else ntr("calib.reached.n", int(round(self.peak_deg)), app.targets.lang),
                30,
                (panel.centerx, panel.bottom - 36),
                darken(ORANGE, 0.45),
            )
        if not app.control.connected:
            gfx.draw_text(surface, app.tr("play.paused"), 30, (w // 2, int(h * 0.14)), WHITE, outline=INK)


def _ring(
    surface: pygame.Surface, centre: tuple[int, int], r: int, frac: float, color: Color, t: float
) -> None:
    """A hold-still ring that fills up, breathing softly."""
    pulse = 1.0 + 0.03 * math.sin(t * 3.0)
    rr = int(r * pulse)
    gfx.blit_shadow(
        surface,
        pygame.Rect(centre[0] - rr, centre[1] - rr, 2 * rr, 2 * rr),
        radius=16,
        alpha=60,
        ellipse=True,
    )
    pygame.draw.circle(surface, lighten(color, 0.8), centre, rr)
    if frac > 0:
        gfx.thick_arc(surface, color, centre, rr, 18, math.pi / 2 - 2 * math.pi * frac, math.pi / 2)
    surface.blit(
        gfx.shaded_ball(int(rr * 0.55), lighten(color, 0.2)),
        (centre[0] - int(rr * 0.55), centre[1] - int(rr * 0.55)),
    )
    gfx.draw_text(surface, f"{int(frac * 100)}%", 34, centre, WHITE, outline=darken(color, 0.4))


def _gauge(
    surface: pygame.Surface, centre: tuple[int, int], r: int, angle: float, peak: float, scale_deg: float
) -> None:
    """A half-dial: the live angle as a needle, the best so far as a filled arc."""
    top = max(scale_deg, peak, 1.0)
    gfx.thick_arc(surface, lighten(SKY_BLUE, 0.6), centre, r, 22, 0, math.pi)
    f_peak = min(1.0, peak / top)
    if f_peak > 0:
        gfx.thick_arc(surface, ORANGE, centre, r, 22, math.pi * (1 - f_peak), math.pi)
    f = min(1.0, max(0.0, angle / top))
    a = math.pi * (1 - f)
    tip = (centre[0] + int((r - 8) * math.cos(a)), centre[1] - int((r - 8) * math.sin(a)))
    pygame.draw.line(surface, INK, centre, tip, 8)
    surface.blit(gfx.shaded_ball(16, BLUE), (centre[0] - 16, centre[1] - 16))
