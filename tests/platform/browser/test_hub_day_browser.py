"""A therapist's day in the real browser (Playwright, Debian's Chromium), in English and
Italian: triage first, one alert per concern acknowledged with a note, the patient page's
tabs and adherence calendar, form errors at the field, the PDF for the clinical record; and
no page of any role scrolls sideways at 360 px or 768 px (``scrollWidth`` measured on every
page reached from each role's home). Screenshots go to ``test-artifacts/hub/``.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlmodel import Session, select

from smarttouch.platform.models import Alert, Assignment, Patient
from smarttouch.platform.storage.db import get_engine
from tests.platform.browser_support import browser, login, shown  # noqa: F401

pytestmark = pytest.mark.browser

HUB = Path(__file__).resolve().parents[3] / "test-artifacts" / "hub"
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
WORDS = {
    "en": {
        "attention": "Needs attention",
        "decline": "Decline",
        "ack_selected": "Acknowledge selected",
        "note": "Note (optional)",
        "closed": "Closed alerts",
        "acked": "1 alert acknowledged.",
        "progress": "Progress",
        "sessions": "Sessions",
        "add": "Add exercise",
        "target": "Target range of motion (degrees)",
        "max": "Maximum range of motion (degrees)",
        "start": "Start date",
        "end": "End date",
        "save": "Add to plan",
        "max_error": "The maximum (30°) cannot be below the target (50°).",
        "end_error": "The end date cannot be before the start date.",
        "identified": "Identified report",
        "assessment": "Clinical assessment",
        "pdf": "Download PDF",
    },
    "it": {
        "attention": "Da seguire",
        "decline": "Peggioramento",
        "ack_selected": "Prendi in carico i selezionati",
        "note": "Nota (facoltativa)",
        "closed": "Avvisi chiusi",
        "acked": "1 avviso preso in carico.",
        "progress": "Progressi",
        "sessions": "Sessioni",
        "add": "Aggiungi esercizio",
        "target": "Escursione articolare obiettivo (gradi)",
        "max": "Escursione articolare massima (gradi)",
        "start": "Data di inizio",
        "end": "Data di fine",
        "save": "Aggiungi al piano",
        "max_error": "Il massimo (30°) non può essere inferiore all'obiettivo (50°).",
        "end_error": "La data di fine non può essere precedente alla data di inizio.",
        "identified": "Report identificativo",
        "assessment": "Valutazione clinica",
        "pdf": "Scarica il PDF",
    },
}


def shot(page, name: str) -> None:
    HUB.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(HUB / f"{name}.png"), full_page=True)


def _context(browser, lang: str, width: int = 1280):
    return browser.new_context(
        locale="it-IT" if lang == "it" else "en-GB",
        extra_http_headers={"Accept-Language": lang},
        viewport={"width": width, "height": 900},
        accept_downloads=True,
    )


def _park(app: Flask) -> Patient:
    with Session(get_engine(app)) as db:
        return db.exec(select(Patient).where(Patient.code == "DEMO-PARK")).one()


@pytest.mark.parametrize("lang", ["en", "it"])
def test_triage_alerts_tabs_forms_and_report(demo_app: Flask, live_server: str, browser, lang: str) -> None:
    w = WORDS[lang]
    context = _context(browser, lang)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, live_server, "therapist@example.org", "demo-therapist", lands_on="/")

    # triage: who needs attention first, each with the reasons in words
    attention = page.locator("section.attention")
    assert w["attention"] in attention.locator("h2").inner_text()
    codes = attention.locator("tbody th[scope=row]").all_inner_texts()
    assert "DEMO-PARK" in codes and "DEMO-STRK" not in codes
    park_row = attention.locator("tr", has=page.locator("a", has_text="DEMO-PARK"))
    assert park_row.locator("td.why li").count() >= 1
    shot(page, f"caseload-{lang}")

    # one open alert per concern: DEMO-PARK's declines are one alert
    park = _park(demo_app)
    page.goto(f"{live_server}/patients/{park.id}")
    items = page.locator("#alerts .alert-item")
    titles = [t.split("—")[0].strip() for t in items.all_inner_texts()]
    assert titles.count(w["decline"]) == 1, titles
    shot(page, f"patient-overview-{lang}")
    # acknowledge it with a note, through the bulk form
    decline = items.filter(has_text=w["decline"])
    decline.locator("input[type=checkbox]").check()
    page.get_by_label(w["note"]).fill("Telefonata: terapia invariata.")
    page.get_by_role("button", name=w["ack_selected"]).click()
    page.wait_for_selector(".flash-success")
    assert w["acked"] in page.locator(".flash-success").inner_text()
    assert page.locator("#alerts .alert-item").filter(has_text=w["decline"]).count() == 0
    page.locator("#alerts summary", has_text=w["closed"]).click()
    assert "Telefonata: terapia invariata." in page.locator("#alerts details").inner_text()
    with Session(get_engine(demo_app)) as db:
        row = db.exec(select(Alert).where(Alert.patient_id == park.id, Alert.kind == "decline")).all()
        assert sum(1 for a in row if a.acknowledge_note == "Telefonata: terapia invariata.") == 1

    # the progress tab: calendar with each week against its prescription
    page.get_by_role("link", name=w["progress"], exact=True).click()
    page.wait_for_selector("div.chart[data-drawn=true]")
    assert page.locator("table.calendar tr.week-total td.met").count() >= 1
    shot(page, f"patient-progress-{lang}")
    page.get_by_role("link", name=w["sessions"], exact=True).click()
    shown(page.locator("table.sessions-vs-plan tbody tr").nth(9))  # ten rows at least
    shot(page, f"patient-sessions-{lang}")

    # every error of the plan form at its field, at once, in the page's language
    page.goto(f"{live_server}/patients/{park.id}")
    page.get_by_role("link", name=w["add"]).click()
    with Session(get_engine(demo_app)) as db:
        before = len(db.exec(select(Assignment).where(Assignment.patient_id == park.id)).all())
    page.get_by_label(w["target"]).fill("50")
    page.get_by_label(w["max"]).fill("30")
    page.get_by_label(w["start"]).fill("2026-05-10")
    page.get_by_label(w["end"]).fill("2026-05-01")
    page.get_by_role("button", name=w["save"]).click()
    page.wait_for_load_state()
    assert page.locator("#max_rom_deg-error").inner_text() == w["max_error"]
    assert page.locator("#end_date-error").inner_text() == w["end_error"]
    assert page.locator("#max_rom_deg").get_attribute("aria-invalid") == "true"
    shot(page, f"form-errors-{lang}")
    with Session(get_engine(demo_app)) as db:
        assert len(db.exec(select(Assignment).where(Assignment.patient_id == park.id)).all()) == before

    # the PDF for the clinical record: identified, with an assessment
    page.goto(f"{live_server}/patients/{park.id}/report")
    page.get_by_label(w["identified"]).check()
    page.get_by_label(w["assessment"]).fill("Declino lieve; rivalutare tra 2 settimane.")
    shot(page, f"report-form-{lang}")
    with page.expect_download() as download:
        page.get_by_role("button", name=w["pdf"]).click()
    data = Path(download.value.path()).read_bytes()
    pdfium = pytest.importorskip("pypdfium2")
    text = " ".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(data))
    assert "Rosa Colombo" in text and "DEMO-PARK" in text and "rivalutare tra 2 settimane" in text
    assert errors == []
    context.close()


def _same_origin_links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    out = []
    for href in hrefs:
        if not href or href.startswith(("#", "mailto:", "javascript:")):
            continue
        parts = urlsplit(href)
        if parts.netloc and f"{parts.scheme}://{parts.netloc}" != base:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if re.search(
            r"\.(pdf|csv|zip|json|png|js|css)(\?|$)|/logout|/static/|/download|/export|starter-kit", path
        ):
            continue
        out.append(path)
    return out


def _pages_of(page, base: str, visit, limit: int = 30) -> list[str]:
    """The pages reached from the role's home by following links, one per route shape (ids
    and query values stripped), breadth first; ``visit(path)`` runs on each page once loaded."""
    seen_shapes: set[str] = set()
    queue, pages = ["/"], []
    while queue and len(pages) < limit:
        path = queue.pop(0)
        shape = re.sub(r"\d+", "N", re.sub(r"=[^&]*", "=", path))
        if shape in seen_shapes:
            continue
        seen_shapes.add(shape)
        # "load": stylesheets, scripts and images are in and the charts drawn (charts.js draws
        # them on DOMContentLoaded; the hub's scripts fetch nothing afterwards)
        response = page.goto(f"{base}{path}", wait_until="load")
        if (
            response is None
            or response.status != 200
            or "text/html" not in response.headers.get("content-type", "")
        ):
            continue
        pages.append(path)
        visit(path)
        queue.extend(_same_origin_links(page, base))
    return pages


def _measure_widths(page, role: str, lang: str, wide: list[str], path: str) -> None:
    """Each page is loaded once at 360 px, then widened to 768 px: the layout is recomputed on
    resize, no reload needed."""
    for width in (360, 768):
        page.set_viewport_size({"width": width, "height": 800})
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(null)))")
        extra = page.evaluate(OVERFLOW)
        if extra > 0:
            wide.append(f"{role} {width}px {path}: {extra}px too wide")
        if path == "/" and width == 360:
            shot(page, f"phone-{role}-home-{lang}")
    page.set_viewport_size({"width": 360, "height": 800})


ROLES = (
    ("therapist@example.org", "demo-therapist"),
    ("patient@example.org", "demo-patient"),
    ("admin@example.org", "demo-admin-1"),
    ("developer@example.org", "demo-developer"),
)


@pytest.mark.parametrize("lang", ["en", "it"])
def test_no_page_of_any_role_scrolls_sideways(demo_app: Flask, live_server: str, browser, lang: str) -> None:
    wide: list[str] = []
    visited = 0
    for email, password in ROLES:
        role = email.split("@")[0]
        context = _context(browser, lang, width=360)
        page = context.new_page()
        login(page, live_server, email, password)

        pages = _pages_of(page, live_server, partial(_measure_widths, page, role, lang, wide))
        assert len(pages) >= 3, (role, pages)
        visited += len(pages)
        context.close()
    assert wide == [], "\n".join(wide)
    assert visited >= 20
