"""SessionResult files, the garden that persists across sessions, local history and summary words."""

from __future__ import annotations

import json
from datetime import date

import pytest

from smarttouch.games.builtin.garden.game import MAX_STAGE, Garden, GardenState
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.app import AppConfig
from smarttouch.games.session.history import History, HistoryEntry, streak
from smarttouch.games.session.inputs import PositionInput, RecordingInput
from smarttouch.games.session.result import SessionFileError, SessionResult
from smarttouch.games.session.runner import run_session
from smarttouch.games.session.scenes.summary import summary_lines
from smarttouch.games.session.sensors import simulate_targets
from tests.games.conftest import fast_options, rep_wave


@pytest.fixture(scope="module")
def sim_result(tmp_path_factory) -> SessionResult:
    targets = PlanTargets(game="balloons", movement="shoulder_flexion", reps=4, sets=1)
    sim = simulate_targets(targets, "shoulder_flexion", seed=11, duration_s=40)
    return run_session(
        targets,
        RecordingInput(sim.recording, "shoulder_flexion"),
        options=fast_options(config=AppConfig(instructions_s=1.0, summary_hold_s=0.5)),
        data_dir=tmp_path_factory.mktemp("data"),
    )


def test_session_result_round_trips_with_its_recording(sim_result, tmp_path) -> None:
    path = sim_result.save(tmp_path / "s.json")
    assert (tmp_path / "s.npz").is_file()
    back = SessionResult.load(path)
    assert back.to_dict() == sim_result.to_dict()
    assert len(back.recording) == len(sim_result.recording)
    assert back.recording.calibration["rom_max_deg"] == sim_result.calibration["rom_max_deg"]
    assert sim_result.metrics is not None and sim_result.metrics["reps"] >= 4
    assert sim_result.calibration["neutral_quat"] is not None  # the tracker's neutral pose is recorded


def test_a_damaged_pair_is_refused_with_a_clear_message(sim_result, tmp_path) -> None:
    path = sim_result.save(tmp_path / "s.json")
    npz = tmp_path / "s.npz"
    npz.write_bytes(npz.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(SessionFileError, match="does not match its sha256"):
        SessionResult.load(path)
    npz.unlink()
    with pytest.raises(SessionFileError, match="is missing"):
        SessionResult.load(path)
    path.write_text("{not json")
    with pytest.raises(SessionFileError, match="not valid JSON"):
        SessionResult.load(path)
    with pytest.raises(ValueError, match="quit_reason"):
        SessionResult(game="x", movement="y", targets=PlanTargets(), quit_reason="bored")


def test_the_garden_keeps_growing_across_sessions(tmp_path) -> None:
    state = tmp_path / "garden" / "garden.json"
    targets = PlanTargets(
        game="garden", movement="sit_to_stand", reps=4, sets=1, target_rom_deg=60, max_rom_deg=100
    )
    opts = dict(config=AppConfig(instructions_s=1.0, summary_hold_s=0.5))
    first = run_session(
        targets,
        PositionInput(rep_wave(), 90.0),
        game=Garden(state_path=state),
        options=fast_options(**opts),
        data_dir=tmp_path,
    )
    saved = json.loads(state.read_text())
    assert saved["total_reps"] == first.reps == 4
    grown = sum(saved["stages"])
    assert grown == sum(2 if e.data["success"] else 1 for e in first.rep_events())
    second = run_session(
        targets,
        PositionInput(rep_wave(), 90.0),
        game=Garden(state_path=state),
        options=fast_options(**opts),
        data_dir=tmp_path,
    )
    again = json.loads(state.read_text())
    assert again["total_reps"] == 8 and sum(again["stages"]) > grown
    assert second.client_metrics["game_snapshot"]["garden_total_reps"] == 8


def test_garden_state_survives_damage_and_completes_beds() -> None:
    g = GardenState()
    for _ in range(100):
        slot, done = g.grow(2)
        if done:
            break
    assert done and g.beds_completed == 1 and all(s == MAX_STAGE for s in g.stages)


def test_damaged_garden_file_starts_afresh(tmp_path) -> None:
    bad = tmp_path / "garden.json"
    bad.write_text('{"stages": "oops"}')
    assert GardenState.load(bad).stages == GardenState().stages


def test_streak_and_badges(tmp_path) -> None:
    today = date(2025, 3, 10)
    assert streak(["2025-03-08", "2025-03-09", "2025-03-10"], today) == 3
    assert streak(["2025-03-08", "2025-03-09"], today) == 2  # today not played yet
    assert streak(["2025-03-07"], today) == 0
    h = History(tmp_path / "h.json")
    v1 = h.add(HistoryEntry("2025-03-08", "balloons", 10, 80.0, goal_met=True), today=date(2025, 3, 8))
    assert "badge.first" in v1.badges and "badge.goal" in v1.badges
    h.add(HistoryEntry("2025-03-09", "balloons", 50, 85.0), today=date(2025, 3, 9))
    v3 = h.add(HistoryEntry("2025-03-10", "balloons", 45, 92.0, success_rate=0.95), today=today)
    assert v3.streak_days == 3 and {
        "badge.reps100",
        "badge.best_rom",
        "badge.accurate",
    } <= set(v3.badges)
    assert v3.previous.reps == 50 and [e.reps for e in v3.recent] == [10, 50, 45]
    assert History(tmp_path / "h.json").entries[-1].reps == 45  # persisted


def test_summary_speaks_plain_words_against_last_time(tmp_path) -> None:
    h = History(tmp_path / "history.json")
    h.add(HistoryEntry(date.today().isoformat(), "balloons", 2, 60.0, movement="shoulder_flexion"))
    targets = PlanTargets(game="balloons", reps=3, sets=1, lang="it")
    captured = {}

    def on_step(app) -> None:
        if app.scene.name == "summary" and not captured:
            captured["lines"] = [text for text, _ in summary_lines(app)]

    run_session(
        targets,
        PositionInput(rep_wave(), 100.0),
        history=h,
        on_step=on_step,
        options=fast_options(config=AppConfig(instructions_s=1.0, summary_hold_s=0.5)),
        data_dir=tmp_path,
    )
    lines = captured["lines"]
    assert lines[0] == "Oggi hai fatto 3 ripetizioni."
    assert lines[1] == "È 1 in più dell'ultima volta."  # one: singular
    assert any("Più ampio dell'ultima volta (60 gradi)." == line for line in lines)
    assert lines[-1] == "Sessioni questa settimana: 2"  # no prescription: the week's count (both today)
