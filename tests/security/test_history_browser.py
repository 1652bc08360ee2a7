"""The new history pages in a real browser (Playwright, Debian's Chromium, headless).

A therapist opens a patient's page and report; the patient follows the portal's link to
"Who looked at your record" and sees them; the administrator searches the reads by patient
code. Screenshots go to ``test-artifacts/web/history-*.png``.
"""

from __future__ import annotations

import pytest
from flask import Flask

from tests.platform.browser_support import browser, login, screenshot  # noqa: F401
from tests.platform.test_web_support import add_session, days_ago

pytestmark = pytest.mark.browser
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def _logout(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login**")


def test_patient_and_admin_see_who_read_the_record(
    app: Flask, live_server: str, browser, make_user, make_patient, make_assignment
) -> None:
    account = make_user("patient", full_name="Rosa Colombo")
    therapist = make_user("therapist", full_name="Giulia Rossi")
    make_user("admin", email="admin-h@example.org", full_name="Anna Neri")
    patient = make_patient(therapist, code="DEMO-PARK", display_name="Rosa Colombo", user=account)
    assignment = make_assignment(patient, start_date=days_ago(30))
    for n in (20, 13, 6, 2):
        add_session(app, patient, days_ago(n), assignment=assignment)

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, live_server, therapist.email)
    page.goto(f"{live_server}/patients/{patient.id}")
    page.goto(f"{live_server}/patients/{patient.id}/report")
    assert page.locator("table.plan-versions tbody tr").count() == 1
    screenshot(page, "history-01-report-plan")
    _logout(page)

    login(page, live_server, account.email)
    page.get_by_role("link", name="Who looked at your record").click()
    page.wait_for_url("**/my/access")
    rows = page.locator("table.access-list tbody tr")
    texts = [" ".join(t.split()) for t in rows.all_inner_texts()]
    assert any("Giulia Rossi (Therapist)" in t and "Patient page" in t for t in texts), texts
    assert any("Progress report (on screen)" in t for t in texts), texts
    assert page.evaluate(OVERFLOW) <= 0
    screenshot(page, "history-02-portal-who-looked")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the table scrolls, the page does not
    assert page.evaluate(OVERFLOW) <= 0
    screenshot(page, "history-03-portal-who-looked-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    _logout(page)

    login(page, live_server, "admin-h@example.org")
    page.get_by_role("link", name="Record reads").click()
    page.get_by_label("Patient (code or number)").fill("demo-park")
    page.get_by_label("What was read").select_option("patient_page")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/admin/access?**")
    found = page.locator("table.access-search tbody tr")
    assert found.count() == 1
    assert "DEMO-PARK" in found.inner_text() and therapist.email in found.inner_text()
    assert "Rosa Colombo" not in page.content()  # patients by code only
    screenshot(page, "history-04-admin-reads")
    assert errors == []
