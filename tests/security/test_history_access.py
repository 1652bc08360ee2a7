"""Issue 13, item 12: every read of a patient's record is recorded, and the patient sees it.

The portal and the data archive promised "who looked at your record" but no read was ever
stored. Now every page, report, export and API answer that shows a patient's record to a
therapist or an administrator leaves a row (who, what, when), written at the end of the
request in one INSERT; the patient lists them in the portal and in the archive, and the
administrator searches them. Nobody else (and no developer) can see them.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlmodel import Session, col, select

from smarttouch.platform.models import Patient, RecordAccess, User
from smarttouch.platform.services.rights import access_log
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token, login
from tests.platform.test_web_support import add_session, days_ago

#: every GET page whose URL names a patient's row, and the kind of read it records
READ_PAGES = {
    "patients.detail": "patient_page",
    "patients.devices_page": "devices_page",
    "library.plan_tools": "plan_editor",  # before the editor: by_kind keeps the last read
    "patients.new_assignment": "plan_editor",
    "patients.edit_assignment": "plan_editor",
    "sessions.detail": "session_page",
    "reports.report_page": "report_page",
    "reports.report_pdf": "report_pdf",
    "reports.report_csv": "report_csv",
    "fhir.everything": "fhir_export",
    "datarights.patient_page": "data_rights_page",
    "datarights.erase": "erase_page",
    "messages.thread": "messages",
    "onboarding.invite": "invite_page",
}
ROW_ARGS = {"patient_id", "session_id", "assignment_id"}
#: the device API: the patient's own paired computer reading its own upload receipt
OWN_DEVICE = {"api.get_session_receipt"}


def _reads(app: Flask, **where) -> list[RecordAccess]:
    with Session(get_engine(app)) as db:
        stmt = select(RecordAccess).order_by(col(RecordAccess.id))
        for name, value in where.items():
            stmt = stmt.where(getattr(RecordAccess, name) == value)
        return list(db.exec(stmt))


def _record(app: Flask, make_patient, make_assignment, therapist: User, **kw):
    patient = make_patient(therapist, display_name="Rosa Colombo", **kw)
    assignment = make_assignment(patient, start_date=days_ago(20))
    session_id = add_session(app, patient, days_ago(3), assignment=assignment)
    return patient, assignment, session_id


def _url(endpoint: str, patient: Patient, assignment_id: int, session_id: int) -> str:
    return {
        "patients.detail": f"/patients/{patient.id}",
        "patients.devices_page": f"/patients/{patient.id}/devices",
        "patients.new_assignment": f"/patients/{patient.id}/assignments/new",
        "patients.edit_assignment": f"/assignments/{assignment_id}/edit",
        "sessions.detail": f"/sessions/{session_id}",
        "reports.report_page": f"/patients/{patient.id}/report",
        "reports.report_pdf": f"/patients/{patient.id}/report.pdf",
        "reports.report_csv": f"/patients/{patient.id}/report.csv",
        "fhir.everything": f"/api/v1/fhir/Patient/{patient.id}/$everything?start=2026-01-01",
        "datarights.patient_page": f"/data-rights/patients/{patient.id}",
        "datarights.erase": f"/data-rights/patients/{patient.id}/erase",
        "messages.thread": f"/patients/{patient.id}/messages",
        "onboarding.invite": f"/patients/{patient.id}/invite",
        "library.plan_tools": f"/patients/{patient.id}/plan-tools",
    }[endpoint]


def test_every_page_that_reads_a_record_is_recorded(
    client: FlaskClient, login_as, make_patient, make_assignment, app: Flask
) -> None:
    # any new GET route about a patient's rows must be listed (and so recorded) here
    routes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.arguments & ROW_ARGS
    }
    assert routes - OWN_DEVICE == set(READ_PAGES), "a page reads patient rows without recording the read"
    me = login_as("therapist")
    patient, assignment, session_id = _record(app, make_patient, make_assignment, me)
    for endpoint, what in READ_PAGES.items():
        before = len(_reads(app))
        response = client.get(_url(endpoint, patient, assignment.id, session_id))
        assert response.status_code == 200, (endpoint, response.status_code)
        new = _reads(app)[before:]
        assert [(r.patient_id, r.actor_id, r.actor_role, r.what) for r in new] == [
            (patient.id, me.id, "therapist", what)
        ], endpoint
    by_kind = {r.what: r for r in _reads(app)}
    assert by_kind["session_page"].target_id == session_id
    assert by_kind["plan_editor"].target_id == assignment.id  # the last plan-editor read
    assert by_kind["report_pdf"].detail == f"{days_ago(27).isoformat()}/{days_ago(0).isoformat()}"
    assert by_kind["fhir_export"].via == "api" and by_kind["fhir_export"].detail == "pseudonymous 2026-01-01/"
    assert by_kind["patient_page"].via == "web" and by_kind["patient_page"].ip == "127.0.0.1"
    # the caseload shows a summary row of each patient: one read each
    other, _a, _s = _record(app, make_patient, make_assignment, me, code="PT-OTHER")
    client.get("/patients")
    assert sorted(r.patient_id for r in _reads(app, what="caseload")) == sorted([patient.id, other.id])
    # the data archive (a POST download)
    page = f"/data-rights/patients/{patient.id}"
    response = client.post(f"{page}/archive", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert [r.patient_id for r in _reads(app, what="data_archive")] == [patient.id]


def test_reads_that_showed_nothing_and_own_reads_are_not_recorded(
    client: FlaskClient, login_as, make_patient, make_user, make_assignment, app: Flask
) -> None:
    login_as("therapist")
    stranger, _a, session_id = _record(app, make_patient, make_assignment, make_user("therapist"))
    assert client.get(f"/patients/{stranger.id}").status_code == 404
    assert client.get(f"/sessions/{session_id}").status_code == 404
    assert client.get(f"/patients/{stranger.id}/report.pdf?start=x").status_code == 404
    assert _reads(app) == []
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    me = login_as("patient")
    with Session(get_engine(app)) as db:
        mine = db.exec(select(Patient).where(Patient.user_id == me.id)).one()
    assert client.get(f"/patients/{mine.id}").status_code == 200
    assert client.get("/my").status_code == 200
    assert _reads(app) == []  # the patient's own visits are not "someone looking"


def test_the_reads_of_a_request_are_written_at_its_end_in_one_insert(
    client: FlaskClient, login_as, make_patient, make_assignment, app: Flask
) -> None:
    me = login_as("therapist")
    for n in range(5):
        _record(app, make_patient, make_assignment, me, code=f"PT-MANY{n}")
    inserts: list[str] = []

    def spy(conn, cursor, statement, parameters, context, executemany) -> None:
        if "record_access" in statement and statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement)

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", spy)
    try:
        assert client.get("/patients").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert len(inserts) == 1  # five reads, one statement
    assert len(_reads(app, what="caseload")) == 5


def test_the_patient_sees_who_looked_in_the_portal_and_the_archive(
    client: FlaskClient, make_user, make_patient, make_assignment, app: Flask
) -> None:
    account = make_user("patient", full_name="Rosa Colombo")
    therapist = make_user("therapist", full_name="Giulia Rossi")
    admin = make_user("admin", full_name="Anna Neri")
    patient, _a, session_id = _record(app, make_patient, make_assignment, therapist, user=account)
    someone_else, _b, _c = _record(app, make_patient, make_assignment, therapist, code="PT-ELSE")
    assert login(client, therapist.email).status_code == 302
    for _ in range(3):
        client.get(f"/patients/{patient.id}")
    client.get(f"/patients/{patient.id}/report.pdf")
    client.get(f"/patients/{someone_else.id}")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})  # "/" is the caseload: a read
    assert login(client, admin.email).status_code == 302
    client.get(f"/sessions/{session_id}")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    assert login(client, account.email).status_code == 302
    html = client.get("/my/access").get_data(as_text=True)
    assert "Who looked at your record" in html and "Your record was looked at 6 times." in html
    rows = html.split('<table class="data access-list">')[1].split("</table>")[0].split("<tr>")[2:]
    lines = [" ".join(r.split()) for r in rows]
    assert any("Giulia Rossi" in r and "Patient page" in r and ">3<" in r for r in lines), lines
    assert any("Giulia Rossi" in r and "Progress report (PDF download)" in r for r in lines), lines
    assert any("Anna Neri" in r and "(Administrator)" in r and "Details of a session" in r for r in lines)
    assert any("Giulia Rossi" in r and "Patient list (summary row)" in r for r in lines), lines
    assert len(lines) == 4
    assert "Who looked at your record" in client.get("/my").get_data(as_text=True)
    html = client.get("/my/access", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "Chi ha consultato la tua scheda" in html and "Scheda del paziente" in html

    page = "/data-rights/me"
    response = client.post("/data-rights/me/archive", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as zf:
        reads = json.loads(zf.read("access.json"))
        table = zf.read("access.csv").decode()
        assert "access.json" in json.loads(zf.read("manifest.json"))["files"]
        assert "other/record_access.json" not in zf.namelist()
    assert len(reads) == 6 and {r["reader_name"] for r in reads} == {"Giulia Rossi", "Anna Neri"}
    assert {r["what"] for r in reads} == {"caseload", "patient_page", "report_pdf", "session_page"}
    assert table.splitlines()[0] == "at,reader_name,reader_role,what,target_id,detail,via"
    assert "PT-ELSE" not in json.dumps(reads) and len(table.splitlines()) == 7


@pytest.mark.parametrize("role", ["therapist", "developer", "patient"])
def test_only_administrators_search_and_only_patients_list_their_own(
    client: FlaskClient, login_as, role: str
) -> None:
    login_as(role)
    assert client.get("/admin/access").status_code == 403
    assert client.get("/admin/access?patient=PT-0001").status_code == 403
    if role != "patient":
        assert client.get("/my/access").status_code == 403


def test_admin_searches_by_patient_reader_kind_and_day(
    client: FlaskClient, login_as, make_user, make_patient, app: Flask
) -> None:
    admin = login_as("admin")
    giulia = make_user("therapist", email="giulia@example.org", full_name="Giulia Rossi")
    marco = make_user("therapist", email="marco@example.org", full_name="Marco Bianchi")
    park = make_patient(giulia, code="DEMO-PARK", display_name="Rosa Colombo")
    strk = make_patient(marco, code="DEMO-STRK", display_name="Paolo Esposito")
    old = datetime.now(UTC) - timedelta(days=40)
    with Session(get_engine(app)) as db:
        users = {u.id: u for u in db.exec(select(User))}
        rows = []
        for actor, patient, what, at in (
            (giulia, park, "patient_page", old),
            (giulia, park, "report_pdf", datetime.now(UTC)),
            (marco, strk, "patient_page", datetime.now(UTC)),
            (admin, strk, "fhir_export", datetime.now(UTC)),
        ):
            reads = [access_log.Read(patient.id, what)]
            rows += access_log.row_values(reads, actor=users[actor.id], via="web", ip="10.0.0.7", at=at)
        access_log.write(db.connection(), rows)
        db.commit()

    def found(query: str) -> list[tuple[str, str]]:
        response = client.get(f"/admin/access?{query}")
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert "Rosa Colombo" not in body and "Paolo Esposito" not in body  # codes only
        table = (
            body.split('<table class="data access-search">')[1].split("</table>")[0]
            if "access-search" in body
            else ""
        )
        return [
            (code, email)
            for row in table.split("<tr>")[2:]
            for code in ("DEMO-PARK", "DEMO-STRK")
            for email in ("giulia@", "marco@", admin.email)
            if code in row and email in row
        ]

    assert found("patient=demo-park") == [("DEMO-PARK", "giulia@"), ("DEMO-PARK", "giulia@")]
    assert found("actor=marco") == [("DEMO-STRK", "marco@")]
    assert found(f"patient={strk.id}&action=fhir_export") == [("DEMO-STRK", admin.email)]
    recent = days_ago(1).isoformat()
    assert len(found(f"since={recent}")) == 3
    assert found(f"until={(datetime.now(UTC) - timedelta(days=30)).date().isoformat()}") == [
        ("DEMO-PARK", "giulia@")
    ]
    response = client.get("/admin/access?action=drop_table")
    assert response.status_code == 400 and "is not a kind of read" in response.get_data(as_text=True)
    assert "Reads of patients" in client.get("/admin/audit").get_data(as_text=True)


def test_every_kind_of_read_has_a_label_in_both_languages(app: Flask) -> None:
    from smarttouch.platform.i18n.vocab import READS

    assert set(READS) == set(access_log.KINDS)
    with app.test_request_context(headers={"Accept-Language": "it"}):
        italian = {k: str(v) for k, v in READS.items()}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = {k: str(v) for k, v in READS.items()}
    assert all(italian[k] != english[k] for k in READS)


def test_reads_are_append_only_and_go_with_an_erased_patient(
    client: FlaskClient, login_as, make_patient, make_assignment, app: Flask
) -> None:
    from smarttouch.platform.models import AuditEventImmutable
    from smarttouch.platform.services.rights import erasure
    from smarttouch.platform.storage.blobstore import get_blobstore

    me = login_as("therapist")
    patient, _a, _s = _record(app, make_patient, make_assignment, me)
    client.get(f"/patients/{patient.id}")
    with Session(get_engine(app)) as db:
        row = db.exec(select(RecordAccess)).one()
        row.what = "caseload"
        with pytest.raises(AuditEventImmutable):
            db.commit()
        db.rollback()
        with pytest.raises(AuditEventImmutable):
            db.delete(db.exec(select(RecordAccess)).one())
            db.commit()
        db.rollback()
    with app.app_context(), Session(get_engine(app)) as db:
        erasure.erase_patient(
            db,
            patient=db.get(Patient, patient.id),
            actor=db.get(User, me.id),
            store=get_blobstore(app),
            confirm_code=patient.code,
        )
    assert _reads(app) == []


def test_reads_are_committed_without_a_disk_wait_and_durability_is_restored(
    app: Flask, make_user, make_patient
) -> None:
    """SQLite: the reads' commit runs with synchronous=NORMAL; the connection goes back to the
    pool with its previous setting, so clinical writes keep waiting for the disk."""
    therapist = make_user("therapist")
    patient = make_patient(therapist)
    rows = access_log.row_values(
        [access_log.Read(patient.id, "patient_page")],
        actor=therapist,
        via="web",
        ip=None,
        at=datetime.now(UTC),
    )
    seen: list[str] = []
    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    with engine.connect() as connection:
        before = connection.exec_driver_sql("PRAGMA synchronous").scalar()
        access_log.store(connection, rows)
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == before == 2  # FULL
    assert "PRAGMA synchronous = 1" in seen
    assert [r.patient_id for r in _reads(app)] == [patient.id]


def test_reads_are_stored_and_listed_on_each_backend(db_app: Flask) -> None:
    """SQLite and PostgreSQL: the no-disk-wait commit stores the rows (PostgreSQL's
    ``SET LOCAL synchronous_commit`` only lasts for that transaction), and the lists join
    the reader and the patient's code."""
    from smarttouch.platform.models import PatientCreate, UserCreate
    from smarttouch.platform.services.accounts import users
    from smarttouch.platform.services.accounts.audit_search import AuditFilter
    from smarttouch.platform.services.clinic import patients

    engine = get_engine(db_app)
    with Session(engine, expire_on_commit=False) as db:
        giulia = users.create_user(
            db,
            data=UserCreate(
                email="g@example.org", full_name="Giulia Rossi", role="therapist", password="long-password-1"
            ),
            password_profile="fast",
        )
        patient = patients.create_patient(
            db,
            therapist=giulia,
            data=PatientCreate(code="PT-BACK", condition="parkinson", affected_side="both"),
        )
    kinds = ("caseload", "patient_page", "report_pdf")
    rows = access_log.row_values(
        [access_log.Read(patient.id, k, detail="2026-01-01/2026-01-28") for k in kinds],
        actor=giulia,
        via="web",
        ip="10.1.2.3",
        at=datetime.now(UTC),
    )
    with engine.connect() as connection:
        access_log.store(connection, rows)
        if connection.dialect.name == "postgresql":
            assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
    with Session(engine) as db:
        mine = access_log.entries_for_patient(db, patient_id=patient.id)
        assert sorted(e.what for e in mine) == sorted(kinds)
        assert {(e.reader_name, e.reader_role, e.patient_code, e.ip) for e in mine} == {
            ("Giulia Rossi", "therapist", "PT-BACK", "10.1.2.3")
        }
        found = access_log.search(db, filt=AuditFilter(actor="g@example", patient="pt-back"), tz=UTC)
        assert found.total == 3
