"""What every browser test of the hub shares: Debian's Chromium launched headless by
Playwright, the screenshot folder and logging in through the real form."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smarttouch.platform.testing import TEST_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"


@pytest.fixture
def browser() -> Iterator[Any]:
    """A headless Chromium (skips when Playwright or Debian's chromium is missing)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"Debian chromium is not installed at {CHROMIUM}")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def browser_page(browser: Any) -> Iterator[Any]:
    """A 1280x900 English page whose downloads are kept."""
    context = browser.new_context(
        accept_downloads=True, locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def login(
    page: Any, base: str, email: str, password: str = TEST_PASSWORD, *, lands_on: str | None = None
) -> None:
    """Log in through the form; wait until the browser left /login (or reached ``lands_on``)."""
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("main form [type=submit]").click()
    if lands_on is not None:
        page.wait_for_url(f"{base}{lands_on}")
    else:
        page.wait_for_url(lambda url: "/login" not in url)


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as ``test-artifacts/web/NAME.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
