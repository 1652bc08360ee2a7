"""Charts read like the rest of the page: the hub's one locale formatter (``i18n.units``) sets
the axes of the plotly charts (drawn in a real browser) and of the PDF's charts. In Italian,
days are ``03/12`` and decimals have a comma (``-1,6``); in English, ``3 Dec`` and ``-1.6``."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlmodel import Session

from smarttouch.platform.models import Patient
from smarttouch.platform.reports.pdf import rom_figure
from smarttouch.platform.services.clinic import reports
from smarttouch.platform.storage.db import get_engine
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


def test_pdf_chart_ticks_follow_the_locale_formatter(app: Flask, factories) -> None:
    therapist, patient = _patient_with_sessions(app, factories, "it")
    for lang, day in (("it", DAY_IT), ("en", DAY_EN)):
        with app.test_request_context(headers={"Accept-Language": lang}), Session(get_engine(app)) as db:
            report = reports.period_report(
                db,
                patient=db.get_one(Patient, patient.id),
                start=days_ago(27),
                end=days_ago(0),
                tz=ZoneInfo("UTC"),
            )
            fig = rom_figure(report, list(report.plan))
            assert fig is not None
            ax = fig.axes[0]
            ax.set_ylim(50.2, 51.4)  # a narrow range: ticks with a decimal
            fig.canvas.draw()
            xs = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
            ys = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
            assert xs and all(day.match(t) for t in xs), xs
            fractional = [t for t in ys if not t.endswith(",0") and ("," in t or "." in t)]
            assert fractional and all(("," if lang == "it" else ".") in t for t in fractional), ys
