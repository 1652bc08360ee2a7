"""The hub's public face: challenges, their leaderboards and the catalogue of approved
solutions are readable without logging in, with titles, descriptions and canonical links;
drafts, e-mails, hidden-split scores before closing and unapproved solutions stay hidden;
robots.txt and sitemap.xml list the public pages only."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from smarttouch.platform.models import Challenge, Review, Score, Solution, Submission, User, pk, utcnow
from smarttouch.platform.storage.db import get_engine

METRICS = [{"name": "mae", "label": "Mean absolute error", "better": "lower", "primary": True}]


def scored(
    app: Flask,
    challenge: Challenge,
    developer: User | None,
    name: str,
    public: float,
    hidden: float,
    **sol: Any,
) -> tuple[int, int]:
    """A solution with one scored submission (public and hidden scores); (solution, submission) ids."""
    with Session(get_engine(app)) as s:
        solution = Solution(
            challenge_id=pk(challenge),
            developer_id=developer.id if developer else None,
            name=name,
            kind=challenge.kind,
            **sol,
        )
        s.add(solution)
        s.flush()
        sub = Submission(solution_id=pk(solution), code_sha256="a" * 64, entrypoint="s.py", status="scored")
        s.add(sub)
        s.flush()
        s.add(Score(submission_id=pk(sub), split="public", metric="mae", value=public))
        s.add(Score(submission_id=pk(sub), split="hidden", metric="mae", value=hidden))
        s.commit()
        return pk(solution), pk(sub)


def review(app: Flask, submission_id: int, decision: str, reviewer: User) -> None:
    with Session(get_engine(app)) as s:
        s.add(
            Review(
                submission_id=submission_id,
                reviewer_id=reviewer.id,
                decision=decision,
                code_sha256="a" * 64,
                note="n",
            )
        )
        s.commit()


@pytest.fixture
def world(app: Flask, make_challenge: Any, make_user: Any) -> dict[str, Any]:
    soon = utcnow() + timedelta(days=10)
    open_c = make_challenge(
        slug="steady-hand",
        title="Steady hand",
        summary="Tolerate tremor in a reaching game.",
        metrics=METRICS,
        primary_metric="mae",
        closes_at=soon,
    )
    closed_c = make_challenge(
        slug="old-reps",
        title="Old reps",
        metrics=METRICS,
        primary_metric="mae",
        closes_at=utcnow() - timedelta(days=1),
    )
    upcoming = make_challenge(slug="next-one", title="Next one", opens_at=soon)
    draft = make_challenge(slug="secret-draft", title="Secret draft", is_published=False)
    dev = make_user("developer", full_name="Ada Display", email="ada.private@example.org")
    reviewer = make_user("therapist", is_reviewer=True)
    sol_open, sub_open = scored(
        app, open_c, dev, "tremor filter", 0.123, 0.987, description="Smooths tremor out."
    )
    _sol_closed, _ = scored(app, closed_c, dev, "rep counter", 0.456, 0.654)
    sol_rejected, sub_rejected = scored(app, open_c, dev, "rejected one", 0.5, 0.5)
    review(app, sub_open, "approved", reviewer)
    review(app, sub_rejected, "approved", reviewer)
    review(app, sub_rejected, "rejected", reviewer)  # the latest review decides
    return {
        "open": open_c,
        "closed": closed_c,
        "upcoming": upcoming,
        "draft": draft,
        "dev": dev,
        "approved": sol_open,
        "rejected": sol_rejected,
    }


def _head(html: str) -> tuple[str, str, str]:
    title = re.search(r"<title>([^<]+)</title>", html)
    desc = re.search(r'<meta name="description" content="([^"]+)">', html)
    canon = re.search(r'<link rel="canonical" href="([^"]+)">', html)
    assert title and desc and canon, html[:800]
    assert len(re.findall(r'<meta name="description"', html)) == 1
    return title.group(1), desc.group(1), canon.group(1)


def test_anyone_reads_the_challenge_list(client: FlaskClient, world: dict[str, Any]) -> None:
    response = client.get("/challenges")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for c in ("open", "closed", "upcoming"):
        assert f'href="/challenges/{world[c].slug}"' in html
    assert "Secret draft" not in html
    title, desc, canon = _head(html)
    assert (
        "challenges" in title.lower()
        and desc
        and canon == client.application.config["BASE_URL"] + "/challenges"
    )


def test_anyone_reads_a_challenge_and_its_public_leaderboard(
    client: FlaskClient, world: dict[str, Any]
) -> None:
    html = client.get("/challenges/steady-hand").get_data(as_text=True)
    title, desc, canon = _head(html)
    assert title.startswith("Steady hand") and desc == "Tolerate tremor in a reaching game."
    assert canon.endswith("/challenges/steady-hand")
    assert "tremor filter" in html and "Ada Display" in html
    assert "0.123" in html and "0.987" not in html  # no hidden-split score while open
    assert "ada.private@example.org" not in html and "example.org" not in html.split("<main", 1)[1]
    assert "Sign up as a developer" in html and "Data-use terms" in html


def test_a_closed_challenge_ranks_on_the_hidden_split(client: FlaskClient, world: dict[str, Any]) -> None:
    html = client.get("/challenges/old-reps").get_data(as_text=True)
    assert "0.654" in html and "0.456" not in html


def test_drafts_and_unknown_challenges_are_not_found(client: FlaskClient, world: dict[str, Any]) -> None:
    assert client.get("/challenges/secret-draft").status_code == 404
    assert client.get("/challenges/nope").status_code == 404


def test_catalogue_shows_approved_solutions_only(client: FlaskClient, world: dict[str, Any]) -> None:
    html = client.get("/catalogue").get_data(as_text=True)
    assert f'href="/catalogue/{world["approved"]}"' in html and "rejected one" not in html
    _head(html)
    page = client.get(f"/catalogue/{world['approved']}").get_data(as_text=True)
    title, desc, canon = _head(page)
    assert title.startswith("tremor filter") and desc == "Smooths tremor out."
    assert canon.endswith(f"/catalogue/{world['approved']}")
    assert "Ada Display" in page and 'href="/challenges/steady-hand"' in page
    assert "0.123" in page and "0.987" not in page  # its challenge is still open
    assert "ada.private" not in page
    assert client.get(f"/catalogue/{world['rejected']}").status_code == 404
    assert client.get("/catalogue/999999").status_code == 404


def test_robots_and_sitemap_list_public_pages_only(client: FlaskClient, world: dict[str, Any]) -> None:
    base = client.application.config["BASE_URL"]
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Allow: /challenges" in robots and "Disallow: /\n" in robots
    assert f"Sitemap: {base}/sitemap.xml" in robots
    xml = client.get("/sitemap.xml").get_data(as_text=True)
    locs = re.findall(r"<loc>([^<]+)</loc>", xml)
    assert f"{base}/challenges/steady-hand" in locs and f"{base}/challenges/next-one" in locs
    assert f"{base}/catalogue/{world['approved']}" in locs
    assert not any("secret-draft" in u or f"/catalogue/{world['rejected']}" in u for u in locs)
    for url in locs:  # every listed page answers without a login
        assert client.get(url.removeprefix(base)).status_code == 200, url


def test_signed_in_developer_sees_the_terms_button(
    client: FlaskClient, world: dict[str, Any], login_as: Any
) -> None:
    login_as("developer", accept_terms=False)
    html = client.get("/challenges/steady-hand").get_data(as_text=True)
    assert "Accept the data-use terms" in html
