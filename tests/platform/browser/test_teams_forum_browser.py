"""Developers team up and ask in a real browser (headless Chromium), in English and Italian: a
developer creates a team from the challenge's page and invites a second by e-mail (received
on a real SMTP server, aiosmtpd); the second opens the link, joins and asks a question in the
forum; the first replies (the asker is mailed); a challenge manager pins the reply as the
answer. Screenshots go to ``test-artifacts/hub/``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.platform.browser_support import browser, shown  # noqa: F401

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "hub"
TEXT = {
    "en": {"team": "Create or join a team", "joined": "You joined the team", "answer": "Answer"},
    "it": {
        "team": "Crea una squadra o unisciti a un'altra",
        "joined": "Ora fai parte della squadra",
        "answer": "Risposta",
    },
}


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["en", "it"])
def test_a_team_forms_by_mail_asks_and_a_manager_pins_the_answer(
    app: Flask,
    live_server: str,
    browser: Any,
    smtp_server: Any,
    make_user: Any,
    make_challenge: Any,
    lang: str,
) -> None:
    app.config["BASE_URL"] = live_server
    t = TEXT[lang]
    ch = make_challenge(slug=f"tremor-{lang}", title=f"Tremor {lang}", max_team_size=3)
    ada = make_user("developer", full_name="Ada Lovecode", locale=lang)
    bob = make_user("developer", full_name="Bob Builder", locale=lang)
    manager = make_user("therapist", full_name="Mara Manager", is_challenge_manager=True, locale=lang)
    opts = {"locale": "it-IT" if lang == "it" else "en-GB", "viewport": {"width": 1280, "height": 900}}

    first = browser.new_context(**opts).new_page()
    _login(first, live_server, ada.email)
    first.goto(f"{live_server}/developer/challenges/{ch.slug}")
    first.get_by_role("link", name=t["team"]).click()
    first.wait_for_url(f"{live_server}/challenges/{ch.slug}/team")
    first.fill("input[name=name]", "x")
    first.locator("form[action$='/team/create'] [type=submit]").click()
    shown(first.locator("#name-error"))  # too short, at the field
    first.fill("input[name=name]", "Steady Hands")
    first.locator("form[action$='/team/create'] [type=submit]").click()
    first.wait_for_url(f"{live_server}/challenges/{ch.slug}/team")
    first.fill("input[name=email]", bob.email)
    first.locator("form[action$='/team/invite'] [type=submit]").click()
    first.wait_for_url(f"{live_server}/challenges/{ch.slug}/team")
    shot(first, f"team-{lang}")

    (msg,) = smtp_server.wait_for(1)
    assert msg["To"] == bob.email
    link = re.search(r"https?://\S+", msg.get_body(preferencelist=("plain",)).get_content()).group(0)
    second = browser.new_context(**opts).new_page()
    _login(second, live_server, bob.email)
    second.goto(link)
    assert "Steady Hands" in second.content()
    second.locator("main form [type=submit]").click()
    second.wait_for_url(f"{live_server}/challenges/{ch.slug}/team")
    shown(second.get_by_text(t["joined"]))
    assert "Ada Lovecode" in second.locator(".team-members").inner_text()
    # the second member asks a question
    second.goto(f"{live_server}/challenges/{ch.slug}/forum")
    second.fill("input[name=title]", "Which sampling rate?")
    second.fill("textarea[name=body]", "Is the IMU at **50 Hz**?")
    second.locator("form[action$='/forum/new'] [type=submit]").click()
    second.wait_for_url(re.compile(r".*/forum/\d+$"))
    thread_url = second.url
    # the first replies; the asker gets an e-mail
    first.goto(thread_url)
    first.fill("textarea[name=body]", "Yes: 50 Hz, see the data description.")
    first.locator("form[action$='/reply'] [type=submit]").click()
    first.wait_for_url(re.compile(r".*/forum/\d+(#post-\d+)?$"))
    assert smtp_server.wait_for(2)[-1]["To"] == bob.email
    assert first.locator("form[action*='/pin/']").count() == 0  # developers do not pin
    # a challenge manager pins the reply as the answer
    third = browser.new_context(**opts).new_page()
    _login(third, live_server, manager.email)
    third.goto(thread_url)
    third.locator("form[action*='/pin/'] [type=submit]").first.click()
    third.wait_for_url(thread_url)
    answer = third.locator(".forum-answer")
    shown(answer.get_by_role("heading", name=t["answer"]))
    assert "50 Hz, see the data description" in answer.inner_text()
    shot(third, f"forum-thread-{lang}")
    for page in (first, second, third):
        page.context.close()


def _login(page: Any, base: str, email: str) -> None:
    """The login form by its field names (its labels are in the page's language)."""
    from smarttouch.platform.testing import TEST_PASSWORD

    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.locator("main form [type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
