"""The developer area: open challenges from the database and their detail pages, with the
description's Markdown rendered without raw HTML or script links."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from smarttouch.platform.models import utcnow

DESCRIPTION = """# Count the reps

Patients after a stroke do **shoulder flexion**; count the repetitions.

<script>alert("x")</script>

[unsafe](javascript:alert(1)) and [docs](https://example.org/docs)
"""


def test_list_and_detail(client: FlaskClient, login_as, make_challenge) -> None:
    login_as("developer")
    c = make_challenge(
        title="Count the reps",
        slug="count-reps",
        description_md=DESCRIPTION,
        population="Post-stroke adults",
        movement="shoulder_flexion",
        primary_metric="mae",
        metrics=[
            {
                "name": "mae",
                "label": "Mean absolute error (reps)",
                "better": "lower",
                "function": "mae",
                "field": "reps",
            }
        ],
        io_contract={
            "input": "A wrist IMU recording (acc in g, gyr in deg/s).",
            "outputs": [
                {
                    "name": "reps",
                    "type": "int",
                    "minimum": 0,
                    "maximum": 200,
                    "unit": "",
                    "description": "repetitions counted",
                }
            ],
            "public_recordings": 40,
            "hidden_recordings": 60,
        },
        closes_at=utcnow() + timedelta(days=20),
    )
    html = client.get("/developer/challenges").get_data(as_text=True)
    assert 'href="/developer/challenges/count-reps"' in html
    assert 'href="/developer/challenges/count-reps"' in client.get("/").get_data(as_text=True)
    html = client.get(f"/developer/challenges/{c.slug}").get_data(as_text=True)
    assert "<strong>shoulder flexion</strong>" in html and "Post-stroke adults" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html and 'href="https://example.org/docs"' in html
    assert "Mean absolute error (reps)" in html and "ranking metric" in html
    assert "40 public recordings" in html and "repetitions counted" in html
    assert "Open" in html


def test_drafts_are_not_found_and_closed_ones_say_so(client: FlaskClient, login_as, make_challenge) -> None:
    login_as("therapist")
    draft = make_challenge(is_published=False)
    closed = make_challenge(closes_at=utcnow() - timedelta(days=1))
    assert client.get(f"/developer/challenges/{draft.slug}").status_code == 404
    assert client.get("/developer/challenges/nope").status_code == 404
    html = client.get(f"/developer/challenges/{closed.slug}").get_data(as_text=True)
    assert "Closed" in html
    assert closed.title not in client.get("/developer/challenges").get_data(as_text=True)


def test_patients_have_no_developer_area(client: FlaskClient, login_as) -> None:
    login_as("patient")
    assert client.get("/developer/challenges").status_code == 403
