"""What every browser test of the hub shares: Debian's Chromium launched headless by
Playwright, the screenshot folder and logging in through the real form."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

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


class Chromium:
    """The test process's headless Chromium, launched on first use and again if it went away
    (crashed) or was stopped; launching costs about a second, and there are some forty browser
    tests. Playwright's sync API keeps an asyncio loop marked running while it is started (an
    ``asyncio.run()`` in a later test would fail), so ``tests/conftest.py`` stops it after a test
    whose next test on this worker needs no browser (the browser files run first)."""

    started: ClassVar[set[Chromium]] = set()  # at most one: the session's

    def __init__(self) -> None:
        self.sync_api = pytest.importorskip("playwright.sync_api")
        if not CHROMIUM.exists():
            pytest.skip(f"Debian chromium is not installed at {CHROMIUM}")
        self._playwright: Any = None
        self._browser: Any = None

    def get(self) -> Any:
        if self._playwright is None:
            self._playwright = self.sync_api.sync_playwright().start()
            Chromium.started.add(self)
        if self._browser is None or not self._browser.is_connected():
            self._browser = self._playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        return self._browser

    def stop(self) -> None:
        if self._browser is not None and self._browser.is_connected():
            self._browser.close()
        self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
        self._playwright = None
        Chromium.started.discard(self)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    """See :class:`Chromium`. Registered for every test by ``tests/conftest.py`` (a session
    fixture imported into each test module would be one per module)."""
    shared = Chromium()
    try:
        yield shared
    finally:
        shared.stop()


@pytest.fixture
def browser(chromium: Chromium) -> Iterator[Any]:
    """A headless Chromium (skips when Playwright or Debian's chromium is missing): the process's
    one (see :class:`Chromium`), as good as a fresh one: every context the test opened (its
    pages, cookies, storage, cache) is closed after it, so none is left for the next test."""
    browser = chromium.get()
    try:
        yield browser
    finally:
        for context in list(browser.contexts):
            context.close()


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


WITHIN_MS = 15_000


def expect(target: Any) -> Any:
    """Playwright's ``expect``, whose assertions retry until they hold, for up to 15 s (its
    default of 5 s is short on a loaded CI machine). Assert through it what a click or a form
    changes: a plain ``inner_text()`` or ``count()`` just after a click that navigates may read
    the page before, or the new one before it is parsed."""
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=WITHIN_MS)
    return playwright_expect(target)


def shown(locator: Any) -> None:
    """Wait until ``locator`` is visible, failing with Playwright's account if it never is within
    15 s. ``locator.is_visible()`` answers at once: a CI run failed on a heading asserted so just
    after the click that navigated to it."""
    expect(locator).to_be_visible()
