"""The summary is honest and warm: the same game and movement only, the range of the play
phases' reps, plurals with gettext semantics, the patient's date format, the prescription's
week, the game's own trophy, and a layout where nothing overlaps; screenshots of the new
scenes in English and Italian at 1280x720 (test-artifacts/games/)."""

from __future__ import annotations

from datetime import date, timedelta

import pygame
import pytest

from smarttouch.games.sdk import gfx
from smarttouch.games.sdk.messages import ntr, short_date
from smarttouch.games.sdk.registry import make_game
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.sdk.trophy import Trophy, trophy_of
from smarttouch.games.session.app import AppConfig, SessionApp
from smarttouch.games.session.history import History, HistoryEntry, progress_of, weeks_on_plan
from smarttouch.games.session.inputs import PositionInput
from smarttouch.games.session.result import SessionResult
from smarttouch.games.session.runner import run_session
from smarttouch.games.session.scenes.summary import (
    TEXT_SIZES,
    done_rect,
    fit_lines,
    label_indices,
    summary_lines,
)
from smarttouch.sensors.types import Phase
from tests.games.conftest import fast_options, rep_wave

CANVAS = (1280, 720)
TODAY = date(2026, 12, 3)  # a Thursday


def entry(day: date, reps: int, rom: float | None = 60.0, **kw) -> HistoryEntry:
    kw.setdefault("movement", "shoulder_flexion")
    return HistoryEntry(day.isoformat(), kw.pop("game", "balloons"), reps, rom, **kw)


# --- comparisons -------------------------------------------------------------------------
def test_only_the_same_game_and_movement_is_compared() -> None:
    past = [
        entry(TODAY - timedelta(days=3), 20, 90.0),  # same game and movement
        entry(TODAY - timedelta(days=2), 30, 120.0, movement="shoulder_abduction"),
        entry(TODAY - timedelta(days=1), 40, 20.0, game="lantern"),
    ]
    view = progress_of(past, entry(TODAY, 10, 95.0), TODAY)
    assert view.previous is past[0]  # not yesterday's lantern nor the abduction session
    assert [e.reps for e in view.recent] == [20, 10]
    assert "badge.best_rom" in view.badges  # 95 beats 90; the abduction's 120 does not count
    alone = progress_of(past[1:], entry(TODAY, 10, 95.0), TODAY)
    assert alone.previous is None and "badge.best_rom" not in alone.badges


def test_history_add_never_falls_back_to_another_game(tmp_path) -> None:
    h = History(tmp_path / "h.json")
    h.add(entry(TODAY - timedelta(days=1), 12, 70.0, game="glider"), TODAY - timedelta(days=1))
    view = h.add(entry(TODAY, 5, 40.0), TODAY)
    assert view.previous is None and [e.game for e in view.recent] == ["balloons"]


def test_range_comes_from_the_play_phases_reps_only(tmp_path) -> None:
    """A short run that never counts a rep shows no range and earns no "best range", even
    when the calibration reached far and the whole recording's range is wide."""
    h = History(tmp_path / "history.json")
    h.add(entry(TODAY - timedelta(days=1), 10, 50.0), TODAY - timedelta(days=1))
    captured: dict = {}

    def on_step(app) -> None:
        if app.now >= 3.0 and app.quit_reason is None:
            app.request_stop("other")
        if app.scene.name == "summary" and not captured:
            captured["lines"] = [t for t, _ in summary_lines(app)]
            captured["badges"] = list(app.progress.badges)

    result = run_session(
        PlanTargets(game="balloons", reps=3, sets=1),
        PositionInput(rep_wave(lead_in_s=1.6, period_s=2.0, move_s=1.2), 110.0),
        history=h,
        on_step=on_step,
        options=fast_options(config=AppConfig(instructions_s=1.0, summary_hold_s=0.5)),
        data_dir=tmp_path,
    )
    assert result.reps == 0 and result.duration_s < 3.5
    assert not any("widest" in line for line in captured["lines"])
    assert "badge.best_rom" not in captured["badges"] and captured["badges"] == []
    assert h.entries[-1].rom_deg is None


def test_a_sit_to_stand_summary_speaks_in_stand_ups_not_degrees(tmp_path) -> None:
    captured: dict = {}

    def on_step(app) -> None:
        if app.scene.name == "summary" and not captured:
            captured["lines"] = [t for t, _ in summary_lines(app)]

    result = run_session(
        PlanTargets(game="garden", movement="sit_to_stand", reps=2, sets=1),
        PositionInput(rep_wave(), 100.0),
        history=History(tmp_path / "history.json"),
        on_step=on_step,
        options=fast_options(config=AppConfig(instructions_s=1.0, summary_hold_s=0.5)),
        data_dir=tmp_path,
    )
    assert result.reps >= 1 and captured["lines"][0] == ntr("summary.reps", result.reps, "en")
    assert not any("degree" in line for line in captured["lines"]), captured["lines"]


def test_session_rom_ignores_a_whole_recording_range() -> None:
    from smarttouch.games.session.summary_data import session_rom

    base = dict(game="balloons", movement="shoulder_flexion", targets=PlanTargets())
    # no reps: no range, whatever the analysis found in the played angle
    assert session_rom(SessionResult(**base, reps=0, metrics={"rom_deg": 140.0, "reps": 0})) is None
    # reps but no play phase (analysis of the whole recording): the game's gated per-rep range
    r = SessionResult(
        **base, reps=2, metrics={"rom_deg": 140.0, "reps": 3}, client_metrics={"rom_deg_max": 70.0}
    )
    assert session_rom(r) == 70.0
    played = SessionResult(
        **base,
        reps=2,
        metrics={"rom_deg": 72.0, "reps": 2},
        client_metrics={"rom_deg_max": 70.0},
        phases=[Phase("calibration", 0.0, 5.0), Phase("play", 5.0, 30.0, 0)],
    )
    assert session_rom(played) == 72.0  # the hub-equal analysis over the play phases


def test_zero_rep_sessions_do_not_count_in_streaks_or_weeks() -> None:
    past = [entry(TODAY - timedelta(days=2), 8), entry(TODAY - timedelta(days=1), 0, None)]
    view = progress_of(past, entry(TODAY, 6), TODAY)
    assert view.streak_days == 1  # yesterday's 0-rep session breaks the run of days
    assert view.week_done == 2  # Tuesday's and today's
    empty = progress_of(past, entry(TODAY, 0, None, goal_met=False), TODAY)
    assert empty.badges == [] and empty.week_done == 1


def test_weeks_and_badges_follow_the_prescription() -> None:
    monday = TODAY - timedelta(days=TODAY.weekday())
    days = []
    for week in (3, 2, 1):  # three earlier weeks of 3 sessions each
        start = monday - timedelta(weeks=week)
        days += [start, start + timedelta(days=2), start + timedelta(days=4)]
    past = [entry(d, 10, week_goal=3) for d in days] + [entry(monday, 10, week_goal=3)]
    assert weeks_on_plan([e.day for e in past], TODAY, 3) == 3  # this week still open
    second = progress_of(past, entry(TODAY - timedelta(days=1), 10, week_goal=3), TODAY)
    assert second.week_done == 2 and second.week_goal == 3 and "badge.week_goal" not in second.badges
    third = progress_of(
        [*past, entry(TODAY - timedelta(days=1), 10, week_goal=3)], entry(TODAY, 10, week_goal=3), TODAY
    )
    assert third.week_done == 3 and third.streak_weeks == 4 and "badge.weeks3" in third.badges
    daily = progress_of([], entry(TODAY, 10, week_goal=5), TODAY)
    assert daily.streak_weeks == 0 and "badge.week_goal" not in daily.badges


# --- words -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "key,n,lang,text",
    [
        ("summary.reps", 1, "en", "You did 1 repetition today."),
        ("summary.reps", 0, "en", "You did 0 repetitions today."),
        ("summary.reps", 2, "it", "Oggi hai fatto 2 ripetizioni."),
        ("summary.reps", 1, "it", "Oggi hai fatto 1 ripetizione."),
        ("summary.rom", 1, "en", "Your widest movement was 1 degree."),
        ("summary.rom", 1, "it", "Il tuo movimento più ampio è stato di 1 grado."),
        ("summary.rom.worse", 45, "it", "Un po' meno ampio dell'ultima volta (45 gradi)."),
        ("summary.reps.more", 1, "it", "È 1 in più dell'ultima volta."),
        ("calib.reached.n", 1, "en", "Reached so far: 1 degree"),
        ("calib.done.n", 1, "it", "Grazie! Il tuo movimento comodo: 1 grado"),
        ("count.reps", 1, "it", "1 ripetizione"),
    ],
)
def test_plurals_follow_gettext_rules(key, n, lang, text) -> None:
    assert ntr(key, n, lang) == text


def test_trophy_plural_and_the_optional_hook() -> None:
    trophy = Trophy(1, {"en": ("{n} balloon popped", "{n} balloons popped")})
    assert trophy.text("en") == "1 balloon popped" and trophy.text("it") == "1 balloon popped"
    assert Trophy(3, {"en": ("{n} balloon popped", "{n} balloons popped")}).text("en") == "3 balloons popped"

    class NoHook:
        pass

    class Broken:
        def trophy(self):
            raise RuntimeError("oops")

    assert trophy_of(NoHook()) is None and trophy_of(Broken()) is None
    with pytest.raises(ValueError):
        Trophy(-1, {"en": ("{n}", "{n}")})


def test_locale_dates() -> None:
    assert short_date(date(2026, 3, 12), "it") == "12/03"  # DD/MM, never 03/12
    assert short_date(date(2026, 3, 12), "en") == "12 Mar"


# --- layout ------------------------------------------------------------------------------
def test_chart_labels_are_thinned_so_they_never_overlap() -> None:
    assert label_indices(5, 80.0, 50.0) == [0, 1, 2, 3, 4]
    for n in range(1, 11):
        slot = 372 / n
        shown = label_indices(n, slot, 58.0)
        assert shown[-1] == n - 1  # today always
        assert all((b - a) * slot >= 58.0 + 10.0 for a, b in zip(shown, shown[1:]))
    assert len(label_indices(10, 37.2, 58.0)) < 10


def test_long_italian_lines_fit_above_the_badges() -> None:
    advice = (
        "Per oggi smetti di fare esercizio e lascia riposare la parte che fa male. Se il dolore è "
        "forte, o c'è ancora domani, chiama il tuo terapista o il medico prima di giocare di nuovo."
    )
    lines = [(advice, (0, 0, 0))] + [("Il tuo movimento più ampio è stato di 88 gradi.", (0, 0, 0))] * 6
    size, wrapped = fit_lines(lines, 560, 330)
    assert size < TEXT_SIZES[0]
    used = sum(len(rows) * int(size * 1.36) + 8 for rows, _ in wrapped)
    assert used <= 330
    assert all(gfx.font(size).size(row)[0] <= 560 for rows, _ in wrapped for row in rows)


# --- the scenes, drawn ----------------------------------------------------------------------
def _surface() -> pygame.Surface:
    return pygame.Surface(CANVAS)


def _finished_app(tmp_path, lang: str, reason: str, *, note: str = "") -> SessionApp:
    """A balloons session played on scripted motion to its end (``reason``), with a history of
    nine earlier sessions of the same exercise on a plan of 3 sessions a week."""
    h = History(tmp_path / f"h-{lang}-{reason}.json")
    for i in range(9, 0, -1):
        h.add(entry(date.today() - timedelta(days=2 * i), 4 + i % 4, 60.0 + i, week_goal=3), date.today())
    targets = PlanTargets(
        game="balloons",
        movement="shoulder_flexion",
        reps=3,
        sets=1,
        lang=lang,
        sessions_per_week=3,
        assignment_id=7,
        therapist_note=note,
    )
    device = PositionInput(rep_wave(), 100.0)
    app = SessionApp(
        make_game("balloons"),
        targets,
        device,
        config=AppConfig(instructions_s=1.0, summary_hold_s=None, ask_feelings=True),
        history=h,
        data_dir=tmp_path,
        controller_factory=lambda t: None,
    )
    device.start()
    app.handle_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_2, mod=0, unicode=""))
    app.handle_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode=""))
    app.handle_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_3, mod=0, unicode=""))
    app.handle_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode=""))
    while app.scene.name != "feelings" and app.now < 120:
        app.step(1 / 60)
        if reason != "completed" and app.reps >= 2:
            app.request_stop(reason)
    return app


@pytest.mark.parametrize("lang", ["en", "it"])
def test_screenshots_of_the_new_scenes(tmp_path, artifacts, lang) -> None:
    app = _finished_app(
        tmp_path,
        lang,
        "completed",
        note="Keep your shoulder low" if lang == "en" else "Tieni la spalla bassa",
    )
    assert app.scene.name == "feelings" and app.scene.moment == "after"
    surface = _surface()
    app.handle_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_4, mod=0, unicode=""))
    app.draw(surface)
    pygame.image.save(surface, str(artifacts / f"feelings-after-pain-{lang}-1280x720.png"))
    app.handle_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode=""))
    app.draw(surface)
    pygame.image.save(surface, str(artifacts / f"feelings-after-effort-{lang}-1280x720.png"))
    app.handle_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_s, mod=0, unicode=""))
    assert app.scene.name == "summary" and app.trophy is not None and app.trophy.count == 3
    lines = [t for t, _ in summary_lines(app)]
    assert lines[0] == ntr("summary.reps", 3, lang)
    assert app.progress.week_goal == 3 and len(app.progress.recent) == 10
    for _ in range(30):
        app.step(1 / 60)
    app.draw(surface)
    pygame.image.save(surface, str(artifacts / f"summary-completed-{lang}-1280x720.png"))
    # Done closes it (after the first second, so a click meant for the last scene does not)
    app.step(1.2)
    app.handle_event(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=done_rect(CANVAS).center, button=1))
    assert app.finished

    pain = _finished_app(tmp_path, lang, "pain")
    pain.handle_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_s, mod=0, unicode=""))
    pain.handle_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_s, mod=0, unicode=""))
    assert pain.scene.name == "summary" and pain.result.quit_reason == "pain"
    lines = [t for t, _ in summary_lines(pain)]
    assert lines[0] == pain.tr("summary.pain.advice") and lines[1] == pain.tr("summary.pain.seen")
    pain.step(0.5)
    pain.draw(surface)
    pygame.image.save(surface, str(artifacts / f"summary-pain-{lang}-1280x720.png"))

    fresh = SessionApp(
        make_game("balloons"),
        PlanTargets(game="balloons", lang=lang),
        PositionInput(rep_wave(), 100.0),
        config=AppConfig(ask_feelings=True),
    )
    fresh.handle_event(pygame.event.Event(pygame.MOUSEMOTION, pos=(640, 370), rel=(0, 0), buttons=(0, 0, 0)))
    fresh.draw(surface)
    pygame.image.save(surface, str(artifacts / f"feelings-before-{lang}-1280x720.png"))
