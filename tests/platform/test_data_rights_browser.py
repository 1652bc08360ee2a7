"""The data-rights pages and the audit trail in a real browser (headless Chromium):
a therapist downloads and erases a patient, an administrator filters the audit trail."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from smarttouch.platform.testing import TEST_PASSWORD

from .test_data_rights_support import seed_history

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def browser_page():
    playwright = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(accept_downloads=True, locale="en-GB",
                                      viewport={"width": 1280, "height": 900})
        yield context.new_page()
        context.close()
        browser.close()


def _login(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("main form [type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_therapist_downloads_then_erases(app: Flask, factories, live_server: str,
                                         browser_page, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser_page
    history = seed_history(app, factories)
    _login(page, live_server, history.therapist.email)
    page.get_by_role("link", name="Data rights").click()
    page.get_by_role("link", name=history.patient.code).click()
    page.screenshot(path=str(ARTIFACTS / "datarights-patient.png"), full_page=True)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download all data (ZIP)").click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.suffix == ".zip" and target.stat().st_size > 1000
    page.get_by_role("link", name="Erase…").click()
    page.fill("input[name=confirm_code]", history.patient.code)
    page.check("input[name=understood]")
    page.screenshot(path=str(ARTIFACTS / "datarights-erase.png"), full_page=True)
    page.get_by_role("button", name="Erase the patient for good").click()
    page.wait_for_url(f"{live_server}/data-rights/")
    assert "has been erased (reference ER-" in page.content()
    assert history.patient.code not in page.content()


def test_admin_filters_the_audit_trail(app: Flask, factories, live_server: str,
                                       browser_page) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser_page
    history = seed_history(app, factories)
    admin = factories.user("admin")
    _login(page, live_server, admin.email)
    page.get_by_role("link", name="Audit trail").click()
    page.fill("input[name=patient]", history.patient.code)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(f"**patient={history.patient.code}**")
    rows = page.locator("table.data tbody tr")
    assert rows.count() >= 1
    assert "patient.created" in page.content()
    page.screenshot(path=str(ARTIFACTS / "audit-trail.png"), full_page=True)
