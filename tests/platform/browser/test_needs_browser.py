"""The loop, in a real browser (headless Chromium): a therapist files a clinical need in
Italian (an empty form first: the errors at the fields), a challenge manager accepts it and
links a challenge, a reviewer approves a solution of that challenge, and the therapist finds
the need answered, with the e-mail on a real SMTP server. Screenshots go to
``test-artifacts/hub/``."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session

from smarttouch.platform.models import Score, Solution, Submission, pk
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from tests.platform.browser_support import browser, expect, login, shown  # noqa: F401

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "hub"
METRICS = [{"name": "mae", "label": "Mean absolute error", "better": "lower", "primary": True}]


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def scored_submission(app: Flask, challenge: Any, developer: Any) -> tuple[int, int]:
    """A scored submission whose archive is in the blob store (the review page lists its code)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("solution.py", "def run(x):\n    return x\n")
    key = get_blobstore(app).put(buf.getvalue())
    with Session(get_engine(app)) as db:
        sol = Solution(
            challenge_id=pk(challenge), developer_id=developer.id, name="Steady lantern", kind="analyzer"
        )
        db.add(sol)
        db.flush()
        sub = Submission(solution_id=pk(sol), code_sha256=key, entrypoint="solution.py", status="scored")
        db.add(sub)
        db.flush()
        db.add(Score(submission_id=pk(sub), split="public", metric="mae", value=0.2))
        db.commit()
        return pk(sol), pk(sub)


def test_a_need_filed_in_italian_is_answered_by_an_approved_solution(
    app: Flask, live_server: str, browser: Any, smtp_server: Any, make_user: Any, make_challenge: Any
) -> None:
    app.config["BASE_URL"] = live_server
    therapist = make_user("therapist", email="anna@example.org", full_name="Anna Bianchi", locale="it")
    manager = make_user("admin", full_name="Marta Manager")
    reviewer = make_user("therapist", is_reviewer=True)
    challenge = make_challenge(title="Lanterna ferma", metrics=METRICS, primary_metric="mae")
    solution_id, submission_id = scored_submission(app, challenge, make_user("developer"))
    italian = browser.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})
    english = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    # the therapist files the need, in Italian
    page = italian.new_page()
    login(page, live_server, therapist.email)
    page.get_by_role("link", name="Bisogni clinici").click()
    page.get_by_role("link", name="Proponi un bisogno").click()
    page.locator("main form [type=submit]").click()
    assert (
        page.locator("#problem-error").inner_text() == "Descrivi il problema che incontrano i tuoi pazienti."
    )
    shown(page.locator("#condition-error"))
    shot(page, "need-new-errors-it")
    page.select_option("select[name=condition]", "parkinson")
    page.select_option("select[name=movement]", "wrist_flexion")
    page.fill("textarea[name=problem]", "Con il Parkinson smettono il gioco della lanterna dopo 2 minuti.")
    page.fill("textarea[name=success]", "Giocano 10 minuti; il tremore non chiude il gioco.")
    page.locator("main form [type=submit]").click()
    page.wait_for_url(lambda url: "/needs/" in url and "/new" not in url)
    need_path = page.url.removeprefix(live_server)
    assert page.get_by_test_id("need-status").inner_text() == "Proposto"
    shot(page, "need-filed-it")
    # the manager accepts it and links the challenge
    page = english.new_page()
    login(page, live_server, manager.email)
    page.goto(f"{live_server}/needs")
    page.locator(f"main a[href='{need_path}']").click()
    shot(page, "need-manager-en")
    page.get_by_role("button", name="Accept the need").click()
    expect(page.get_by_test_id("need-status")).to_have_text("Accepted")
    page.select_option("select[name=link-challenge_id]", str(challenge.id))
    page.get_by_role("button", name="Link the challenge").click()
    expect(page.get_by_test_id("need-status")).to_have_text("Turned into a challenge")
    shot(page, "need-linked-en")
    page.get_by_role("button", name="Log out").click()
    # a reviewer approves a solution of that challenge
    login(page, live_server, reviewer.email)
    page.goto(f"{live_server}/review/submissions/{submission_id}")
    page.locator("input[name=decision][value=approved]").check()
    page.get_by_role("button", name="Record decision").click()
    shown(page.get_by_text("Your decision was recorded."))
    # the therapist sees the need answered, with the catalogue entry, and got the e-mail
    page = italian.new_page()
    page.goto(f"{live_server}{need_path}")
    assert page.get_by_test_id("need-status").inner_text() == "Risolto"
    assert (
        page.get_by_test_id("need-answer").locator("a").get_attribute("href") == f"/catalogue/{solution_id}"
    )
    shot(page, "need-answered-it")
    answered = [m for m in smtp_server.messages if "risolto" in m["Subject"]]
    assert [m["To"] for m in answered] == ["anna@example.org"]
    page.get_by_test_id("need-answer").locator("a").click()
    page.wait_for_url(f"{live_server}/catalogue/{solution_id}")
    shown(page.get_by_test_id("answered-needs"))
    shot(page, "catalogue-entry-answers-need-it")
    page.goto(f"{live_server}/needs?status=answered")
    shown(page.locator(f"main a[href='{need_path}']"))
    shot(page, "needs-answered-list-it")
    italian.close()
    english.close()
