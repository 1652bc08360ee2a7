"""Login, logout, argon2 hashes, CSRF, throttling, redirects for anonymous visitors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from argon2 import extract_parameters
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from smarttouch.platform.models import AuditEvent, LoginThrottle, User, utcnow
from smarttouch.platform.services.accounts import passwords
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import TEST_PASSWORD, csrf_token, login


@pytest.mark.parametrize("path", ["/", "/patients/1", "/patients/new", "/no-such-page"])
def test_anonymous_visitors_are_sent_to_login(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_login_page_and_health_are_public(client: FlaskClient) -> None:
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/static/css/hub.css").status_code == 200


def test_password_is_stored_as_argon2id(make_user: Callable[..., User], app: Flask) -> None:
    user = make_user("therapist", password="a-long-secret-1")
    assert user.password_hash.startswith("$argon2id$")
    assert "a-long-secret-1" not in user.password_hash
    assert passwords.verify_password(user.password_hash, "a-long-secret-1")
    assert not passwords.verify_password(user.password_hash, "a-long-secret-2")
    assert not passwords.verify_password("not-a-hash", "a-long-secret-1")


def test_default_argon2_parameters_follow_rfc_9106() -> None:
    params = extract_parameters(passwords.hash_password("x" * 12))
    assert params.type.name == "ID"
    assert params.memory_cost >= 65536 and params.time_cost >= 3


def test_login_redirects_to_next_and_audits(client: FlaskClient, make_user, app: Flask) -> None:
    user = make_user("therapist")
    token = csrf_token(client, "/login?next=/patients/new")
    response = client.post(
        "/login",
        data={
            "email": user.email.upper(),
            "password": TEST_PASSWORD,
            "csrf_token": token,
            "next": "/patients/new",
        },
    )
    assert response.status_code == 302 and response.location == "/patients/new"
    with Session(get_engine(app)) as session:
        actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.actor_id == user.id))]
        assert "auth.login" in actions
        assert session.get(User, user.id).last_login_at is not None


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_login_never_redirects_off_site(client: FlaskClient, make_user, target: str) -> None:
    user = make_user("therapist")
    token = csrf_token(client)
    response = client.post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token, "next": target}
    )
    assert response.status_code == 302 and response.location == "/"


def test_wrong_password_is_refused(client: FlaskClient, make_user, app: Flask) -> None:
    user = make_user("therapist")
    response = login(client, user.email, "wrong-password")
    assert response.status_code == 401
    assert "not correct" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    with Session(get_engine(app)) as session:
        failed = session.exec(select(AuditEvent).where(AuditEvent.action == "auth.login_failed")).all()
        assert failed and failed[0].details["email"] == user.email


def test_disabled_account_cannot_log_in(client: FlaskClient, make_user, app: Flask) -> None:
    user = make_user("therapist")
    with Session(get_engine(app)) as session:
        row = session.get(User, user.id)
        row.is_active = False
        session.add(row)
        session.commit()
    assert login(client, user.email).status_code == 401


def test_logout_needs_a_post_with_csrf(client: FlaskClient, login_as) -> None:
    login_as("therapist")
    assert client.get("/logout").status_code == 200  # a confirmation page, still logged in
    assert client.get("/").status_code == 200
    assert client.post("/logout", data={}).status_code == 400  # no CSRF token
    assert client.get("/").status_code == 200
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_forms_without_csrf_token_are_rejected(client: FlaskClient, make_user, login_as) -> None:
    user = make_user("therapist")
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)
    response = client.post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400
    login_as("therapist")
    assert client.post("/language", data={"language": "it"}).status_code == 400
    assert (
        client.post(
            "/patients/new", data={"code": "X-1", "condition": "copd", "affected_side": "none"}
        ).status_code
        == 400
    )


def test_cookies_are_http_only_and_lax(client: FlaskClient, login_as) -> None:
    login_as("therapist")
    cookie = client.get_cookie("smarttouch_session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_authenticated_pages_are_not_cached(client: FlaskClient, login_as) -> None:
    login_as("therapist")
    response = client.get("/")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _fail(client: FlaskClient, email: str, n: int) -> list[int]:
    return [login(client, email, "wrong-password").status_code for _ in range(n)]


def test_repeated_failures_slow_down_then_lock(client: FlaskClient, make_user, app: Flask) -> None:
    user = make_user("therapist")
    free = app.config["LOGIN_FREE_FAILURES"]
    assert _fail(client, user.email, free) == [401] * free
    # the next attempt comes too soon: refused even with the right password
    response = login(client, user.email)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert "wait" in response.get_data(as_text=True)
    # pretend the delays passed, keep failing until the lock
    with Session(get_engine(app)) as session:
        row = session.get(LoginThrottle, f"account:{user.email}")
        assert row.failures == free
        row.failures = app.config["LOGIN_LOCK_FAILURES"] - 1
        row.last_failure_at = utcnow() - timedelta(minutes=5)
        session.add(row)
        session.commit()
    assert login(client, user.email, "wrong-password").status_code == 401
    response = login(client, user.email)
    assert response.status_code == 429 and "locked" in response.get_data(as_text=True)
    with Session(get_engine(app)) as session:
        throttled = session.exec(select(AuditEvent).where(AuditEvent.action == "auth.login_throttled")).all()
        assert len(throttled) == 2


def test_lock_expires_and_success_clears_the_account(client: FlaskClient, make_user, app: Flask) -> None:
    user = make_user("therapist")
    key = f"account:{user.email}"
    with Session(get_engine(app)) as session:
        session.add(
            LoginThrottle(
                key=key,
                failures=50,
                last_failure_at=utcnow() - timedelta(minutes=20),
                locked_until=utcnow() - timedelta(minutes=5),
            )
        )
        session.commit()
    assert login(client, user.email).status_code == 302
    with Session(get_engine(app)) as session:
        assert session.get(LoginThrottle, key) is None


def test_throttle_is_shared_between_workers(make_app, make_user, app: Flask) -> None:
    """Two app processes on one database (two web workers) see the same counters."""
    other = make_app(app.config["DATABASE_URL"])
    user = make_user("therapist")
    free = app.config["LOGIN_FREE_FAILURES"]
    first, second = app.test_client(), other.test_client()
    for i in range(free):
        assert login(first if i % 2 else second, user.email, "nope-nope-1").status_code == 401
    assert login(first, user.email).status_code == 429
    assert login(second, user.email).status_code == 429


def test_unknown_account_failures_are_throttled_too(client: FlaskClient, app: Flask) -> None:
    free = app.config["LOGIN_FREE_FAILURES"]
    assert _fail(client, "nobody@example.org", free) == [401] * free
    assert login(client, "nobody@example.org").status_code == 429
