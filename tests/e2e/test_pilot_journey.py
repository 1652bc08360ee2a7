"""A pilot from creation to its report, in the real browser (Playwright driving Debian's
Chromium) against a real hub over HTTP.

A therapist creates a pilot of an approved game against the built-in game, with a bad
attempt first (refused at the fields); invites two of their patients; each patient reads
the pilot in the portal and consents (the consent randomises them and adds their arm's game
to their plan); each patient's computer pairs and plays one session headless through the
client with the virtual BLE wearable (the two computers at once); one patient withdraws in
the portal; the therapist reads the outcome page and downloads the PDF, whose pages are
rendered to PNG. Screenshots: test-artifacts/hub/pilot-*.png.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from smarttouch.platform.models import (
    Assignment,
    AssignmentUpdate,
    AuditEvent,
    ExerciseSession,
    Pilot,
    PilotEnrolment,
)
from smarttouch.platform.services.clinic import devices, plans
from smarttouch.platform.storage.db import get_engine
from tests.platform.browser_support import (
    browser,  # noqa: F401
    login,
    shown,
)
from tests.platform.pilot_support import downloadable_approved_game
from tests.platform.test_web_support import days_ago

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "hub"
SMARTTOUCH = str(Path(sys.executable).with_name("smarttouch"))
CONSENT = "I agree that my sessions are used, without my name, to see whether the kite game helps."


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"pilot-{name}.png"), full_page=True)


def _client_env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SMARTTOUCH_CLIENT_HOME": str(home / "client"),
        "SMARTTOUCH_GAMES_DATA": str(home / "games"),
    }


def _play_at_home(hub_url: str, codes: list[str], tmp_path: Path, reaped: Callable[..., Any]) -> list[str]:
    """Each patient's computer pairs, then both play one session at the same time."""
    homes = [tmp_path / f"home{i}" for i in range(len(codes))]
    for home, code in zip(homes, codes):
        paired = subprocess.run(
            [SMARTTOUCH, "pair", "--hub", hub_url, code, "--label", "home pc"],
            env=_client_env(home),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert paired.returncode == 0, paired.stdout + paired.stderr
    play = ["play", "--headless", "--duration", "90", "--no-sound", "--sensor", "virtual:smarttouch-imu",
            "--upload-wait", "30"]  # fmt: skip
    runs = [
        reaped(
            subprocess.Popen(
                [SMARTTOUCH, *play],
                env=_client_env(h),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
        for h in homes
    ]
    outputs = [r.communicate(timeout=240)[0] for r in runs]
    for run, out in zip(runs, outputs):
        assert run.returncode == 0, out
        assert "Uploaded to the hub" in out, out
    return outputs


def test_pilot_created_enrolled_played_withdrawn_and_reported(
    hub, hub_app, factories, browser, tmp_path, reaped
) -> None:
    hub_app.config["BASE_URL"] = hub.url
    solution_id = downloadable_approved_game(hub_app, factories, tmp_path)
    therapist = factories.user("therapist", full_name="Giulia Rossi", email="giulia@example.org")
    accounts = [factories.user("patient", email=f"p{i}@example.org") for i in range(2)]
    patients = [
        factories.patient(therapist, user=a, code=f"PT-PIL{i}", display_name=f"Paziente {i}")
        for i, a in enumerate(accounts)
    ]
    errors: list[str] = []

    # ------------------------------------------------------- the therapist creates it
    desk = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = desk.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, hub.url, therapist.email)
    page.goto(f"{hub.url}/catalogue/{solution_id}")
    page.locator(f"a[href='/pilots/new?solution={solution_id}']").click()
    page.locator("#title").fill("Kite vs balloons")
    page.locator("#question").fill("Does the kite game improve shoulder flexion more than balloons?")
    page.locator("#comparator").select_option("builtin_game")
    page.locator("#condition").select_option("post_stroke")
    page.locator("#movement").select_option("shoulder_flexion")
    page.locator("#starts_on").fill(days_ago(0).isoformat())
    page.locator("#ends_on").fill(days_ago(3).isoformat())  # ends before it starts
    page.locator("main form [type=submit]").click()
    shown(page.locator("#ends_on-error"))
    shown(page.locator("#consent_text-error"))
    shot(page, "new-errors")
    with Session(get_engine(hub_app)) as s:
        assert s.exec(select(Pilot)).all() == []
    page.locator("#ends_on").fill(days_ago(-28).isoformat())
    page.locator("#consent_text").fill(CONSENT)
    page.locator("main form [type=submit]").click()
    page.wait_for_url(f"{hub.url}/pilots/*")
    pilot_id = int(page.url.rsplit("/", 1)[1])

    for patient in patients:  # invite both
        page.goto(f"{hub.url}/pilots/{pilot_id}/enrol")
        page.locator("#patient_id").select_option(str(patient.id))
        page.locator("main form [type=submit]").click()
        page.wait_for_url(f"{hub.url}/pilots/{pilot_id}*")
    shot(page, "invited")

    # --------------------------------------------------- each patient consents
    phones = []
    for account in accounts:
        phone = browser.new_context(locale="it-IT", viewport={"width": 390, "height": 844})
        mobile = phone.new_page()
        mobile.on("pageerror", lambda exc: errors.append(str(exc)))
        login(mobile, hub.url, account.email)
        mobile.goto(f"{hub.url}/my/pilots")
        assert CONSENT in mobile.locator("main").inner_text()
        mobile.locator(f"#agree-{pilot_id}").check()
        mobile.locator(f"[data-testid=pilot-{pilot_id}] form button").click()
        mobile.wait_for_url(f"{hub.url}/my/pilots")
        shown(mobile.locator("[data-testid=state]"))
        phones.append((phone, mobile))
    shot(phones[0][1], "portal-consented")

    with Session(get_engine(hub_app), expire_on_commit=False) as s:
        enrolments = {e.patient_id: e for e in s.exec(select(PilotEnrolment))}
        assert sorted(e.arm for e in enrolments.values()) == ["comparator", "pilot"]  # one block of two
        codes = []
        for patient in patients:  # the therapist shortens today's dose; the pairing links
            assignment = s.get(Assignment, enrolments[patient.id].assignment_id)
            plans.update_assignment(
                s, therapist=therapist, assignment=assignment, changes=AssignmentUpdate(reps=3, sets=1)
            )
            codes.append(devices.create_pairing_code(s, actor=therapist, patient_id=patient.id)[0])

    # ------------------------------------------- both computers play at once
    _play_at_home(hub.url, codes, tmp_path, reaped)
    with Session(get_engine(hub_app)) as s:
        played = s.exec(select(ExerciseSession)).all()
        assert sorted(r.patient_id for r in played) == sorted(p.id for p in patients)
        assert {r.status for r in played} == {"scored"}
        by_patient = {r.patient_id: r.activity_id for r in played}
        pilot = s.get(Pilot, pilot_id)
        for patient in patients:  # each played their arm's game
            arm = enrolments[patient.id].arm
            expected = pilot.activity_id if arm == "pilot" else pilot.comparator_activity_id
            assert by_patient[patient.id] == expected

    # ----------------------------------------- the second patient withdraws
    mobile = phones[1][1]
    mobile.goto(f"{hub.url}/my/pilots")
    mobile.locator("#reason").fill("Troppo stancante")
    mobile.locator(f"[data-testid=pilot-{pilot_id}] form button").click()
    mobile.wait_for_url(f"{hub.url}/my/pilots")
    shot(mobile, "portal-withdrawn")

    # ------------------------------------------- the outcome page and the PDF
    page.goto(f"{hub.url}/pilots/{pilot_id}")
    counts = page.locator("[data-testid=consent-count]").inner_text()
    assert "1 taking part" in counts and "2 consented" in counts and "1 withdrew" in counts
    assert page.locator("[data-testid=method]").inner_text().strip()
    assert "Paziente 0" in page.locator("main").inner_text()  # her own patients, by name
    shot(page, "outcome")
    with page.expect_download() as download:
        page.locator(f"a[href='/pilots/{pilot_id}/report.pdf']").click()
    pdf_path = tmp_path / "pilot.pdf"
    download.value.save_as(pdf_path)
    text = _pdf_text(pdf_path)
    assert "Kite vs balloons" in text and "Paziente" not in text and "PT-PIL" not in text
    with Session(get_engine(hub_app)) as s:
        actions = [e.action for e in s.exec(select(AuditEvent)) if e.action.startswith("pilot.")]
    assert actions.count("pilot.consent_recorded") == 2 and actions.count("pilot.withdrawn") == 1
    assert errors == []
    for phone, _m in phones:
        phone.close()
    desk.close()


def _pdf_text(path: Path) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        out = []
        for i, page in enumerate(doc):
            out.append(page.get_textpage().get_text_range())
            page.render(scale=1.2).to_pil().save(ARTIFACTS / f"pilot-e2e-report-page{i + 1}.png")
        return " ".join(" ".join(out).split())
    finally:
        doc.close()
