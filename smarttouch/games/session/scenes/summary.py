"""Summary: today vs the last sessions of the same game and movement in plain words, the
game's own trophy, a small chart, the week against the prescription, badges, the therapist's
note, and a large Done button. After a pain stop it starts with safety advice."""

from __future__ import annotations

import math
from datetime import date

import pygame

from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.messages import ntr, short_date
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
from smarttouch.games.session.scenes.base import Scene, SceneHost
from smarttouch.games.session.summary_data import session_rom, smoothness_key
from smarttouch.scoring.control import ControlState

Line = tuple[str, tuple[int, int, int]]
CHART_SESSIONS = 10  # bars in the chart; date labels are thinned so they never overlap
TEXT_SIZES = (28, 26, 24, 22, 20)  # the text column shrinks to fit above the badges


def summary_lines(app: SceneHost) -> list[Line]:
    """The plain-words sentences of the summary with a bullet colour each."""
    r, p = app.result, app.progress
    assert r is not None  # the summary follows the session's end
    lang = app.targets.lang
    out: list[Line] = []
    if r.quit_reason == "pain":
        out.append((app.tr("summary.pain.advice"), VERMILLION))
        linked = app.targets.assignment_id is not None  # the session goes to the therapist's hub
        out.append((app.tr("summary.pain.seen" if linked else "summary.pain.tell"), VERMILLION))
    out.append((ntr("summary.reps", r.reps, lang), BLUISH_GREEN))
    prev = p.previous if p else None
    if prev is None:
        out.append((app.tr("summary.first.game"), ORANGE))
    else:
        diff = r.reps - prev.reps
        if diff == 0:
            out.append((app.tr("summary.reps.same"), ORANGE))
        else:
            key = "summary.reps.more" if diff > 0 else "summary.reps.less"
            out.append((ntr(key, abs(diff), lang), ORANGE))
    # a sit-to-stand is told in stand-ups (the reps line), never in degrees of the thigh
    rom = session_rom(r) if app.movement != "sit_to_stand" else None
    if rom is not None:
        out.append((ntr("summary.rom", int(round(rom)), lang), SKY_BLUE))
        if prev is not None and prev.rom_deg is not None and prev.reps > 0:
            rom_key = (
                "summary.rom.better"
                if rom > prev.rom_deg + 1
                else "summary.rom.worse"
                if rom < prev.rom_deg - 1
                else None
            )
            if rom_key:
                out.append((ntr(rom_key, int(round(prev.rom_deg)), lang), SKY_BLUE))
    sparc = (r.metrics or {}).get("sparc")
    skey = smoothness_key(sparc if isinstance(sparc, (int, float)) and r.reps > 0 else None)
    if skey:
        out.append((app.tr(skey), BLUE))
    if p is not None:
        if p.week_goal:
            if p.week_done >= p.week_goal:
                out.append((app.tr("summary.week.met"), REDDISH_PURPLE))
            else:
                out.append((ntr("summary.week", p.week_goal, lang, done=p.week_done), REDDISH_PURPLE))
            if p.streak_weeks >= 2:
                out.append((ntr("summary.streak.weeks", p.streak_weeks, lang), REDDISH_PURPLE))
        else:
            out.append((ntr("summary.sessions", p.week_done, lang), REDDISH_PURPLE))
    if app.targets.therapist_note:
        out.append((app.tr("summary.note", note=app.targets.therapist_note), darken(BLUE, 0.2)))
    return out


def progress_lines(app: SceneHost) -> list[Line]:
    """The lasting progress in words: the game's level and today's challenge (the week
    against the prescription is already among the summary's lines)."""
    u = app.progress_update
    if u is None:
        return []
    out: list[Line] = []
    if u.reset:
        out.append((app.tr("progress.reset"), VERMILLION))
    if u.levelled_up:
        out.append((app.tr("world.levelup", level=u.world.level, item=u.item), ORANGE))
    elif u.world.to_next > 0:
        out.append((app.tr("world.level", level=u.world.level, to_next=u.world.to_next, item=u.item), ORANGE))
    c = u.challenge
    if c.get("completed"):
        out.append((app.tr("challenge.done"), SKY_BLUE))
    else:
        out.append((app.tr(f"challenge.{c['kind']}", done=c["done"], goal=c["goal"]), SKY_BLUE))
    return out


def fit_lines(lines: list[Line], width: int, height: int) -> tuple[int, list[tuple[list[str], Line]]]:
    """The largest text size at which every line, wrapped to ``width`` px, fits ``height`` px
    (the smallest size when none does), with each line's wrapped rows."""
    for size in TEXT_SIZES:
        wrapped = [(gfx.wrap(text, size, width), (text, color)) for text, color in lines]
        used = sum(len(rows) * line_height(size) + 8 for rows, _ in wrapped)
        if used <= height:
            return size, wrapped
    return size, wrapped


def line_height(size: int) -> int:
    return int(size * 1.36)


def label_indices(n: int, slot_px: float, label_px: float, gap_px: float = 10.0) -> list[int]:
    """Which of ``n`` bars get a date label so labels never overlap: every k-th, counted back
    from the last (today's, always labelled)."""
    if n <= 0:
        return []
    step = max(1, math.ceil((label_px + gap_px) / max(slot_px, 1.0)))
    return sorted(range(n - 1, -1, -step))


def done_rect(size: tuple[int, int]) -> pygame.Rect:
    """The Done button (canvas pixels)."""
    w, h = size
    rect = pygame.Rect(0, 0, 280, 88)
    rect.bottomright = (w - 30 - 36, h - 24 - 22)
    return rect


class SummaryScene(Scene):
    name = "summary"

    def enter(self, app: SceneHost) -> None:
        super().enter(app)
        app.feedback.toasts.clear()
        lines = summary_lines(app)
        note = 1 if app.targets.therapist_note else 0  # the therapist's note stays last
        self.lines = lines[: len(lines) - note] + progress_lines(app) + lines[len(lines) - note :]

    def update(self, app: SceneHost, control: ControlState, dt: float) -> None:
        super().update(app, control, dt)
        hold = app.config.summary_hold_s
        if hold is not None and self.age_s >= hold:
            app.finished = True

    def handle_event(self, app: SceneHost, event: pygame.event.Event) -> None:
        if self.age_s <= 1.0:  # a click or key meant for the last scene must not close this one
            return
        et = getattr(event, "type", None)
        if et == pygame.KEYDOWN and event.key in (
            pygame.K_RETURN,
            pygame.K_KP_ENTER,
            pygame.K_SPACE,
            pygame.K_ESCAPE,
        ):
            app.finished = True
        elif et == pygame.MOUSEBUTTONDOWN and done_rect(app.size).collidepoint(event.pos):
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
        size = gfx.fitting_size(title, 44 if r.quit_reason == "completed" else 34, panel.width - 80)
        gfx.draw_text(surface, title, size, (panel.centerx, panel.top + 46), color)
        right = pygame.Rect(panel.right - 40 - 420, panel.top + 92, 420, 270)
        badges = pygame.Rect(panel.left + 40, panel.bottom - 196, panel.width - 80, 84)
        text = pygame.Rect(panel.left + 40, panel.top + 92, right.left - 30 - (panel.left + 40), 0)
        text.height = badges.top - 12 - text.top
        self._text(surface, text)
        self._chart(app, surface, right)
        self._trophy(app, surface, pygame.Rect(right.left, right.bottom + 14, right.width, 76))
        self._badges(app, surface, badges)
        done = done_rect((w, h))
        gfx.button(surface, done, app.tr("summary.done"), BLUISH_GREEN, size=40)
        hint = app.tr("summary.close")
        hint_w = done.left - 30 - (panel.left + 40)
        hint_size = gfx.fitting_size(hint, 26, hint_w)
        rows = gfx.wrap(hint, hint_size, hint_w)
        for i, row in enumerate(rows[:2]):
            y = done.centery + (i - (len(rows[:2]) - 1) / 2) * line_height(hint_size)
            gfx.draw_text(surface, row, hint_size, (panel.left + 40, y), INK, anchor="midleft")

    def _text(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        size, wrapped = fit_lines(self.lines, rect.width - 40, rect.height)
        y = rect.top
        for rows, (_, bullet) in wrapped:
            if y + line_height(size) > rect.bottom:
                break  # never run under the badges, even at the smallest size
            pygame.draw.circle(surface, bullet, (rect.left + 12, y + line_height(size) // 2), size // 2 - 2)
            for row in rows:
                if y + line_height(size) > rect.bottom:
                    break
                gfx.draw_text(surface, row, size, (rect.left + 38, y), INK, anchor="topleft")
                y += line_height(size)
            y += 8

    def _chart(self, app: SceneHost, surface: pygame.Surface, rect: pygame.Rect) -> None:
        gfx.card(surface, rect, fill=(255, 255, 255), radius=20, shadow=False)
        gfx.draw_text(surface, app.tr("summary.chart"), 24, (rect.centerx, rect.top + 26), INK)
        recent = (app.progress.recent if app.progress else [])[-CHART_SESSIONS:]
        if not recent:
            return
        area = pygame.Rect(rect.left + 24, rect.top + 78, rect.width - 48, rect.height - 126)
        top = max(max(e.reps for e in recent), app.targets.total_reps, 1)
        goal_y = area.bottom - int(area.height * app.targets.total_reps / top)
        pygame.draw.line(surface, PANEL_EDGE, (area.left, goal_y), (area.right, goal_y), 2)
        n = len(recent)
        slot = area.width / n
        bw = int(min(56, slot * 0.62))
        labels = [
            app.tr("summary.today") if i == n - 1 else short_date(date.fromisoformat(e.day), app.targets.lang)
            for i, e in enumerate(recent)
        ]
        widest = max(gfx.font(18).size(label)[0] for label in labels)
        shown = set(label_indices(n, slot, widest))
        for i, e in enumerate(recent):
            today = i == n - 1
            bh = max(4, int(area.height * e.reps / top))
            x = int(area.left + slot * i + (slot - bw) / 2)
            bar = pygame.Rect(x, area.bottom - bh, bw, bh)
            color = ORANGE if today else lighten(BLUE, 0.35)
            pygame.draw.rect(surface, darken(color, 0.2), bar.move(3, 3), border_radius=10)
            pygame.draw.rect(surface, color, bar, border_radius=10)
            gfx.draw_text(surface, str(e.reps), 20 if n > 7 else 22, (bar.centerx, bar.top - 14), INK)
            if i in shown:
                gfx.draw_text(surface, labels[i], 18, (bar.centerx, area.bottom + 20), INK)

    def _trophy(self, app: SceneHost, surface: pygame.Surface, rect: pygame.Rect) -> None:
        trophy = app.trophy
        if trophy is None:
            return
        gfx.card(surface, rect, fill=(255, 247, 226), edge=ORANGE, radius=20, shadow=False)
        surface.blit(gfx.shaded_ball(24, trophy.color), (rect.left + 18, rect.centery - 24))
        pygame.draw.circle(surface, lighten(trophy.color, 0.5), (rect.left + 42, rect.centery), 12, 3)
        text = app.tr("summary.trophy", trophy=trophy.text(app.targets.lang))
        size = gfx.fitting_size(text, 28, rect.width - 100)
        gfx.draw_text(surface, text, size, (rect.left + 80, rect.centery), INK, anchor="midleft")

    def _badges(self, app: SceneHost, surface: pygame.Surface, rect: pygame.Rect) -> None:
        badges = app.progress.badges if app.progress else []
        if not badges:
            return
        gfx.draw_text(
            surface, app.tr("summary.badges"), 26, (rect.left, rect.top + 12), INK, anchor="midleft"
        )
        x = rect.left + 150
        for i, key in enumerate(badges[:5]):
            label = app.tr(key)
            needed = 90 + gfx.font(22).size(label)[0]
            if x + needed - 20 > rect.right:
                break  # the row is full: never draw past the panel
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
            gfx.draw_text(surface, label, 22, (c[0] + 42, c[1]), INK, anchor="midleft")
            x += needed
