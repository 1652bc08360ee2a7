"""The pain and effort chart on the therapist's patient page, drawn by a real browser
(Playwright driving Debian's Chromium) from the demo's synthetic ratings, in English and
Italian, with the pain-rise alert beside it. Screenshots go to ``test-artifacts/web/``."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlmodel import Session, select

from smarttouch.platform.models import Patient
from smarttouch.platform.storage.db import get_engine
from tests.platform.browser_support import ARTIFACTS, browser, login  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "locale,title,alert",
    [
        ("en-GB", "How the patient felt", "Pain above usual"),
        ("it-IT", "Come stava il paziente", "Dolore sopra il solito"),
    ],
)
def test_pain_and_effort_chart_is_drawn(
    demo_app: Flask, live_server: str, browser, locale, title, alert
) -> None:
    with Session(get_engine(demo_app)) as db:
        knee = db.exec(select(Patient).where(Patient.code == "DEMO-KNEE")).one()
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        login(page, live_server, "therapist@example.org", "demo-therapist", lands_on="/")
        page.goto(f"{live_server}/patients/{knee.id}")  # the overview: alerts
        assert alert in page.locator("#alerts").inner_text()
        page.goto(f"{live_server}/patients/{knee.id}?tab=progress")  # the charts
        page.wait_for_selector("#chart-feelings[data-drawn=true]")
        assert page.locator("#feelings-title").inner_text() == title
        traces = page.locator("#chart-feelings .scatterlayer .trace")
        assert traces.count() == 4  # pain and effort, before and after
        assert traces.nth(1).locator("path.point").count() >= 10  # pain after, one per session
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.locator("#feelings").screenshot(path=str(ARTIFACTS / f"patient-feelings-{locale[:2]}.png"))
    finally:
        context.close()
