"""Session phases: what the game writes down, and which repetitions it counts at phase edges."""

from __future__ import annotations

import json

import pygame
import pytest

from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.inputs import PositionInput
from smarttouch.games.session.phases import PhaseLog, RepGate
from smarttouch.games.session.result import SessionResult
from smarttouch.scoring.control import ControlState, RepEvent
from smarttouch.sensors.recording_io import load_recording
from smarttouch.sensors.types import Phase, check_phases
from tests.games.conftest import rep_wave
from tests.games.test_flow import play


def kinds(result: SessionResult) -> list[tuple[str, int | None]]:
    return [(p.kind, p.set_index) for p in result.phases]


def state(t: float, *events: RepEvent) -> ControlState:
    return ControlState(t=t, angle_deg=0.0, position=0.0, velocity_dps=0.0, events=events)


def started(t: float, i: int) -> RepEvent:
    return RepEvent("started", t, i)


def completed(t: float, i: int) -> RepEvent:
    return RepEvent("completed", t, i, rom_deg=50.0, duration_s=2.0)


# ------------------------------------------------------------------ the gate on its own
def test_a_repetition_under_way_when_the_set_starts_is_not_counted():
    log = PhaseLog()
    gate = RepGate(log)
    log.begin("instructions", 0.0)
    gate.filter(state(1.0, started(0.9, 0)))
    gate.start_play(2.0, 0)  # the countdown ends mid-repetition
    assert gate.waiting and not gate.counting
    out = gate.filter(state(3.5, completed(3.3, 0), started(3.45, 1)))
    assert gate.counting and not gate.waiting
    assert [e.kind for e in out.events] == ["started"]  # the next one counts, the old one not
    out = gate.filter(state(6.0, completed(5.8, 1)))
    assert [(e.kind, e.index) for e in out.events] == [("completed", 1)]
    gate.stop_play(6.0)
    assert log.phases(0.0, 6.0) == (Phase("instructions", 0.0, 2.0), Phase("play", 3.5, 6.0, 0))


def test_play_ends_where_an_unfinished_counted_repetition_began():
    log = PhaseLog()
    gate = RepGate(log)
    gate.start_play(1.0, 0)
    gate.filter(state(2.0, started(1.8, 0)))
    gate.filter(state(4.0, completed(3.9, 0)))
    gate.filter(state(5.2, started(5.0, 1)))
    gate.stop_play(6.0)  # e.g. the stop menu opens with repetition 1 under way
    log.begin("stop", 6.0)
    assert log.phases(0.0, 7.0) == (Phase("play", 1.0, 5.0, 0), Phase("stop", 6.0, 7.0))
    assert gate.filter(state(7.0, completed(6.9, 1))).events == ()  # it never reaches the game


def test_phase_log_clips_to_the_recording_and_never_overlaps():
    log = PhaseLog()
    log.begin("calibration", 0.0)
    log.begin("instructions", 4.0)
    log.end(6.0)
    log.begin("play", 5.0, 0)  # asked to start before the last end: starts there instead
    phases = log.phases(0.5, 8.0)
    assert phases == (
        Phase("calibration", 0.5, 4.0),
        Phase("instructions", 4.0, 6.0),
        Phase("play", 6.0, 8.0, 0),
    )
    assert check_phases(phases, 0.5, 8.0) == phases


# ------------------------------------------------------------------ whole sessions
def test_a_session_writes_its_phases_in_order(tmp_path):
    targets = PlanTargets(game="balloons", reps=3, sets=2, rest_s=6.0, target_rom_deg=80, max_rom_deg=120)
    result = play(tmp_path, targets, PositionInput(rep_wave(peak=0.95), rom_deg=100.0))
    assert kinds(result) == [
        ("calibration", None),
        ("instructions", None),
        ("play", 0),
        ("rest", 1),
        ("play", 1),
        ("summary", None),
    ]
    check_phases(result.phases, result.phases[0].t_start, result.phases[-1].t_end)
    spans = [(p.t_start, p.t_end) for p in result.phases if p.kind == "play"]
    for rep in result.rep_events():  # every counted rep ended inside a play phase
        assert any(a <= rep.t <= b for a, b in spans)
    summary = result.phases[-1]
    assert summary.duration_s == 0.0 and summary.t_start == max(p.t_end for p in result.phases)


def _key(key: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0)


def test_the_stop_menu_is_a_phase_and_the_set_resumes_after_it(tmp_path):
    targets = PlanTargets(game="balloons", reps=3, sets=1)
    seen = {"opened_at": None}

    def on_step(app) -> None:
        if app.scene.name == "play" and seen["opened_at"] is None and app.reps == 1:
            app.handle_event(_key(pygame.K_ESCAPE))
            seen["opened_at"] = app.now
        elif seen["opened_at"] is not None and app.stop_menu.open and app.now - seen["opened_at"] > 3.0:
            app.handle_event(_key(pygame.K_4))  # keep playing

    result = play(tmp_path, targets, PositionInput(rep_wave(), 100.0), on_step=on_step)
    assert result.reps == 3
    assert kinds(result) == [
        ("calibration", None),
        ("instructions", None),
        ("play", 0),
        ("stop", None),
        ("play", 0),
        ("summary", None),
    ]


def test_stopping_for_pain_ends_with_stop_then_summary(tmp_path):
    targets = PlanTargets(game="glider", reps=10, sets=2)

    def on_step(app) -> None:
        if app.scene.name == "play" and app.reps >= 2 and not app.stop_menu.open and app.quit_reason is None:
            app.handle_event(_key(pygame.K_ESCAPE))
            app.step(1 / 60)
            app.handle_event(_key(pygame.K_1))

    result = play(tmp_path, targets, PositionInput(rep_wave(), 100.0), on_step=on_step)
    assert result.quit_reason == "pain"
    assert [k for k, _ in kinds(result)][-3:] == ["play", "stop", "summary"]


def test_phases_are_saved_with_the_result_and_in_the_recording(tmp_path):
    from smarttouch.games.session.sensors import open_input

    targets = PlanTargets(game="balloons", reps=2, sets=2, rest_s=2.0, movement="shoulder_flexion")
    device = open_input("sim", targets, "shoulder_flexion", headless=True)
    result = play(tmp_path, targets, device)
    assert result.recording is not None
    assert tuple(result.phases) == result.recording.phases
    path = result.save(tmp_path / "s.json")
    assert SessionResult.load(path).phases == result.phases
    assert load_recording(path.with_suffix(".npz")).phases == tuple(result.phases)
    rec = result.recording
    assert result.phases[0].t_start == rec.t[0] and result.phases[-1].t_end == rec.t[-1]


def test_a_result_saved_before_phases_existed_still_loads(tmp_path):
    targets = PlanTargets(game="balloons", reps=2, sets=1)
    result = play(tmp_path, targets, PositionInput(rep_wave(), 100.0))
    data = result.to_dict()
    del data["phases"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    assert SessionResult.load(path).phases == []


def test_a_bad_phase_in_a_result_file_is_a_clear_error(tmp_path):
    from smarttouch.games.session.result import SessionFileError

    targets = PlanTargets(game="balloons", reps=2, sets=1)
    data = play(tmp_path, targets, PositionInput(rep_wave(), 100.0)).to_dict()
    data["phases"][0]["kind"] = "warmup"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SessionFileError, match="unknown phase kind 'warmup'"):
        SessionResult.load(path)


def test_play_then_analyze_tell_the_same_number(tmp_path):
    """The issue's reproduction, shortened: what ``smarttouch play`` tells the patient is what
    ``smarttouch analyze`` finds in the saved recording (calibration, instructions and rest
    are not counted)."""
    from click.testing import CliRunner

    from smarttouch.cli import main

    runner = CliRunner()
    out = tmp_path / "s.json"
    played = runner.invoke(
        main,
        ["play", "--game", "balloons", "--sensor", "sim", "--reps", "3", "--sets", "2", "--rest", "4"]
        + ["--headless", "--no-sound", "--data-dir", str(tmp_path / "data"), "--json", str(out)],
    )
    assert played.exit_code == 0, played.output
    assert "balloons: 6 reps" in played.output
    analysed = runner.invoke(main, ["analyze", "--json", str(out.with_suffix(".npz"))])
    assert analysed.exit_code == 0, analysed.output
    d = json.loads(analysed.output.strip().splitlines()[-1])
    assert d["reps"] == 6 and [s["reps"] for s in d["sets"]] == [3, 3] and d["play_sets"] == [0, 1]
