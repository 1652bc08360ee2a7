"""Invitation pages: the therapist's "Invite to the portal" (link, code, QR code, printable
sheet), the patient's pages that take the link or the code and set the password, and the
landing page of a pairing link. Visibility and single use are decided by the services."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from ..auth.access import public, role_required, signed_in_user
from ..auth.forms import PASSWORD_PROBLEM_TEXT
from ..models import Invitation, Role, pk, utcnow
from ..services.accounts import invitations, throttle
from ..services.accounts.password_policy import WeakPassword
from ..services.clinic import patients
from ..services.errors import Conflict, Invalid
from ..services.mail import MailError, send_mail
from ..storage.db import get_session
from ..web import record_reads
from ..web.qr import qr_svg_data_uri
from ..web.urls import external_url, hub_url
from . import bp
from .forms import AcceptForm, CodeForm, InviteForm, WithdrawForm

#: Wrong codes typed at /invite are throttled like failed logins (per address).
CODE_POLICY = throttle.ThrottlePolicy(free=5, lock=20, lock_minutes=15)

REFUSAL_TEXT = {
    invitations.Refusal.unknown: _l(
        "This invitation link or code is not valid. Check that you typed it exactly as "
        "printed, or ask your therapist for a new invitation."
    ),
    invitations.Refusal.expired: _l("This invitation has expired. Ask your therapist for a new one."),
    invitations.Refusal.used: _l(
        "This invitation was already used. If you set your password, log in with your e-mail "
        "address; otherwise ask your therapist for a new invitation."
    ),
    invitations.Refusal.revoked: _l("This invitation was withdrawn. Ask your therapist for a new one."),
}


def _refused(reason: invitations.Refusal) -> tuple[str, int]:
    return render_template("onboarding/refused.html", message=str(REFUSAL_TEXT[reason])), 410


# --------------------------------------------------------------- therapist side
@bp.route("/patients/<int:patient_id>/invite", methods=["GET", "POST"])
@role_required(Role.therapist, Role.admin)
def invite(patient_id: int):
    db = get_session()
    user = signed_in_user()
    patient = patients.get_patient_for(db, user=user, patient_id=patient_id)
    if user.role == Role.therapist:
        patients.require_own_patient(user, patient)
    record_reads.note_read(pk(patient), "invite_page")
    form = InviteForm()
    if request.method == "GET":
        form.locale.data = user.locale or "it"
    if form.validate_on_submit():
        try:
            issued = invitations.invite_patient(
                db,
                actor=user,
                patient=patient,
                email=form.email.data,
                locale=form.locale.data,
                ip=request.remote_addr,
            )
        except (Invalid, Conflict) as exc:
            db.rollback()
            form.email.errors = [*form.email.errors, _message(exc)]
        else:
            if form.send_email.data:
                mail_invitation(issued)
            return invitation_sheet(issued, patient_code=patient.code)
    return render_template(
        "onboarding/invite.html",
        form=form,
        patient=patient,
        open_invitations=invitations.open_invitations(db, patient_id=pk(patient)),
        withdraw_form=WithdrawForm(),
    ), 400 if form.errors else 200


@bp.route("/invitations/<int:invitation_id>/withdraw", methods=["POST"])
@role_required(Role.therapist, Role.admin)
def withdraw(invitation_id: int):
    """Withdraw an open invitation of one's own patient (audited); its link stops working."""
    db = get_session()
    if not WithdrawForm().validate_on_submit():
        return redirect(url_for("home.index"))
    row = invitations.revoke(db, actor=signed_in_user(), invitation_id=invitation_id, ip=request.remote_addr)
    flash(_("Invitation withdrawn: its link and code no longer work."), "success")
    if row.patient_id is not None:
        return redirect(url_for("onboarding.invite", patient_id=row.patient_id))
    return redirect(url_for("home.index"))


def _message(exc: Invalid | Conflict) -> str:
    if "already has an account" in exc.message:
        return _("This patient already has an account. An administrator can reset its password.")
    if "already exists" in exc.message:
        return _("Another account already uses this e-mail address.")
    return _("This is not a valid e-mail address.")


def mail_invitation(issued: invitations.IssuedInvitation) -> None:
    """E-mail the link and code in the invitee's language (the sheet is shown anyway); a mail
    server that refuses is said on the page, the invitation stays valid."""
    inv = issued.invitation
    link = external_url("onboarding.accept", token=issued.token)
    with force_locale(inv.locale or "en"):
        subject = (
            _("A new password for SmartTouch") if inv.purpose == "reset" else _("Invitation to SmartTouch")
        )
        text = _(
            "Open this link to choose your password: %(link)s\n\nOr go to %(url)s and type the code "
            "%(code)s.\n\nThe invitation works once and expires on %(time)s.",
            link=link,
            url=external_url("onboarding.enter_code"),
            code=issued.code,
            time=format_datetime(inv.expires_at, "short"),
        )
    try:
        send_mail(current_app.config, to=inv.email, subject=subject, text=text)
    except MailError:
        flash(_("The e-mail could not be sent: print the invitation or give the link by hand."), "error")
    else:
        flash(_("The invitation was also sent to %(email)s.", email=inv.email), "info")


def invitation_sheet(issued: invitations.IssuedInvitation, *, patient_code: str | None) -> str:
    """The one-page invitation (shown once: only digests are stored)."""
    link = external_url("onboarding.accept", token=issued.token)
    return render_template(
        "onboarding/sheet.html",
        inv=issued.invitation,
        link=link,
        code=issued.code,
        qr=qr_svg_data_uri(link),
        code_url=external_url("onboarding.enter_code"),
        patient_code=patient_code,
    )


# ----------------------------------------------------------------- patient side
def _accept_page(inv: Invitation, form: AcceptForm, *, token: str | None, code: str | None, status: int):
    return render_template("onboarding/accept.html", inv=inv, form=form, token=token, code=code), status


def _use(inv: Invitation, form: AcceptForm, *, token: str | None, code: str | None) -> Any:
    db = get_session()
    try:
        user = invitations.accept(
            db,
            invitation=inv,
            password=form.password.data,
            password_profile=current_app.config["ARGON2_PROFILE"],
            ip=request.remote_addr,
        )
    except WeakPassword as exc:
        db.rollback()
        form.password.errors = [str(PASSWORD_PROBLEM_TEXT[exc.problem])]
        return _accept_page(inv, form, token=token, code=code, status=400)
    except invitations.InvitationRefused as exc:
        db.rollback()
        return _refused(exc.reason)
    except Conflict:
        db.rollback()
        return _refused(invitations.Refusal.revoked)
    if current_user.is_authenticated:
        logout_user()
    locale = user.locale or session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user)
    session.permanent = True
    flash(
        _("Welcome! Your password is saved. From now on, log in with %(email)s.", email=user.email), "success"
    )
    return redirect(url_for("home.index"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept(token: str):
    """The invitation link: set a password (nothing is stored until it passes the policy)."""
    db = get_session()
    try:
        inv = invitations.find(db, token=token)
    except invitations.InvitationRefused as exc:
        return _refused(exc.reason)
    form = AcceptForm()
    if form.validate_on_submit():
        return _use(inv, form, token=token, code=None)
    return _accept_page(inv, form, token=token, code=None, status=400 if form.errors else 200)


@bp.route("/invite", methods=["GET", "POST"])
@public
def enter_code():
    """Typing the code printed on the invitation instead of opening the link."""
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("onboarding/code.html", form=form), 400 if form.errors else 200
    db = get_session()
    keys = [f"invite:{request.remote_addr or 'unknown'}"]
    verdict = throttle.check(db, keys=keys, now=utcnow(), policy=CODE_POLICY)
    if not verdict.allowed:
        form.code.errors = [_("Too many wrong codes. Please wait a few minutes and try again.")]
        return render_template("onboarding/code.html", form=form), 429
    try:
        inv = invitations.find(db, code=form.code.data)
    except invitations.InvitationRefused as exc:
        throttle.record_failure(db, keys=keys, now=utcnow(), policy=CODE_POLICY)
        if exc.reason == invitations.Refusal.unknown:
            form.code.errors = [_("This code is not valid. Check it, or ask your therapist for a new one.")]
            return render_template("onboarding/code.html", form=form), 400
        return _refused(exc.reason)
    code = form.code.data
    accept_form = AcceptForm()
    if "password" in request.form:
        if accept_form.validate():
            return _use(inv, accept_form, token=None, code=code)
        return _accept_page(inv, accept_form, token=None, code=code, status=400)
    return _accept_page(inv, AcceptForm(formdata=None), token=None, code=code, status=200)


# -------------------------------------------------------------------- pairing
@bp.route("/pair/<code>")
@public
def pairing_link(code: str):
    """Where a pairing QR code leads: how to pair the home computer with this code."""
    return render_template("onboarding/pair.html", code=code[:20], hub=hub_url(), link=request.base_url)


def pairing_qr(code: str) -> dict[str, str]:
    """The pairing URL of ``code`` and its QR code (for the devices page)."""
    link = external_url("onboarding.pairing_link", code=code)
    return {"link": link, "qr": qr_svg_data_uri(link), "hub": hub_url()}


@bp.app_template_global()
def pairing_link_for(code: str) -> dict[str, str]:
    return pairing_qr(code)
