"""Challenge pages in a real browser (headless Chromium): a developer uploads a zip through
the form and follows it to the leaderboard; a reviewer opens the review page and approves."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from tests.platform.browser_support import browser, browser_page, login, screenshot, shown  # noqa: F401
from tests.platform.challenge_support import (  # noqa: F401
    COUNTER,
    archive_of,
    bundle_dir,
    hub_challenge,
    make_solution,
    run_queued,
    sandbox_ok,
)

pytestmark = pytest.mark.browser


def test_developer_uploads_and_reviewer_approves(
    app: Flask, make_user, live_server: str, browser_page, hub_challenge, tmp_path: Path, sandbox_ok
) -> None:
    page = browser_page
    developer = make_user("developer", full_name="Dana Dev")
    zip_path = tmp_path / "my-solution.zip"
    zip_path.write_bytes(archive_of(make_solution(tmp_path / "s", COUNTER)))
    login(page, live_server, developer.email)
    page.goto(f"{live_server}/developer/challenges/{hub_challenge.slug}")
    page.get_by_role("link", name="Submit a solution").click()
    page.set_input_files("input[type=file]", str(zip_path))
    page.get_by_role("button", name="Submit for evaluation").click()
    page.wait_for_url(lambda url: "/submissions/" in url)
    shown(page.get_by_text("Queued").first)
    run_queued(app)
    page.reload()
    shown(page.get_by_text("Scored").first)
    screenshot(page, "submission-detail")
    page.get_by_role("link", name=hub_challenge.title).first.click()
    shown(page.get_by_role("cell", name="Dana Dev"))
    screenshot(page, "leaderboard")
    page.get_by_role("link", name="API tokens").click()
    page.fill("input[name=label]", "laptop")
    page.get_by_role("button", name="Create token").click()
    assert page.locator("code.token").inner_text().startswith("stp_")
    screenshot(page, "api-tokens")
    page.locator("header form [type=submit]").last.click()

    reviewer = make_user("therapist", is_reviewer=True)
    login(page, live_server, reviewer.email)
    page.get_by_role("link", name="Review solutions").click()
    page.get_by_role("link", name="1", exact=True).click()
    shown(page.get_by_text("class Solution").first)
    screenshot(page, "review-detail")
    page.get_by_label("Approve: it may reach patients").check()
    page.get_by_role("button", name="Record decision").click()
    shown(page.get_by_text("Your decision was recorded."))
