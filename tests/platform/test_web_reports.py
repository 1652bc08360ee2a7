"""Per-patient period reports: preview, CSV (one row per session) and PDF, audited."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from smarttouch.platform.models import AuditEvent
from smarttouch.platform.storage.db import get_engine

from .test_web_support import add_session, days_ago


def _setup(login_as, make_patient, make_assignment, app):
    me = login_as("therapist")
    patient = make_patient(me, code="PT-REP1")
    assignment = make_assignment(patient, start_date=days_ago(60))
    for n, rom in ((40, 50), (20, 55), (12, 58), (8, 62), (4, 66), (2, 70), (1, 72)):
        add_session(
            app,
            patient,
            days_ago(n),
            rom=rom,
            assignment=assignment,
            quit_reason="pain" if n == 8 else "completed",
        )
    return patient


def test_csv_has_the_sessions_of_the_period(
    client: FlaskClient, login_as, make_patient, make_assignment, app: Flask
) -> None:
    patient = _setup(login_as, make_patient, make_assignment, app)
    query = f"start={days_ago(14).isoformat()}&end={days_ago(0).isoformat()}"
    response = client.get(f"/patients/{patient.id}/report.csv?{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "PT-REP1" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [float(r["rom_deg"]) for r in rows] == [58, 62, 66, 70, 72]
    assert rows[1]["quit_reason"] == "pain" and rows[0]["activity_key"] == "balloons"
    assert rows[0]["activity"] not in ("", "balloons")  # the activity's name, not its key
    assert rows[0]["movement"] == "shoulder_flexion"
    assert rows[0]["date"] == days_ago(12).isoformat()
    with Session(get_engine(app)) as db:
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "report.downloaded")).one()
        assert event.details["format"] == "csv" and event.patient_id == patient.id


def test_pdf_and_preview(client: FlaskClient, login_as, make_patient, make_assignment, app: Flask) -> None:
    patient = _setup(login_as, make_patient, make_assignment, app)
    html = client.get(f"/patients/{patient.id}/report").get_data(as_text=True)
    assert "Download PDF" in html and "Improved beyond the MCID" in html
    query = f"start={days_ago(45).isoformat()}&end={days_ago(0).isoformat()}"
    for lang in ("en", "it"):
        response = client.get(f"/patients/{patient.id}/report.pdf?{query}", headers={"Accept-Language": lang})
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        data = response.get_data()
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
        assert len(data) > 20_000  # text, tables and two chart images


def test_bad_periods_are_explained(
    client: FlaskClient, login_as, make_patient, make_assignment, app: Flask
) -> None:
    patient = _setup(login_as, make_patient, make_assignment, app)
    response = client.get(f"/patients/{patient.id}/report?start=2026-05-01&end=2026-04-01")
    assert response.status_code == 400
    assert "ends (2026-04-01) before it starts" in response.get_data(as_text=True)
    assert client.get(f"/patients/{patient.id}/report.csv?start=x&end=y").status_code == 400
    response = client.get(f"/patients/{patient.id}/report.pdf?start=2020-01-01&end=2026-01-01")
    assert response.status_code == 400


def test_reports_respect_visibility(client: FlaskClient, login_as, make_patient, make_user) -> None:
    login_as("therapist")
    other = make_patient(make_user("therapist"))
    assert client.get(f"/patients/{other.id}/report").status_code == 404
    assert client.get(f"/patients/{other.id}/report.csv").status_code == 404


def test_one_locale_formatter_for_pages_pdf_and_csv(app: Flask):
    """Numbers and dates go through one formatter (``i18n.units``): one precision per metric,
    the language's notation; a signed negative zero is "-0", never "+-0"."""
    from flask_babel import force_locale

    from smarttouch.platform.i18n import units
    from smarttouch.platform.i18n.language import dec

    with app.test_request_context():
        assert units.metric_value("rom_deg", None) == "—"
        assert units.metric_value("rom_deg", 55.55) == "56°" and units.metric_value("reps", 8.0) == "8"
        assert units.trend_value("rom_deg", -0.0) == "-0.0°" and units.trend_value("rom_deg", 0.0) == "+0.0°"
        assert units.day(date(2026, 12, 3)) == "3 Dec 2026"
        with force_locale("it"):
            assert units.number(55.55, 1) + "°" == "55,6°" and units.day(date(2026, 12, 3)) == "03/12/2026"
            assert (
                units.metric_value("peak_speed_dps", -1234.5, signed=True)
                == dec(-1234.5, 0, signed=True) + "°/s"
            )
            assert units.number(1234.56, 2) == "1.234,56"
