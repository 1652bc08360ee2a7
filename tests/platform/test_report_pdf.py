"""The PDF a clinic can file: identity block when identified, the plan in force, the
therapist's assessment, date and name; chart labels that never overlap (checked on the
drawn label boxes, and the pages rendered to PNG with pypdfium2 under test-artifacts/hub/); a CSV in
the reader's notation with activity names."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from smarttouch.platform.models import AuditEvent, Patient
from smarttouch.platform.reports import pdf_charts
from smarttouch.platform.reports.pdf import ReportPDF, _rom_chart, _weeks_chart
from smarttouch.platform.reports.pdf_charts import labels_overlap
from smarttouch.platform.services.clinic import reports
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token

from .test_web_support import add_session, days_ago

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "hub"


def _year_of_sessions(app, make_patient, make_assignment, me):
    patient = make_patient(me, code="PT-FILE", display_name="Carla Verdi")
    with Session(get_engine(app)) as db:
        row = db.get(Patient, patient.id)
        row.birth_date, row.birth_year = date(1951, 4, 9), 1951
        db.add(row)
        db.commit()
    plan = make_assignment(patient, start_date=days_ago(370), target_rom_deg=60)
    for n in range(365, -1, -1):  # a year of daily sessions, ROM rising 40 -> 76 deg
        add_session(app, patient, days_ago(n), rom=40 + (365 - n) / 10, assignment=plan)
    return patient


def _pdf_text_and_pages(data: bytes, name: str) -> tuple[str, int]:
    pdfium = pytest.importorskip("pypdfium2")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    doc = pdfium.PdfDocument(data)
    text = []
    for i, page in enumerate(doc):
        text.append(page.get_textpage().get_text_range())
        image = page.render(scale=1.5).to_pil().convert("L")
        image.save(ARTIFACTS / f"{name}-page{i + 1}.png")
        assert image.getextrema()[0] < 100  # the page has ink (text, tables or charts)
    return "\n".join(text), len(doc)


@pytest.mark.parametrize("lang", ["en", "it"])
def test_identified_report_with_assessment(
    client, login_as, make_patient, make_assignment, app, lang
) -> None:
    me = login_as("therapist", full_name="Giulia Rossi")
    patient = _year_of_sessions(app, make_patient, make_assignment, me)
    headers = {"Accept-Language": lang}
    token = csrf_token(client, f"/patients/{patient.id}/report")
    response = client.post(
        f"/patients/{patient.id}/report.pdf",
        data={
            "csrf_token": token,
            "start": days_ago(364).isoformat(),
            "end": days_ago(0).isoformat(),
            "identified": "y",
            "assessment": "Range of motion improved steadily; continue the plan for 8 weeks.",
        },
        headers=headers,
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text, pages = _pdf_text_and_pages(response.get_data(), f"report-identified-{lang}")
    flat = " ".join(text.split())
    assert "Carla Verdi" in flat and "PT-FILE" in flat
    assert ("09/04/1951" if lang == "it" else "9 Apr 1951") in flat
    assert "continue the plan for 8 weeks" in flat
    assert "Giulia Rossi" in flat
    assert ("Terapista: Giulia Rossi" if lang == "it" else "Therapist: Giulia Rossi") in flat
    assert ("Valutazione clinica" if lang == "it" else "Clinical assessment") in flat
    assert "60°" in flat  # the plan in force during the period
    assert pages >= 2
    with Session(get_engine(app)) as db:
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "report.downloaded")).one()
        assert event.details["identified"] is True and event.details["assessment"] is True


def test_pseudonymous_by_default_and_bad_input_at_the_field(
    client, login_as, make_patient, make_assignment, app
) -> None:
    me = login_as("therapist")
    patient = make_patient(me, code="PT-PSEUDO", display_name="Nome Cognome")
    make_assignment(patient, start_date=days_ago(30))
    add_session(app, patient, days_ago(2))
    query = f"start={days_ago(20).isoformat()}&end={days_ago(0).isoformat()}"
    data = client.get(f"/patients/{patient.id}/report.pdf?{query}").get_data()
    text, _pages = _pdf_text_and_pages(data, "report-pseudonymous-en")
    assert "PT-PSEUDO" in text and "Nome Cognome" not in text
    token = csrf_token(client, f"/patients/{patient.id}/report")
    response = client.post(
        f"/patients/{patient.id}/report.pdf",
        data={
            "csrf_token": token,
            "start": days_ago(0).isoformat(),
            "end": days_ago(5).isoformat(),
            "assessment": "x" * 4001,
        },
        headers={"Accept-Language": "it"},
    )
    assert response.status_code == 400 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert 'id="assessment-error"' in html  # at the field, with the other error, in Italian
    assert "La data di fine non può essere precedente alla data di inizio." in html


def test_chart_labels_do_not_overlap_over_a_year(
    app, make_patient, make_assignment, make_user, monkeypatch
) -> None:
    me = make_user("therapist")
    patient = _year_of_sessions(app, make_patient, make_assignment, me)
    with app.test_request_context(headers={"Accept-Language": "it"}), Session(get_engine(app)) as db:
        for days in (364, 90, 28, 7):
            report = reports.period_report(
                db,
                patient=db.get(Patient, patient.id),
                start=days_ago(days),
                end=days_ago(0),
                tz=ZoneInfo("UTC"),
            )
            pdf = ReportPDF("test")
            pdf.add_page()
            rom, weeks = _rom_chart(pdf, report, list(report.plan)), _weeks_chart(pdf, report)
            assert rom is not None and weeks is not None
            assert labels_overlap(rom) == [] and labels_overlap(weeks) == [], days
            assert len(rom.x_labels) >= 3 and len(rom.y_labels) >= 3
        # the check itself finds overlaps: a label a day cannot fit over a year
        monkeypatch.setattr(pdf_charts, "DATE_STEPS", (1,))
        report = reports.period_report(
            db, patient=db.get(Patient, patient.id), start=days_ago(364), end=days_ago(0), tz=ZoneInfo("UTC")
        )
        pdf = ReportPDF("test")
        pdf.add_page()
        crowded = _rom_chart(pdf, report, list(report.plan))
        assert crowded is not None and labels_overlap(crowded)


def test_csv_in_italian_uses_names_and_italian_notation(
    client, login_as, make_patient, make_assignment, app
) -> None:
    me = login_as("therapist")
    patient = make_patient(me)
    plan = make_assignment(patient, start_date=days_ago(30))
    add_session(app, patient, days_ago(1), rom=55.55, assignment=plan)
    query = f"start={days_ago(5).isoformat()}&end={days_ago(0).isoformat()}"
    text = client.get(
        f"/patients/{patient.id}/report.csv?{query}", headers={"Accept-Language": "it"}
    ).get_data(as_text=True)
    (row,) = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert row["date"] == days_ago(1).strftime("%d/%m/%Y")
    assert row["rom_deg"] == "55,55"
    assert row["activity_key"] == "balloons" and row["activity"] not in ("balloons", "")
