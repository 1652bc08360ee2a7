"""How do you feel: the scene's input (number keys, "1" then "0", arrows, Enter, mouse, skip),
the ratings in the SessionResult and its upload, and the window closing mid-question."""

from __future__ import annotations

import pygame
import pytest

from smarttouch.client.upload import upload_payload
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.app import AppConfig
from smarttouch.games.session.feelings import Rating
from smarttouch.games.session.inputs import PositionInput
from smarttouch.games.session.result import SessionResult
from smarttouch.games.session.runner import run_session
from smarttouch.games.session.scenes.feelings import layout
from tests.games.conftest import fast_options, rep_wave

CANVAS = (1280, 720)


def key(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="")


def click(pos) -> pygame.event.Event:
    return pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1)


def scripted(answers: dict[str, list]):
    """``on_step`` feeding each moment's events once, when its feelings scene is up."""
    done: set[str] = set()

    def on_step(app) -> None:
        scene = app.scene
        if scene.name != "feelings" or scene.moment in done:
            return
        done.add(scene.moment)
        for event in answers[scene.moment]:
            app.handle_event(event)

    return on_step


def play(tmp_path, answers, **targets_kw):
    targets = PlanTargets(game="balloons", reps=2, sets=1, **targets_kw)
    return run_session(
        targets,
        PositionInput(rep_wave(), 100.0),
        options=fast_options(config=AppConfig(instructions_s=1.0, summary_hold_s=0.5, ask_feelings=True)),
        data_dir=tmp_path,
        controller_factory=lambda t: None,
        on_step=scripted(answers),
    )


def values(result) -> dict[tuple[str, str], int | None]:
    return {(r.moment, r.scale): r.value for r in result.feelings}


def test_keys_mouse_and_skip_are_recorded_before_and_after(tmp_path) -> None:
    numbers, skip = layout(CANVAS)
    answers = {
        # pain: "7" chooses, Enter confirms; effort: a click on 3 answers at once
        "before": [key(pygame.K_7), key(pygame.K_RETURN), click(numbers[3].center)],
        # pain: "1" then "0" is ten, confirmed with Space; effort: skipped with the Skip button
        "after": [key(pygame.K_1), key(pygame.K_0), key(pygame.K_SPACE), click(skip.center)],
    }
    result = play(tmp_path, answers)
    assert result.quit_reason == "completed" and result.reps == 2
    assert values(result) == {
        ("before", "pain_nrs"): 7,
        ("before", "effort_cr10"): 3,
        ("after", "pain_nrs"): 10,
        ("after", "effort_cr10"): None,
    }
    skipped = [r for r in result.feelings if r.skipped]
    assert [(r.moment, r.scale) for r in skipped] == [("after", "effort_cr10")]
    names = [e.data["name"] for e in result.events if e.kind == "scene"]
    assert names[0] == "feelings" and names[1] == "calibration" and names[-2:] == ["feelings", "summary"]
    kinds = [p.kind for p in result.phases]
    assert kinds[0] == "feelings" and kinds[-2:] == ["feelings", "summary"]
    # the game never saw the keys: no rep started while rating
    assert all(e.kind != "rep" or e.t > result.phases[0].t_end for e in result.events)


def test_arrows_move_the_choice_and_s_skips(tmp_path) -> None:
    answers = {
        # Right from nothing is 0, three more Rights make 3, Left makes 2; Enter confirms
        "before": [key(pygame.K_RIGHT)]
        + [key(pygame.K_RIGHT)] * 3
        + [key(pygame.K_LEFT), key(pygame.K_RETURN)]
        # effort: Left from nothing is 10, Enter
        + [key(pygame.K_LEFT), key(pygame.K_RETURN)],
        "after": [key(pygame.K_s), key(pygame.K_s)],
    }
    result = play(tmp_path, answers)
    assert values(result) == {
        ("before", "pain_nrs"): 2,
        ("before", "effort_cr10"): 10,
        ("after", "pain_nrs"): None,
        ("after", "effort_cr10"): None,
    }
    assert all(r.skipped for r in result.feelings if r.moment == "after")


def test_enter_without_a_choice_does_nothing_and_a_late_zero_is_zero(tmp_path) -> None:
    from smarttouch.games.session.scenes.feelings import TEN_WINDOW_S

    events = {"before": [key(pygame.K_RETURN), key(pygame.K_1)], "after": [key(pygame.K_s), key(pygame.K_s)]}
    late = {"pressed": False}

    seen: set[str] = set()

    def driver(app) -> None:
        scene = app.scene
        if scene.name == "feelings" and scene.moment not in seen:
            seen.add(scene.moment)
            for e in events[scene.moment]:
                app.handle_event(e)
        elif scene.name == "feelings" and scene.moment == "before" and scene.age_s > TEN_WINDOW_S + 0.1:
            if not late["pressed"]:
                late["pressed"] = True
                app.handle_event(key(pygame.K_0))
                app.handle_event(key(pygame.K_RETURN))
                app.handle_event(key(pygame.K_s))

    targets = PlanTargets(game="balloons", reps=2, sets=1)
    result = run_session(
        targets,
        PositionInput(rep_wave(lead_in_s=4.0), 100.0),
        options=fast_options(config=AppConfig(instructions_s=1.0, summary_hold_s=0.5, ask_feelings=True)),
        data_dir=tmp_path,
        controller_factory=lambda t: None,
        on_step=driver,
    )
    assert values(result)[("before", "pain_nrs")] == 0
    assert values(result)[("before", "effort_cr10")] is None


def test_closing_the_window_while_rating_keeps_the_answers_and_skips_the_rest(tmp_path) -> None:
    targets = PlanTargets(game="balloons", reps=2, sets=1)
    from smarttouch.games.sdk.registry import make_game
    from smarttouch.games.session.app import SessionApp

    device = PositionInput(rep_wave(), 100.0)
    app = SessionApp(make_game("balloons"), targets, device, config=AppConfig(ask_feelings=True))
    device.start()
    app.step(1 / 60)
    app.handle_event(key(pygame.K_4))
    app.handle_event(key(pygame.K_RETURN))
    app.close()  # the patient closed the window on the effort question
    assert app.finished and app.result is not None and app.result.quit_reason == "closed"
    assert [(r.scale, r.value, r.skipped) for r in app.result.feelings] == [
        ("pain_nrs", 4, False),
        ("effort_cr10", None, True),
    ]  # closed: no "after" questions are asked


def test_feelings_travel_in_the_result_file_and_the_upload(tmp_path) -> None:
    rating = Rating("after", "pain_nrs", 6, False, "2026-12-03T10:00:00+00:00")
    result = SessionResult(
        game="balloons", movement="shoulder_flexion", targets=PlanTargets(), feelings=[rating]
    )
    loaded = SessionResult.load(result.save(tmp_path / "s.json"))
    assert loaded.feelings == [rating]
    meta, _ = upload_payload(loaded)
    assert meta["feelings"] == [rating.to_dict()]
    with pytest.raises(ValueError, match="not both"):
        Rating("after", "pain_nrs", 3, True, "")
    with pytest.raises(ValueError, match="outside 0..10"):
        Rating("before", "effort_cr10", 11, False, "")


def test_unanswered_questions_after_the_session_time_out_as_skipped(tmp_path) -> None:
    targets = PlanTargets(game="balloons", reps=2, sets=1)
    asked: set[str] = set()

    def on_step(app) -> None:
        if app.scene.name == "feelings" and "before" not in asked:
            asked.add("before")
            app.handle_event(key(pygame.K_s))
            app.handle_event(key(pygame.K_s))

    config = AppConfig(
        instructions_s=1.0, summary_hold_s=0.5, ask_feelings=True, feelings_after_timeout_s=3.0
    )
    result = run_session(
        targets,
        PositionInput(rep_wave(), 100.0),
        options=fast_options(config=config),
        data_dir=tmp_path,
        controller_factory=lambda t: None,
        on_step=on_step,
    )
    assert result.quit_reason == "completed"  # saved although nobody answered after
    assert [(r.moment, r.skipped) for r in result.feelings] == [
        ("before", True),
        ("before", True),
        ("after", True),
        ("after", True),
    ]
    after = [p for p in result.phases if p.kind == "feelings"][-1]
    assert after.t_end - after.t_start >= 3.0


def test_the_session_is_saved_as_the_game_ends_and_the_answers_replace_it(tmp_path) -> None:
    """Before "how do you feel now" is asked, ``on_ended`` has the session with those questions
    skipped and the local history has it; the answers then replace both, under the same id."""
    from smarttouch.games.session.history import History

    ended: list[SessionResult] = []
    seen_while_asking: list[tuple[int, str]] = []
    history_path = tmp_path / "history.json"

    def on_step(app) -> None:
        scene = app.scene
        if scene.name == "feelings" and scene.moment == "before" and not app.feelings:
            app.handle_event(key(pygame.K_2))
            app.handle_event(key(pygame.K_RETURN))
            app.handle_event(key(pygame.K_s))
        elif scene.name == "feelings" and scene.moment == "after" and not seen_while_asking:
            saved = History(history_path).entries  # read back from the file
            seen_while_asking.append((len(saved), saved[-1].session_id))
            app.handle_event(key(pygame.K_7))
            app.handle_event(key(pygame.K_RETURN))
            app.handle_event(key(pygame.K_4))
            app.handle_event(key(pygame.K_RETURN))

    finals: list[SessionResult] = []
    result = run_session(
        PlanTargets(game="balloons", reps=2, sets=1),
        PositionInput(rep_wave(), 100.0),
        options=fast_options(config=AppConfig(instructions_s=1.0, summary_hold_s=0.5, ask_feelings=True)),
        data_dir=tmp_path,
        controller_factory=lambda t: None,
        on_step=on_step,
        on_ended=ended.append,
        on_result=finals.append,
    )
    assert finals == [result] and len(ended) == 1
    first = ended[0]
    assert first.session_id == result.session_id and first.reps == result.reps == 2
    assert [(r.moment, r.scale, r.value, r.skipped) for r in first.feelings] == [
        ("before", "pain_nrs", 2, False),
        ("before", "effort_cr10", None, True),
        ("after", "pain_nrs", None, True),
        ("after", "effort_cr10", None, True),
    ]
    assert seen_while_asking == [(1, result.session_id)]  # on disk before the first answer
    assert values(result)[("after", "pain_nrs")] == 7 and values(result)[("after", "effort_cr10")] == 4
    saved = History(history_path).entries
    assert [e.session_id for e in saved] == [result.session_id]  # replaced in place, not twice


def test_no_early_save_when_no_questions_follow_the_game(tmp_path) -> None:
    ended: list[SessionResult] = []
    result = run_session(
        PlanTargets(game="balloons", reps=2, sets=1),
        PositionInput(rep_wave(), 100.0),
        options=fast_options(config=AppConfig(instructions_s=1.0, summary_hold_s=0.5)),
        data_dir=tmp_path,
        controller_factory=lambda t: None,
        on_ended=ended.append,
    )
    assert result.quit_reason == "completed" and ended == []
