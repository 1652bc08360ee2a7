"""A stranger joins in a real browser (headless Chromium), in English and in Italian: signs up,
receives the verification mail on a real SMTP server (aiosmtpd), verifies, logs in, accepts a
challenge's data-use terms, submits a solution and finds it on the public leaderboard, which
a visitor who is not logged in can read too. Screenshots go to ``test-artifacts/hub/``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.platform.browser_support import browser, shown  # noqa: F401
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
SHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "hub"
PASSWORD = "velvet otter ladder cinnamon"
TEXT = {
    "en": {
        "sent": "Check your e-mail",
        "verified": "Your e-mail address is confirmed",
        "terms": "Data-use terms",
        "board": "Leaderboard",
        "subject": "Confirm your e-mail address",
    },
    "it": {
        "sent": "Controlla la tua e-mail",
        "verified": "Il tuo indirizzo e-mail è confermato",
        "terms": "Condizioni d'uso dei dati",
        "board": "Classifica",
        "subject": "Conferma il tuo indirizzo e-mail",
    },
}


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["en", "it"])
def test_a_stranger_signs_up_verifies_accepts_submits_and_sees_the_board(
    app: Flask,
    live_server: str,
    browser: Any,
    smtp_server: Any,
    hub_challenge: Any,
    tmp_path: Path,
    sandbox_ok: None,
    lang: str,
) -> None:
    app.config["BASE_URL"] = live_server  # links in the mail lead back to this hub
    t = TEXT[lang]
    context = browser.new_context(
        locale="it-IT" if lang == "it" else "en-GB", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    slug = hub_challenge.slug
    # a stranger reads the public list and the challenge, then signs up
    page.goto(f"{live_server}/challenges")
    assert page.locator("html").get_attribute("lang") == lang
    shot(page, f"public-challenges-{lang}")
    page.locator(f"main a[href='/challenges/{slug}']").first.click()
    page.wait_for_url(f"{live_server}/challenges/{slug}")
    shot(page, f"public-challenge-{lang}")
    page.goto(f"{live_server}/signup")
    page.fill("input[name=full_name]", f"Stranger {lang.upper()}")
    page.fill("input[name=email]", f"stranger-{lang}@example.org")
    page.fill("input[name=password]", "short")
    page.fill("input[name=confirm]", "short")
    page.locator("main form [type=submit]").click()
    shown(page.locator("#password-error"))  # a weak password, at the field
    shot(page, f"signup-error-{lang}")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.locator("main form [type=submit]").click()
    page.wait_for_url(f"{live_server}/signup/sent")
    shown(page.get_by_role("heading", name=t["sent"]))
    shot(page, f"signup-sent-{lang}")
    # the verification mail arrives on the SMTP server, its link on this hub
    (msg,) = smtp_server.wait_for(1)
    assert msg["To"] == f"stranger-{lang}@example.org" and t["subject"] in msg["Subject"]
    link = re.search(r"https?://\S+", msg.get_body(preferencelist=("plain",)).get_content()).group(0)
    assert link.startswith(f"{live_server}/verify?token=stl_")
    page.goto(link)
    shot(page, f"verify-{lang}")
    page.locator("main form [type=submit]").click()
    page.wait_for_url(f"{live_server}/login")
    shown(page.get_by_text(t["verified"]))
    page.fill("input[name=email]", f"stranger-{lang}@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form [type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    # submitting first asks for the terms
    page.goto(f"{live_server}/challenges/{slug}/submit")
    page.wait_for_url(lambda url: "/terms" in url)
    shown(page.get_by_role("heading", name=t["terms"], exact=True))
    shot(page, f"terms-{lang}")
    page.check("input[name=agree]")
    page.locator("main form [type=submit]").click()
    page.wait_for_url(f"{live_server}/challenges/{slug}/submit")
    zip_path = tmp_path / "solution.zip"
    zip_path.write_bytes(archive_of(make_solution(tmp_path / "s", COUNTER, name=f"steady {lang}")))
    page.set_input_files("input[type=file]", str(zip_path))
    page.locator("main form [type=submit]").click()
    page.wait_for_url(lambda url: "/submissions/" in url)
    [result] = run_queued(app)
    assert result["status"] == "scored", result
    # the public leaderboard, seen by a visitor who is not logged in
    visitor = browser.new_context(
        locale="it-IT" if lang == "it" else "en-GB", viewport={"width": 1280, "height": 900}
    )
    public = visitor.new_page()
    public.goto(f"{live_server}/challenges/{slug}")
    shown(public.get_by_role("heading", name=t["board"], exact=True))
    row = public.locator("table.leaderboard tbody tr", has_text=f"steady {lang}")
    assert row.count() == 1 and f"Stranger {lang.upper()}" in row.inner_text()
    assert f"stranger-{lang}@example.org" not in public.content()
    shot(public, f"public-leaderboard-{lang}")
    visitor.close()
    context.close()


def test_reset_by_mail_and_the_catalogue_in_the_browser(
    app: Flask, live_server: str, browser: Any, smtp_server: Any, make_user: Any, make_challenge: Any
) -> None:
    """A developer resets a forgotten password through the mailed link (a second use of the
    link is refused); a visitor reads the catalogue and an approved solution's page."""
    from tests.platform.test_public_pages import METRICS, review, scored

    app.config["BASE_URL"] = live_server
    dev = make_user("developer", full_name="Ada Display", email="ada@example.org")
    challenge = make_challenge(slug="steady-hand", title="Steady hand", metrics=METRICS, primary_metric="mae")
    solution_id, submission_id = scored(
        app, challenge, dev, "tremor filter", 0.123, 0.987, description="Smooths tremor."
    )
    review(app, submission_id, "approved", make_user("therapist", is_reviewer=True))
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.fill("input[name=email]", "ada@example.org")
    shot(page, "forgot-en")
    page.locator("main form [type=submit]").click()
    page.wait_for_url(lambda url: "/signup/sent" in url)
    (msg,) = smtp_server.wait_for(1)
    link = re.search(r"https?://\S+", msg.get_body(preferencelist=("plain",)).get_content()).group(0)
    assert link.startswith(f"{live_server}/password/reset?token=stl_")
    page.goto(link)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    shot(page, "reset-en")
    page.locator("main form [type=submit]").click()
    page.wait_for_url(f"{live_server}/login")
    page.goto(link)
    shown(page.get_by_text("This link was already used"))
    shot(page, "link-used-en")
    page.goto(f"{live_server}/catalogue")
    shot(page, "public-catalogue-en")
    page.get_by_role("link", name="tremor filter").click()
    page.wait_for_url(f"{live_server}/catalogue/{solution_id}")
    shown(page.get_by_text("Smooths tremor."))
    shown(page.get_by_text("Ada Display"))
    assert "0.987" not in page.content() and "ada@example.org" not in page.content()
    shot(page, "public-solution-en")
    context.close()
