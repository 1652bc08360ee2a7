"""Summary: today vs the last sessions in plain words, a small chart, streak, badges, note."""

from __future__ import annotations

import pygame

from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.palette import (
    BLUE,
    BLUISH_GREEN,
    INK,
    OKABE_ITO,
    ORANGE,
    PANEL_EDGE,
    REDDISH_PURPLE,
    SKY_BLUE,
    VERMILLION,
    darken,
    lighten,
)
from smarttouch.games.sdk.scenery import drifting_clouds, landscape
from smarttouch.games.session.scenes.base import Scene, SceneHost, is_continue
from smarttouch.games.session.summary_data import smoothness_key
from smarttouch.scoring.control import ControlState


def summary_lines(app: SceneHost) -> list[tuple[str, tuple[int, int, int]]]:
    """The plain-words sentences of the summary with a bullet colour each."""
    r, p = app.result, app.progress
    assert r is not None  # the summary follows the session's end
    out: list[tuple[str, tuple[int, int, int]]] = [(app.tr("summary.reps", reps=r.reps), BLUISH_GREEN)]
    prev = p.previous if p else None
    if prev is None:
        out.append((app.tr("summary.first"), ORANGE))
    else:
        diff = r.reps - prev.reps
        key = "summary.reps.more" if diff > 0 else "summary.reps.less" if diff < 0 else "summary.reps.same"
        out.append((app.tr(key, diff=abs(diff)), ORANGE))
    rom = (
        (r.metrics or {}).get("rom_deg")
        if isinstance((r.metrics or {}).get("rom_deg"), (int, float))
        else r.client_metrics.get("rom_deg_max")
    )
    if rom is not None:
        out.append((app.tr("summary.rom", rom=int(round(rom))), SKY_BLUE))
        if prev is not None and prev.rom_deg is not None:
            rom_key = (
                "summary.rom.better"
                if rom > prev.rom_deg + 1
                else "summary.rom.worse"
                if rom < prev.rom_deg - 1
                else None
            )
            if rom_key:
                out.append((app.tr(rom_key, prev=int(round(prev.rom_deg))), SKY_BLUE))
    sparc = (r.metrics or {}).get("sparc")
    skey = smoothness_key(sparc if isinstance(sparc, (int, float)) else None)
    if skey:
        out.append((app.tr(skey), BLUE))
    if p is not None:
        out.append((app.tr("summary.streak", days=p.streak_days), REDDISH_PURPLE))
    return out


def progress_lines(app: SceneHost) -> list[tuple[str, tuple[int, int, int]]]:
    """The lasting progress in words: the game's level, the week's goal, today's challenge."""
    u = app.progress_update
    if u is None:
        return []
    out: list[tuple[str, tuple[int, int, int]]] = []
    if u.reset:
        out.append((app.tr("progress.reset"), VERMILLION))
    if u.levelled_up:
        out.append((app.tr("world.levelup", level=u.world.level, item=u.item), ORANGE))
    elif u.world.to_next > 0:
        out.append((app.tr("world.level", level=u.world.level, to_next=u.world.to_next, item=u.item), ORANGE))
    if u.week_goal is not None:
        key = "week.done" if u.week_done >= u.week_goal else "week.progress"
        out.append((app.tr(key, done=u.week_done, goal=u.week_goal), BLUISH_GREEN))
    c = u.challenge
    if c.get("completed"):
        out.append((app.tr("challenge.done"), SKY_BLUE))
    else:
        out.append((app.tr(f"challenge.{c['kind']}", done=c["done"], goal=c["goal"]), SKY_BLUE))
    return out


class SummaryScene(Scene):
    name = "summary"

    def enter(self, app: SceneHost) -> None:
        super().enter(app)
        app.feedback.toasts.clear()
        self.lines = summary_lines(app)

    def update(self, app: SceneHost, control: ControlState, dt: float) -> None:
        super().update(app, control, dt)
        if self.age_s >= app.config.summary_hold_s:
            app.finished = True

    def handle_event(self, app: SceneHost, event: pygame.event.Event) -> None:
        if self.age_s > 1.0 and (is_continue(event) or getattr(event, "type", None) == pygame.KEYDOWN):
            app.finished = True

    def draw(self, app: SceneHost, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        r = app.result
        assert r is not None  # the summary follows the session's end
        surface.blit(landscape((w, h), top=(250, 190, 130), bottom=(255, 232, 200)), (0, 0))
        drifting_clouds(surface, app.now, speed=5.0)
        panel = pygame.Rect(30, 24, w - 60, h - 48)
        gfx.card(surface, panel, radius=32)
        if r.quit_reason == "completed":
            title, color = app.tr("summary.title"), darken(BLUISH_GREEN, 0.3)
        else:
            title = app.tr("summary.stopped", reason=app.tr(f"reason.{r.quit_reason}"))
            color = darken(VERMILLION, 0.25)
        gfx.draw_text(
            surface, title, 44 if r.quit_reason == "completed" else 34, (panel.centerx, panel.top + 48), color
        )
        y = panel.top + 108
        for text, bullet in self.lines:
            pygame.draw.circle(surface, bullet, (panel.left + 52, y + 17), 12)
            lines = gfx.wrap(text, 28, 640)
            for line in lines:
                gfx.draw_text(surface, line, 28, (panel.left + 78, y), INK, anchor="topleft")
                y += 38
            y += 8
        lasting = progress_lines(app)
        chart_h = 300 if not lasting else 200
        chart = pygame.Rect(panel.left + 760, panel.top + 100, panel.width - 800, chart_h)
        self._chart(app, surface, chart)
        if lasting:
            bottom = panel.bottom - 210
            self._lasting(
                surface,
                lasting,
                pygame.Rect(chart.left, chart.bottom + 12, chart.width, bottom - chart.bottom - 12),
            )
        self._badges(app, surface, pygame.Rect(panel.left + 40, panel.bottom - 200, panel.width - 80, 96))
        if app.targets.therapist_note:
            note = pygame.Rect(panel.left + 40, panel.bottom - 92, panel.width - 80, 70)
            gfx.card(surface, note, fill=(232, 244, 252), edge=SKY_BLUE, radius=20, shadow=False)
            text = app.tr("summary.note", note=app.targets.therapist_note)
            lines = gfx.wrap(text, 26, note.width - 40)[:2]
            for i, line in enumerate(lines):
                gfx.draw_text(
                    surface,
                    line,
                    26,
                    (note.centerx, note.top + 20 + i * 32 + (16 if len(lines) == 1 else 0)),
                    darken(BLUE, 0.35),
                    anchor="center",
                )

    def _chart(self, app: SceneHost, surface: pygame.Surface, rect: pygame.Rect) -> None:
        gfx.card(surface, rect, fill=(255, 255, 255), radius=20, shadow=False)
        gfx.draw_text(surface, app.tr("summary.chart"), 24, (rect.centerx, rect.top + 26), INK)
        recent = (app.progress.recent if app.progress else [])[-7:]
        if not recent:
            return
        area = pygame.Rect(rect.left + 30, rect.top + 84, rect.width - 60, rect.height - 134)
        top = max(max(e.reps for e in recent), app.targets.total_reps, 1)
        goal_y = area.bottom - int(area.height * app.targets.total_reps / top)
        pygame.draw.line(surface, PANEL_EDGE, (area.left, goal_y), (area.right, goal_y), 2)
        n = len(recent)
        slot = area.width / n
        bw = int(min(56, slot * 0.62))
        for i, e in enumerate(recent):
            today = i == n - 1
            bh = max(4, int(area.height * e.reps / top))
            x = int(area.left + slot * i + (slot - bw) / 2)
            bar = pygame.Rect(x, area.bottom - bh, bw, bh)
            color = ORANGE if today else lighten(BLUE, 0.35)
            pygame.draw.rect(surface, darken(color, 0.2), bar.move(3, 3), border_radius=10)
            pygame.draw.rect(surface, color, bar, border_radius=10)
            gfx.draw_text(surface, str(e.reps), 22, (bar.centerx, bar.top - 14), INK)
            label = app.tr("summary.today") if today else e.day[5:].replace("-", "/")
            gfx.draw_text(surface, label, 18 if not today else 20, (bar.centerx, area.bottom + 20), INK)

    def _lasting(
        self, surface: pygame.Surface, lines: list[tuple[str, tuple[int, int, int]]], rect: pygame.Rect
    ) -> None:
        """The lasting progress (level, week, today's challenge) in the largest type that fits."""
        gfx.card(surface, rect, fill=(255, 248, 232), edge=PANEL_EDGE, radius=18, shadow=False)
        inner = rect.width - 56
        for size in (24, 22, 20, 18, 16):
            wrapped = [(gfx.wrap(text, size, inner), c) for text, c in lines]
            height = sum(len(w) for w, _ in wrapped) * (size + 6) + 6 * len(wrapped)
            if height <= rect.height - 16:
                break
        y = rect.top + max(8, (rect.height - height) // 2)
        for parts, bullet in wrapped:
            pygame.draw.circle(surface, bullet, (rect.left + 22, y + size // 2 + 2), 8)
            for part in parts:
                gfx.draw_text(surface, part, size, (rect.left + 40, y), INK, anchor="topleft")
                y += size + 6
            y += 6

    def _badges(self, app: SceneHost, surface: pygame.Surface, rect: pygame.Rect) -> None:
        badges = app.progress.badges if app.progress else []
        if not badges:
            return
        gfx.draw_text(
            surface, app.tr("summary.badges"), 26, (rect.left, rect.top + 12), INK, anchor="midleft"
        )
        x = rect.left + 150
        for i, key in enumerate(badges[:5]):
            color = OKABE_ITO[(i * 2) % len(OKABE_ITO)]
            c = (x + 34, rect.top + 40)
            pygame.draw.polygon(
                surface,
                darken(color, 0.3),
                [(c[0] - 18, c[1]), (c[0] - 28, c[1] + 46), (c[0] - 8, c[1] + 36)],
            )
            pygame.draw.polygon(
                surface,
                darken(color, 0.3),
                [(c[0] + 18, c[1]), (c[0] + 28, c[1] + 46), (c[0] + 8, c[1] + 36)],
            )
            surface.blit(gfx.shaded_ball(30, color), (c[0] - 30, c[1] - 30))
            pygame.draw.circle(surface, lighten(color, 0.5), c, 16, 3)
            label = app.tr(key)
            gfx.draw_text(surface, label, 22, (c[0] + 42, c[1]), INK, anchor="midleft")
            x += 90 + gfx.font(22).size(label)[0]
