"""``/admin/users`` and ``/admin/caseloads``: administrators manage accounts and who follows
which patient. Every change is audited by the services; bad input is shown at its field."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlmodel import col, select

from ..auth.access import role_required, signed_in_user
from ..models import Patient, Role, User
from ..onboarding.routes import invitation_sheet, mail_invitation
from ..services.accounts import administration, invitations
from ..services.accounts import users as accounts
from ..services.errors import Conflict, Invalid
from ..storage.db import get_session
from . import bp
from .forms import ActionForm, AssignForm, HandoverForm, RoleForm, StaffInviteForm

ERROR_TEXT = {
    "role: you cannot change your own role": _l("You cannot change your own role."),
    "role: a patient account keeps its role": _l("A patient account keeps its role."),
    "role: this therapist still follows patients; hand the caseload over first": _l(
        "This therapist still follows patients: hand the caseload over first."
    ),
    "account: you cannot deactivate your own account": _l("You cannot deactivate your own account."),
    "therapist: choose an active therapist": _l("Choose an active therapist."),
    "from: choose a therapist": _l("Choose a therapist."),
    "to: choose a different therapist": _l("Choose a different therapist."),
    "from: this therapist follows no patient": _l("This therapist follows no patient."),
    "account: reactivate the account before resetting its password": _l(
        "Reactivate the account before resetting its password."
    ),
}


def _text(exc: Invalid | Conflict) -> str:
    if "already exists" in exc.message:
        return _("Another account already uses this e-mail address.")
    known = ERROR_TEXT.get(exc.message)
    return str(known) if known else _("Check this value.")


def _therapists() -> list[User]:
    return list(
        get_session().exec(
            select(User)
            .where(User.role == Role.therapist, col(User.is_active).is_(True))
            .order_by(col(User.full_name))
        )
    )


@bp.route("/users", methods=["GET", "POST"])
@role_required(Role.admin)
def users():
    db = get_session()
    form = StaffInviteForm()
    if form.validate_on_submit():
        try:
            issued = invitations.invite_staff(
                db,
                actor=signed_in_user(),
                email=form.email.data,
                full_name=form.full_name.data,
                role=form.role.data,
                locale=form.locale.data,
                ip=request.remote_addr,
            )
        except (Invalid, Conflict) as exc:
            db.rollback()
            form.email.errors = [*form.email.errors, _text(exc)]
        else:
            if form.send_email.data:
                mail_invitation(issued)
            return invitation_sheet(issued, patient_code=None)
    return render_template(
        "staff/users.html",
        accounts=accounts.list_users(db),
        form=form,
        sizes=administration.caseload_sizes(db),
    ), 400 if form.errors else 200


def _user_page(account: User, role_form: RoleForm | None = None, error: str | None = None, status: int = 200):
    if role_form is None:
        role_form = RoleForm(
            formdata=None,
            role=account.role,
            is_reviewer=account.is_reviewer,
            is_challenge_manager=account.is_challenge_manager,
        )
    return render_template(
        "staff/user.html",
        account=account,
        role_form=role_form,
        action_form=ActionForm(),
        error=error,
        followed=administration.caseload_sizes(get_session()).get(account.id or 0, 0),
    ), status


@bp.route("/users/<int:user_id>")
@role_required(Role.admin)
def user_detail(user_id: int):
    return _user_page(administration.get_user(get_session(), user_id=user_id))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@role_required(Role.admin)
def change_role(user_id: int):
    db = get_session()
    account = administration.get_user(db, user_id=user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _user_page(account, form, status=400)
    try:
        administration.change_role(
            db,
            actor=signed_in_user(),
            user=account,
            role=form.role.data,
            is_reviewer=form.is_reviewer.data,
            is_challenge_manager=form.is_challenge_manager.data,
            ip=request.remote_addr,
        )
    except Invalid as exc:
        db.rollback()
        form.role.errors = [_text(exc)]
        return _user_page(account, form, status=400)
    flash(_("Role saved."), "success")
    return redirect(url_for("staff.user_detail", user_id=account.id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@role_required(Role.admin)
def set_active(user_id: int):
    db = get_session()
    account = administration.get_user(db, user_id=user_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("staff.user_detail", user_id=account.id))
    active = request.form.get("active") == "1"
    try:
        administration.set_account_active(
            db, actor=signed_in_user(), user=account, active=active, ip=request.remote_addr
        )
    except Invalid as exc:
        db.rollback()
        return _user_page(account, error=_text(exc), status=400)
    flash(_("Account reactivated.") if active else _("Account deactivated: its logins ended."), "success")
    return redirect(url_for("staff.user_detail", user_id=account.id))


@bp.route("/users/<int:user_id>/reset", methods=["POST"])
@role_required(Role.admin)
def reset_password(user_id: int):
    db = get_session()
    account = administration.get_user(db, user_id=user_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("staff.user_detail", user_id=account.id))
    try:
        issued = invitations.password_reset(db, actor=signed_in_user(), user=account, ip=request.remote_addr)
    except Invalid as exc:
        db.rollback()
        return _user_page(account, error=_text(exc), status=400)
    return invitation_sheet(issued, patient_code=None)


def _caseload_page(
    assign_errors: dict[int, str] | None = None, handover: HandoverForm | None = None, status: int = 200
):
    db = get_session()
    therapists = _therapists()
    options = [(t.id, f"{t.full_name} ({t.email})") for t in therapists]
    handover = handover or HandoverForm(formdata=None)
    all_therapists = list(
        db.exec(select(User).where(User.role == Role.therapist).order_by(col(User.full_name)))
    )
    handover.from_id.choices = [(t.id, f"{t.full_name} ({t.email})") for t in all_therapists]
    handover.to_id.choices = options
    return render_template(
        "staff/caseloads.html",
        patients=list(db.exec(select(Patient).order_by(col(Patient.code)))),
        therapists={t.id: t for t in all_therapists},
        options=options,
        assign_form=AssignForm(formdata=None),
        assign_errors=assign_errors or {},
        handover=handover,
        sizes=administration.caseload_sizes(db),
    ), status


@bp.route("/caseloads")
@role_required(Role.admin)
def caseloads():
    return _caseload_page()


@bp.route("/patients/<int:patient_id>/therapist", methods=["POST"])
@role_required(Role.admin)
def assign(patient_id: int):
    db = get_session()
    form = AssignForm()
    if not form.validate_on_submit():
        return _caseload_page({patient_id: _("Choose an active therapist.")}, status=400)
    try:
        patient = administration.assign_patient(
            db,
            actor=signed_in_user(),
            patient_id=patient_id,
            therapist_id=form.therapist_id.data,
            ip=request.remote_addr,
        )
    except Invalid as exc:
        db.rollback()
        return _caseload_page({patient_id: _text(exc)}, status=400)
    flash(_("%(code)s is now followed by the chosen therapist.", code=patient.code), "success")
    return redirect(url_for("staff.caseloads"))


@bp.route("/caseloads/handover", methods=["POST"])
@role_required(Role.admin)
def handover():
    db = get_session()
    form = HandoverForm()
    if not form.validate_on_submit():
        return _caseload_page(handover=form, status=400)
    try:
        done = administration.hand_over(
            db,
            actor=signed_in_user(),
            from_id=form.from_id.data,
            to_id=form.to_id.data,
            ip=request.remote_addr,
        )
    except Invalid as exc:
        db.rollback()
        target = form.from_id if exc.message.startswith("from:") else form.to_id
        target.errors = [*target.errors, _text(exc)]
        return _caseload_page(handover=form, status=400)
    flash(_handed_over(len(done.moved), done.to.full_name), "success")
    return redirect(url_for("staff.caseloads"))


def _handed_over(n: int, name: str) -> str:
    return ngettext(
        "%(num)d patient handed over to %(name)s.", "%(num)d patients handed over to %(name)s.", n, name=name
    )
