"""Today's plan, the progress summary, and the isolation of one patient's token from another's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from smarttouch.platform.models import Activity, ExerciseSession
from smarttouch.platform.services.clinic import progress
from smarttouch.platform.services.clinic.catalogue import get_activity_by_key
from smarttouch.platform.storage.db import get_engine

from .apihelp import SIM_REPS, pair_patient, session_meta, upload


def test_todays_plan_lists_current_exercises_with_what_is_done(client, app, factories):
    paired = pair_patient(app, factories, therapist_note="Slowly, please", difficulty=3)
    with Session(get_engine(app)) as s:
        glider = get_activity_by_key(s, key="glider")
    factories.assignment(
        paired.patient, activity=glider, movement="wrist_flexion", start_date=date.today() + timedelta(days=3)
    )  # not yet
    factories.assignment(paired.patient, movement="shoulder_flexion", active=False)  # ended

    plan = client.get("/api/v1/plan/today", headers=paired.auth).get_json()
    assert plan["patient_code"] == paired.patient.code
    (item,) = plan["exercises"]
    assert item["assignment_id"] == paired.assignment.id
    assert item["activity"]["key"] == "balloons" and item["movement"] == "shoulder_flexion"
    assert item["therapist_note"] == "Slowly, please" and item["difficulty"] == 3
    assert (item["done_today"], item["due_today"]) == (0, True)

    assert (
        upload(
            client, paired, session_meta(paired, started_at=datetime.now(UTC).isoformat(), ended_at=None)
        ).status_code
        == 201
    )
    item = client.get("/api/v1/plan/today", headers=paired.auth).get_json()["exercises"][0]
    assert (item["done_today"], item["done_this_week"], item["due_today"]) == (1, 1, False)


def test_progress_summary_uses_the_hubs_metrics(client, app, factories):
    paired = pair_patient(app, factories)
    empty = client.get("/api/v1/progress", headers=paired.auth).get_json()
    assert empty["sessions_total"] == 0 and empty["recent"] == []
    now = datetime.now(UTC)
    for days_ago in (2, 1, 0):
        start = (now - timedelta(days=days_ago)).isoformat()
        assert (
            upload(client, paired, session_meta(paired, started_at=start, ended_at=None, reps=3)).status_code
            == 201
        )
    body = client.get("/api/v1/progress", headers=paired.auth).get_json()
    assert body["sessions_total"] == 3 and body["sessions_today"] == 1
    assert body["streak_days"] == 3 and body["reps_total"] == 3 * SIM_REPS
    assert [r["reps"] for r in body["recent"]] == [SIM_REPS] * 3  # hub-counted
    assert [r["game_reps"] for r in body["recent"]] == [3, 3, 3]  # game-counted
    assert all(r["goal_met"] for r in body["recent"])
    assert body["recent"][-1]["game"] == "balloons"
    assert body["this_week"]["prescribed"] == paired.assignment.sessions_per_week
    assert body["trends"]["sparc"]["n"] == 3  # same recording each day: a flat trend
    assert body["trends"]["sparc"]["slope_per_week"] == pytest.approx(0.0, abs=1e-6)


def test_progress_service_turns_rows_into_scoring_records(app, factories):
    paired = pair_patient(app, factories)
    factories.exercise_session(
        paired.patient, started_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC), quit_reason="fatigue"
    )
    with Session(get_engine(app)) as s:
        entries = progress.patient_sessions(s, patient_id=paired.patient.id, tz="Europe/Rome")
        record = progress.session_record(entries[0].session, None, "Europe/Rome")
    assert record.day == date(2026, 3, 2)  # 23:30 UTC is already the next day in Rome
    assert record.quit_reason == "fatigue" and record.metrics == {}
    row = progress.metrics_row(
        7,
        {
            "reps": 5,
            "rom_deg": 88.0,
            "sparc": None,
            "tremor_amplitude_deg": 0.4,
            "rom_deg_sd": 2.0,
            "quality": {"ok": True},
            "rep_table": [{"rom_deg": 88.0}],
        },
    )
    assert (row.reps, row.rom_deg, row.sparc, row.extra) == (5, 88.0, None, {"rom_deg_sd": 2.0})
    assert progress.record_metrics(row) == {
        "reps": 5.0,
        "rom_deg": 88.0,
        "rom_deg_mean": 0.0,
        "peak_speed_dps": 0.0,
        "tremor_amplitude_deg": 0.4,
    }


def test_a_token_of_patient_a_reaches_nothing_of_patient_b(client, app, factories):
    a = pair_patient(app, factories)
    b = pair_patient(app, factories)
    meta_b = session_meta(b)
    assert upload(client, b, meta_b).status_code == 201

    assert client.get(f"/api/v1/sessions/{meta_b['session_id']}", headers=a.auth).status_code == 404
    assert client.get(f"/api/v1/sessions/{meta_b['session_id']}", headers=b.auth).status_code == 200
    plan_a = client.get("/api/v1/plan/today", headers=a.auth).get_json()
    assert [e["assignment_id"] for e in plan_a["exercises"]] == [a.assignment.id]
    assert client.get("/api/v1/progress", headers=a.auth).get_json()["sessions_total"] == 0
    # writing into B's plan, or over B's session id, is refused
    assert upload(client, a, session_meta(a, assignment_id=b.assignment.id)).status_code == 400
    assert upload(client, a, session_meta(a, session_id=meta_b["session_id"])).status_code == 409
    with Session(get_engine(app)) as s:
        rows = s.exec(select(ExerciseSession)).all()
    assert [(r.patient_id, r.client_uuid) for r in rows] == [(b.patient.id, meta_b["session_id"])]


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v1/sessions/not-a-uuid"])
def test_unknown_api_paths_answer_json(client, path):
    res = client.get(path)
    assert res.status_code == 404 and res.get_json()["error"]["code"]


def test_api_ignores_the_web_session_and_needs_no_csrf(client, login_as, app, factories):
    login_as("therapist")
    assert client.get("/api/v1/plan/today").status_code == 401  # a web login is not a device
    paired = pair_patient(app, factories)
    assert upload(client, paired, session_meta(paired)).status_code == 201  # no CSRF token


def test_activity_catalogue_has_the_games_the_client_plays(db_session):
    keys = {a.key for a in db_session.exec(select(Activity))}
    assert {"balloons", "glider", "garden", "lantern"} <= keys
