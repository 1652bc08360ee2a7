"""``/my/pilots``: the pilots the patient is invited to, in plain words; consenting and
withdrawing (at any time, audited by the pilot service). Only the signed-in patient's own
invitations are listed or changed; anything else is not found."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..auth.access import role_required, signed_in_user
from ..i18n.language import hub_tz, local_today
from ..models import Role
from ..pilots import errors
from ..pilots.forms import ConsentForm, PortalWithdrawForm
from ..services.clinic import patients
from ..services.errors import Invalid, NotFound
from ..services.pilots import enrolment as pilot_enrolment
from ..services.pilots import pilots as pilot_service
from ..storage.db import get_session
from . import bp


def _mine():
    db = get_session()
    patient = patients.patient_of_user(db, user=signed_in_user())
    return db, patient


def _own_invitation(db, patient, pilot_id: int):
    if patient is not None:
        for enrolment, pilot in pilot_service.patient_pilots(db, patient=patient):
            if pilot.id == pilot_id:
                return enrolment, pilot
    raise NotFound(f"no invitation to pilot {pilot_id}")


def _flash_outcome(change: Callable[[], object], done: str) -> None:
    """Run the pilot service's ``change``; flash ``done``, or the service's reason why not."""
    try:
        change()
    except Invalid as exc:
        flash(errors.message(exc), "error")
    else:
        flash(done, "success")


@bp.route("/my/pilots")
@role_required(Role.patient)
def pilots():
    db, patient = _mine()
    rows = pilot_service.patient_pilots(db, patient=patient) if patient is not None else []
    return render_template(
        "portal/pilots.html",
        patient=patient,
        rows=rows,
        consent_form=ConsentForm(),
        withdraw_form=PortalWithdrawForm(),
    )


@bp.route("/my/pilots/<int:pilot_id>/consent", methods=["POST"])
@role_required(Role.patient)
def pilot_consent(pilot_id: int):
    db, patient = _mine()
    _enrolment, pilot = _own_invitation(db, patient, pilot_id)
    form = ConsentForm()
    if form.validate_on_submit():
        _flash_outcome(
            lambda: pilot_enrolment.record_consent(
                db, pilot=pilot, patient=patient, by=signed_in_user(), ip=request.remote_addr
            ),
            _("Thank you: you take part in this pilot. You can withdraw at any time."),
        )
        return redirect(url_for("portal.pilots"))
    rows = pilot_service.patient_pilots(db, patient=patient)
    return render_template(
        "portal/pilots.html",
        patient=patient,
        rows=rows,
        consent_form=form,
        consent_pilot=pilot_id,
        withdraw_form=PortalWithdrawForm(),
    ), 400


@bp.route("/my/pilots/<int:pilot_id>/withdraw", methods=["POST"])
@role_required(Role.patient)
def pilot_withdraw(pilot_id: int):
    db, patient = _mine()
    _enrolment, pilot = _own_invitation(db, patient, pilot_id)
    form = PortalWithdrawForm()
    if form.validate_on_submit():
        _flash_outcome(
            lambda: pilot_enrolment.withdraw(
                db,
                pilot=pilot,
                patient=patient,
                by=signed_in_user(),
                reason=form.reason.data or "",
                ip=request.remote_addr,
                today=local_today(),
                tz=hub_tz(),
            ),
            _("You no longer take part in this pilot. No new data of yours is used for it.")
            + " "
            + _("The pilot's game is no longer in your plan, and your therapist is told."),
        )
    return redirect(url_for("portal.pilots"))
