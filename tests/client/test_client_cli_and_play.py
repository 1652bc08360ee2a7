"""``smarttouch pair`` / ``outbox`` and the pure parts of hub play (plan -> targets, payload,
progress view, sensor choice)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from smarttouch.cli import main
from smarttouch.client import ClientStore, Outbox
from smarttouch.client.errors import PlayError
from smarttouch.client.plan import choose_exercise, targets_for
from smarttouch.client.progress import progress_view
from smarttouch.client.sensor_choice import pick_sensor
from smarttouch.client.upload import upload_payload
from smarttouch.games.sdk.registry import get_game
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.history import HistoryEntry
from smarttouch.games.session.result import SessionResult
from smarttouch.platform.services.clinic import devices
from tests.platform.apihelp import pair_patient, simulated


@pytest.fixture
def client_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SMARTTOUCH_CLIENT_HOME", str(tmp_path / "client"))
    return tmp_path / "client"


def test_pair_and_outbox_commands(client_home, live_server, app, factories, db_session):
    runner = CliRunner()
    bad = runner.invoke(main, ["pair", "--hub", live_server, "ZZZZ-ZZZZ"])
    assert (
        bad.exit_code == 1
        and "Error: hub refused (400): pairing code not recognised" in bad.output
        and "Traceback" not in bad.output
    )
    assert runner.invoke(main, ["pair", "--hub", "nowhere", "X"]).exit_code == 1
    assert "not paired" in runner.invoke(main, ["outbox", "--upload"]).output

    paired = pair_patient(app, factories)
    code, _ = devices.create_pairing_code(db_session, actor=paired.therapist, patient_id=paired.patient.id)
    ok = runner.invoke(main, ["pair", "--hub", live_server, code])
    assert ok.exit_code == 0 and paired.patient.code in ok.output

    Outbox(ClientStore().outbox_path).add(
        "11111111-2222", hub_url=live_server, metadata=b"{}", recording=None, summary="balloons 3 reps, pain"
    )
    listed = runner.invoke(main, ["outbox"])
    assert "11111111" in listed.output and "balloons 3 reps, pain" in listed.output
    uploaded = runner.invoke(main, ["outbox", "--upload", "--json"])
    data = json.loads(uploaded.output)
    assert data["counts"]["rejected"] == 1  # "{}" is not a session: refused, and kept
    assert "session_id" in data["items"][0]["last_error"]


PLAN = {
    "exercises": [
        {
            "assignment_id": 4,
            "activity": {"key": "glider", "title": "Glider", "kind": "game"},
            "movement": "wrist_flexion",
            "target_rom_deg": 40.0,
            "max_rom_deg": None,
            "reps": 8,
            "sets": 2,
            "difficulty": 1,
            "therapist_note": "",
            "due_today": False,
        },
        {
            "assignment_id": 5,
            "activity": {"key": "balloons", "title": "Balloons", "kind": "game"},
            "movement": "shoulder_flexion",
            "target_rom_deg": 80.0,
            "max_rom_deg": 100.0,
            "reps": 10,
            "sets": 3,
            "difficulty": 5,
            "therapist_note": "Slowly",
            "due_today": True,
        },
        {
            "assignment_id": 6,
            "activity": {"key": "someone-elses", "title": "?", "kind": "game"},
            "movement": "x",
            "target_rom_deg": 10.0,
            "max_rom_deg": None,
            "reps": 1,
            "sets": 1,
            "difficulty": 1,
            "therapist_note": "",
            "due_today": True,
        },
    ]
}


def test_choosing_todays_exercise():
    playable = {"glider", "balloons"}
    assert choose_exercise(PLAN, playable)["assignment_id"] == 5  # first still due
    assert choose_exercise(PLAN, playable, 4)["assignment_id"] == 4
    with pytest.raises(PlayError, match="not in today's plan"):
        choose_exercise(PLAN, playable, 6)  # not playable on this computer
    with pytest.raises(PlayError, match="rest day"):
        choose_exercise({"exercises": []}, playable)


def test_plan_exercise_becomes_session_targets():
    targets = targets_for(PLAN["exercises"][1], get_game("balloons").info, "it")
    assert (targets.game, targets.movement, targets.target_rom_deg, targets.max_rom_deg) == (
        "balloons",
        "shoulder_flexion",
        80.0,
        100.0,
    )
    assert (targets.reps, targets.sets, targets.difficulty, targets.assignment_id) == (10, 3, 1.0, 5)
    glider = targets_for(PLAN["exercises"][0], get_game("glider").info, "en")
    assert glider.difficulty == 0.0 and glider.max_rom_deg >= glider.target_rom_deg


def test_upload_payload_is_json_safe_and_carries_the_recording():
    rec = simulated().recording
    result = SessionResult(
        game="balloons",
        movement="shoulder_flexion",
        targets=PlanTargets(assignment_id=5),
        recording=rec,
        reps=4,
        client_metrics={"odd": float("nan"), "n": __import__("numpy").int64(3)},
        metrics={"rom_deg": float("inf")},
    )
    meta, recording = upload_payload(result)
    json.dumps(meta, allow_nan=False)  # would raise on NaN/infinity
    assert meta["client_metrics"]["odd"] is None and meta["client_metrics"]["n"] == 3
    assert meta["client_metrics"]["analysis"] == {"rom_deg": None}
    assert meta["assignment_id"] == 5 and meta["sample_rate_hz"] == rec.sample_rate_hz
    assert recording[:2] == b"PK" and meta["ended_at"] is None
    no_rec, none = upload_payload(
        SessionResult(
            game="balloons",
            movement="shoulder_flexion",
            targets=PlanTargets(assignment_id=5),
            quit_reason="pain",
        )
    )
    assert none is None and no_rec["sample_rate_hz"] is None


def test_summary_progress_from_the_hub():
    hub = {
        "streak_days": 4,
        "recent": [
            {
                "session_id": "a",
                "day": "2026-03-01",
                "game": "balloons",
                "reps": 9,
                "game_reps": 10,
                "rom_deg": 70.0,
                "sparc": -1.9,
                "quit_reason": "completed",
                "goal_met": True,
            },
            {
                "session_id": "b",
                "day": "2026-03-02",
                "game": "glider",
                "reps": 5,
                "game_reps": None,
                "rom_deg": 30.0,
                "sparc": None,
                "quit_reason": "pain",
                "goal_met": False,
            },
            {
                "session_id": "now",
                "day": "2026-03-03",
                "game": "balloons",
                "reps": 12,
                "game_reps": 12,
                "rom_deg": 80.0,
                "sparc": -1.8,
                "quit_reason": "completed",
                "goal_met": True,
            },
        ],
    }
    today = HistoryEntry(day="2026-03-03", game="balloons", reps=12, rom_deg=80.0)
    view = progress_view(hub, today, uploaded=True, session_id="now", today=date(2026, 3, 3))
    assert view.previous.reps == 10 and view.previous.game == "balloons"  # game-counted reps
    assert [e.day for e in view.recent] == ["2026-03-01", "2026-03-03"]
    assert view.streak_days == 4 and "badge.best_rom" in view.badges
    offline = progress_view(hub, today, uploaded=False, session_id="now", today=date(2026, 3, 3))
    assert offline.streak_days == 3  # 1st, 2nd and today


def test_sensor_choice(tmp_path):
    store = ClientStore(tmp_path, tmp_path)
    assert pick_sensor("sim", store) == "sim"
    rows = [("AA:BB", "Thingy", -50, "thingy52-raw"), ("CC:DD", "IMU", -70, "smarttouch-imu")]
    assert pick_sensor(None, store, scan=lambda: rows) == "ble:AA:BB:thingy52-raw"
    assert pick_sensor(None, store, choose=lambda r: 1, scan=lambda: rows) == "ble:CC:DD:smarttouch-imu"
    with pytest.raises(PlayError, match="no sensor found"):
        pick_sensor(None, store, scan=lambda: [])

    def no_adapter():
        raise FileNotFoundError("no D-Bus")

    with pytest.raises(PlayError, match="Bluetooth"):
        pick_sensor(None, store, scan=no_adapter)
    store.set_pref("sensor", "ble:EE:FF")
    assert pick_sensor(None, store, scan=no_adapter) == "ble:EE:FF"


def test_play_without_pairing_says_what_to_do(client_home):
    res = CliRunner().invoke(main, ["play", "--headless"])
    assert res.exit_code == 1 and "smarttouch pair" in res.output and "--game" in res.output
