"""A challenge's data-use terms: a developer accepts them (time and version recorded, audited)
before downloading the data or submitting, on the web and through the API (which the command
line uses); the refusal says where to accept."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from smarttouch.platform.models import AuditEvent, Challenge, Submission, TermsAcceptance
from smarttouch.platform.services.accounts import api_tokens
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token
from tests.platform.challenge_support import (  # noqa: F401
    COUNTER,
    archive_of,
    bundle_dir,
    hub_challenge,
    make_solution,
)


def _accepted(app: Flask) -> list[TermsAcceptance]:
    with Session(get_engine(app)) as s:
        return list(s.exec(select(TermsAcceptance)))


def test_web_submission_and_data_wait_for_the_terms(
    app: Flask, client: FlaskClient, login_as: Any, hub_challenge: Challenge
) -> None:
    login_as("developer", accept_terms=False)
    slug = hub_challenge.slug
    for path in (f"/challenges/{slug}/submit", f"/challenges/{slug}/starter-kit"):
        response = client.get(path)
        assert (
            response.status_code == 302
            and f"/developer/challenges/{slug}/terms" in response.headers["Location"]
        )
    page = client.get(f"/developer/challenges/{slug}/terms?next=submit").get_data(as_text=True)
    assert "accept its data-use terms" in page and "terms version 1" in page
    token = csrf_token(client, f"/developer/challenges/{slug}/terms")
    unticked = client.post(f"/developer/challenges/{slug}/terms", data={"csrf_token": token})
    assert unticked.status_code == 400 and "Tick the box" in unticked.get_data(as_text=True)
    assert _accepted(app) == []
    done = client.post(
        f"/developer/challenges/{slug}/terms?next=submit", data={"csrf_token": token, "agree": "y"}
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/challenges/{slug}/submit")
    [row] = _accepted(app)
    assert row.terms_version == 1 and row.accepted_at is not None and row.challenge_id == hub_challenge.id
    assert client.get(f"/challenges/{slug}/submit").status_code == 200
    assert client.get(f"/challenges/{slug}/starter-kit").status_code == 200
    with Session(get_engine(app)) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "challenge.terms_accepted")).one()
        assert event.details == {"challenge": slug, "terms_version": 1}


def test_a_new_terms_version_must_be_accepted_again(
    app: Flask, client: FlaskClient, login_as: Any, hub_challenge: Challenge
) -> None:
    login_as("developer")  # accepted version 1
    slug = hub_challenge.slug
    assert client.get(f"/challenges/{slug}/submit").status_code == 200
    with Session(get_engine(app)) as s:
        row = s.get(Challenge, hub_challenge.id)
        row.terms_version = 2
        s.add(row)
        s.commit()
    assert client.get(f"/challenges/{slug}/submit").status_code == 302


def test_api_and_cli_submission_is_refused_with_where_to_accept(
    app: Flask, client: FlaskClient, make_user: Any, hub_challenge: Challenge, tmp_path
) -> None:
    developer = make_user("developer", accept_terms=False)
    with Session(get_engine(app)) as s:
        token = api_tokens.create_token(s, user=developer, label="t")[0]
    response = client.post(
        f"/api/v1/challenges/{hub_challenge.slug}/submissions",
        data=archive_of(make_solution(tmp_path / "s", COUNTER)),
        content_type="application/zip",
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.get_json()
    assert response.status_code == 403 and body["error"]["code"] == "terms_not_accepted"
    assert f"/developer/challenges/{hub_challenge.slug}/terms" in body["error"]["message"]
    with Session(get_engine(app)) as s:
        assert s.exec(select(Submission)).first() is None


def test_staff_read_the_terms_but_do_not_accept_them(
    app: Flask, client: FlaskClient, login_as: Any, hub_challenge: Challenge
) -> None:
    login_as("therapist")
    html = client.get(f"/developer/challenges/{hub_challenge.slug}/terms").get_data(as_text=True)
    assert "Data-use terms" in html and 'name="agree"' not in html
