"""Issue #18's whole journey in a real browser (headless Chromium), with no command line, on
SQLite and on PostgreSQL: a therapist files a clinical need; a challenge manager accepts it,
writes a game challenge from it on the DONATED sessions of consenting patients and publishes
it; a stranger signs up, verifies the address through the e-mail received on a real SMTP
server (aiosmtpd), accepts the data-use terms, forms a team, downloads the starter kit and
submits its game, which the sandbox evaluates; the stranger sees the team on the public
leaderboard; the manager closes the challenge and announces the results (the developer is
told the rank by e-mail); a reviewer approves the game; the need shows "Answered"; the
therapist assigns the approved game to a patient.

Only the setup uses Python: the consented donations (the donation service, as a therapist's
clinic would have them) and the worker's sandboxed evaluation (``run_queued``, what a worker
process does). Screenshots go to ``test-artifacts/web/journey-*.png``."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session

from smarttouch.platform.models import Patient, User
from smarttouch.platform.services.rights import donation
from smarttouch.platform.storage.db import get_engine
from tests.platform.browser_support import browser, expect, login, screenshot, shown  # noqa: F401
from tests.platform.challenge_support import archive_of, run_queued, sandbox_ok  # noqa: F401
from tests.platform.test_data_rights_support import METRICS_A, add_session, recording_bytes

pytestmark = pytest.mark.browser
PASSWORD = "velvet otter ladder cinnamon"
STRANGER = "stranger@example.org"
SLUG = "steady-reach"
GAME = "Kite for steady hands"
PROBLEM = "After a stroke my patients stop shoulder reaching at home after two minutes."


def donors(app: Flask, factories: Any, therapist: User) -> list[Patient]:
    """Two patients of ``therapist`` who consented to research and donated two scored
    shoulder-flexion sessions each (recordings from the motion simulator)."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    out = []
    for i, name in enumerate(("Lia Neri", "Ugo Blu")):
        patient = factories.patient(therapist, display_name=name)
        for days in (3, 1):
            add_session(
                app,
                patient,
                started_at=now - dt.timedelta(days=days),
                assignment_id=None,
                blob=recording_bytes(10 * i + days, reps=3),
                metrics=METRICS_A,
            )
        with Session(get_engine(app), expire_on_commit=False) as db:
            p, t = db.get(Patient, patient.id), db.get(User, therapist.id)
            donation.record_consent(db, patient=p, therapist=t, evidence=f"signed form {i + 1}")
            assert donation.donate_sessions(db, patient=p, therapist=t) == 2
        out.append(patient)
    return out


def text_of(message: Any) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())


def mails_to(smtp_server: Any, address: str, count: int) -> list[Any]:
    """The e-mails ``address`` received, once there are ``count`` of them."""
    import time

    deadline = time.monotonic() + 10
    while len(mine := [m for m in smtp_server.messages if m["To"] == address]) < count:
        assert time.monotonic() < deadline, f"{address} received {len(mine)} e-mails, not {count}"
        time.sleep(0.02)
    return mine


@pytest.mark.parametrize("app", ["sqlite", "postgresql"], indirect=True)
def test_a_need_becomes_a_challenge_a_stranger_answers_and_a_patient_plays(
    app: Flask,
    live_server: str,
    browser: Any,
    smtp_server: Any,
    factories: Any,
    tmp_path: Path,
    sandbox_ok: None,
) -> None:
    app.config["BASE_URL"] = live_server  # links in the mails lead back to this hub
    base = live_server
    therapist = factories.user("therapist", full_name="Anna Bianchi", email="anna@example.org")
    manager = factories.user("therapist", full_name="Marta Manager", is_challenge_manager=True)
    reviewer = factories.user("therapist", full_name="Rita Reviewer", is_reviewer=True)
    patient, _ = donors(app, factories, therapist)
    opts: dict[str, Any] = {"locale": "en-GB", "viewport": {"width": 1280, "height": 900}}

    # 1. the therapist files the need
    clinic = browser.new_context(**opts).new_page()
    login(clinic, base, therapist.email)
    clinic.goto(f"{base}/needs/new")
    clinic.select_option("select[name=condition]", "post_stroke")
    clinic.select_option("select[name=movement]", "shoulder_flexion")
    clinic.fill("textarea[name=problem]", PROBLEM)
    clinic.fill("textarea[name=success]", "Ten minutes of reaching, counted exactly.")
    clinic.locator("main form [type=submit]").click()
    clinic.wait_for_url(re.compile(r".*/needs/\d+$"))
    need_url = clinic.url
    assert clinic.get_by_test_id("need-status").inner_text() == "Proposed"
    (filed,) = mails_to(smtp_server, manager.email, 1)  # the managers are told, with a link
    assert filed["Subject"] == "New clinical need #1" and need_url in text_of(filed)

    # 2. the manager accepts it and writes a game challenge from it, on donated sessions
    office = browser.new_context(**opts).new_page()
    login(office, base, manager.email)
    office.goto(need_url)
    office.get_by_role("button", name="Accept the need").click()
    expect(office.get_by_test_id("need-status")).to_have_text("Accepted")
    office.get_by_role("link", name="Write a new challenge from this need").click()
    office.wait_for_url(re.compile(r".*/manage/challenges/new\?need=\d+$"))
    assert PROBLEM in office.get_by_label("The need (Markdown)").input_value()  # the need's words
    office.get_by_label("Title").fill("Steady reach")
    office.get_by_label("Web address").fill(SLUG)
    office.get_by_label("One-line summary").fill("A calm shoulder game that counts every reach.")
    office.get_by_label("Kind of solution").select_option("game")
    office.get_by_label("Ranking metric").select_option("rep_exact_rate")
    office.get_by_label("Sessions donated by patients who consented (pseudonymised)").check()
    office.get_by_label("Donated sessions of").select_option("shoulder_flexion")
    today = dt.datetime.now(dt.UTC).date()
    office.locator("#opens_at").fill(today.isoformat())
    office.locator("#closes_at").fill((today + dt.timedelta(days=30)).isoformat())
    office.get_by_label("Largest team").fill("3")
    screenshot(office, "journey-1-new-challenge")
    office.get_by_role("button", name="Create the draft").click()
    office.wait_for_url(f"{base}/manage/challenges/{SLUG}")
    data_status = office.locator("#data-status").inner_text()
    assert re.search(r"Ready: [1-9]\d* public recordings for developers, [1-9]\d* hidden", data_status)
    need_link = office.get_by_role("link", name=re.compile(r"^#\d+$"))  # the challenge answers it
    assert need_link.get_attribute("href") == need_url.removeprefix(base)
    office.get_by_role("button", name="Publish").click()
    expect(office.locator("#phase")).to_contain_text("Development phase")
    screenshot(office, "journey-2-published")
    told = [m["Subject"] for m in mails_to(smtp_server, therapist.email, 2)]  # the need's filer
    assert told == ["Clinical need #1 was accepted", "Clinical need #1 became a challenge"]

    # 3. a stranger signs up and verifies the address by e-mail
    dev = browser.new_context(accept_downloads=True, **opts).new_page()
    dev.goto(f"{base}/challenges/{SLUG}")
    dev.get_by_role("link", name="Sign up as a developer").click()
    dev.fill("input[name=full_name]", "Sam Stranger")
    dev.fill("input[name=email]", STRANGER)
    dev.fill("input[name=password]", PASSWORD)
    dev.fill("input[name=confirm]", PASSWORD)
    dev.locator("main form [type=submit]").click()
    dev.wait_for_url(f"{base}/signup/sent")
    (verify,) = mails_to(smtp_server, STRANGER, 1)
    dev.goto(re.search(r"https?://\S+", text_of(verify)).group(0))
    dev.locator("main form [type=submit]").click()
    dev.wait_for_url(f"{base}/login")
    login(dev, base, STRANGER, PASSWORD)

    # 4. terms, a team, the starter kit, a submission evaluated in the sandbox
    dev.goto(f"{base}/developer/challenges/{SLUG}")
    dev.get_by_role("link", name="Accept the data-use terms").click()
    dev.check("input[name=agree]")
    dev.locator("main form [type=submit]").click()
    dev.goto(f"{base}/developer/challenges/{SLUG}")
    dev.get_by_role("link", name="Create or join a team").click()
    dev.fill("input[name=name]", "Steady Hands")
    dev.locator("form[action$='/team/create'] [type=submit]").click()
    dev.wait_for_url(f"{base}/challenges/{SLUG}/team")
    assert "Sam Stranger" in dev.locator(".team-members").inner_text()
    dev.goto(f"{base}/developer/challenges/{SLUG}")
    with dev.expect_download() as download:
        dev.get_by_role("link", name="Download the starter kit").click()
    kit = tmp_path / "kit.zip"
    download.value.save_as(kit)
    with zipfile.ZipFile(kit) as zf:  # the developer unpacks the kit and names the game
        zf.extractall(tmp_path / "kit")
    game = tmp_path / "kit" / SLUG / "solution"
    manifest = game / "solution.toml"
    manifest.write_text(re.sub(r'(?m)^name = ".*"$', f'name = "{GAME}"', manifest.read_text()))
    upload = tmp_path / "game.zip"
    upload.write_bytes(archive_of(game))
    dev.get_by_role("link", name="Submit a solution").click()
    dev.set_input_files("input[type=file]", str(upload))
    dev.locator("main form [type=submit]").click()
    dev.wait_for_url(re.compile(r".*/submissions/\d+$"))
    submission_id = int(dev.url.rsplit("/", 1)[1])
    [result] = run_queued(app)  # the worker: sandboxed, public then hidden split
    assert result["status"] == "scored", result
    dev.reload()
    shown(dev.get_by_text("Scored").first)
    screenshot(dev, "journey-3-scored")
    dev.goto(f"{base}/challenges/{SLUG}")
    row = dev.locator("table.leaderboard tbody tr", has_text=GAME)
    assert row.count() == 1 and "Team Steady Hands" in row.inner_text()
    screenshot(dev, "journey-4-leaderboard")

    # 5. the manager closes the challenge and announces the results
    office.get_by_role("button", name="Close now").click()
    expect(office.locator("#phase")).to_contain_text("Closed, results not announced")
    office.get_by_role("button", name="Announce the results").click()
    shown(office.get_by_text("The results are public. 1 developers were told by e-mail."))
    results = mails_to(smtp_server, STRANGER, 2)[-1]
    assert "the results are out" in results["Subject"] and "ranked 1 of 1" in text_of(results)

    # 6. a reviewer approves the game: it enters the catalogue and answers the need
    desk = browser.new_context(**opts).new_page()
    login(desk, base, reviewer.email)
    desk.goto(f"{base}/review/submissions/{submission_id}")
    desk.get_by_label("Approve: it may reach patients").check()
    desk.get_by_role("button", name="Record decision").click()
    shown(desk.get_by_text("Your decision was recorded."))

    # 7. the therapist finds the need answered and assigns the game to a patient
    clinic.goto(need_url)
    assert clinic.get_by_test_id("need-status").inner_text() == "Answered"
    assert mails_to(smtp_server, therapist.email, 3)[-1]["Subject"] == "Clinical need #1 is answered"
    screenshot(clinic, "journey-5-need-answered")
    clinic.get_by_test_id("need-answer").get_by_role("link").click()
    clinic.wait_for_url(re.compile(r".*/catalogue/\d+$"))
    shown(clinic.get_by_role("heading", name=GAME))
    clinic.goto(f"{base}/patients/{patient.id}")
    clinic.get_by_role("link", name="Add exercise").click()
    clinic.get_by_label("Activity").select_option(label=GAME)
    clinic.get_by_label("Movement").select_option("shoulder_flexion")
    clinic.get_by_label("Target range of motion (degrees)").fill("80")
    clinic.get_by_role("button", name="Add to plan").click()
    clinic.wait_for_url(re.compile(rf".*/patients/{patient.id}\?tab=plan$"))
    shown(clinic.get_by_text("Exercise added to the plan."))
    shown(clinic.get_by_text(GAME).first)
    screenshot(clinic, "journey-6-assigned")
    for page in (clinic, office, dev, desk):
        page.context.close()
