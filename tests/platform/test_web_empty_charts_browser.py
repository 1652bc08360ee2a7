"""In a real browser: the demo's COPD patient (no plan, no sessions) gets plain messages where
the charts would be, never empty plotly axes; the page has no script errors. The screenshot
goes to ``test-artifacts/web/copd-patient-page.png``."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlmodel import Session, select

from smarttouch.platform.i18n.language import hub_tz, local_today
from smarttouch.platform.models import Patient
from smarttouch.platform.services.demo.seed import seed_demo
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from tests.platform.browser_support import browser, login, screenshot, shown  # noqa: F401

pytestmark = pytest.mark.browser


def test_copd_patient_without_sessions_shows_messages_not_empty_charts(
    app: Flask, live_server: str, browser
) -> None:
    with app.test_request_context(), Session(get_engine(app)) as db:
        seed_demo(
            db,
            today=local_today(),
            password_profile="fast",
            blobs=get_blobstore(app),
            tz=hub_tz(),
            with_sessions=False,
        )
        copd = db.exec(select(Patient).where(Patient.code == "DEMO-COPD")).one().id
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, live_server, "therapist@example.org", "demo-therapist", lands_on="/")
    page.goto(f"{live_server}/patients/{copd}?tab=progress")
    assert page.locator("h1").inner_text().startswith("Patient DEMO-COPD")
    assert page.locator("div.chart").count() == 0
    assert page.locator(".js-plotly-plot, .main-svg").count() == 0  # nothing drawn
    assert page.locator(".chart-empty").count() == 7  # the six progress charts and pain and effort
    shown(page.get_by_text("Range of motion: no scored sessions in this period."))
    assert "2000" not in page.locator("#progress").inner_text()
    screenshot(page, "copd-patient-page")
    assert errors == []
