"""The patient's side of the hub on phones: the portal (week strip, progress, charts), the
message thread, who looked at the record, the data rights page and the invitation landing
never scroll sideways at 360, 390 (a common phone) or 768 px, in both languages, and their
buttons stay large enough to tap. Screenshots at 390 px go to ``test-artifacts/web/``."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlmodel import Session

from smarttouch.platform.models import Patient
from smarttouch.platform.services.accounts import invitations
from smarttouch.platform.services.clinic import messages
from smarttouch.platform.storage.db import get_engine
from tests.platform.browser_support import browser, login, screenshot  # noqa: F401
from tests.platform.test_web_support import add_session, days_ago

pytestmark = pytest.mark.browser

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
#: visible buttons and links styled as buttons smaller than 40 px high (hard to tap)
SMALL_TARGETS = """() => [...document.querySelectorAll('main button, main a.button, main input[type=submit]')]
  .filter(e => e.offsetParent !== null && !e.closest('.chart') && e.getBoundingClientRect().height < 40)
  .map(e => e.textContent.trim() || e.value)"""


@pytest.mark.parametrize("lang", ["it", "en"])
def test_patient_pages_fit_a_phone(app: Flask, live_server: str, browser, factories, lang: str) -> None:
    therapist = factories.user("therapist", locale=lang)
    account = factories.user("patient", locale=lang)
    patient = factories.patient(therapist, user=account, code=f"PT-PHONE{lang.upper()}")
    plan = factories.assignment(patient, start_date=days_ago(40), sessions_per_week=4, target_rom_deg=80)
    factories.assignment(patient, activity=None, movement="elbow_flexion", start_date=days_ago(40))
    for n in range(35, -1, -2):
        add_session(app, patient, days_ago(n), rom=60 + (35 - n) / 2, assignment=plan)
    newcomer = factories.patient(therapist, code=f"PT-NEW{lang.upper()}")
    with Session(get_engine(app)) as s:
        p = s.get_one(Patient, patient.id)
        messages.send(
            s, sender=therapist, patient=p, body="Ricorda la pausa tra le serie, e bevi un po' d'acqua."
        )
        messages.send(s, sender=account, patient=p, body="Grazie, va bene. Oggi il braccio era più sciolto.")
        token = invitations.invite_patient(
            s, actor=None, patient=s.get_one(Patient, newcomer.id), email="newcomer@example.org"
        ).token

    wide: list[str] = []
    small: list[str] = []
    context = browser.new_context(
        locale="it-IT" if lang == "it" else "en-GB", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    landing = {"invitation": f"/invite/{token}", "invitation-code": "/invite"}
    for width in (360, 390, 768):
        page.set_viewport_size({"width": width, "height": 844})
        for name, path in landing.items():
            page.goto(live_server + path)
            if page.evaluate(OVERFLOW) > 0:
                wide.append(f"{width}px {path}: {page.evaluate(OVERFLOW)}px too wide")
            if width == 390:
                screenshot(page, f"phone-{name}-{lang}")
    login(page, live_server, account.email)
    portal = {
        "portal": "/my",
        "messages": "/my/messages",
        "access": "/my/access",
        "data-rights": "/data-rights/me",
    }
    for width in (360, 390, 768):
        page.set_viewport_size({"width": width, "height": 844})
        for name, path in portal.items():
            response = page.goto(live_server + path)
            assert response is not None and response.status == 200, path
            page.wait_for_load_state("networkidle")
            extra = page.evaluate(OVERFLOW)
            if extra > 0:
                wide.append(f"{width}px {path}: {extra}px too wide")
            if width == 390:
                small += [f"{path}: {label}" for label in page.evaluate(SMALL_TARGETS)]
                screenshot(page, f"phone-{name}-{lang}")
    context.close()
    assert wide == [], "\n".join(wide)
    assert small == [], "\n".join(small)
    assert errors == []
