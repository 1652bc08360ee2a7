"""The hub in a real browser (Playwright driving Debian's Chromium, headless).

A therapist logs in, creates a patient, assigns a game, opens a patient page and sees the
charts drawn from the seeded (synthetic) sessions, acknowledges an alert with the keyboard,
and the pages fit a 768 px tablet; a patient logs in and sees only their own plan.
Screenshots go to ``test-artifacts/web/``.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlmodel import Session, col, func, select

from smarttouch.platform.models import Alert, Assignment, Patient, User
from smarttouch.platform.storage.db import get_engine
from tests.platform.browser_support import browser, expect, login, screenshot  # noqa: F401

pytestmark = pytest.mark.browser

UNLABELLED_CONTROLS = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden' && el.type !== 'submit' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
  .map(el => el.name || el.id)"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_therapist_journey(demo_app: Flask, live_server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, live_server, "therapist@example.org", "demo-therapist", lands_on="/")
    assert page.locator("h1").inner_text() == "My patients"
    with Session(get_engine(demo_app)) as db:
        followed = db.exec(
            select(func.count())
            .select_from(Patient)
            .join(User, col(User.id) == col(Patient.therapist_id))
            .where(User.email == "therapist@example.org")
        ).one()
    assert followed >= 6  # the demo's six, and the demo pilot's synthetic patients
    assert page.locator("table.caseload tbody tr").count() == followed
    screenshot(page, "01-therapist-caseload")

    # create a patient
    page.get_by_role("link", name="New patient").click()
    page.get_by_label("Pseudonymous code").fill("PT-WEB1")
    page.get_by_label("Condition").select_option("multiple_sclerosis")
    page.get_by_label("Affected side").select_option("left")
    page.get_by_label("Year of birth").fill("1979")
    page.get_by_role("button", name="Save patient").click()
    page.wait_for_url("**/patients/*")
    assert "Patient PT-WEB1" in page.locator("h1").inner_text()

    # assign a game: the movement list follows the chosen activity
    page.get_by_role("link", name="Add exercise").click()
    page.get_by_label("Activity").select_option(label="Glider")
    assert page.locator("#movement option:not([disabled])").all_inner_texts() == [
        "Wrist flexion/extension",
        "Forearm pronation/supination",
    ]
    page.get_by_label("Movement").select_option("wrist_flexion")
    page.get_by_label("Target range of motion (degrees)").fill("40")
    page.get_by_label("Maximum range of motion (degrees)").fill("55")
    page.get_by_label("Repetitions per set").fill("12")
    page.get_by_label("Note to the patient").fill("Rest your elbow on the table.")
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    screenshot(page, "02-assignment-editor")
    page.get_by_role("button", name="Add to plan").click()
    page.wait_for_url("**/patients/*")
    assert page.locator("#plan tbody th[scope=row]").all_inner_texts() == ["Glider"]
    page.get_by_role("link", name="Plan changes").click()
    expect(page.locator(".history").get_by_text("added an exercise")).to_have_count(1)

    # a seeded patient: charts drawn from the synthetic sessions
    with Session(get_engine(demo_app)) as db:
        park = db.exec(select(Patient).where(Patient.code == "DEMO-PARK")).one()
        open_before = len(
            db.exec(
                select(Alert).where(
                    Alert.patient_id == park.id, Alert.acknowledged_at.is_(None), Alert.resolved_at.is_(None)
                )
            ).all()
        )
    page.goto(f"{live_server}/patients/{park.id}?tab=progress")
    page.wait_for_selector("div.chart[data-drawn=true]")
    assert page.locator("div.chart[data-drawn=true]").count() == 7  # six progress charts, pain and effort
    assert page.locator("#chart-rom .scatterlayer .trace").count() == 2
    points = page.locator("#chart-rom .scatterlayer .trace").first.locator("path.point")
    assert points.count() >= 10  # one marker per seeded session in the period
    assert page.locator("table.calendar td.day.done").count() >= 10
    screenshot(page, "03-patient-page-charts")

    # acknowledge an alert with the keyboard
    page.goto(f"{live_server}/patients/{park.id}")
    assert open_before >= 1
    button = page.locator("#alerts").get_by_role("button", name="Acknowledge").first
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash-success")
    assert "Alert acknowledged." in page.locator(".flash-success").inner_text()
    assert page.locator("#alerts .alert-item").count() == open_before - 1
    screenshot(page, "04-alert-acknowledged")

    # a session page
    page.get_by_role("link", name="Sessions", exact=True).click()
    page.locator("#sessions tbody a").first.click()
    page.wait_for_selector("#chart-trace[data-drawn=true]")
    assert page.locator("#chart-trace .textpoint").count() >= 3  # numbered rep peaks
    screenshot(page, "05-session-page")

    # tablet width: nothing wider than the screen, charts still drawn
    page.set_viewport_size({"width": 768, "height": 1024})
    for path, name in (
        (f"/patients/{park.id}?tab=progress", "06-tablet-patient-page"),
        ("/", "07-tablet-caseload"),
    ):
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate(OVERFLOW) <= 0, path
        assert page.evaluate(UNLABELLED_CONTROLS) == [], path
        screenshot(page, name)

    # Italian
    page.get_by_label("Language").select_option("it")
    page.locator(".language-switcher button").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "I miei pazienti"
    page.goto(f"{live_server}/patients/{park.id}?tab=progress")
    page.wait_for_selector("div.chart[data-drawn=true]")
    assert "Progressi" in page.locator("#progress-title").inner_text()
    screenshot(page, "08-italian-patient-page")
    assert errors == []


def test_patient_sees_only_their_own_plan(demo_app: Flask, live_server: str, browser) -> None:
    with Session(get_engine(demo_app)) as db:
        mine = db.exec(select(Patient).where(Patient.code == "DEMO-STRK")).one()
        other = db.exec(select(Patient).where(Patient.code == "DEMO-PARK")).one()
        other_note = db.exec(
            select(Assignment.therapist_note).where(Assignment.patient_id == other.id)
        ).first()
    page = browser.new_page(viewport={"width": 768, "height": 1024}, locale="en-GB")
    login(page, live_server, "patient@example.org", "demo-patient", lands_on="/")
    assert page.locator("h1").inner_text() == "My exercise plan"
    page.wait_for_selector("div.chart[data-drawn=true]")
    body = page.locator("main").inner_text()
    assert "Balloon reach" in body and "Lift your arm slowly" in body
    assert other_note not in body and "DEMO-PARK" not in body and "Steady hand" not in body
    assert page.locator(".badge-list .medal.earned").count() >= 2
    assert page.evaluate(OVERFLOW) <= 0
    screenshot(page, "09-patient-portal-tablet")
    response = page.goto(f"{live_server}/patients/{other.id}")
    assert response.status == 404
    response = page.goto(f"{live_server}/patients/{mine.id}")
    assert response.status == 200
