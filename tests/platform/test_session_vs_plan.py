"""Each session beside its prescription on the patient's page, in words and numbers: whole
degrees and whole repetitions, what fell short and by how much, in both languages."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from smarttouch.platform.testing import login

from .test_web_support import add_session, days_ago


def _rows(html: str) -> list[str]:
    body = html.split('class="data sessions-vs-plan"', 1)[1].split("</tbody>", 1)[0]
    return [" ".join(r.split()) for r in body.split("<tr")[2:]]


def test_each_session_compared_with_its_prescription(
    client: FlaskClient, login_as, make_patient, make_assignment, app: Flask, factories
) -> None:
    me = login_as("therapist")
    patient = make_patient(me)
    plan = make_assignment(patient, start_date=days_ago(10), target_rom_deg=50, reps=10, sets=2)
    add_session(app, patient, days_ago(3), rom=49.6, assignment=plan, reps=20)  # 50° / 50°: met
    add_session(app, patient, days_ago(2), rom=43.4, assignment=plan, reps=12)
    add_session(app, patient, days_ago(1), rom=None, assignment=plan)
    rows = _rows(client.get(f"/patients/{patient.id}?tab=sessions").get_data(as_text=True))
    newest, short, met = rows
    assert "Not scored: nothing to compare." in newest
    assert "12 / 20" in short and "43° / 50°" in short
    assert "8 repetitions fewer than the 20 prescribed; range 7° below the target of 50°." in short
    assert "50° / 50°" in met and "As prescribed." in met and "short" not in met

    me_it = factories.user("therapist", locale="it")
    web = app.test_client()
    assert login(web, me_it.email).status_code == 302
    patient_it = make_patient(me_it)
    plan_it = make_assignment(patient_it, start_date=days_ago(10), target_rom_deg=50, reps=10, sets=2)
    add_session(app, patient_it, days_ago(2), rom=43.4, assignment=plan_it, reps=19)
    (row,) = _rows(web.get(f"/patients/{patient_it.id}?tab=sessions").get_data(as_text=True))
    assert "1 ripetizione in meno delle 20 prescritte; ampiezza 7° sotto l&#39;obiettivo di 50°." in row
