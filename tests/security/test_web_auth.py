"""Issue 13, items 3, 6, 8 and 9: the probes of the outside review replayed against the hub.

3. open redirect after login; 6. a cookie replayed after logout (or a password change, or a
deactivation) still logged in; 8. weak passwords accepted; 9. absolute URLs built from the
request's ``Host`` header. Each probe is refused with a 4xx or contained, never a 5xx.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from smarttouch.platform.core.config import ConfigError, resolve
from smarttouch.platform.models import AuditEvent, User
from smarttouch.platform.services.accounts import api_tokens, users
from smarttouch.platform.services.accounts.password_policy import (
    PasswordProblem,
    WeakPassword,
    check_password,
)
from smarttouch.platform.services.accounts.passwords import verify_password
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import TEST_PASSWORD, csrf_token, login
from tests.platform.challenge_support import (  # noqa: F401
    COUNTER,
    archive_of,
    bundle_dir,
    hub_challenge,
    make_solution,
)

COOKIE = "smarttouch_session"


# ------------------------------------------------------------------ 3: open redirect
HOSTILE_NEXT = [
    "/\t/evil.example",  # the probe: GET /login?next=/%09/evil.example
    "/\r\n//evil.example",  # the probe that gave a 500
    "/\n/evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/\x00/evil.example",
    "\x7f//evil.example",
    "evil.example",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_next_never_leaves_the_site(client: FlaskClient, make_user, target: str) -> None:
    """Whether ``next`` comes from the login page's URL or from a forged form field, a valid
    login lands on the home page: no other host, no header that cannot be sent."""
    user = make_user("therapist")
    page = client.get("/login", query_string={"next": target})
    assert page.status_code == 200
    hidden = re.search(r'id="next" name="next" type="hidden" value="([^"]*)"', page.get_data(as_text=True))
    assert hidden is None or hidden.group(1) == ""
    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token(client),
            "next": target,
        },
    )
    assert response.status_code == 302
    assert response.location == "/"


def test_language_switch_next_never_leaves_the_site(client: FlaskClient) -> None:
    token = csrf_token(client)
    for target in HOSTILE_NEXT:
        response = client.post("/language", data={"language": "it", "next": target, "csrf_token": token})
        assert response.status_code == 302 and response.location == "/", target


def test_a_same_site_next_still_works(client: FlaskClient, make_user) -> None:
    user = make_user("therapist")
    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token(client),
            "next": "/patients/new?from=%2F%2Fevil.example",
        },
    )
    assert response.status_code == 302 and response.location == "/patients/new?from=%2F%2Fevil.example"


# ---------------------------------------------------- 6: logins end on the server side
def _stolen_copy(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``client``'s session cookie (a replay)."""
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie.value)
    return thief


def _logged_in(c: FlaskClient) -> bool:
    response = c.get("/patients")
    if response.status_code == 302:
        assert response.location.startswith("/login")
        return False
    assert response.status_code == 200
    return True


def test_a_cookie_replayed_after_logout_gets_the_login_page(
    app: Flask, client: FlaskClient, login_as
) -> None:
    login_as("therapist")
    thief = _stolen_copy(app, client)
    assert _logged_in(thief)
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/")}).status_code == 302
    assert not _logged_in(client)
    assert not _logged_in(thief)  # the probe: still /patients for 12 hours before the fix


def test_logging_in_again_after_logout_works(app: Flask, client: FlaskClient, login_as) -> None:
    user = login_as("therapist")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert login(client, user.email).status_code == 302
    assert _logged_in(client)


def test_a_password_change_ends_the_other_logins(app: Flask, client: FlaskClient, login_as) -> None:
    user = login_as("therapist")
    other_browser = app.test_client()
    assert login(other_browser, user.email).status_code == 302
    response = client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": "lanterna-violino-orzo-7",
            "confirm": "lanterna-violino-orzo-7",
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert _logged_in(client)  # the browser that changed it goes on
    assert not _logged_in(other_browser)
    assert login(other_browser, user.email).status_code == 401
    assert login(other_browser, user.email, "lanterna-violino-orzo-7").status_code == 302
    with Session(get_engine(app)) as session:
        actions = session.exec(select(AuditEvent.action).where(AuditEvent.target_id == user.id)).all()
        assert "user.password_changed" in actions


def test_deactivation_ends_logins_and_reactivation_does_not_revive_them(
    app: Flask, client: FlaskClient, login_as, runner
) -> None:
    user = login_as("therapist")
    copy = _stolen_copy(app, client)
    assert runner.invoke("user", "disable", "--email", user.email).exit_code == 0
    assert not _logged_in(client)
    assert runner.invoke("user", "enable", "--email", user.email).exit_code == 0
    assert not _logged_in(copy)
    assert login(copy, user.email).status_code == 302 and _logged_in(copy)


def test_the_session_version_is_stored_in_the_database(app: Flask, make_user) -> None:
    user = make_user("therapist")
    with Session(get_engine(app)) as session:
        row = session.get(User, user.id)
        before = row.session_version
        users.record_logout(session, user=row, ip=None)
    with Session(get_engine(app)) as session:
        assert session.get(User, user.id).session_version == before + 1


@pytest.mark.parametrize("forged", ["1", "1:x", "x:1", "99999999999:1", ":", "1:1:1", "١:1"])
def test_malformed_login_ids_are_anonymous(app: Flask, forged: str) -> None:
    from smarttouch.platform.auth.access import load_login

    with app.test_request_context():
        assert load_login(forged) is None


# ------------------------------------------------------------------ 8: weak passwords
PROBE_PASSWORDS = ["1234567890", " " * 10, "aaaaaaaaaa", "password12"]
WEAK_12 = ["123456789012", " " * 12, "aaaaaaaaaaaa", "password1234", "qwertyuiop12"]


@pytest.mark.parametrize("password", PROBE_PASSWORDS + WEAK_12)
def test_the_policy_refuses_the_probes_and_common_passwords(password: str) -> None:
    with pytest.raises(WeakPassword) as caught:
        check_password(password, email="anna.bianchi@clinic.example.org", full_name="Anna Bianchi")
    assert caught.value.problem in {PasswordProblem.too_short, PasswordProblem.guessable}


@pytest.mark.parametrize(
    "password",
    ["anna.bianchi1980", "AnnaBianchi2024!", "Bianchi-Anna-1980", "SmartTouch2024!", "smarttouch-hub"],
)
def test_the_policy_refuses_personal_and_site_passwords(password: str) -> None:
    with pytest.raises(WeakPassword) as caught:
        check_password(password, email="anna.bianchi@clinic.example.org", full_name="Anna Bianchi")
    assert caught.value.problem == PasswordProblem.personal
    assert "name" in caught.value.message


@pytest.mark.parametrize("password", ["lanterna-violino-orzo-7", "correct-horse-battery", "x7#Tq!pL2@vW9z"])
def test_the_policy_accepts_strong_passwords(password: str) -> None:
    check_password(password, email="anna.bianchi@clinic.example.org", full_name="Anna Bianchi")


@pytest.mark.parametrize("password", PROBE_PASSWORDS + ["password1234"])
def test_the_cli_refuses_weak_passwords(runner, app: Flask, password: str) -> None:
    result = runner.invoke(
        "user", "create", "--role", "therapist", "--email", "nuovo@example.org", "--password", password
    )
    assert result.exit_code == 1 and "password" in result.output and "Traceback" not in result.output
    with Session(get_engine(app)) as session:
        assert session.exec(select(User).where(User.email == "nuovo@example.org")).first() is None


def test_the_cli_password_reset_uses_the_policy(runner, app: Flask, make_user) -> None:
    user = make_user("patient")
    result = runner.invoke("user", "password", "--email", user.email, "--password", "password1234")
    assert result.exit_code == 1 and "guess" in result.output
    result = runner.invoke("user", "password", "--email", user.email, "--password", "lanterna-violino-orzo-7")
    assert result.exit_code == 0, result.output
    with Session(get_engine(app)) as session:
        assert verify_password(session.get(User, user.id).password_hash, "lanterna-violino-orzo-7")


@pytest.mark.parametrize("password", PROBE_PASSWORDS + ["password1234"])
def test_the_web_password_change_refuses_weak_passwords(
    app: Flask, client: FlaskClient, login_as, password: str
) -> None:
    user = login_as("patient")
    response = client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": password,
            "confirm": password,
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "at least 12 characters" in page or "too common" in page
    with Session(get_engine(app)) as session:
        assert verify_password(session.get(User, user.id).password_hash, TEST_PASSWORD)


def test_the_web_password_change_needs_the_current_password(
    app: Flask, client: FlaskClient, login_as: Callable[..., User]
) -> None:
    login_as("developer")
    response = client.post(
        "/account/password",
        data={
            "current_password": "not-my-password",
            "new_password": "lanterna-violino-orzo-7",
            "confirm": "lanterna-violino-orzo-7",
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )
    assert response.status_code == 400 and "current password is not correct" in response.get_data(
        as_text=True
    )


def test_the_password_page_speaks_italian(client: FlaskClient, login_as) -> None:
    login_as("patient", locale="it")
    response = client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": "password1234",
            "confirm": "password1234",
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Cambia la password" in page and "troppo comune" in page


# ------------------------------------------------------------- 9: Host header reflection
def test_the_api_never_reflects_the_host_header(
    app: Flask, client: FlaskClient, make_user, hub_challenge, tmp_path
) -> None:
    developer = make_user("developer")
    with Session(get_engine(app)) as session:
        token = api_tokens.create_token(session, user=developer, label="probe")[0]
    auth = {"Authorization": f"Bearer {token}", "Host": "evil.example"}
    response = client.post(
        f"/api/v1/challenges/{hub_challenge.slug}/submissions",
        data=archive_of(make_solution(tmp_path / "s", COUNTER)),
        content_type="application/zip",
        headers=auth,
    )
    assert response.status_code == 201, response.get_json()
    submission_id = response.get_json()["id"]
    for headers in (auth, {**auth, "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}):
        body = client.get(f"/api/v1/submissions/{submission_id}", headers=headers).get_json()
        assert body["url"] == f"{app.config['BASE_URL']}/submissions/{submission_id}"
        assert "evil" not in body["url"]


def test_the_token_page_and_fhir_metadata_use_the_configured_address(
    app: Flask, client: FlaskClient, login_as
) -> None:
    app.config["BASE_URL"] = "https://hub.example.org"
    login_as("developer")
    evil = {"environ_overrides": {"HTTP_HOST": "evil.example"}}

    def as_evil_host() -> None:  # the browser's cookie, sent to the hub under another Host
        client.set_cookie(COOKIE, client.get_cookie(COOKIE).value, domain="evil.example")

    as_evil_host()
    page = client.get("/profile/api-tokens", **evil).get_data(as_text=True)
    assert "--hub https://hub.example.org " in page and "evil.example" not in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login_as("therapist")
    as_evil_host()
    meta = client.get("/api/v1/fhir/metadata", **evil)
    assert meta.status_code == 200
    assert meta.get_json()["implementation"]["url"] == "https://hub.example.org/api/v1/fhir"


@pytest.mark.parametrize(
    "value",
    ["evil.example", "ftp://hub.example.org", "https://hub.example.org/x", "https://u@hub.example.org"],
)
def test_a_malformed_base_url_is_a_clear_configuration_error(tmp_path, value: str) -> None:
    with pytest.raises(ConfigError, match="SMARTTOUCH_BASE_URL"):
        resolve({"INSTANCE_PATH": str(tmp_path)}, environ={"SMARTTOUCH_BASE_URL": value})
