"""The data-rights pages and the audit trail in a real browser (headless Chromium):
a therapist downloads and erases a patient, an administrator filters the audit trail."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from tests.platform.browser_support import browser, browser_page, login, screenshot  # noqa: F401
from tests.platform.test_data_rights_support import seed_history

pytestmark = pytest.mark.browser


def test_therapist_downloads_then_erases(
    app: Flask, factories, live_server: str, browser_page, tmp_path: Path
) -> None:
    page = browser_page
    history = seed_history(app, factories)
    login(page, live_server, history.therapist.email)
    page.get_by_role("link", name="Data rights").click()
    page.get_by_role("link", name=history.patient.code).click()
    screenshot(page, "datarights-patient")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download all data (ZIP)").click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.suffix == ".zip" and target.stat().st_size > 1000
    page.get_by_role("link", name="Erase…").click()
    page.fill("input[name=confirm_code]", history.patient.code)
    page.check("input[name=understood]")
    screenshot(page, "datarights-erase")
    page.get_by_role("button", name="Erase the patient for good").click()
    page.wait_for_url(f"{live_server}/data-rights/")
    assert "has been erased (reference ER-" in page.content()
    assert history.patient.code not in page.content()


def test_admin_filters_the_audit_trail(app: Flask, factories, live_server: str, browser_page) -> None:
    page = browser_page
    history = seed_history(app, factories)
    admin = factories.user("admin")
    login(page, live_server, admin.email)
    page.get_by_role("link", name="Audit trail").click()
    page.fill("input[name=patient]", history.patient.code)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(f"**patient={history.patient.code}**")
    rows = page.locator("table.data tbody tr")
    assert rows.count() >= 1
    assert "patient.created" in page.content()
    screenshot(page, "audit-trail")
