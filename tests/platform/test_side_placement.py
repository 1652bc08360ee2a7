"""The side and the sensor's site of an assignment: the shared vocabulary, the plan service's
checks, the editor's field errors (translated, nothing stored), templates and copies that take
the new patient's side, and the migration that gives existing assignments a sensible value."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlmodel import Session, select

from smarttouch.platform.models import Assignment, AssignmentVersion
from smarttouch.platform.services.clinic import plan_templates, plans
from smarttouch.platform.services.errors import Invalid
from smarttouch.platform.storage import migrate
from smarttouch.platform.storage.db import get_engine, make_engine
from smarttouch.platform.testing import csrf_token
from smarttouch.sensors.placements import default_side, placement_problem, simulated_placement
from smarttouch.sensors.simulator import PLACEMENTS
from tests.platform.migration_support import insert_patient, insert_user

PLAN = {
    "target_rom_deg": 40.0,
    "reps": 10,
    "sets": 2,
    "start_date": date(2026, 1, 5),
}


def test_vocabulary_rules() -> None:
    assert placement_problem("wrist_flexion", "hand", "left") is None
    assert "thigh" in (placement_problem("wrist_flexion", "thigh", "left") or "")
    assert "both" in (placement_problem("wrist_flexion", "hand", "both") or "")  # one hand at a time
    assert placement_problem("sit_to_stand", "thigh", "both") is None
    assert default_side("wrist_flexion", "both") == "right" and default_side("sit_to_stand", "both") == "both"
    assert (
        default_side("elbow_flexion", "left") == "left" and default_side("elbow_flexion", "none") == "right"
    )
    # the simulator wears the sensor where the plan says, or on the same site of the right side
    assert simulated_placement("wrist_flexion", "hand", "left", PLACEMENTS["wrist_flexion"]) == "hand-left"
    assert simulated_placement("sit_to_stand", "thigh", "both", PLACEMENTS["sit_to_stand"]) == "thigh-right"


def test_service_checks_the_site_and_keeps_the_default() -> None:
    data = plans.validate_assignment(activity_id=1, movement="wrist_flexion", side="left", **PLAN)
    assert (data.side, data.placement) == ("left", "hand")  # the movement's usual site
    with pytest.raises(Invalid, match="placement 'thigh' is not used for wrist_flexion"):
        plans.validate_assignment(activity_id=1, movement="wrist_flexion", placement="thigh", **PLAN)
    with pytest.raises(Invalid, match="side 'both' is not possible"):
        plans.validate_assignment(activity_id=1, movement="wrist_flexion", side="both", **PLAN)


def test_editor_rejects_a_site_the_movement_does_not_use_at_the_field_in_italian(
    client: FlaskClient, login_as, make_patient, app: Flask
) -> None:
    me = login_as("therapist", locale="it")
    patient = make_patient(me, affected_side="left")
    page = f"/patients/{patient.id}/assignments/new"
    html = client.get(page).get_data(as_text=True)
    assert '<option selected value="left">' in html or 'value="left" selected' in html  # the patient's side
    assert 'id="movement-placements"' in html
    with Session(get_engine(app)) as db:
        activity_id = db.exec(text("SELECT id FROM activity WHERE key = 'glider'")).scalar_one()
    form = {
        "csrf_token": csrf_token(client, page),
        "activity_id": str(activity_id),
        "movement": "wrist_flexion",
        "side": "both",
        "placement": "thigh",
        "target_rom_deg": "40",
        "reps": "10",
        "sets": "2",
        "sessions_per_week": "5",
        "difficulty": "2",
        "start_date": "2026-01-05",
    }
    response = client.post(page, data=form)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert (
        "Per questo movimento (Flesso-estensione del polso) il sensore si indossa su: Dorso della mano."
        in body
    )
    assert "si esegue con un lato alla volta" in body
    with Session(get_engine(app)) as db:
        assert db.exec(select(Assignment)).all() == []

    response = client.post(page, data=form | {"side": "left", "placement": "hand"})
    assert response.status_code == 302
    with Session(get_engine(app)) as db:
        row = db.exec(select(Assignment)).one()
        version = db.exec(select(AssignmentVersion)).one()
    assert (row.side, row.placement, version.side, version.placement) == ("left", "hand", "left", "hand")
    plan_tab = client.get(f"/patients/{patient.id}?tab=plan").get_data(as_text=True)
    assert "Dorso della mano, lato sinistro" in plan_tab


def test_copied_plan_takes_the_new_patients_side(factories, db_session) -> None:
    therapist = factories.user("therapist")
    left = factories.patient(therapist, affected_side="left")
    right = factories.patient(therapist, affected_side="right")
    activity = factories.activity(movements=["elbow_flexion"])
    data = plans.validate_assignment(
        activity_id=activity.id, movement="elbow_flexion", side="left", placement="forearm", **PLAN
    )
    plans.create_assignment(db_session, therapist=therapist, patient=left, data=data)
    copied = plan_templates.copy_plan(
        db_session,
        therapist=therapist,
        source=left,
        target=right,
        start=date(2026, 1, 5),
        today=date(2026, 1, 6),
    )
    assert [(a.side, a.placement) for a in copied] == [("right", "forearm")]


def test_migration_gives_existing_assignments_the_patients_side(db_url: str) -> None:
    migrate.upgrade(db_url, "0017_developer_signup")
    engine = make_engine(db_url)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    try:
        with engine.begin() as conn:
            tid = insert_user(conn, now=now)
            conn.execute(
                text(
                    "INSERT INTO activity (key, kind, title, description, movements, source, is_active, "
                    "created_at) VALUES ('glider', 'game', 'Glider', '', '[]', 'builtin', true, :now)"
                ),
                {"now": now},
            )
            aid = conn.execute(text("SELECT id FROM activity")).scalar_one()
            for code, side, movement in (("L", "left", "wrist_flexion"), ("B", "both", "wrist_flexion")):
                pid = insert_patient(
                    conn, therapist_id=tid, now=now, code=code, condition="post_stroke", affected_side=side
                )
                terms = {
                    "pid": pid,
                    "aid": aid,
                    "m": movement,
                    "day": date(2026, 11, 1),
                    "now": now,
                }
                conn.execute(
                    text(
                        "INSERT INTO assignment (patient_id, activity_id, movement, target_rom_deg, reps, "
                        "sets, sessions_per_week, difficulty, start_date, therapist_note, active, "
                        "created_at, updated_at) VALUES (:pid, :aid, :m, 40, 10, 2, 5, 2, :day, '', "
                        "true, :now, :now)"
                    ),
                    terms,
                )
                asg = conn.execute(text("SELECT max(id) FROM assignment")).scalar_one()
                conn.execute(
                    text(
                        "INSERT INTO assignment_version (assignment_id, activity_id, version, valid_from, "
                        "active, movement, target_rom_deg, reps, sets, sessions_per_week, difficulty, "
                        "start_date, therapist_note, created_at) VALUES (:asg, :aid, 1, :day, true, :m, "
                        "40, 10, 2, 5, 2, :day, '', :now)"
                    ),
                    terms | {"asg": asg},
                )
        migrate.upgrade(db_url)
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT p.code, a.side, a.placement, v.side, v.placement FROM assignment a "
                    "JOIN patient p ON p.id = a.patient_id "
                    "JOIN assignment_version v ON v.assignment_id = a.id ORDER BY p.code"
                )
            ).all()
    finally:
        engine.dispose()
    # both-sides patient on a one-hand movement: the right (what clients recorded until now)
    assert [tuple(r) for r in rows] == [
        ("B", "right", "hand", "right", "hand"),
        ("L", "left", "hand", "left", "hand"),
    ]
