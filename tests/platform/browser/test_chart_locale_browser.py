"""Charts read like the rest of the page: the hub's one locale formatter (``i18n.units``) sets
the axes of the plotly charts (drawn in a real browser) and of the PDF's charts. In Italian,
days are ``03/12`` and decimals have a comma (``-1,6``); in English, ``3 Dec`` and ``-1.6``."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask

from smarttouch.platform.reports import pdf_charts
from tests.platform.browser_support import browser, login, screenshot  # noqa: F401
from tests.platform.test_web_support import add_session, days_ago

DAY_IT = re.compile(r"^\d\d/\d\d$")
DAY_EN = re.compile(r"^\d{1,2} [A-Z][a-z]{2}$")


def _patient_with_sessions(app: Flask, factories, locale: str):
    therapist = factories.user("therapist", locale=locale)
    patient = factories.patient(therapist)
    plan = factories.assignment(patient, start_date=days_ago(30), target_rom_deg=50)
    for n in range(20, -1, -2):  # SPARC -1.62 .. -1.52: ticks need a decimal
        add_session(app, patient, days_ago(n), rom=50.4 + n / 3, assignment=plan, sparc=-1.5 - n / 200)
    return therapist, patient


def _ticks(page, chart: str, axis: str) -> list[str]:
    return [t for t in page.locator(f"#{chart} .{axis}tick text").all_text_contents() if t and t.strip()]


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["it", "en"])
def test_plotly_axes_follow_the_locale_formatter(
    app: Flask, live_server: str, browser, factories, locale
) -> None:
    therapist, patient = _patient_with_sessions(app, factories, locale)
    page = browser.new_page(
        viewport={"width": 1280, "height": 900}, locale="it-IT" if locale == "it" else "en-GB"
    )
    login(page, live_server, therapist.email, lands_on="/")
    page.goto(f"{live_server}/patients/{patient.id}?tab=progress&period=4w")
    page.wait_for_selector("#chart-sparc[data-drawn=true] .ytick text")
    days = _ticks(page, "chart-rom", "x")
    sparc = _ticks(page, "chart-sparc", "y")
    assert days and all((DAY_IT if locale == "it" else DAY_EN).match(t) for t in days), days
    decimals = [t for t in sparc if "," in t or "." in t]
    assert decimals, sparc
    mark = "," if locale == "it" else "."
    assert all(mark in t for t in decimals), sparc
    if locale == "it":
        screenshot(page, "chart-locale-it")


def test_pdf_chart_ticks_follow_the_locale_formatter(app: Flask) -> None:
    narrow = pdf_charts.nice_ticks(50.2, 51.4)
    assert len(set(narrow)) == len(narrow) and pdf_charts.tick_digits(narrow) >= 1
    for lang, day, mark in (("it", DAY_IT, ","), ("en", DAY_EN, ".")):
        with app.test_request_context(headers={"Accept-Language": lang}):
            labels = pdf_charts.value_labels(narrow)
            assert len(set(labels)) == len(labels), labels  # never "50, 50, 51, 51"
            assert all(mark in t for t in labels if not t.endswith(("0", "5")) or mark in t), labels
            assert any(mark in t for t in labels), labels
            assert day.match(pdf_charts.date_label(date(2026, 12, 3), long_period=False))
            assert pdf_charts.date_label(date(2026, 12, 3), long_period=True) in ("12/2026", "Dec 2026")
            assert pdf_charts.value_labels([50.0, 55.0, 60.0]) == ["50", "55", "60"]
