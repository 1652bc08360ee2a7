"""The Activities page in a real browser: every built-in game's picture, drawn by the game
itself, is loaded and shown (not a broken image), in English and Italian; the patient's plan
shows the picture of their game. Screenshots go to ``test-artifacts/web/``."""

from __future__ import annotations

import pytest
from flask import Flask

from smarttouch.games.sdk.registry import game_keys
from tests.platform.browser_support import browser, login, screenshot  # noqa: F401

pytestmark = pytest.mark.browser

LOADED = """() => Array.from(document.querySelectorAll('img.activity-preview'))
  .map(img => [img.getAttribute('src'), img.complete && img.naturalWidth > 0, img.alt])"""


@pytest.mark.parametrize("locale,heading", [("en-GB", "Activities"), ("it-IT", "Attività")])
def test_the_activities_page_shows_every_games_own_picture(
    demo_app: Flask, live_server: str, browser, locale: str, heading: str
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale=locale)
    login(page, live_server, "therapist@example.org", "demo-therapist", lands_on="/")
    page.goto(f"{live_server}/activities")
    assert page.locator("h1").inner_text() == heading
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)", timeout=120_000)
    shown = page.evaluate(LOADED)
    lang = locale[:2]
    assert sorted(src for src, _, _ in shown) == sorted(
        f"/activities/{k}/preview.png?lang={lang}" for k in game_keys()
    )
    assert all(ok for _, ok, _ in shown), shown
    assert all(alt for _, _, alt in shown)
    screenshot(page, f"activities-{locale[:2]}")


def test_the_patient_sees_the_picture_of_their_game(demo_app: Flask, live_server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
    login(page, live_server, "patient@example.org", "demo-patient", lands_on="/")
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)", timeout=120_000)
    shown = page.evaluate(LOADED)
    assert shown and all(ok for _, ok, _ in shown), shown
    screenshot(page, "portal-with-game-picture")
