"""Every page added for onboarding, messages, the exercise library and administration, in
the real browser (Playwright, Debian's Chromium), in English and Italian: no script error, no
unlabelled control, no sideways scroll at 1280 px, and a screenshot under
test-artifacts/hub/ (looked at by hand)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session

from smarttouch.platform.models import Patient
from smarttouch.platform.services.accounts import invitations
from smarttouch.platform.services.clinic import messages
from smarttouch.platform.storage.db import get_engine
from tests.platform.browser_support import browser, login, shown  # noqa: F401

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "hub"
UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden' && el.type !== 'submit' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
  .map(el => el.name || el.id)"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.mark.parametrize("lang", ["en", "it"])
def test_new_pages_in_both_languages(lang: str, app: Flask, live_server: str, factories, browser) -> None:
    app.config["BASE_URL"] = live_server
    therapist = factories.user("therapist", locale=lang, full_name="Ada Rossi")
    colleague = factories.user("therapist", locale=lang, full_name="Bea Neri")
    admin = factories.user("admin", locale=lang)
    patient = factories.patient(therapist, code=f"PT-PAGE{lang.upper()}")
    account = factories.user("patient", locale=lang)
    second = factories.patient(therapist, user=account)
    assignment = factories.assignment(patient, movement="shoulder_flexion", target_rom_deg=70.0)
    factories.exercise_session(patient, movement="shoulder_flexion", calibration={"rom_max_deg": 92.0})
    with Session(get_engine(app)) as s:
        p = s.get(Patient, second.id)
        messages.send(s, sender=therapist, patient=p, body="Ricorda la pausa tra le serie.")
        messages.send(s, sender=account, patient=p, body="Grazie, va bene.")
        issued = invitations.invite_patient(
            s, actor=None, patient=s.get(Patient, patient.id), email="x@example.org"
        )
        token = issued.token
        invitations.revoke(s, actor=admin, invitation_id=issued.invitation.id)
    errors: list[str] = []
    context = browser.new_context(
        locale="it-IT" if lang == "it" else "en-GB", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def visit(path: str, name: str) -> None:
        response = page.goto(live_server + path)
        assert response is not None and response.status < 500, (path, response and response.status)
        assert page.evaluate(UNLABELLED) == [], path
        assert page.evaluate(OVERFLOW) <= 0, path
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{lang}-{name}.png"), full_page=True)

    visit("/invite", "invitation-code")
    visit(f"/invite/{token}", "invitation-withdrawn")
    visit("/pair/ABCD-3479", "pairing-link-landing")

    login(page, live_server, therapist.email)
    visit(f"/patients/{patient.id}", "patient-page-panel")
    visit(f"/patients/{patient.id}/assignments/new", "assignment-suggested-target")
    visit("/library", "library")
    visit(f"/patients/{patient.id}/plan-tools", "plan-tools")
    visit("/messages", "messages-inbox")
    visit(f"/patients/{second.id}/messages", "messages-thread-therapist")
    page.goto(f"{live_server}/patients/{patient.id}?tab=plan")
    page.locator(f"form[action='/assignments/{assignment.id}/end'] [type=submit]").click()
    page.wait_for_selector("input[name=confirm]", state="attached")
    page.screenshot(path=str(ARTIFACTS / f"{lang}-end-exercise-confirm.png"), full_page=True)
    page.locator("main form [type=submit]").click()
    page.wait_for_selector(".ended-today")
    page.screenshot(path=str(ARTIFACTS / f"{lang}-end-exercise-undo.png"), full_page=True)
    page.locator(".ended-today [type=submit]").click()
    page.wait_for_url(f"**/patients/{patient.id}?tab=plan")
    assert page.locator(".ended-today").count() == 0
    page.goto(f"{live_server}/patients/{patient.id}/plan-tools")
    page.locator("#save-save").click()  # no name: refused at the field
    shown(page.locator("#save-name-error"))
    page.screenshot(path=str(ARTIFACTS / f"{lang}-plan-tools-error.png"), full_page=True)
    page.context.clear_cookies()

    login(page, live_server, account.email)
    visit("/my/messages", "messages-thread-patient")
    page.context.clear_cookies()

    login(page, live_server, admin.email)
    visit("/admin/users", "admin-users")
    visit(f"/admin/users/{colleague.id}", "admin-user")
    visit("/admin/caseloads", "admin-caseloads")
    page.locator("#to_id").select_option(str(therapist.id))
    page.locator("#from_id").select_option(str(therapist.id))
    page.locator("#handover").click()
    shown(page.locator("#to_id-error"))
    page.screenshot(path=str(ARTIFACTS / f"{lang}-admin-caseloads-error.png"), full_page=True)
    assert errors == []
    context.close()
