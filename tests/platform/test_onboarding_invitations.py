"""Invitations: a therapist invites a patient (link, code, QR code, printable sheet), the
patient sets a password under the one policy and lands in the portal; expired, reused,
tampered links and bad input store nothing; the command line's `user invite` and
`user create --role patient --patient CODE`."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from smarttouch.platform.models import AuditEvent, Invitation, Patient, User, utcnow
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token, login

STRONG = "violet tractor umbrella 42"
LINK_RE = re.compile(r'href="(http://[^"]+/invite/([A-Za-z0-9_-]+))"')
CODE_RE = re.compile(r'data-testid="invitation-code">([A-Z0-9]{5}-[A-Z0-9]{5})<')


def _rows(app: Flask, model: type) -> list:
    with Session(get_engine(app)) as s:
        return list(s.exec(select(model)))


def _invite(client: FlaskClient, patient_id: int, email: str = "anna@example.org", locale: str = "en"):
    page = f"/patients/{patient_id}/invite"
    return client.post(page, data={"csrf_token": csrf_token(client, page), "email": email, "locale": locale})


def _issued(html: str) -> tuple[str, str, str]:
    link, token = LINK_RE.search(html).groups()
    return link, token, CODE_RE.search(html).group(1)


def test_therapist_invites_and_the_patient_lands_in_the_portal(
    client: FlaskClient, login_as, make_patient, app: Flask
) -> None:
    me = login_as("therapist")
    patient = make_patient(me)
    html = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert f"/patients/{patient.id}/invite" in html  # the patient page links the invitation
    response = _invite(client, patient.id)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    link, token, code = _issued(html)
    assert 'src="data:image/svg+xml' in html and "@media print" not in html  # QR inline; CSS in file
    [row] = _rows(app, Invitation)
    assert token not in (row.token_hash, row.code_hash) and len(row.token_hash) == 64  # digests only
    assert row.patient_id == patient.id and row.email == "anna@example.org"

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    path = link.split("://", 1)[1].split("/", 1)[1]
    form = client.get("/" + path)
    assert form.status_code == 200 and "anna@example.org" in form.get_data(as_text=True)
    token_csrf = csrf_token(client, "/" + path)
    weak = client.post(
        "/" + path, data={"csrf_token": token_csrf, "password": "password123!", "confirm": "password123!"}
    )
    assert weak.status_code == 400 and "too common" in weak.get_data(as_text=True)
    differ = client.post(
        "/" + path, data={"csrf_token": token_csrf, "password": STRONG, "confirm": STRONG + "x"}
    )
    assert differ.status_code == 400 and "The two passwords differ." in differ.get_data(as_text=True)
    assert len(_rows(app, User)) == 1 and _rows(app, Invitation)[0].used_at is None  # nothing stored

    done = client.post("/" + path, data={"csrf_token": token_csrf, "password": STRONG, "confirm": STRONG})
    assert done.status_code == 302
    portal = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "My plan" in portal
    with Session(get_engine(app)) as s:
        account = s.exec(select(User).where(User.email == "anna@example.org")).one()
        assert account.role == "patient" and account.locale == "en"
        assert s.get(Patient, patient.id).user_id == account.id
        actions = [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.id))]
    assert "invitation.created" in actions and "invitation.accepted" in actions

    # used once: the same link now says so and changes nothing
    again = client.get("/" + path)
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert login(client, "anna@example.org", STRONG).status_code == 302


def test_tampered_expired_and_withdrawn_links_show_a_clear_page(
    client: FlaskClient, login_as, make_patient, app: Flask
) -> None:
    me = login_as("therapist")
    patient = make_patient(me)
    _link, token, _code = _issued(_invite(client, patient.id).get_data(as_text=True))
    tampered = client.get(f"/invite/{token[:-2]}xy")
    assert tampered.status_code == 410 and "not valid" in tampered.get_data(as_text=True)
    # a second invitation replaces the first
    _link2, token2, _ = _issued(_invite(client, patient.id, email="anna2@example.org").get_data(as_text=True))
    assert "withdrawn" in client.get(f"/invite/{token}").get_data(as_text=True)
    with Session(get_engine(app)) as s:
        row = s.exec(select(Invitation).where(Invitation.email == "anna2@example.org")).one()
        row.expires_at = utcnow() - timedelta(minutes=1)
        s.add(row)
        s.commit()
    expired = client.get(f"/invite/{token2}")
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    posted = client.post(
        f"/invite/{token2}",
        data={"csrf_token": csrf_token(client, "/"), "password": STRONG, "confirm": STRONG},
    )
    assert posted.status_code == 410
    assert [u.role for u in _rows(app, User)] == ["therapist"]


def test_the_typed_code_works_like_the_link_and_wrong_codes_are_refused_at_the_field(
    client: FlaskClient, login_as, make_patient, app: Flask
) -> None:
    me = login_as("therapist")
    patient = make_patient(me)
    _link, _token, code = _issued(_invite(client, patient.id, locale="it").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    token = csrf_token(client, "/invite")
    wrong = client.post("/invite", data={"csrf_token": token, "code": "AAAAA-AAAAA"})
    assert wrong.status_code == 400 and 'id="code-error"' in wrong.get_data(as_text=True)
    empty = client.post("/invite", data={"csrf_token": token, "code": ""})
    assert empty.status_code == 400 and "Enter the code printed on your invitation." in empty.get_data(
        as_text=True
    )
    step = client.post("/invite", data={"csrf_token": token, "code": code.lower().replace("-", " ")})
    assert step.status_code == 200 and 'name="password"' in step.get_data(as_text=True)
    done = client.post(
        "/invite", data={"csrf_token": token, "code": code, "password": STRONG, "confirm": STRONG}
    )
    assert done.status_code == 302
    with Session(get_engine(app)) as s:
        assert s.get(Patient, patient.id).user_id is not None


def test_bad_invitation_input_is_refused_at_the_field_in_italian(
    client: FlaskClient, login_as, make_patient, make_user, app: Flask
) -> None:
    me = login_as("therapist", locale="it")
    patient = make_patient(me)
    make_user("therapist", email="taken@example.org")
    bad = _invite(client, patient.id, email="not-an-address")
    assert bad.status_code == 400 and "Questo non è un indirizzo e-mail valido." in bad.get_data(as_text=True)
    taken = _invite(client, patient.id, email="taken@example.org")
    assert taken.status_code == 400 and "Un altro account usa già questo indirizzo e-mail." in taken.get_data(
        as_text=True
    )
    assert _rows(app, Invitation) == []
    other = make_patient(make_user("therapist"))
    assert _invite(client, other.id).status_code == 404  # not the therapist's patient


def test_pairing_page_shows_the_hub_address_and_a_qr_code(
    client: FlaskClient, login_as, make_patient
) -> None:
    me = login_as("therapist")
    patient = make_patient(me)
    page = f"/patients/{patient.id}/devices"
    html = client.post(f"{page}/pairing-code", data={"csrf_token": csrf_token(client, page)}).get_data(
        as_text=True
    )
    link = re.search(r'data-testid="pairing-link">([^<]+)<', html).group(1)
    assert re.search(r"/pair/[A-Z0-9]{4}-[A-Z0-9]{4}$", link)
    assert 'data-testid="hub-address"' in html and "data:image/svg+xml" in html
    landing = client.get(link.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    assert landing.status_code == 200 and "smarttouch pair" in landing.get_data(as_text=True)


def test_cli_invites_and_creates_a_linked_patient_account(runner, make_patient, tmp_path, app: Flask) -> None:
    first = make_patient(code="PT-CLI1")
    second = make_patient(code="PT-CLI2")
    qr, sheet = tmp_path / "qr.png", tmp_path / "sheet.html"
    result = runner.invoke(
        "user",
        "invite",
        "--patient",
        "pt-cli1",
        "--email",
        "cli@example.org",
        "--qr",
        str(qr),
        "--sheet",
        str(sheet),
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"link: http\S+/invite/\S+", result.output) and re.search(
        r"code: [A-Z0-9]{5}-[A-Z0-9]{5}", result.output
    )
    assert qr.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Benvenuto" in sheet.read_text() or "Ti diamo il benvenuto" in sheet.read_text()
    again = runner.invoke("user", "invite", "--patient", "PT-NOPE", "--email", "x@example.org")
    assert again.exit_code != 0 and "no patient with code PT-NOPE" in again.output

    made = runner.invoke(
        "user",
        "create",
        "--role",
        "patient",
        "--patient",
        second.code,
        "--email",
        "p2@example.org",
        "--password",
        STRONG,
    )
    assert made.exit_code == 0, made.output
    weak = runner.invoke(
        "user",
        "create",
        "--role",
        "patient",
        "--patient",
        first.code,
        "--email",
        "p1@example.org",
        "--password",
        "short",
    )
    assert weak.exit_code != 0 and "at least 12 characters" in weak.output
    missing = runner.invoke(
        "user", "create", "--role", "patient", "--email", "p3@example.org", "--password", STRONG
    )
    assert missing.exit_code != 0 and "--patient CODE is required" in missing.output
    with Session(get_engine(app)) as s:
        account = s.exec(select(User).where(User.email == "p2@example.org")).one()
        assert s.get(Patient, second.id).user_id == account.id
        assert s.get(Patient, first.id).user_id is None


def test_the_invitation_can_also_go_by_e_mail_in_the_patients_language(
    client: FlaskClient, login_as, make_patient, app: Flask, smtp_server
) -> None:
    app.config["SMTP_URL"] = smtp_server.url
    me = login_as("therapist")
    patient = make_patient(me)
    page = f"/patients/{patient.id}/invite"
    response = client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "email": "eva@example.org",
            "locale": "it",
            "send_email": "y",
        },
    )
    assert response.status_code == 200 and "was also sent to eva@example.org" in response.get_data(
        as_text=True
    )
    _link, token, code = _issued(response.get_data(as_text=True))
    (mail,) = smtp_server.wait_for(1)
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert mail["To"] == "eva@example.org" and mail["Subject"] == "Invito a SmartTouch"
    assert f"/invite/{token}" in body and code in body and "scegliere la tua password" in body


def test_a_password_reset_link_sets_a_new_password_once(client: FlaskClient, factories, app: Flask) -> None:
    from smarttouch.platform.services.accounts import invitations

    bob = factories.user("therapist", email="bob@example.org")
    with Session(get_engine(app)) as s:
        issued = invitations.password_reset(s, actor=None, user=s.get(User, bob.id))
        invitation_id = issued.invitation.id
    page = f"/invite/{issued.token}"
    assert "Choose a new password for the account bob@example.org." in client.get(page).get_data(as_text=True)
    done = client.post(
        page, data={"csrf_token": csrf_token(client, page), "password": STRONG, "confirm": STRONG}
    )
    assert done.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert login(client, "bob@example.org", STRONG).status_code == 302
    assert client.get(page).status_code == 410
    with Session(get_engine(app)) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.target_id == invitation_id))]
    assert "user.password_reset" in actions


def test_an_open_invitation_can_be_withdrawn_and_wrong_codes_are_throttled(
    client: FlaskClient, login_as, make_patient, app: Flask
) -> None:
    me = login_as("therapist")
    patient = make_patient(me)
    _link, token, code = _issued(_invite(client, patient.id).get_data(as_text=True))
    page = f"/patients/{patient.id}/invite"
    html = client.get(page).get_data(as_text=True)
    assert "Open invitation for anna@example.org" in html
    [row] = _rows(app, Invitation)
    response = client.post(f"/invitations/{row.id}/withdraw", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    assert "withdrawn" in client.get(f"/invite/{token}").get_data(as_text=True)
    with Session(get_engine(app)) as s:
        assert (
            s.exec(select(AuditEvent).where(AuditEvent.action == "invitation.revoked")).one().actor_id
            == me.id
        )

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    form = csrf_token(client, "/invite")
    statuses = [
        client.post("/invite", data={"csrf_token": form, "code": f"AAAAA-AAAA{c}"}).status_code
        for c in "ACDEFHJK"
    ]
    assert statuses[:5] == [400] * 5 and 429 in statuses[5:]  # guessing codes is slowed down
