"""Issue 13, item 11: plans are versioned, and history stays true.

The DEMO-PARK story: an exercise prescribed 4 times a week for 8 weeks, 22 sessions done
(69 %, 22 of 32). The therapist then changes it to 3 a week. Everything about those 8 weeks
(adherence, prescription per week, target lines, reports, CSV, FHIR, the portal) must still
read 4 a week; only days from the change on use 3. Before versioning the edit turned the
past into 22 of 24 (92 %).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from functools import partial

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from smarttouch.platform.models import (
    Assignment,
    AssignmentCreate,
    AssignmentUpdate,
    AssignmentVersion,
    Patient,
    PatientCreate,
    User,
    UserCreate,
)
from smarttouch.platform.reports.pdf import render_pdf
from smarttouch.platform.services.accounts import users
from smarttouch.platform.services.clinic import catalogue, patients, plans, reports
from smarttouch.platform.services.rights import fhir_export
from smarttouch.platform.storage import migrate
from smarttouch.platform.storage.db import get_engine, make_engine
from smarttouch.platform.testing import csrf_token, login
from tests.platform.test_web_support import add_session, days_ago

PER_WEEK_DONE = (3, 3, 2, 3, 3, 2, 3, 3)  # 22 sessions over 8 weeks
WEEKDAYS = (0, 2, 4)  # Monday, Wednesday, Friday


def _weeks() -> tuple[date, date, date]:
    """(today, Monday 8 weeks ago, last Sunday) in the hub's time zone."""
    today = days_ago(0)
    this_monday = today - timedelta(days=today.weekday())
    return today, this_monday - timedelta(weeks=8), this_monday - timedelta(days=1)


def _demo_park(
    app: Flask, make_patient, make_assignment, therapist: User, **patient_kw
) -> tuple[Patient, Assignment]:
    """The patient with 8 past weeks at 4 a week and 22 sessions done."""
    _today, first, _last = _weeks()
    patient = make_patient(therapist, code="DEMO-PARK", condition="parkinson", **patient_kw)
    assignment = make_assignment(
        patient,
        movement="shoulder_flexion",
        target_rom_deg=60,
        max_rom_deg=80,
        reps=8,
        sets=2,
        sessions_per_week=4,
        start_date=first,
        end_date=first + timedelta(weeks=14),
    )
    for week, n in enumerate(PER_WEEK_DONE):
        for weekday in WEEKDAYS[:n]:
            day = first + timedelta(weeks=week, days=weekday)
            add_session(app, patient, day, rom=50 + week, assignment=assignment)
    return patient, assignment


def _edit(client: FlaskClient, assignment: Assignment, **changes: str):
    page = f"/assignments/{assignment.id}/edit"
    form = {
        "movement": assignment.movement,
        "target_rom_deg": f"{assignment.target_rom_deg:g}",
        "max_rom_deg": f"{assignment.max_rom_deg:g}",
        "reps": str(assignment.reps),
        "sets": str(assignment.sets),
        "sessions_per_week": str(assignment.sessions_per_week),
        "difficulty": str(assignment.difficulty),
        "start_date": assignment.start_date.isoformat(),
        "end_date": assignment.end_date.isoformat() if assignment.end_date else "",
        "therapist_note": assignment.therapist_note,
    } | changes
    response = client.post(page, data=form | {"csrf_token": csrf_token(client, page)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def _figure(html: str, chart_id: str) -> dict:
    match = re.search(rf'<script type="application/json" id="{chart_id}-figure">(.*?)</script>', html, re.S)
    assert match, f"no {chart_id} on the page"
    return json.loads(match.group(1))


def _period_report(app: Flask, patient: Patient, start: date, end: date) -> reports.PeriodReport:
    with app.app_context(), Session(get_engine(app), expire_on_commit=False) as db:
        from smarttouch.platform.i18n.language import hub_tz

        return reports.period_report(
            db, patient=db.get(Patient, patient.id), start=start, end=end, tz=hub_tz()
        )


def test_past_adherence_stays_22_of_32_after_4_to_3_per_week(
    client: FlaskClient, login_as, make_patient, make_assignment, app: Flask
) -> None:
    me = login_as("therapist")
    patient, assignment = _demo_park(app, make_patient, make_assignment, me)
    _today, first, last = _weeks()
    query = f"start={first.isoformat()}&end={last.isoformat()}"
    before = client.get(f"/patients/{patient.id}/report?{query}").get_data(as_text=True)
    assert "adherence (22 of 32 prescribed)" in before and ">69 %<" in before

    _edit(client, assignment, sessions_per_week="3")

    report = _period_report(app, patient, first, last)
    assert (report.done, report.prescribed) == (22, 32)
    assert [w["prescribed"] for w in report.weeks] == [4] * 8
    after = client.get(f"/patients/{patient.id}/report?{query}").get_data(as_text=True)
    assert "adherence (22 of 32 prescribed)" in after and ">69 %<" in after
    # the patient page: every past week still shows 4 prescribed, this week 3
    html = client.get(f"/patients/{patient.id}?period=12w&tab=progress").get_data(as_text=True)
    weeks = _figure(html, "chart-adherence")["data"]
    prescribed = dict(zip(weeks[1]["x"], weeks[1]["y"]))
    assert [prescribed[(first + timedelta(weeks=k)).isoformat()] for k in range(8)] == [4] * 8
    assert prescribed[(last + timedelta(days=1)).isoformat()] == 3
    done = dict(zip(weeks[0]["x"], weeks[0]["y"]))
    assert sum(done.values()) == 22


def test_a_past_report_reads_the_same_after_an_edit(
    client: FlaskClient, login_as, make_patient, make_assignment, app: Flask
) -> None:
    me = login_as("therapist")
    patient, assignment = _demo_park(app, make_patient, make_assignment, me)
    _today, first, last = _weeks()
    query = f"start={first.isoformat()}&end={last.isoformat()}"
    issued_at = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)

    def issued() -> tuple[bytes, str, str]:
        report = _period_report(app, patient, first, last)
        with app.test_request_context("/", headers={"Accept-Language": "en"}):
            pdf = render_pdf(report, author="Giulia Rossi", generated_at=issued_at)
        csv_text = client.get(f"/patients/{patient.id}/report.csv?{query}").get_data(as_text=True)
        page = client.get(f"/patients/{patient.id}/report?{query}").get_data(as_text=True)
        return pdf, csv_text, page

    pdf_before, csv_before, _page = issued()
    _edit(client, assignment, sessions_per_week="3", target_rom_deg="50", reps="6", movement="reach_forward")
    pdf_after, csv_after, page_after = issued()
    assert pdf_after == pdf_before  # the PDF issued for that period, byte for byte
    assert csv_after == csv_before
    rows = list(csv.DictReader(io.StringIO(csv_after)))
    assert len(rows) == 22
    assert {(r["movement"], r["plan_version"], r["target_rom_deg"]) for r in rows} == {
        ("shoulder_flexion", "1", "60")
    }
    # the plan shown with the report is the plan of the period
    plan = re.search(r'<table class="data plan-versions">.*?</table>', page_after, re.S)
    assert plan, "the report page shows the plan in force during the period"
    assert "4/week" in plan.group(0) and "3/week" not in plan.group(0)
    # a period that includes the change shows both versions, each with its own days
    report = _period_report(app, patient, first, days_ago(0))
    terms = [(s.version.version, s.version.sessions_per_week, s.first, s.last) for s in report.plan]
    assert terms == [(1, 4, first, days_ago(1)), (2, 3, days_ago(0), days_ago(0))]


def test_chart_target_lines_follow_each_version(
    client: FlaskClient, login_as, make_patient, make_assignment, app: Flask
) -> None:
    me = login_as("therapist")
    patient, assignment = _demo_park(app, make_patient, make_assignment, me)
    today, first, _last = _weeks()
    _edit(client, assignment, target_rom_deg="50", max_rom_deg="70", reps="6")
    html = client.get(f"/patients/{patient.id}?period=12w&tab=progress").get_data(as_text=True)
    rom = _figure(html, "chart-rom")["layout"]
    lines = [(s["x0"], s["x1"], s["y0"]) for s in rom["shapes"]]
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert lines == [(first.isoformat(), today.isoformat(), 60), (today.isoformat(), tomorrow, 50)]
    assert [n["text"] for n in rom["annotations"]] == ["target 60°", "target 50°"]
    reps = _figure(html, "chart-reps")["layout"]
    assert [(s["x0"], s["y0"]) for s in reps["shapes"]] == [(first.isoformat(), 8), (today.isoformat(), 6)]


def test_fhir_careplan_and_portal_use_the_version_of_each_day(
    client: FlaskClient, login_as, make_patient, make_assignment, app: Flask, make_user
) -> None:
    account = make_user("patient", full_name="Rosa Colombo")
    therapist = make_user("therapist")
    patient, assignment = _demo_park(app, make_patient, make_assignment, therapist, user=account)
    today, first, _last = _weeks()
    with Session(get_engine(app), expire_on_commit=False) as db:
        plans.update_assignment(
            db,
            therapist=db.get(User, therapist.id),
            assignment=db.get(Assignment, assignment.id),
            changes=AssignmentUpdate(sessions_per_week=3),
            today=today,
        )
        with app.app_context():
            bundle = json.loads(
                fhir_export.bundle_json(
                    fhir_export.export_bundle(
                        db, patient=db.get(Patient, patient.id), actor=None, store=None, today=today
                    )
                )
            )
    resources = [e["resource"] for e in bundle["entry"]]
    careplan = next(r for r in resources if r["resourceType"] == "CarePlan")
    activities = [a["detail"] for a in careplan["activity"]]
    timing = [
        (d["scheduledTiming"]["repeat"]["frequency"], d["scheduledTiming"]["repeat"]["boundsPeriod"])
        for d in activities
    ]
    assert timing == [
        (4, {"start": first.isoformat(), "end": (today - timedelta(days=1)).isoformat()}),
        (3, {"start": today.isoformat(), "end": (first + timedelta(weeks=14)).isoformat()}),
    ]
    assert [d["status"] for d in activities] == ["stopped", "in-progress"]
    # the 22 past sessions are outcomes of the 4-a-week version
    outcomes = [len({r["reference"] for r in a.get("outcomeReference", [])}) for a in careplan["activity"]]
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    assert outcomes[1] == 0 and outcomes[0] == len(observations) > 0
    goals = sorted(g["lifecycleStatus"] for g in resources if g["resourceType"] == "Goal")
    assert goals == ["active", "cancelled"]

    # the patient's own portal: past weeks at 4, this week at 3
    assert login(client, account.email).status_code == 302
    html = client.get("/my").get_data(as_text=True)
    weeks = _figure(html, "chart-adherence")["data"][1]
    prescribed = dict(zip(weeks["x"], weeks["y"]))
    assert [prescribed[(first + timedelta(weeks=k)).isoformat()] for k in range(8)] == [4] * 8
    assert prescribed[(today - timedelta(days=today.weekday())).isoformat()] == 3
    assert "3 sessions per week" in html  # today's plan is the new one


def test_every_change_is_a_version_with_its_validity(db_app: Flask) -> None:
    """On SQLite and PostgreSQL: create (version 1 by the insert hook), change twice on one
    day (the first of them never in force), change again a week later, end."""
    with Session(get_engine(db_app), expire_on_commit=False) as db:
        me = users.create_user(
            db,
            data=UserCreate(
                email="v@example.org", full_name="V", role="therapist", password="long-password-1"
            ),
            password_profile="fast",
        )
        patient = patients.create_patient(
            db, therapist=me, data=PatientCreate(code="PT-VERS", condition="parkinson", affected_side="both")
        )
        activity = catalogue.get_activity_by_key(db, key="balloons")
        row = plans.create_assignment(
            db,
            therapist=me,
            patient=patient,
            data=AssignmentCreate(
                activity_id=activity.id,
                movement="shoulder_flexion",
                target_rom_deg=80,
                reps=10,
                sets=2,
                sessions_per_week=5,
                start_date=date(2026, 1, 5),
            ),
        )
        change = partial(plans.update_assignment, db, therapist=me, assignment=row)
        change(changes=AssignmentUpdate(reps=12), today=date(2026, 2, 2))
        change(changes=AssignmentUpdate(reps=11), today=date(2026, 2, 2))
        change(changes=AssignmentUpdate(sets=3), today=date(2026, 2, 9))
        plans.end_assignment(db, therapist=me, assignment=row, today=date(2026, 3, 2))
        versions = db.exec(
            select(AssignmentVersion)
            .where(AssignmentVersion.assignment_id == row.id)
            .order_by(col(AssignmentVersion.version))
        ).all()
        head = db.get(Assignment, row.id)
    got = [(v.version, v.valid_from, v.valid_until, v.reps, v.sets, v.active) for v in versions]
    assert got == [
        (1, min(date(2026, 1, 5), versions[0].created_at.date()), date(2026, 2, 1), 10, 2, True),
        (2, date(2026, 2, 2), date(2026, 2, 1), 12, 2, True),  # replaced the same day: never in force
        (3, date(2026, 2, 2), date(2026, 2, 8), 11, 2, True),
        (4, date(2026, 2, 9), date(2026, 3, 1), 11, 3, True),
        (5, date(2026, 3, 2), None, 11, 3, False),
    ]
    assert all(v.created_by_id == me.id for v in versions)
    assert (head.reps, head.sets, head.active) == (versions[-1].reps, versions[-1].sets, versions[-1].active)


def _row(conn: sa.Connection, table: str, **values: object) -> None:
    """Insert one row with typed columns, so each backend binds dates and flags its way."""
    types = {
        date: sa.Date(),
        datetime: sa.DateTime(timezone=True),
        bool: sa.Boolean(),
        list: sa.JSON(),
        dict: sa.JSON(),
    }
    columns = [sa.column(k, types.get(type(v))) for k, v in values.items()]
    conn.execute(sa.insert(sa.table(table, *columns)).values(**values))


def test_migration_gives_existing_assignments_a_first_version(db_url: str) -> None:
    """On SQLite and PostgreSQL: rows written before 0006 get their versions (an ended
    exercise: active until the day before it was ended, then ended)."""
    url = db_url
    migrate.upgrade(url, "0005_challenge_hub")
    engine = make_engine(url)
    created = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)
    ended = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)  # 10:00 in Rome: ended on 10 February
    with engine.begin() as conn:
        _row(
            conn,
            "user_account",
            id=1,
            email="t@example.org",
            full_name="T",
            role="therapist",
            password_hash="x",
            is_active=True,
            is_reviewer=False,
            locale="en",
            created_at=created,
        )
        _row(
            conn,
            "patient",
            id=1,
            code="PT-OLD1",
            condition="parkinson",
            affected_side="both",
            notes="",
            therapist_id=1,
            created_at=created,
        )
        _row(
            conn,
            "activity",
            id=901,
            key="lantern-old",
            kind="game",
            title="Lantern",
            description="",
            movements=[],
            source="builtin",
            is_active=True,
            created_at=created,
        )
        for aid, active, updated in ((1, True, created), (2, False, ended)):
            _row(
                conn,
                "assignment",
                id=aid,
                patient_id=1,
                activity_id=901,
                movement="reach_forward",
                target_rom_deg=60.0,
                reps=8,
                sets=2,
                sessions_per_week=4,
                difficulty=2,
                start_date=date(2025, 12, 1),
                therapist_note="slowly",
                active=active,
                created_by_id=1,
                created_at=created,
                updated_at=updated,
            )
    engine.dispose()
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as db:
        rows = db.exec(
            select(AssignmentVersion).order_by(
                col(AssignmentVersion.assignment_id), col(AssignmentVersion.version)
            )
        ).all()
        got = [
            (v.assignment_id, v.version, v.valid_from, v.valid_until, v.active, v.sessions_per_week)
            for v in rows
        ]
        assert got == [
            (1, 1, date(2025, 12, 1), None, True, 4),
            (2, 1, date(2025, 12, 1), date(2026, 2, 9), True, 4),
            (2, 2, date(2026, 2, 10), None, False, 4),
        ]
        assert {(v.movement, v.therapist_note, v.created_by_id) for v in rows} == {
            ("reach_forward", "slowly", 1)
        }
    engine.dispose()


def test_upgrading_a_populated_hub_loses_no_history(db_url: str) -> None:
    """SQLite's batch migrations recreate a table; with foreign keys enforced that deleted
    every session's metrics (0006 adds columns to exercise_session: ON DELETE CASCADE) and
    stopped at 0007 once patients existed (user_account: RESTRICT). Every row must survive."""
    migrate.upgrade(db_url, "0005_challenge_hub")
    engine = make_engine(db_url)
    at = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)
    with engine.begin() as conn:
        _row(
            conn,
            "user_account",
            id=1,
            email="t@example.org",
            full_name="T",
            role="therapist",
            password_hash="x",
            is_active=True,
            is_reviewer=False,
            locale="en",
            created_at=at,
        )
        _row(
            conn,
            "patient",
            id=1,
            code="PT-KEEP",
            condition="parkinson",
            affected_side="both",
            notes="",
            therapist_id=1,
            created_at=at,
        )
        _row(
            conn,
            "exercise_session",
            id=1,
            client_uuid="keep-1",
            patient_id=1,
            status="scored",
            started_at=at,
            client_metrics={},
            error="",
            received_at=at,
            quit_note="",
            calibration={},
            game_events=[],
            game_result={},
        )
        _row(
            conn,
            "session_metrics",
            id=1,
            session_id=1,
            reps=5,
            rom_deg=50.0,
            rom_deg_mean=45.0,
            peak_speed_dps=90.0,
            duration_s=30.0,
            active_time_s=20.0,
            quality_flags={},
            per_rep=[],
            analyzer="smarttouch.scoring",
            computed_at=at,
            extra={},
        )
    engine.dispose()
    migrate.upgrade(db_url)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        counts = {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("user_account", "patient", "exercise_session", "session_metrics")
        }
        if conn.dialect.name == "sqlite":  # enforcement is back on for the hub's own connections
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
    assert counts == {"user_account": 1, "patient": 1, "exercise_session": 1, "session_metrics": 1}
