"""Developers join by themselves: sign-up with e-mail verification (through a real SMTP
server, aiosmtpd), password reset by e-mail, rate limits, no enumeration of addresses, and
every bad input (weak password, reused, expired or tampered link, second sign-up)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlmodel import Session, col, func, select

from smarttouch.platform import create_app
from smarttouch.platform.models import AuditEvent, Invitation, User, utcnow
from smarttouch.platform.services.accounts import signup
from smarttouch.platform.services.accounts.bearer_tokens import digest
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import TEST_PASSWORD, csrf_token, hub_config, login
from tests.platform.conftest import fresh_sqlite_url

BASE = "https://hub.example.org"
STRONG = "velvet otter ladder cinnamon"
LINK = re.compile(r"https?://\S+")


@pytest.fixture
def app(tmp_path: Path, sqlite_template: Path, smtp_server: Any) -> Iterator[Flask]:
    """The test hub, sending its mail to the aiosmtpd server, links on ``BASE``."""
    url = fresh_sqlite_url(sqlite_template, tmp_path / "instance")
    application = create_app(hub_config(tmp_path / "instance", url, SMTP_URL=smtp_server.url, BASE_URL=BASE))
    yield application
    get_engine(application).dispose()


def _post(client: FlaskClient, path: str, **data: str) -> Any:
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


def _sign_up(client: FlaskClient, email: str, password: str = STRONG, name: str = "Grace Coder") -> Any:
    return _post(client, "/signup", full_name=name, email=email, password=password, confirm=password)


def _link(msg: Any) -> str:
    text = msg.get_body(preferencelist=("plain",)).get_content()
    return LINK.findall(text)[0]


def _path(link: str) -> str:
    assert link.startswith(BASE + "/"), link
    return link[len(BASE) :]


def _count(app: Flask, model: Any, *where: Any) -> int:
    with Session(get_engine(app)) as s:
        return int(s.exec(select(func.count()).select_from(model).where(*where)).one())


def _user(app: Flask, email: str) -> User | None:
    with Session(get_engine(app)) as s:
        return s.exec(select(User).where(User.email == email)).first()


def test_sign_up_verify_and_log_in(app: Flask, client: FlaskClient, smtp_server: Any) -> None:
    response = _sign_up(client, "Grace@Example.org")
    assert response.status_code == 302 and response.headers["Location"].endswith("/signup/sent")
    (msg,) = smtp_server.wait_for(1)
    assert msg["To"] == "grace@example.org" and "Confirm" in msg["Subject"]
    user = _user(app, "grace@example.org")
    assert user is not None and user.role == "developer" and not user.is_active
    assert user.email_verified_at is None
    # inactive until verified: the right password does not log in
    assert login(client, "grace@example.org", STRONG).status_code == 401
    path = _path(_link(msg))
    token = path.split("token=")[1]
    with Session(get_engine(app)) as s:  # only the digest is stored
        rows = s.exec(select(Invitation)).all()
        assert [r.token_hash for r in rows] == [digest(token)] and token not in rows[0].token_hash
    page = client.get(path)
    assert page.status_code == 200 and "Confirm my e-mail address" in page.get_data(as_text=True)
    assert _user(app, "grace@example.org").is_active is False  # GET alone uses nothing up
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    user = _user(app, "grace@example.org")
    assert user.is_active and user.email_verified_at is not None
    assert login(client, "grace@example.org", STRONG).status_code == 302
    with Session(get_engine(app)) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).order_by(col(AuditEvent.id)))]
    assert actions.index("user.signed_up") < actions.index("user.email_verified")


def test_a_verification_link_works_once(app: Flask, client: FlaskClient, smtp_server: Any) -> None:
    _sign_up(client, "once@example.org")
    path = _path(_link(smtp_server.wait_for(1)[0]))
    assert client.post(path, data={"csrf_token": csrf_token(client, path)}).status_code == 302
    again = client.post(path, data={"csrf_token": csrf_token(client, "/signup")})
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)
    assert client.get(path).status_code == 400


def test_an_expired_verification_link_is_refused(app: Flask, client: FlaskClient, smtp_server: Any) -> None:
    _sign_up(client, "late@example.org")
    path = _path(_link(smtp_server.wait_for(1)[0]))
    with Session(get_engine(app)) as s:
        s.execute(update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
        s.commit()
    response = client.post(path, data={"csrf_token": csrf_token(client, "/signup")})
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert _user(app, "late@example.org").is_active is False


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: t[4:], lambda t: ""]
)
def test_a_tampered_link_is_refused(app: Flask, client: FlaskClient, smtp_server: Any, mangle: Any) -> None:
    _sign_up(client, "tamper@example.org")
    token = _link(smtp_server.wait_for(1)[0]).split("token=")[1]
    path = f"/verify?token={mangle(token)}"
    response = client.post(path, data={"csrf_token": csrf_token(client, "/signup")})
    assert response.status_code == 400 and "not valid" in response.get_data(as_text=True)
    assert _user(app, "tamper@example.org").is_active is False


def test_second_sign_up_sends_a_mail_not_an_error(
    app: Flask, client: FlaskClient, smtp_server: Any, make_user: Any
) -> None:
    existing = make_user("therapist", email="taken@example.org")
    first = _sign_up(client, "new@example.org")
    second = _sign_up(client, "taken@example.org", name="Someone Else")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    new_msg, taken_msg = smtp_server.wait_for(2)
    assert taken_msg["To"] == "taken@example.org" and "already have" in taken_msg["Subject"]
    assert _path(_link(taken_msg)) == "/password/forgot"
    user = _user(app, "taken@example.org")
    assert user.full_name == existing.full_name and user.role == "therapist"  # nothing changed
    assert login(client, "taken@example.org", TEST_PASSWORD).status_code == 302


def test_signing_up_again_before_verifying_sends_a_fresh_link(
    app: Flask, client: FlaskClient, smtp_server: Any
) -> None:
    _sign_up(client, "twice@example.org")
    _sign_up(client, "twice@example.org")
    first, second = smtp_server.wait_for(2)
    assert "Confirm" in second["Subject"]
    old, new = _path(_link(first)), _path(_link(second))
    assert client.post(old, data={"csrf_token": csrf_token(client, "/signup")}).status_code == 400
    assert client.post(new, data={"csrf_token": csrf_token(client, "/signup")}).status_code == 302
    assert _count(app, User, col(User.email) == "twice@example.org") == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"password": "short", "confirm": "short"}, "password", "at least 12"),
        ({"password": "password1234", "confirm": "password1234"}, "password", "too common"),
        ({"password": "gracecoder2024!", "confirm": "gracecoder2024!"}, "password", "your name"),
        ({"confirm": "another phrase entirely"}, "confirm", "differ"),
        ({"email": "not-an-address"}, "email", "name@example.org"),
        ({"full_name": ""}, "full_name", "required"),
    ],
)
def test_bad_input_is_shown_at_the_field_and_stores_nothing(
    app: Flask, client: FlaskClient, smtp_server: Any, fields: dict[str, str], field: str, message: str
) -> None:
    data = {
        "full_name": "Grace Coder",
        "email": "bad@example.org",
        "password": STRONG,
        "confirm": STRONG,
        **fields,
    }
    response = _post(client, "/signup", **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert error is not None and message in error.group(1), html
    assert _count(app, User) == 0 and _count(app, Invitation) == 0 and smtp_server.messages == []


def test_errors_are_translated(app: Flask, client: FlaskClient) -> None:
    client.post("/language", data={"language": "it", "csrf_token": csrf_token(client, "/signup")})
    response = _post(
        client, "/signup", full_name="Grace", email="x@example.org", password="short", confirm="short"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Servono almeno 12 caratteri" in html and "Registrati" in html


def test_sign_up_is_rate_limited_per_address_and_per_client(
    app: Flask, client: FlaskClient, smtp_server: Any
) -> None:
    for _ in range(signup.ATTEMPTS_POLICY.lock):
        assert _sign_up(client, "flood@example.org").status_code == 302
    response = _sign_up(client, "flood@example.org")
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert "Too many attempts" in response.get_data(as_text=True)
    assert len(smtp_server.wait_for(signup.ATTEMPTS_POLICY.lock)) == signup.ATTEMPTS_POLICY.lock
    # another address from the same client goes on until the client's own limit (x5)
    sent = signup.ATTEMPTS_POLICY.lock
    for i in range(signup.ATTEMPTS_POLICY.lock * 4):
        assert _sign_up(client, f"other{i}@example.org").status_code == 302
        sent += 1
    assert _sign_up(client, "fresh@example.org").status_code == 429
    assert _user(app, "fresh@example.org") is None
    with Session(get_engine(app)) as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "signup.throttled")).first() is not None


def test_password_reset_by_mail_ends_every_login(
    app: Flask, client: FlaskClient, smtp_server: Any, make_user: Any
) -> None:
    user = make_user("developer", email="dev@example.org")
    other = app.test_client()
    assert login(other, user.email).status_code == 302
    assert other.get("/submissions").status_code == 200
    response = _post(client, "/password/forgot", email="DEV@example.org")
    assert response.status_code == 302
    (msg,) = smtp_server.wait_for(1)
    assert "Reset" in msg["Subject"]
    path = _path(_link(msg))
    weak = client.post(
        path, data={"csrf_token": csrf_token(client, path), "password": "short", "confirm": "short"}
    )
    assert weak.status_code == 400 and "at least 12" in weak.get_data(as_text=True)
    done = client.post(
        path, data={"csrf_token": csrf_token(client, path), "password": STRONG, "confirm": STRONG}
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert other.get("/submissions").status_code == 302  # the other browser was logged out
    assert login(client, user.email, TEST_PASSWORD).status_code == 401
    assert login(client, user.email, STRONG).status_code == 302
    reused = app.test_client()
    again = reused.post(
        path, data={"csrf_token": csrf_token(reused, "/login"), "password": STRONG, "confirm": STRONG}
    )
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)


def test_an_expired_reset_link_is_refused(
    app: Flask, client: FlaskClient, smtp_server: Any, make_user: Any
) -> None:
    user = make_user("developer")
    _post(client, "/password/forgot", email=user.email)
    path = _path(_link(smtp_server.wait_for(1)[0]))
    with Session(get_engine(app)) as s:
        s.execute(update(Invitation).values(expires_at=Invitation.created_at))
        s.commit()
    response = client.get(path)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_reset_does_not_tell_whether_the_address_has_an_account(
    app: Flask, client: FlaskClient, smtp_server: Any, make_user: Any
) -> None:
    make_user("developer", email="known@example.org")
    known = _post(client, "/password/forgot", email="known@example.org")
    unknown = _post(client, "/password/forgot", email="nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    to_known, to_unknown = smtp_server.wait_for(2)
    assert "Reset" in to_known["Subject"] and "/password/reset?token=" in _link(to_known)
    assert to_unknown["To"] == "nobody@example.org" and "token=" not in _link(to_unknown)
    assert _count(app, Invitation) == 1


def test_reset_requests_are_rate_limited(app: Flask, client: FlaskClient, smtp_server: Any) -> None:
    for _ in range(signup.ATTEMPTS_POLICY.lock):
        assert _post(client, "/password/forgot", email="r@example.org").status_code == 302
    response = _post(client, "/password/forgot", email="r@example.org")
    assert response.status_code == 429 and "Too many attempts" in response.get_data(as_text=True)


def test_a_reset_link_for_another_purpose_does_not_verify(
    app: Flask, client: FlaskClient, smtp_server: Any, make_user: Any
) -> None:
    user = make_user("developer")
    _post(client, "/password/forgot", email=user.email)
    token = _link(smtp_server.wait_for(1)[0]).split("token=")[1]
    response = client.post(f"/verify?token={token}", data={"csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 400


def test_mailed_links_are_not_taken_by_the_invitation_pages(
    app: Flask, client: FlaskClient, smtp_server: Any, make_user: Any
) -> None:
    """Both kinds of mailed link are invitation rows, of purposes the pages that open an
    account (or take a typed code) refuse: the link is unknown there and stays usable."""
    _sign_up(client, "both@example.org")
    user = make_user("developer")
    _post(client, "/password/forgot", email=user.email)
    verify, forgot = (_path(_link(m)) for m in smtp_server.wait_for(2))
    with Session(get_engine(app)) as s:
        rows = s.exec(select(Invitation).order_by(col(Invitation.id))).all()
        assert [(r.purpose, r.email) for r in rows] == [
            ("verify", "both@example.org"),
            ("forgot", user.email),
        ]
    for path in (verify, forgot):
        token = path.split("token=")[1]
        assert token.startswith(signup.TOKEN_PREFIX)
        assert client.get(f"/invite/{token}").status_code == 410
    assert client.get(forgot).status_code == 200
    response = client.post(verify, data={"csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 302 and _user(app, "both@example.org").is_active


def test_an_administrators_reset_revokes_a_pending_reset_link(
    app: Flask, client: FlaskClient, smtp_server: Any, make_user: Any
) -> None:
    """The owner's own reset link is an open invitation of the account like the
    administrator's: issuing the administrator's ends it (the page says it expired)."""
    from smarttouch.platform.services.accounts import invitations

    user = make_user("developer")
    _post(client, "/password/forgot", email=user.email)
    path = _path(_link(smtp_server.wait_for(1)[0]))
    with Session(get_engine(app)) as s:
        invitations.password_reset(s, actor=None, user=s.get(User, user.id))
    response = client.get(path)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_without_smtp_the_link_is_printed_on_the_hubs_address(
    tmp_path: Path, sqlite_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = fresh_sqlite_url(sqlite_template, tmp_path / "other")
    application = create_app(hub_config(tmp_path / "other", url, BASE_URL="http://demo.example:5000"))
    c = application.test_client()
    assert _sign_up(c, "printed@example.org").status_code == 302
    err = capsys.readouterr().err
    assert "http://demo.example:5000/verify?token=stl_" in err
    get_engine(application).dispose()


def test_served_hub_mails_links_on_the_port_it_serves(runner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """``smarttouch serve --port N`` (and ``demo``) without SMARTTOUCH_BASE_URL: the printed
    verification link uses the address really served, not the default port."""
    from smarttouch.platform.cli import serve as serve_cli

    seen: dict[str, Any] = {}
    real_app = serve_cli.hub_app

    def recording_app() -> Any:
        seen["app"] = real_app()
        return seen["app"]

    def fake_run(server: Any) -> None:
        seen["base"] = seen["app"].config["BASE_URL"]
        seen["port"] = str(server.effective_port)
        server.close()
        server.task_dispatcher.shutdown()  # as run() does when it ends: no threads left behind

    monkeypatch.setattr(serve_cli, "hub_app", recording_app)
    monkeypatch.setattr(serve_cli, "_run", fake_run)
    import socket

    with socket.socket() as sock:  # a free port other than the default 8000
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = runner.invoke("serve", "--port", str(port))
    assert result.exit_code == 0, result.output
    assert seen["port"] == str(port) and seen["base"] == f"http://127.0.0.1:{port}"
