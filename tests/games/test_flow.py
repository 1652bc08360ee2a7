"""The session flow on scripted motion: calibration, rest, stop with a reason, disconnects."""

from __future__ import annotations

import pygame
import pytest

from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.app import AppConfig
from smarttouch.games.session.history import History
from smarttouch.games.session.inputs import PositionInput
from smarttouch.games.session.runner import run_session
from smarttouch.games.session.stopmenu import menu_rects, stop_button_rect
from tests.games.conftest import fast_options, rep_wave

CANVAS = (1280, 720)


def play(tmp_path, targets, device, **kw):
    return run_session(
        targets,
        device,
        options=fast_options(**kw.pop("opts", {})),
        data_dir=tmp_path,
        controller_factory=kw.pop("controller_factory", lambda t: None),
        **kw,
    )


def scenes(result) -> list[str]:
    return [e.data["name"] for e in result.events if e.kind == "scene"]


def test_full_session_calibrates_rests_and_completes(tmp_path) -> None:
    targets = PlanTargets(game="balloons", reps=3, sets=2, rest_s=6.0, target_rom_deg=80, max_rom_deg=120)
    device = PositionInput(rep_wave(peak=0.95), rom_deg=100.0)
    result = play(tmp_path, targets, device)
    assert result.quit_reason == "completed"
    assert scenes(result) == ["calibration", "instructions", "play", "rest", "play", "summary"]
    # calibration: neutral captured after keeping still, comfortable maximum = peak of the first movement
    steps = [e.data for e in result.events if e.kind == "calibration_step"]
    assert [s["step"] for s in steps] == ["neutral", "max"]
    assert device.neutral_captured_at is not None and device.neutral_captured_at < 2.5
    assert result.calibration["rom_max_deg"] == pytest.approx(95.0, abs=0.5)
    assert result.calibration["measured"] is True
    # rest between the sets, of the prescribed length
    rest_end = [e for e in result.events if e.kind == "rest_end"]
    assert len(rest_end) == 1 and rest_end[0].data["rested_s"] == pytest.approx(6.0, abs=0.05)
    assert result.reps == 6 and result.sets_completed == 2
    assert [e.data["index"] for e in result.rep_events()] == list(range(6))
    assert result.recording is None  # scripted input has no IMU samples


def test_every_rep_gets_sound_and_praise(tmp_path) -> None:
    from smarttouch.games.sdk.registry import make_game
    from smarttouch.games.session.app import SessionApp
    from smarttouch.games.session.sound import SoundBank

    pygame.font.init()
    targets = PlanTargets(game="balloons", reps=4, sets=1)
    app = SessionApp(
        make_game("balloons"),
        targets,
        PositionInput(rep_wave(), 100.0),
        config=AppConfig(instructions_s=1.0, summary_hold_s=0.5),
        sound=SoundBank(enabled=False),
        history=History(tmp_path / "h.json"),
        controller_factory=lambda t: None,
    )
    while not app.finished and app.now < 120:
        app.step(1 / 60)
    reps = [e for e in app.events if e.kind == "rep"]
    praise = [e for e in app.events if e.kind == "praise"]
    cue_times = [t for t, name in app.sound.played if name in ("rep", "miss")]
    assert len(reps) == 4 and len(praise) == 4 and len(cue_times) == 4
    assert [p.t for p in praise] == [r.t for r in reps] == cue_times  # feedback in the same step as the rep
    assert sum(1 for _, n in app.sound.played if n == "hit") == sum(1 for e in reps if e.data["success"])


def test_calibration_timeout_falls_back_to_the_target(tmp_path) -> None:
    targets = PlanTargets(game="balloons", reps=2, sets=1, target_rom_deg=70, max_rom_deg=100)
    device = PositionInput(lambda t: 0.05, rom_deg=100.0)  # the patient never moves
    cfg = AppConfig(instructions_s=1.0, summary_hold_s=0.5, calibration_timeout_s=5.0)
    result = play(tmp_path, targets, device, opts={"config": cfg, "duration_s": 12.0})
    step = next(e.data for e in result.events if e.kind == "calibration_step" and e.data["step"] == "max")
    assert step["outcome"] == "timeout_used_target"
    assert result.calibration["rom_max_deg"] == 70.0
    assert result.quit_reason == "time_limit"


def _key(key: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0)


def _click(pos) -> pygame.event.Event:
    return pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1)


@pytest.mark.parametrize("how,reason", [("keys", "pain"), ("mouse", "fatigue"), ("keys-other", "other")])
def test_stop_with_a_reason_ends_safely_and_records_it(tmp_path, how, reason) -> None:
    targets = PlanTargets(game="glider", reps=10, sets=2)
    pressed = {"done": False}

    def on_step(app) -> None:
        if pressed["done"] or app.scene.name != "play" or app.reps < 2:
            return
        pressed["done"] = True
        if how == "keys":
            app.handle_event(_key(pygame.K_ESCAPE))
            assert app.stop_menu.open
            app.step(1 / 60)  # the game waits while the menu is open
            app.handle_event(_key(pygame.K_1))
        elif how == "mouse":
            app.handle_event(_click(stop_button_rect(CANVAS).center))
            app.handle_event(_click(menu_rects(CANVAS)["fatigue"].center))
        else:
            app.handle_event(_key(pygame.K_ESCAPE))
            app.handle_event(_key(pygame.K_RIGHT))  # focus wraps from "keep playing" to "pain"
            app.handle_event(_key(pygame.K_RIGHT))
            app.handle_event(_key(pygame.K_RIGHT))
            app.handle_event(_key(pygame.K_RETURN))

    result = play(tmp_path, targets, PositionInput(rep_wave(), 100.0), on_step=on_step)
    assert result.quit_reason == reason
    assert scenes(result)[-1] == "summary"
    stop = [e for e in result.events if e.kind == "stop"]
    assert len(stop) == 1 and stop[0].data["reason"] == reason
    assert result.reps == 2
    history = History(tmp_path / "history.json")
    assert history.entries[-1].quit_reason == reason


def test_keep_playing_resumes_and_the_game_waits_meanwhile(tmp_path) -> None:
    targets = PlanTargets(game="balloons", reps=3, sets=1)
    state = {"opened_at": None, "reps_when_open": None}

    def on_step(app) -> None:
        if app.scene.name == "play" and state["opened_at"] is None and app.reps == 1:
            app.handle_event(_key(pygame.K_ESCAPE))
            state["opened_at"], state["reps_when_open"] = app.now, app.reps
        elif state["opened_at"] is not None and app.stop_menu.open:
            assert app.reps == state["reps_when_open"]
            if app.now - state["opened_at"] > 6.0:
                app.handle_event(_key(pygame.K_4))

    result = play(tmp_path, targets, PositionInput(rep_wave(), 100.0), on_step=on_step)
    assert result.quit_reason == "completed" and result.reps == 3
    assert not [e for e in result.events if e.kind == "stop"]


def test_disconnected_sensor_pauses_then_ends_safely(tmp_path) -> None:
    targets = PlanTargets(game="balloons", reps=20, sets=1)
    device = PositionInput(rep_wave(), 100.0, connected_fn=lambda t: t < 16.0)
    cfg = AppConfig(instructions_s=1.0, summary_hold_s=0.5, disconnect_timeout_s=5.0)
    result = play(tmp_path, targets, device, opts={"config": cfg})
    assert result.quit_reason == "disconnected"
    kinds = [e.kind for e in result.events]
    assert "disconnected" in kinds and kinds.index("disconnected") < kinds.index("stop")


def test_time_limit_and_preset_calibration(tmp_path) -> None:
    targets = PlanTargets(game="lantern", reps=50, sets=1)
    cfg = AppConfig(instructions_s=1.0, summary_hold_s=0.5, preset_rom_max_deg=88.0)
    result = play(
        tmp_path, targets, PositionInput(rep_wave(), 100.0), opts={"config": cfg, "duration_s": 20.0}
    )
    assert result.quit_reason == "time_limit"
    assert scenes(result)[:2] == ["instructions", "play"]
    assert result.calibration["preset"] is True and result.calibration["rom_max_deg"] == 88.0
    assert 19.9 <= result.duration_s <= 21.5
