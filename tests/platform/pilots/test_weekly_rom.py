"""The weekly ROM chart of each arm (mean of the patients' weekly means with a t-based 95 %
CI, per week since enrolment): the numbers plotted on the page (plotly) and drawn in the PDF
(fpdf2) equal those recomputed here from the SQL rows with numpy/scipy."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from flask import Flask
from scipy import stats
from sqlmodel import Session

from smarttouch.platform.models import Pilot, PilotEnrolment
from smarttouch.platform.pilots import figures, pdf_weekly
from smarttouch.platform.pilots.labels import arm_label
from smarttouch.platform.reports.pdf import ReportPDF
from smarttouch.platform.reports.pdf_charts import labels_overlap
from smarttouch.platform.services.pilots import enrolment as pilot_enrolment
from smarttouch.platform.services.pilots import outcomes, pilots
from smarttouch.platform.storage.db import get_engine

from .support import approved_game, form, stored_session


def _when(v: Any) -> datetime:
    d = v if isinstance(v, datetime) else datetime.fromisoformat(v)
    return d if d.tzinfo else d.replace(tzinfo=UTC)


@pytest.fixture
def world(app: Flask, make_challenge: Any, make_user: Any, make_patient: Any) -> dict[str, Any]:
    """5 patients of a randomised pilot who consented 30 days ago and played on scattered
    days, ROM rising faster with the solution; one session's count is uncertain (left out)."""
    solution_id, _ = approved_game(app, make_challenge, make_user)
    therapist = make_user("therapist")
    rng = np.random.default_rng(11)
    today = datetime.now(UTC).date()
    with Session(get_engine(app), expire_on_commit=False) as s:
        pilot = pilots.create_pilot(
            s, actor=therapist, data=form(solution_id, starts_on=today - timedelta(days=40))
        )
        pilot.random_seed = 20261204
        s.add(pilot)
        s.commit()
        enrolled = []
        for i in range(5):
            patient = make_patient(therapist)
            pilot_enrolment.invite(s, actor=therapist, pilot=pilot, patient=patient)
            e = pilot_enrolment.record_consent(
                s, pilot=pilot, patient=patient, by=therapist, note=f"form {i}"
            )
            e.consented_at = datetime.now(UTC) - timedelta(days=30)
            s.add(e)
            s.commit()
            gain = 1.2 if e.arm == "pilot" else 0.3
            for day in sorted(rng.choice(range(1, 30), size=9, replace=False)):
                stored_session(
                    s,
                    patient_id=patient.id,
                    activity_id=pilot_enrolment.arm_activity_id(pilot, e.arm),
                    started=e.consented_at + timedelta(days=int(day), hours=2),
                    rom=float(50 + 3 * i + gain * day + rng.normal(0, 2)),
                )
            enrolled.append(e)
        s.execute(
            sa.text(
                "UPDATE session_metrics SET count_uncertain = 1, rom_deg = 170 WHERE id = "
                "(SELECT MIN(id) FROM session_metrics)"
            )
        )
        s.commit()
        return {
            "pilot": s.get_one(Pilot, pilot.id),
            "enrolled": [e.id for e in enrolled],
            "therapist": therapist,
        }


def expected(
    s: Session, pilot: Pilot, enrolment_ids: list[int], now: datetime
) -> dict[str, dict[int, tuple]]:
    """arm -> week -> (mean, low, high, patients), from SQL."""
    weekly: dict[str, dict[int, list[float]]] = {}
    for eid in enrolment_ids:
        e = s.get_one(PilotEnrolment, eid)
        start = _when(e.consented_at)
        activity = pilot.activity_id if e.arm == "pilot" else pilot.comparator_activity_id
        rows = s.execute(
            sa.text(
                "SELECT e.started_at, m.rom_deg FROM exercise_session e JOIN session_metrics m "
                "ON m.session_id = e.id WHERE e.patient_id = :p AND e.activity_id = :a "
                "AND m.count_uncertain = 0 AND e.started_at >= :s AND e.started_at < :n"
            ),
            {"p": e.patient_id, "a": activity, "s": start, "n": now},
        ).all()
        mine: dict[int, list[float]] = {}
        for started, rom in rows:
            week = math.floor((_when(started) - start).total_seconds() / (7 * 86400)) + 1
            mine.setdefault(week, []).append(float(rom))
        for week, roms in mine.items():
            weekly.setdefault(str(e.arm), {}).setdefault(week, []).append(float(np.mean(roms)))
    out: dict[str, dict[int, tuple]] = {}
    for arm, weeks in weekly.items():
        for week, means in weeks.items():
            m = float(np.mean(means))
            if len(means) > 1:
                lo, hi = stats.t.interval(0.95, len(means) - 1, loc=m, scale=stats.sem(means))
            else:
                lo = hi = None
            out.setdefault(arm, {})[week] = (m, lo, hi, len(means))
    return out


def test_plotted_weekly_rom_equals_sql(app: Flask, world: dict[str, Any]) -> None:
    now = datetime.now(UTC)
    with Session(get_engine(app), expire_on_commit=False) as s:
        pilot = s.get_one(Pilot, world["pilot"].id)
        out = outcomes.compute_outcomes(s, pilot, now=now)
        want = expected(s, pilot, world["enrolled"], now)
    assert set(want) == {"pilot", "comparator"} and all(len(w) >= 4 for w in want.values())
    assert (
        max(v for w in want.values() for m, *_r in w.values() for v in [m]) < 150
    )  # the uncertain one is out

    # the page's plotly chart, in Italian (the layout's separators make 55,6)
    with app.test_request_context(headers={"Accept-Language": "it"}):
        chart = figures.weekly_chart(out)
        names = {arm_label(a): a for a in want}
    assert chart.has_data and chart.figure["layout"]["separators"] == ",."
    traces = chart.figure["data"]
    assert sorted(names[t["name"]] for t in traces) == sorted(want)
    for t in traces:
        arm = names[t["name"]]
        assert t["x"] == sorted(want[arm])
        for k, week in enumerate(t["x"]):
            m, lo, hi, n = want[arm][week]
            assert math.isclose(t["y"][k], m, rel_tol=1e-12) and t["customdata"][k] == n
            if lo is None:
                assert t["error_y"]["array"][k] == 0 and t["error_y"]["arrayminus"][k] == 0
            else:
                assert math.isclose(t["error_y"]["array"][k], hi - m, rel_tol=1e-9)
                assert math.isclose(t["error_y"]["arrayminus"][k], m - lo, rel_tol=1e-9)

    # the PDF's fpdf2 chart: the same numbers, placed on one linear scale
    with app.test_request_context(headers={"Accept-Language": "it"}):
        pdf = ReportPDF("test")
        pdf.add_page()
        drawn, plotted = pdf_weekly.weekly_chart(
            pdf,
            {a.arm: a.weekly_rom for a in out.arms.values()},
            labels={a: arm_label(a) for a in want},
            y_title="ROM",
            x_title="Settimana",
        )
    assert labels_overlap(drawn) == [] and [b.text for b in drawn.x_labels][:2] == ["1", "2"]
    assert sorted((p.arm, p.week) for p in plotted) == sorted((a, w) for a in want for w in want[a])
    for p in plotted:
        m, lo, hi, _n = want[p.arm][p.week]
        assert math.isclose(p.value, m, rel_tol=1e-12)
        assert (p.low is None) == (lo is None) and (lo is None or math.isclose(p.low, lo, rel_tol=1e-9))
    ys = np.array([p.y for p in plotted])
    values = np.array([p.value for p in plotted])
    slope, intercept = np.polyfit(values, ys, 1)
    assert slope < 0 and np.allclose(ys, slope * values + intercept, atol=1e-6)  # higher ROM, higher up
    for arm in want:  # each arm's points on one week scale (the arms side by side)
        xs = np.array([p.x for p in plotted if p.arm == arm])
        weeks = np.array([p.week for p in plotted if p.arm == arm])
        slope, intercept = np.polyfit(weeks, xs, 1)
        assert slope > 0 and np.allclose(xs, slope * weeks + intercept, atol=1e-6)


def test_the_page_and_the_report_show_the_weekly_chart(
    app: Flask, client: Any, world: dict[str, Any]
) -> None:
    from smarttouch.platform.testing import login

    login(client, world["therapist"].email)
    pilot_id = world["pilot"].id
    page = client.get(f"/pilots/{pilot_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="chart-pilot-weeks"' in page and "Range of motion per week since enrolment" in page
    pdf = client.get(f"/pilots/{pilot_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    import pypdfium2

    doc = pypdfium2.PdfDocument(pdf.get_data())
    text = " ".join(" ".join(page.get_textpage().get_text_range() for page in doc).split())
    assert "Range of motion per week since enrolment" in text and "Week since enrolment" in text
    italian = client.get(f"/pilots/{pilot_id}/report.pdf", headers={"Accept-Language": "it"}).get_data()
    doc = pypdfium2.PdfDocument(italian)
    text = " ".join(" ".join(page.get_textpage().get_text_range() for page in doc).split())
    assert "Ampiezza di movimento per settimana dall'arruolamento" in text
