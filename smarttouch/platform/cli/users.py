"""``smarttouch user``: create, invite, list, disable and enable hub accounts; set a password."""

from __future__ import annotations

from typing import Any

import click

from .common import fail, hub_app, write_atomic

ROLES = ("therapist", "patient", "developer", "admin")


@click.group()
def user() -> None:
    """Create, list, disable and enable hub user accounts; set a password."""


@user.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--email", required=True)
@click.option("--name", "full_name", default=None, help="Full name (default: from e-mail).")
@click.option("--reviewer", is_flag=True, help="Therapist who reviews developers' solutions.")
@click.option(
    "--challenge-manager",
    "challenge_manager",
    is_flag=True,
    help="Therapist or developer who reads clinical needs and authors challenges.",
)
@click.option("--locale", type=click.Choice(["en", "it"]), default=None)
@click.option(
    "--patient",
    "patient_code",
    default=None,
    metavar="CODE",
    help="With --role patient: the patient record the account belongs to (required).",
)
@click.password_option("--password", help="Prompted (hidden, twice) when not given.")
def user_create(
    role: str,
    email: str,
    full_name: str | None,
    reviewer: bool,
    challenge_manager: bool,
    locale: str | None,
    patient_code: str | None,
    password: str,
) -> None:
    """Create an account; the password is prompted for and stored as an argon2id hash. A
    patient account is linked to its patient record (--patient CODE)."""
    from ..services.accounts import users
    from ..services.errors import ServiceError
    from ..storage.db import session_scope

    if reviewer and role != "therapist":
        raise click.ClickException("--reviewer is only for therapists")
    if challenge_manager and role not in ("therapist", "developer"):
        raise click.ClickException("--challenge-manager is only for therapists and developers")
    if (role == "patient") != (patient_code is not None):
        raise click.ClickException("--patient CODE is required with --role patient, and only with it")
    app = hub_app()
    if patient_code is not None:
        _create_patient_account(app, patient_code, email, full_name, locale, password)
        return
    name = full_name or email.split("@")[0].replace(".", " ").title()
    try:
        data = users.validate_user(
            email=email,
            full_name=name,
            role=role,
            is_reviewer=reviewer,
            is_challenge_manager=challenge_manager,
            locale=locale,
            password=password,
        )
        with session_scope(app) as session:
            created = users.create_user(session, data=data, password_profile=app.config["ARGON2_PROFILE"])
            click.echo(f"created {created.role} {created.email} (id {created.id})")
    except ServiceError as exc:
        raise fail(exc) from None


def _create_patient_account(
    app: Any, code: str, email: str, full_name: str | None, locale: str | None, password: str
) -> None:
    from ..services.accounts import invitations
    from ..services.errors import ServiceError
    from ..services.rights import fhir_export
    from ..storage.db import session_scope

    try:
        with session_scope(app) as session:
            found = fhir_export.patient_by_code(session, code=code)
            created = invitations.create_patient_account(
                session,
                patient=found,
                email=email,
                password=password,
                full_name=full_name,
                locale=locale,
                password_profile=app.config["ARGON2_PROFILE"],
            )
            click.echo(f"created patient {created.email} (id {created.id}) for {found.code}")
    except ServiceError as exc:
        raise fail(exc) from None


@user.command("invite")
@click.option("--patient", "code", required=True, metavar="CODE", help="The patient's code, e.g. PT-K7WM.")
@click.option("--email", required=True, help="The patient's e-mail address (their login).")
@click.option("--locale", type=click.Choice(["en", "it"]), default="it", show_default=True)
@click.option(
    "--qr", "qr_path", default=None, type=click.Path(dir_okay=False), help="Write the QR code (PNG)."
)
@click.option(
    "--sheet",
    "sheet_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Write the printable one-page sheet (HTML with the QR code).",
)
def user_invite(code: str, email: str, locale: str, qr_path: str | None, sheet_path: str | None) -> None:
    """Invite patient CODE to the portal: prints the one-time link and code (valid 7 days,
    single use; shown only now)."""
    from ..services.accounts import invitations
    from ..services.errors import ServiceError
    from ..services.rights import fhir_export
    from ..storage.db import session_scope
    from ..web.invitation_sheet import standalone_sheet
    from ..web.qr import save_qr_png
    from ..web.urls import external_url

    app = hub_app()
    try:
        with app.test_request_context(), session_scope(app) as session:
            found = fhir_export.patient_by_code(session, code=code)
            issued = invitations.invite_patient(
                session, actor=None, patient=found, email=email, locale=locale
            )
            link = external_url("onboarding.accept", token=issued.token)
            code_url = external_url("onboarding.enter_code")
            expires = issued.invitation.expires_at
            patient_code = found.code
    except ServiceError as exc:
        raise fail(exc) from None
    click.echo(
        f"invitation for {patient_code} ({email}), valid until {expires:%Y-%m-%d %H:%M} UTC, single use"
    )
    click.echo(f"link: {link}")
    click.echo(f"code: {issued.code}  (typed at {code_url})")
    if qr_path:
        click.echo(f"wrote {save_qr_png(link, qr_path)}")
    if sheet_path:
        with app.test_request_context():
            html = standalone_sheet(
                link=link, code=issued.code, code_url=code_url, email=email, expires=expires, lang=locale
            )
        size = write_atomic(sheet_path, lambda fh: fh.write(html.encode("utf-8")))
        click.echo(f"wrote {sheet_path} ({size} bytes)")


@user.command("password")
@click.option("--email", required=True)
@click.password_option("--password", help="Prompted (hidden, twice) when not given.")
def user_password(email: str, password: str) -> None:
    """Set an account's password (same policy as everywhere); its web logins end."""
    from ..services.accounts import users
    from ..services.errors import ServiceError
    from ..storage.db import session_scope

    app = hub_app()
    with session_scope(app) as session:
        account = _account(session, email)
        try:
            users.set_password(
                session,
                user=account,
                password=password,
                actor=None,
                password_profile=app.config["ARGON2_PROFILE"],
            )
        except ServiceError as exc:
            raise fail(exc) from None
        click.echo(f"password of {account.email} changed; its web logins were ended")


@user.command("disable")
@click.option("--email", required=True)
def user_disable(email: str) -> None:
    """Disable an account: it can no longer log in and its web logins end at once."""
    _set_active(email, False)


@user.command("enable")
@click.option("--email", required=True)
def user_enable(email: str) -> None:
    """Enable a disabled account again (it logs in afresh)."""
    _set_active(email, True)


def _account(session: Any, email: str) -> Any:
    from ..services.accounts import users

    account = users.get_by_email(session, email=email)
    if account is None:
        raise click.ClickException(f"no account with e-mail {email}")
    return account


def _set_active(email: str, active: bool) -> None:
    from ..services.accounts import users
    from ..storage.db import session_scope

    with session_scope(hub_app()) as session:
        account = users.set_active(session, user=_account(session, email), active=active, actor=None)
        click.echo(f"{account.email} {'enabled' if active else 'disabled; its web logins were ended'}")


@user.command("list")
def user_list() -> None:
    """List accounts: e-mail, role, name."""
    from ..services.accounts import users
    from ..storage.db import session_scope

    with session_scope(hub_app()) as session:
        for u in users.list_users(session):
            flags = " reviewer" if u.is_reviewer else ""
            flags += " challenge-manager" if u.is_challenge_manager else ""
            flags += "" if u.is_active else " disabled"
            click.echo(f"{u.email:<36} {u.role:<10} {u.full_name}{flags}")
