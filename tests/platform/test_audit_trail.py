"""The admin audit page and CSV export: filters, who may see it, and append-only events."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from smarttouch.platform.models import AuditEvent, AuditEventImmutable, Patient, User
from smarttouch.platform.services.rights import erasure
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine

from .test_data_rights_support import seed_history


def _add(app: Flask, **fields) -> AuditEvent:
    with Session(get_engine(app), expire_on_commit=False) as db:
        event = AuditEvent(**fields)
        db.add(event)
        db.commit()
        db.refresh(event)
        return event


def _csv(client: FlaskClient, query: str = "") -> list[dict[str, str]]:
    response = client.get("/admin/audit.csv" + query)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_only_admins_see_the_trail(client: FlaskClient, login_as) -> None:
    assert client.get("/admin/audit").status_code == 302  # to the login page
    login_as("therapist")
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403


def test_filters_by_actor_action_patient_and_date(
    client: FlaskClient, app: Flask, login_as, factories
) -> None:
    admin = login_as("admin")
    history = seed_history(app, factories)
    other = seed_history(app, factories, name="Luca Bianchi")
    old = datetime.now(UTC) - timedelta(days=40)
    _add(
        app,
        action="plan.assignment_created",
        actor_id=history.therapist.id,
        actor_email=history.therapist.email,
        patient_id=history.patient.id,
        created_at=old,
    )
    rows = _csv(client, f"?patient={history.patient.code}")
    assert rows and {r["patient_code"] for r in rows} == {history.patient.code}
    assert {r["patient_id"] for r in rows} == {str(history.patient.id)}
    rows = _csv(client, f"?actor={history.therapist.email.upper()}")
    assert rows and {r["actor_email"] for r in rows} == {history.therapist.email}
    rows = _csv(client, "?action=plan.")
    assert [r["action"] for r in rows] == ["plan.assignment_created"]
    rows = _csv(client, "?action=auth.login")
    assert {r["action"] for r in rows} == {"auth.login"} and len(rows) >= 2
    since = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    recent = _csv(client, f"?since={since}&patient={history.patient.code}")
    assert "plan.assignment_created" not in {r["action"] for r in recent}
    until = (old + timedelta(days=1)).date().isoformat()
    assert [r["action"] for r in _csv(client, f"?until={until}")] == ["plan.assignment_created"]
    page = client.get(f"/admin/audit?patient={other.patient.code}").get_data(as_text=True)
    assert other.patient.code in page and history.patient.code not in page
    assert client.get("/admin/audit?since=yesterday").status_code == 400
    exported = _csv(client, "?action=audit.exported")
    assert exported and exported[0]["actor_email"] == admin.email


def test_erased_patient_is_found_by_erasure_reference(
    client: FlaskClient, app: Flask, login_as, factories
) -> None:
    login_as("admin")
    history = seed_history(app, factories)
    with Session(get_engine(app)) as db:
        report = erasure.erase_patient(
            db,
            patient=db.get(Patient, history.patient.id),
            actor=db.get(User, history.therapist.id),
            store=get_blobstore(app),
            confirm_code=history.patient.code,
        )
    rows = _csv(client, f"?patient={report.reference}")
    assert "patient.erased" in {r["action"] for r in rows} and "patient.created" in {
        r["action"] for r in rows
    }
    assert all(history.patient.code not in ";".join(r.values()) for r in rows)
    html = client.get(f"/admin/audit?patient={report.reference}").get_data(as_text=True)
    assert report.reference in html


def test_csv_cells_cannot_run_as_formulas(client: FlaskClient, app: Flask, login_as) -> None:
    login_as("admin")
    _add(app, action='=HYPERLINK("http://evil")', actor_email="@bad")
    rows = _csv(client, "?actor=@bad")
    assert rows[0]["action"].startswith("'=") and rows[0]["actor_email"] == "'@bad"


def test_page_paginates(client: FlaskClient, app: Flask, login_as) -> None:
    login_as("admin")
    for i in range(60):
        _add(app, action="test.bulk", details={"i": i})
    first = client.get("/admin/audit?action=test.bulk").get_data(as_text=True)
    assert "60 events" in first and "Page 1 of 2" in first and '{"i": 59}' in first
    second = client.get("/admin/audit?action=test.bulk&page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second and '{"i": 0}' in second


# ----------------------------------------------------------------- append-only
def test_admin_routes_are_read_only(app: Flask, client: FlaskClient, login_as) -> None:
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")]
    assert rules
    for rule in rules:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    login_as("admin")
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/admin/audit").status_code in (400, 405)
        assert getattr(client, method)("/admin/audit.csv").status_code in (400, 405)


def test_orm_refuses_to_change_or_delete_events(app: Flask) -> None:
    event = _add(app, action="test.immutable")
    with Session(get_engine(app)) as db:
        row = db.get(AuditEvent, event.id)
        row.action = "test.changed"
        db.add(row)
        with pytest.raises(AuditEventImmutable):
            db.commit()
    with Session(get_engine(app)) as db:
        db.delete(db.get(AuditEvent, event.id))
        with pytest.raises(AuditEventImmutable):
            db.commit()
    with Session(get_engine(app)) as db:
        assert db.get(AuditEvent, event.id).action == "test.immutable"


def test_no_route_changes_or_deletes_existing_events(app: Flask, make_app, factories) -> None:
    """Every route with every write method, as an admin with CSRF off, leaves the rows that
    were already in the trail exactly as they were (new rows may be appended)."""
    history = seed_history(app, factories)
    web = make_app(app.config["DATABASE_URL"], WTF_CSRF_ENABLED=False, BLOB_PATH=app.config["BLOB_PATH"])
    table = AuditEvent.__table__

    def snapshot() -> dict[int, tuple]:
        with get_engine(web).connect() as conn:
            return {r.id: tuple(r) for r in conn.execute(sa.select(table))}

    before = snapshot()
    admin = factories.user("admin")
    client = web.test_client()
    client.post("/login", data={"email": admin.email, "password": "correct-horse-battery"})
    adapter = web.url_map.bind("localhost")
    tried = 0
    for rule in web.url_map.iter_rules():
        if rule.endpoint in ("auth.logout", "static"):
            continue
        args = {arg: history.patient.id for arg in rule.arguments}
        for method in sorted((rule.methods or set()) - {"GET", "HEAD", "OPTIONS"}):
            url = adapter.build(rule.endpoint, args, method=method)
            client.open(url, method=method, data={})
            tried += 1
    assert tried >= 10
    after = snapshot()
    assert {k: v for k, v in after.items() if k in before} == before
