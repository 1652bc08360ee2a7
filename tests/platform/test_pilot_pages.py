"""The pilot pages: bad input at the field with nothing stored (no consent text, an
unapproved solution, an end before the start, a patient outside the inclusion), who sees
what (identities only to a patient's own therapist; managers and developers never; patients
only their own invitations), consent and withdrawal in the portal (audited), the public
summary once closed, the catalogue's links, and the PDF (pages rendered to PNG with
pypdfium2, chart labels that do not overlap) and CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from smarttouch.platform.models import AuditEvent, Pilot, PilotEnrolment
from smarttouch.platform.pilots.report_pdf import labels_overlap
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token, login

from .browser_support import browser, screenshot  # noqa: F401
from .browser_support import login as browser_login
from .pilots.support import approved_game
from .test_web_support import add_session, days_ago

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "hub"
CONSENT = "I agree that my sessions are used, without my name, to judge the kite game."


def _form(solution_id: int, **over) -> dict:
    data = {
        "solution_id": str(solution_id),
        "title": "Kite vs balloons",
        "question": "Does the kite game improve shoulder flexion more than balloons?",
        "comparator": "builtin_game",
        "condition": "post_stroke",
        "movement": "shoulder_flexion",
        "starts_on": days_ago(10).isoformat(),
        "ends_on": days_ago(-30).isoformat(),
        "target_patients": "10",
        "consent_text": CONSENT,
    }
    data.update(over)
    return data


def _create(client, solution_id: int, **over) -> int:
    data = _form(solution_id, **over)
    data["csrf_token"] = csrf_token(client, "/pilots/new")
    response = client.post("/pilots/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _count(app, model) -> int:
    with Session(get_engine(app)) as s:
        return len(s.exec(select(model)).all())


@pytest.fixture
def solution_id(app, make_challenge, make_user) -> int:
    return approved_game(app, make_challenge, make_user)[0]


@pytest.mark.parametrize("lang", ["en", "it"])
def test_bad_pilot_input_is_refused_at_each_field_and_nothing_is_stored(
    app, client, login_as, solution_id, make_challenge, lang
) -> None:
    login_as("therapist", locale=lang)
    data = _form(
        solution_id + 999,  # not an approved solution
        consent_text="",
        starts_on=days_ago(0).isoformat(),
        ends_on=days_ago(5).isoformat(),
    )
    data["csrf_token"] = csrf_token(client, "/pilots/new")
    response = client.post("/pilots/new", data=data, headers={"Accept-Language": lang})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for field in ("solution_id", "consent_text", "ends_on"):
        assert f'id="{field}-error"' in html, field
    english = "The end date is before the start date."
    assert (english not in html) if lang == "it" else (english in html)  # translated
    assert _count(app, Pilot) == 0
    assert not [e for e in _events(app) if e.action.startswith("pilot.")]


def _events(app) -> list[AuditEvent]:
    with Session(get_engine(app)) as s:
        return list(s.exec(select(AuditEvent)))


def test_enrolment_outside_the_inclusion_at_the_field_then_consent_and_withdraw_in_the_portal(
    app, client, login_as, factories, solution_id
) -> None:
    me = login_as("therapist")
    pilot_id = _create(client, solution_id)
    outside = factories.patient(me, condition="parkinson", display_name="Pia Fuori")
    page = f"/pilots/{pilot_id}/enrol"
    response = client.post(page, data={"csrf_token": csrf_token(client, page), "patient_id": str(outside.id)})
    assert response.status_code == 400
    assert 'id="patient_id-error"' in response.get_data(as_text=True)
    assert _count(app, PilotEnrolment) == 0

    account = factories.user("patient")
    anna = factories.patient(me, user=account, display_name="Anna Verdi")
    response = client.post(page, data={"csrf_token": csrf_token(client, page), "patient_id": str(anna.id)})
    assert response.status_code == 302
    # a paper consent without its note: refused at the field, nothing stored
    paper = factories.patient(me, display_name="Paolo Carta")
    response = client.post(
        page, data={"csrf_token": csrf_token(client, page), "patient_id": str(paper.id), "paper_consent": "y"}
    )
    assert response.status_code == 400 and 'id="note-error"' in response.get_data(as_text=True)
    assert _count(app, PilotEnrolment) == 1

    # the patient consents in the portal, then withdraws
    patient_client = app.test_client()
    assert login(patient_client, account.email).status_code == 302
    mine = patient_client.get("/my/pilots").get_data(as_text=True)
    assert CONSENT in mine and "Kite vs balloons" in mine
    token = csrf_token(patient_client, "/my/pilots")
    refused = patient_client.post(f"/my/pilots/{pilot_id}/consent", data={"csrf_token": token})
    assert refused.status_code == 400 and 'id="agree-error"' in refused.get_data(as_text=True)
    ok = patient_client.post(f"/my/pilots/{pilot_id}/consent", data={"csrf_token": token, "agree": "y"})
    assert ok.status_code == 302
    withdrawn = patient_client.post(f"/my/pilots/{pilot_id}/withdraw", data={"csrf_token": token})
    assert withdrawn.status_code == 302
    actions = [e.action for e in _events(app) if e.action.startswith("pilot.")]
    assert actions == ["pilot.created", "pilot.invited", "pilot.consent_recorded", "pilot.withdrawn"]
    with Session(get_engine(app)) as s:
        row = s.exec(select(PilotEnrolment)).one()
        assert row.consented_at is not None and row.withdrawn_at is not None


def test_who_sees_what(app, client, login_as, factories, solution_id) -> None:
    me = login_as("therapist")
    pilot_id = _create(client, solution_id)
    mine = factories.patient(me, code="PT-MINE", display_name="Maria Mia")
    page = f"/pilots/{pilot_id}/enrol"
    client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "patient_id": str(mine.id),
            "paper_consent": "y",
            "note": "form 12",
        },
    )
    colleague = factories.user("therapist")
    theirs = factories.patient(colleague, code="PT-THEIRS", display_name="Teresa Tua")
    other_client = app.test_client()
    assert login(other_client, colleague.email).status_code == 302
    page = f"/pilots/{pilot_id}/enrol"
    other_client.post(
        page,
        data={
            "csrf_token": csrf_token(other_client, page),
            "patient_id": str(theirs.id),
            "paper_consent": "y",
            "note": "f 3",
        },
    )
    html = client.get(f"/pilots/{pilot_id}").get_data(as_text=True)
    assert "Maria Mia" in html and "PT-MINE" in html
    assert "Teresa Tua" not in html and "PT-THEIRS" not in html

    manager = factories.user("therapist", is_challenge_manager=True)
    developer = factories.user("developer")
    dev_manager = factories.user("developer", is_challenge_manager=True)
    patient_account = factories.user("patient")
    factories.patient(me, user=patient_account)
    for user, status in ((manager, 200), (dev_manager, 200), (developer, 403), (patient_account, 403)):
        c = app.test_client()
        assert login(c, user.email).status_code == 302
        for url in (
            f"/pilots/{pilot_id}",
            "/pilots",
            f"/pilots/{pilot_id}/report.csv",
            f"/pilots/{pilot_id}/report.pdf",
            f"/pilots/{pilot_id}/fhir.json",
        ):
            response = c.get(url)
            assert response.status_code == status, (user.role, url, response.status_code)
            for identity in ("Maria Mia", "PT-MINE", "Teresa Tua", "PT-THEIRS"):
                assert identity.encode() not in response.data, (user.role, url, identity)
    # the patient sees only their own invitations
    c = app.test_client()
    login(c, patient_account.email)
    assert "Kite vs balloons" not in c.get("/my/pilots").get_data(as_text=True)
    token = csrf_token(c, "/my/pilots")
    assert (
        c.post(f"/my/pilots/{pilot_id}/consent", data={"csrf_token": token, "agree": "y"}).status_code == 404
    )
    assert c.post(f"/my/pilots/{pilot_id}/withdraw", data={"csrf_token": token}).status_code == 404

    # the public summary exists only once the pilot is closed, and names nobody
    anonymous = app.test_client()
    assert anonymous.get(f"/pilots/{pilot_id}/summary").status_code == 404
    assert anonymous.get(f"/pilots/{pilot_id}").status_code == 302  # to the login
    assert (
        client.post(
            f"/pilots/{pilot_id}/close", data={"csrf_token": csrf_token(client, f"/pilots/{pilot_id}")}
        ).status_code
        == 302
    )
    summary = anonymous.get(f"/pilots/{pilot_id}/summary")
    assert summary.status_code == 200
    body = summary.get_data(as_text=True)
    assert "Kite vs balloons" in body
    for identity in ("Maria Mia", "PT-MINE", "Teresa Tua", "PT-THEIRS"):
        assert identity not in body
    assert 'data-testid="suppressed"' in body  # two patients: no group numbers
    catalogue = anonymous.get(f"/catalogue/{solution_id}").get_data(as_text=True)
    assert f"/pilots/{pilot_id}/summary" in catalogue


def _pdf_pages(data: bytes, name: str) -> tuple[str, list]:
    pdfium = pytest.importorskip("pypdfium2")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    doc = pdfium.PdfDocument(data)
    text, images = [], []
    for i, page in enumerate(doc):
        text.append(page.get_textpage().get_text_range())
        image = page.render(scale=1.5).to_pil().convert("L")
        image.save(ARTIFACTS / f"{name}-page{i + 1}.png")
        assert image.getextrema()[0] < 100
        images.append(image)
    return "\n".join(text), images


@pytest.mark.parametrize("lang", ["en", "it"])
def test_report_pdf_and_csv_are_pseudonymised(app, client, login_as, factories, solution_id, lang) -> None:
    me = login_as("therapist", locale=lang)
    pilot_id, patients = _pilot_with_sessions(app, client, factories, me, solution_id, 4)
    headers = {"Accept-Language": lang}
    response = client.get(f"/pilots/{pilot_id}/report.pdf", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text, _images = _pdf_pages(response.get_data(), f"pilot-report-{lang}")
    flat = " ".join(text.split())
    assert "Kite vs balloons" in flat and "S01" in flat
    assert ("Rapporto" in flat) if lang == "it" else ("Pilot report" in flat)
    for p in patients:
        assert p.code not in flat and (p.display_name or "") not in flat
    csv_text = client.get(f"/pilots/{pilot_id}/report.csv", headers=headers).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(csv_text), delimiter=";" if lang == "it" else ","))
    assert {r["row"] for r in rows} >= {"patient", "group", "effect"}
    for p in patients:
        assert p.code not in csv_text and "Nome Cognome" not in csv_text
    assert [e.details["format"] for e in _events(app) if e.action == "pilot.report_downloaded"] == [
        "pdf",
        "csv",
    ]


def _pilot_with_sessions(app, client, factories, me, solution_id: int, count: int):
    """A pilot with ``count`` of ``me``'s patients who consented on paper three weeks ago and
    played six sessions since, ROM rising faster for some (``client`` is logged in as ``me``)."""
    pilot_id = _create(client, solution_id, starts_on=days_ago(30).isoformat())
    patients = [factories.patient(me, display_name=f"Nome Cognome{i}") for i in range(count)]
    page = f"/pilots/{pilot_id}/enrol"
    for p in patients:
        form = {
            "csrf_token": csrf_token(client, page),
            "patient_id": str(p.id),
            "paper_consent": "y",
            "note": "form",
        }
        assert client.post(page, data=form).status_code == 302
    with Session(get_engine(app)) as s:
        plan_of = {}
        for e in s.exec(select(PilotEnrolment)):
            e.consented_at = e.consented_at - timedelta(days=21)
            s.add(e)
            plan_of[e.patient_id] = e.assignment_id
        s.commit()
    for i, p in enumerate(patients):
        assignment = _assignment(app, plan_of[p.id])
        for n in range(6):  # six sessions: the ROM change needs the first and the last three
            add_session(app, p, days_ago(19 - 3 * n), rom=60 + i * 3 + n * (1 + i % 4), assignment=assignment)
    return pilot_id, patients


@pytest.mark.browser
def test_pages_in_the_browser(app, client, login_as, factories, solution_id, live_server, browser) -> None:
    """The outcome page (charts drawn), the public summary with ten patients (five per arm,
    numbers shown) and the catalogue's link, screenshotted under test-artifacts/web/."""
    me = login_as("therapist")
    pilot_id, _patients = _pilot_with_sessions(app, client, factories, me, solution_id, 10)
    errors: list[str] = []
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, live_server, me.email)
    page.goto(f"{live_server}/pilots/{pilot_id}")
    page.wait_for_selector("#chart-pilot-patients .main-svg")
    page.wait_for_selector("#chart-pilot-arms .main-svg")
    assert "Nome Cognome0" in page.locator("[data-testid=patients]").inner_text()
    screenshot(page, "pilot-outcome-page")
    page.locator("#close-title ~ form [type=submit]").click()
    anonymous = browser.new_context(locale="it-IT", viewport={"width": 390, "height": 844}).new_page()
    anonymous.on("pageerror", lambda exc: errors.append(str(exc)))
    anonymous.goto(f"{live_server}/catalogue/{solution_id}")
    anonymous.locator(f"a[href='/pilots/{pilot_id}/summary']").click()
    anonymous.wait_for_selector("#chart-public-arms .main-svg")
    text = anonymous.locator("main").inner_text()
    assert "Nome Cognome" not in text and "S01" not in text
    screenshot(anonymous, "pilot-public-summary-it")
    anonymous.goto(f"{live_server}/catalogue/{solution_id}")
    screenshot(anonymous, "pilot-catalogue-link-it")
    assert errors == []
    context.close()


def test_safety_flag_shows_on_the_page(app, client, login_as, factories, solution_id) -> None:
    """Most of the solution's sessions stop for pain, none of the comparison's: the page's
    interim check flags the pilot (once, audited) and shows the banner."""
    me = login_as("therapist")
    pilot_id, patients = _pilot_with_sessions(app, client, factories, me, solution_id, 4)
    with Session(get_engine(app)) as s:
        arm_of = {e.patient_id: e.arm for e in s.exec(select(PilotEnrolment))}
        plan_of = {e.patient_id: e.assignment_id for e in s.exec(select(PilotEnrolment))}
    for p in patients:
        if arm_of[p.id] == "pilot":
            for n in range(6):
                add_session(
                    app,
                    p,
                    days_ago(10 - n),
                    rom=55,
                    quit_reason="pain",
                    assignment=_assignment(app, plan_of[p.id]),
                )
    html = client.get(f"/pilots/{pilot_id}").get_data(as_text=True)
    assert 'data-testid="safety-flag"' in html
    client.get(f"/pilots/{pilot_id}")  # seen again: still flagged, not flagged twice
    assert [e.action for e in _events(app)].count("pilot.safety_flagged") == 1


def _assignment(app, assignment_id):
    from smarttouch.platform.models import Assignment

    with Session(get_engine(app)) as s:
        return s.get(Assignment, assignment_id)


def test_pdf_chart_labels_do_not_overlap(app) -> None:
    from smarttouch.platform.pilots.report_pdf import patients_figure

    o = _synthetic_outcomes(24)
    with app.test_request_context(headers={"Accept-Language": "it"}):
        fig = patients_figure(o)
        assert fig is not None and labels_overlap(fig) == []


def _synthetic_outcomes(n: int):
    """A plain stand-in with the outcome fields the figure reads (its numbers are not
    claimed to be a pilot's: the test is about drawing)."""
    from types import SimpleNamespace as NS

    patients = [
        NS(
            pseudonym=f"P-{i + 1:02d}",
            arm="pilot" if i % 2 else "comparator",
            rom_change=NS(value=float(i - 8), low=float(i - 14), high=float(i - 2)),
        )
        for i in range(n)
    ]
    return NS(patients=patients, mcid_deg=6.0)
