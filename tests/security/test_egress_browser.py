"""Issue 13, item 13 (with item 10): patient data stays on the hub, seen from a real browser.

Chromium (Playwright) visits every page of every demo role and of an anonymous visitor,
walking the links breadth-first (:mod:`.crawl`), and fails if any request goes to a host other
than the hub, if the Content-Security-Policy refuses anything (a console report: the policy
would be hiding a broken page), or on any script error. On chart pages every chart must be
drawn and its mode bar must offer no action that leaves the hub.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from smarttouch.platform.services.demo.seed import DEMO_USERS
from tests.platform.browser_support import ARTIFACTS, browser, login, screenshot  # noqa: F401

from .crawl import Crawl
from .test_csp_egress import MUST_REACH, demo_patient_id

pytestmark = pytest.mark.browser

#: Words of mode-bar buttons that send a chart somewhere else (plotly.js 2-4).
CLOUD_WORDS = ("cloud", "chart studio", "share chart", "edit in", "plotly.com")
#: A page is settled when no request of it has been in flight, and none has started, for this long
#: after its load event (Playwright's "networkidle" waits 500 ms on every page; the hub's scripts
#: start no request after load, and any that did would still be seen here).
QUIET_MS = 100
SETTLE_TIMEOUT_S = 15
MODEBAR_TITLES = """() => Array.from(document.querySelectorAll('.modebar-btn'))
  .map(b => (b.getAttribute('data-title') || '') + ' ' + (b.getAttribute('href') || ''))"""


class Watch:
    """Every request of a browser context and every console report of its pages."""

    def __init__(self, hub: str) -> None:
        self.hub = urlsplit(hub).netloc
        self.foreign: list[str] = []
        self.problems: list[str] = []
        self.requests = 0
        self.in_flight: set[Any] = set()

    def on_request(self, request: Any) -> None:
        self.requests += 1
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        self.in_flight.add(request)
        if parts.netloc != self.hub:
            self.foreign.append(f"{request.method} {request.url} (from {request.frame.url})")

    def on_request_done(self, request: Any) -> None:
        self.in_flight.discard(request)

    def settle(self, page: Any, path: str) -> None:
        """Wait (after the load event) until the page is quiet: see :data:`QUIET_MS`."""
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while True:
            seen = self.requests
            page.wait_for_timeout(QUIET_MS)  # Playwright delivers the page's events meanwhile
            if not self.in_flight and seen == self.requests:
                return
            if time.monotonic() > deadline:
                self.problems.append(
                    f"{path}: requests still in flight: {sorted(r.url for r in self.in_flight)}"
                )
                return

    def on_console(self, message: Any) -> None:
        text = message.text
        where = (message.location or {}).get("url", "")
        if urlsplit(where).path == "/favicon.ico":  # Chromium asks on its own; the hub has none
            return
        if message.type == "error" or "Content Security Policy" in text:
            self.problems.append(f"console {message.type}: {text} ({where} on {message.page.url})")

    def on_page_error(self, error: Any) -> None:
        self.problems.append(f"script error: {error}")


def _visit_role(app: Flask, browser: Any, base: str, role: str | None) -> tuple[Watch, set[str]]:
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    watch = Watch(base)
    context.on("request", watch.on_request)
    context.on("requestfinished", watch.on_request_done)
    context.on("requestfailed", watch.on_request_done)
    page = context.new_page()
    page.on("console", watch.on_console)
    page.on("pageerror", watch.on_page_error)
    if role is not None:
        email, password = next((e, p) for r, e, p, _n, _rev in DEMO_USERS if r == role)
        login(page, base, email, password)

    def fetch(path: str) -> str | None:
        head = context.request.get(f"{base}{path}", max_redirects=0)
        if head.status >= 500:
            watch.problems.append(f"{path}: HTTP {head.status}")
        if head.status != 200 or not head.headers.get("content-type", "").startswith("text/html"):
            return None
        page.goto(f"{base}{path}", wait_until="load")
        watch.settle(page, path)
        charts = page.locator("div.chart[data-figure]")
        if charts.count():
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('div.chart[data-figure]'))"
                ".every(c => c.getAttribute('data-drawn') === 'true')",
                timeout=15_000,
            )
            titles = page.evaluate(MODEBAR_TITLES)
            assert titles, f"{path}: charts drawn without a mode bar"
            leaving = [t for t in titles if any(w in t.lower() for w in CLOUD_WORDS)]
            assert not leaving, f"{path}: mode-bar actions that leave the hub: {leaving}"
        return page.content()

    crawl = Crawl(app, fetch)
    for _ in crawl.pages(
        *(("/", f"/patients/{demo_patient_id(app)}") if role == "therapist" else ("/" if role else "/login",))
    ):
        pass
    context.close()
    return watch, set(crawl.seen_endpoints)


def test_no_page_of_any_role_sends_a_request_off_the_hub(demo_app: Flask, live_server: str, browser) -> None:
    failures: list[str] = []
    for role in (None, *MUST_REACH):
        watch, reached = _visit_role(demo_app, browser, live_server, role)
        assert watch.requests > 0
        failures += [f"{role}: request off the hub: {r}" for r in watch.foreign]
        failures += [f"{role}: {p}" for p in watch.problems]
        if role is not None:
            missing = MUST_REACH[role] - reached
            assert not missing, f"{role} never reached {missing}"
    assert not failures, "\n".join(failures)


def test_a_patients_charts_render_under_the_policy(demo_app: Flask, live_server: str, browser) -> None:
    """The screenshot a person looks at: the therapist's view of a patient, every chart drawn,
    the mode bar shown on hover without any cloud button."""
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    login(page, live_server, "therapist@example.org", "demo-therapist", lands_on="/")
    page.goto(f"{live_server}/patients/{demo_patient_id(demo_app)}?tab=progress")
    # charts draw one after another: wait for the seventh (a timeout fails the test); every
    # chart on the progress tab (ROM, ..., pain and effort) is drawn under the policy
    page.wait_for_selector("div.chart[data-drawn=true] >> nth=6")
    assert page.locator("div.chart[data-drawn=true]").count() == page.locator("div.chart").count() == 7
    assert page.locator("#chart-rom .scatterlayer .trace").count() == 2
    page.locator("#chart-rom").hover()
    page.wait_for_selector("#chart-rom .modebar-container .modebar-btn", state="visible")
    titles = page.evaluate(MODEBAR_TITLES)
    assert any("png" in t.lower() for t in titles)  # downloading locally stays
    assert not [t for t in titles if any(w in t.lower() for w in CLOUD_WORDS)]
    screenshot(page, "security-patient-charts-under-csp")
    page.locator("#chart-rom").hover()  # the full-page screenshot moved the mouse away
    page.wait_for_selector("#chart-rom .modebar-container .modebar-btn", state="visible")
    page.locator("#chart-rom").screenshot(path=str(ARTIFACTS / "security-rom-chart-mode-bar.png"))
    page.close()
    assert errors == []
