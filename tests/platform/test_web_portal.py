"""The patient portal: this week's plan, progress in plain words, charts, streak, badges and
the therapist's note, in Italian and English; only the patient's own data."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from smarttouch.platform.models import Patient
from smarttouch.platform.storage.db import get_engine

from .test_web_support import add_session, days_ago


def _me(app: Flask, user) -> Patient:
    with Session(get_engine(app), expire_on_commit=False) as db:
        return db.exec(select(Patient).where(Patient.user_id == user.id)).one()


def test_portal_tells_progress_in_plain_words(
    client: FlaskClient, login_as, make_assignment, app: Flask
) -> None:
    me = _me(app, login_as("patient"))
    make_assignment(
        me,
        reps=8,
        sets=2,
        sessions_per_week=4,
        start_date=days_ago(30),
        therapist_note="Keep your back straight.",
    )
    for n, rom in ((20, 50), (18, 52), (16, 51), (3, 66), (2, 68), (1, 69), (0, 70)):
        add_session(app, me, days_ago(n), rom=rom)
    html = client.get("/").get_data(as_text=True)
    assert "My exercise plan" in html and "2 sets of 8" in html
    assert "Keep your back straight." in html
    assert "You exercised 7 times in the last 4 weeks." in html
    # 4 sessions a week: one a week a month ago, then four in the last days is no run of weeks
    assert "weeks in a row: keep it going" not in html and "day streak" not in html
    assert "Your movement is wider than in your first sessions: about 18 degrees more." in html
    assert 'id="chart-my-rom-figure"' in html and 'id="chart-adherence-figure"' in html
    badges = re.findall(
        r'<li class="medal (earned|locked)">.*?<span class="medal-title">'
        r"([^<]+)</span>",
        html,
        flags=re.S,
    )
    earned = {title for state, title in badges if state == "earned"}
    assert {"First session", "Wider movement"} <= earned
    assert not earned & {"10 sessions", "50 sessions", "2 complete weeks in a row", "Smoother movement"}
    assert len(badges) == 8
    assert client.get("/my").status_code == 200


def test_portal_in_italian(client: FlaskClient, login_as, make_assignment, app: Flask) -> None:
    me = _me(app, login_as("patient", locale="it"))
    make_assignment(me, start_date=days_ago(5))
    html = client.get("/").get_data(as_text=True)
    assert "Il mio piano di esercizi" in html
    assert "Questa settimana" in html and "Medaglie" in html
    assert "Non hai ancora giocato una sessione." in html
    assert "This week" not in html and "Badges" not in html


def test_portal_shows_only_the_patients_own_plan(
    client: FlaskClient, login_as, make_patient, make_assignment, make_user, app: Flask
) -> None:
    me = _me(app, login_as("patient"))
    make_assignment(me, therapist_note="Mine.")
    other = make_patient(make_user("therapist"), user=make_user("patient"))
    make_assignment(other, therapist_note="Somebody else's note.")
    add_session(app, other, days_ago(1), rom=99)
    html = client.get("/my").get_data(as_text=True)
    assert "Mine." in html and "Somebody else" not in html
    # the other patient's 99° session appears nowhere: not in words, not in chart data (a bare
    # "99" may occur inside the page's random CSRF token)
    assert not re.search(r"\b99(\.0)?(°| degrees|\]|,)", html)


def test_portal_is_for_patients(client: FlaskClient, login_as) -> None:
    login_as("therapist")
    assert client.get("/my").status_code == 403


def test_portal_draws_no_empty_chart(client: FlaskClient, login_as, make_assignment, app: Flask) -> None:
    """A session received but not scored yet: the weekly chart is drawn, the movement chart
    is replaced by its plain message (no empty plotly axes)."""
    me = _me(app, login_as("patient"))
    make_assignment(me, start_date=days_ago(10))
    add_session(app, me, days_ago(1), rom=None)
    html = client.get("/my").get_data(as_text=True)
    assert 'id="chart-adherence-figure"' in html
    assert 'id="chart-my-rom-figure"' not in html and 'id="chart-my-rom"' not in html
    assert '<p class="empty">Range of motion: no scored sessions in this period.</p>' in html
