"""Play: the game runs; the framework draws the HUD (today's goal, set, points) on top.

While the sensor is disconnected the game is not stepped (it stays paused) and a notice is
shown; after ``disconnect_timeout_s`` the session ends safely with reason "disconnected".
When the set begins during a repetition, the game waits (with a hint) until that repetition
has ended, so it is not counted (see ``session.phases``).
"""

from __future__ import annotations

import pygame

from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.layout import CHROME_KINDS, GOAL_KINDS, HINT, TOPBAR, DrawnRects, free_spot
from smarttouch.games.sdk.palette import BLUISH_GREEN, INK, ORANGE, WHITE, Color, darken
from smarttouch.games.sdk.scenery import dim
from smarttouch.games.session.scenes.base import Scene, SceneHost
from smarttouch.scoring.control import ControlState

HUD_HEIGHT = 100


class PlayScene(Scene):
    name = "play"

    def enter(self, app: SceneHost) -> None:
        super().enter(app)
        app.start_game()
        self.disconnected_s = 0.0
        self.was_connected = True

    def update(self, app: SceneHost, control: ControlState, dt: float) -> None:
        super().update(app, control, dt)
        if not control.connected:
            if self.was_connected:
                app.log("disconnected")
            self.was_connected = False
            self.disconnected_s += dt
            if self.disconnected_s >= app.config.disconnect_timeout_s:
                app.request_stop("disconnected")
            return
        if not self.was_connected:
            app.log("reconnected", after_s=round(self.disconnected_s, 2))
            self.was_connected, self.disconnected_s = True, 0.0
        if app.rep_gate.waiting:
            return  # the repetition under way ends before the set starts counting
        app.on_game_events(app.game.update(control, dt))

    def draw(self, app: SceneHost, surface: pygame.Surface) -> None:
        game_layout = getattr(app.game, "layout", None)
        if isinstance(game_layout, DrawnRects):
            game_layout.clear()
        app.game.draw(surface)
        if isinstance(game_layout, DrawnRects):
            app.layout.extend(game_layout)
        draw_hud(app, surface)
        w, h = surface.get_size()
        if app.rep_gate.waiting and app.control.connected:
            img = gfx.text_surface(app.tr("play.ready"), 40, WHITE, INK)
            avoid = app.layout.of(*CHROME_KINDS, *GOAL_KINDS)
            spot = free_spot(img.get_size(), avoid, [h * f for f in (0.45, 0.32, 0.58, 0.7, 0.85)], w // 2)
            rect = img.get_rect(center=spot or (w // 2, int(h * 0.45)))
            surface.blit(img, rect)
            app.layout.add(HINT, rect)
        if not app.control.connected:
            dim(surface, 120)
            app.layout.clear()  # paused: the notice covers the game on purpose
            gfx.draw_text(surface, app.tr("play.paused"), 40, surface.get_rect().center, WHITE, outline=INK)


def hud_rect(width: int) -> pygame.Rect:
    """The top bar, canvas pixels (games keep their targets below ``HUD_HEIGHT``)."""
    return pygame.Rect(16, 14, width - 232, 72)


def draw_hud(app: SceneHost, surface: pygame.Surface) -> None:
    """Top bar: set label, progress toward today's goal, points."""
    w, _ = surface.get_size()
    t = app.targets
    bar = hud_rect(w)
    gfx.card(surface, bar, radius=36)
    app.layout.add(TOPBAR, bar.inflate(0, 10).move(0, 4))  # with its shadow
    gfx.draw_text(
        surface,
        app.tr("play.set", set=app.set_index + 1, sets=t.sets),
        30,
        (bar.left + 30, bar.centery),
        INK,
        anchor="midleft",
    )
    pb = pygame.Rect(bar.left + 250, bar.top + 16, bar.width - 540, bar.height - 32)
    gfx.progress_bar(
        surface,
        pb,
        app.reps / max(1, t.total_reps),
        BLUISH_GREEN,
        app.tr("play.reps", done=app.reps, total=t.total_reps),
    )
    star_c = (bar.right - 230, bar.centery)
    _star(surface, star_c, 22, ORANGE)
    gfx.draw_text(
        surface,
        app.tr("play.score", score=app.score),
        30,
        (star_c[0] + 34, bar.centery),
        INK,
        anchor="midleft",
    )


def _star(surface: pygame.Surface, c: tuple[int, int], r: int, color: Color) -> None:
    import math

    pts = []
    for i in range(10):
        a = -math.pi / 2 + i * math.pi / 5
        rr = r if i % 2 == 0 else r * 0.45
        pts.append((c[0] + rr * math.cos(a), c[1] + rr * math.sin(a)))
    pygame.draw.polygon(surface, darken(color, 0.25), [(x + 2, y + 3) for x, y in pts])
    pygame.draw.polygon(surface, color, pts)
