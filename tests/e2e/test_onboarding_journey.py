"""A brand-new patient from invitation to first session seen on the hub, in the real browser
(Playwright driving Debian's Chromium) in English and in Italian.

The therapist never uses the command line: they create the patient, add an exercise, create
the invitation (link, code, QR code, printable sheet), write a message and create the pairing
link with its QR code, all in the browser. The patient opens the invitation on a phone-sized
page, chooses a password and lands in the portal; on the home computer the patient's client
pairs with the pairing link (`smarttouch pair LINK`) and plays headless with the virtual BLE
wearable (synthetic motion); the game shows the therapist's message before the session. The
therapist then sees the session on the patient's page. Screenshots: test-artifacts/hub/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from smarttouch.cli import main
from smarttouch.platform.models import ExerciseSession, Message, Patient, User
from smarttouch.platform.services.clinic import catalogue
from smarttouch.platform.storage.db import get_engine
from tests.platform.browser_support import (
    browser,  # noqa: F401
    login,
    shown,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "hub"
PASSWORD = "violet tractor umbrella 42"
WORDS = {
    "en": {"locale": "en-GB", "portal": "My plan", "message": "Welcome! Lift the arm slowly today."},
    "it": {"locale": "it-IT", "portal": "Il mio piano", "message": "Benvenuti! Oggi alza il braccio piano."},
}


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["en", "it"])
def test_invitation_to_first_session_seen_on_the_hub(
    lang, hub, hub_app, factories, browser, tmp_path
) -> None:
    hub_app.config["BASE_URL"] = hub.url  # the links the hub writes point at this server
    words = WORDS[lang]
    therapist = factories.user("therapist", locale=lang, email=f"ther-{lang}@example.org")
    with Session(get_engine(hub_app)) as s:
        balloons = catalogue.get_activity_by_key(s, key="balloons").id
    errors: list[str] = []

    # ---------------------------------------------------------------- the therapist
    desk = browser.new_context(locale=words["locale"], viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, hub.url, therapist.email, lands_on="/")
    page.locator("a[href='/patients/new']").click()
    code = f"PT-NEW{lang.upper()}"
    page.locator("#code").fill(code)
    page.locator("#condition").select_option("post_stroke")
    page.locator("#affected_side").select_option("left")
    page.locator("main form [type=submit]").click()
    page.wait_for_url(re.compile(r".*/patients/\d+$"))
    patient_url = page.url
    patient_id = int(patient_url.rsplit("/", 1)[1])

    page.locator(f"a[href='/patients/{patient_id}/assignments/new']").click()
    page.locator("#activity_id").select_option(str(balloons))
    page.locator("#movement").select_option("shoulder_flexion")
    page.locator("#target_rom_deg").fill("80")
    page.locator("#max_rom_deg").fill("110")
    page.locator("#reps").fill("3")
    page.locator("#sets").fill("1")
    page.locator("#therapist_note").fill("Arm up slowly" if lang == "en" else "Braccio su piano")
    page.locator("main form [type=submit]").click()
    page.wait_for_url(re.compile(re.escape(patient_url) + r"(\?.*)?$"))

    # the invitation: a bad address is refused at the field, then the sheet
    page.locator(f"a[href='/patients/{patient_id}/invite']").click()
    shot(page, f"{lang}-invite-form")
    page.locator("#email").fill("not an address")
    page.locator("main form [type=submit]").click()
    shown(page.locator("#email-error"))
    shot(page, f"{lang}-invite-form-error")
    page.locator("#email").fill(f"anna-{lang}@example.org")
    page.locator("main form [type=submit]").click()
    page.wait_for_selector("[data-testid=invitation-code]")
    link = page.locator(".invitation-sheet a.break").get_attribute("href")
    assert link and link.startswith(f"{hub.url}/invite/")
    assert page.locator(".sheet-qr img").evaluate("img => img.naturalWidth > 0")
    shot(page, f"{lang}-invitation-sheet")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible() and not page.locator(".no-print").is_visible()
    page.pdf(path=str(tmp_path / "sheet.pdf"), format="A4")
    shot(page, f"{lang}-invitation-sheet-print")
    page.emulate_media(media="screen")
    assert _pdf_pages(tmp_path / "sheet.pdf") == 1

    # ---------------------------------------------------------------- the patient
    phone = browser.new_context(locale=words["locale"], viewport={"width": 390, "height": 844})
    mobile = phone.new_page()
    mobile.on("pageerror", lambda exc: errors.append(str(exc)))
    mobile.goto(link)
    shot(mobile, f"{lang}-invitation-accept")
    mobile.locator("#password").fill("password")
    mobile.locator("#confirm").fill("password")
    mobile.locator("main form [type=submit]").click()
    shown(mobile.locator("#password-error"))
    shot(mobile, f"{lang}-invitation-accept-error")
    mobile.locator("#password").fill(PASSWORD)
    mobile.locator("#confirm").fill(PASSWORD)
    mobile.locator("main form [type=submit]").click()
    mobile.wait_for_url(f"{hub.url}/")
    assert words["portal"] in mobile.locator("nav").inner_text()
    shot(mobile, f"{lang}-portal-after-invitation")
    mobile.goto(link)  # a second use: a clear page, nothing changes
    shown(mobile.locator("[data-testid=refusal]"))
    shot(mobile, f"{lang}-invitation-used")

    # ------------------------------------------------- the therapist writes, pairs
    page.goto(f"{hub.url}/patients/{patient_id}/messages")
    page.locator("#body").fill(words["message"])
    page.locator("main form [type=submit]").click()
    page.wait_for_selector("[data-testid=thread]")
    shot(page, f"{lang}-messages-therapist")
    page.goto(f"{hub.url}/patients/{patient_id}/devices")
    page.locator("main form [type=submit]").first.click()
    pairing = page.locator("[data-testid=pairing-link]").inner_text().strip()
    assert page.locator("[data-testid=hub-address]").inner_text().strip() == hub.url
    shot(page, f"{lang}-pairing-qr")

    # ------------------------------------- the patient's computer: pair and play
    runner = CliRunner()
    paired = runner.invoke(main, ["pair", pairing, "--label", "home pc"])
    assert paired.exit_code == 0, paired.output
    screens = tmp_path / "screens"
    played = runner.invoke(
        main,
        [
            "play",
            "--headless",
            "--duration",
            "90",
            "--no-sound",
            "--lang",
            lang,
            "--sensor",
            "virtual:smarttouch-imu",
            "--upload-wait",
            "30",
            "--screenshots",
            str(screens),
        ],
    )
    assert played.exit_code == 0, played.output
    assert words["message"] in played.output and "Uploaded to the hub" in played.output
    instructions = sorted(screens.glob("*instructions*.png"))
    assert instructions, sorted(p.name for p in screens.iterdir())
    (ARTIFACTS / f"{lang}-game-instructions-with-message.png").write_bytes(instructions[0].read_bytes())

    # ------------------------------------------------ the hub shows the session
    page.goto(patient_url)
    session_links = page.locator("a[href^='/sessions/']")
    assert session_links.count() == 1
    shot(page, f"{lang}-patient-page-first-session")
    with Session(get_engine(hub_app)) as s:
        patient = s.exec(select(Patient).where(Patient.code == code)).one()
        account = s.get(User, patient.user_id)
        row = s.exec(select(ExerciseSession).where(ExerciseSession.patient_id == patient.id)).one()
        message = s.exec(select(Message).where(Message.patient_id == patient.id)).one()
    assert account.email == f"anna-{lang}@example.org" and account.locale == lang
    assert row.status == "scored" and row.quit_reason == "completed"
    assert message.read_at is not None  # the game showed it
    assert errors == []
    phone.close()
    desk.close()


def _pdf_pages(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()
