"""Data-rights routes. Visibility by ``can_view_patient`` (404 otherwise); the services decide
who may download, consent, donate or erase."""

from __future__ import annotations

import tempfile

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlmodel import col, select

from ..auth.access import role_required, signed_in_user
from ..i18n.language import hub_tz, local_today
from ..models import Patient, Role, pk
from ..services.clinic import patients
from ..services.errors import Conflict, Invalid
from ..services.rights import data_rights, donation, erasure
from ..services.rights.fhir.codes import DEFAULT_BASE
from ..storage.blobstore import get_blobstore
from ..storage.db import get_session
from ..web import record_reads
from . import bp
from .forms import ArchiveForm, ConsentForm, DonateForm, EraseForm, WithdrawConsentForm

ADMIN_LIST_LIMIT = 500


def _send_archive(patient: Patient):
    """Build the archive into a spooled temporary file and send it as a download."""
    out = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
    data_rights.write_archive(
        get_session(),
        patient=patient,
        actor=signed_in_user(),
        store=get_blobstore(),
        out=out,
        today=local_today(),
        tz=hub_tz(),
        base=current_app.config.get("FHIR_BASE_URL") or DEFAULT_BASE,
        via="web",
        ip=request.remote_addr,
    )
    out.seek(0)
    record_reads.note_read(pk(patient), "data_archive")
    name = f"smarttouch-{patient.code}-{local_today().isoformat()}.zip"
    return send_file(out, mimetype="application/zip", as_attachment=True, download_name=name)


@bp.get("/")
@role_required(Role.therapist, Role.admin)
def index():
    db = get_session()
    user = signed_in_user()
    stmt = select(Patient).order_by(col(Patient.code))
    if user.role == Role.therapist:
        stmt = stmt.where(Patient.therapist_id == user.id)
    rows = db.exec(stmt.limit(ADMIN_LIST_LIMIT)).all()
    return render_template("datarights/index.html", patients=rows, limit=ADMIN_LIST_LIMIT)


@bp.get("/me")
@role_required(Role.patient)
def mine():
    db = get_session()
    patient = patients.patient_of_user(db, user=signed_in_user())
    consent = donation.active_consent(db, patient=patient) if patient else None
    return render_template(
        "datarights/mine.html", patient=patient, consent=consent, archive_form=ArchiveForm()
    )


@bp.post("/me/archive")
@role_required(Role.patient)
def my_archive():
    patient = patients.patient_of_user(get_session(), user=signed_in_user())
    if patient is None or not ArchiveForm().validate_on_submit():
        return redirect(url_for("datarights.mine"))
    return _send_archive(patient)


def _patient(patient_id: int) -> Patient:
    return patients.get_patient_for(get_session(), user=signed_in_user(), patient_id=patient_id)


@bp.get("/patients/<int:patient_id>")
@role_required(Role.therapist, Role.admin)
def patient_page(patient_id: int):
    db = get_session()
    patient = _patient(patient_id)
    user = signed_in_user()
    own = user.role == Role.therapist and patient.therapist_id == user.id
    record_reads.note_read(pk(patient), "data_rights_page")
    return render_template(
        "datarights/patient.html",
        patient=patient,
        own=own,
        consent=donation.active_consent(db, patient=patient),
        donated=donation.donated_count(db, patient=patient),
        donatable=len(donation.donatable_sessions(db, patient=patient)),
        archive_form=ArchiveForm(),
        consent_form=ConsentForm(),
        withdraw_form=WithdrawConsentForm(),
        donate_form=DonateForm(),
    )


@bp.post("/patients/<int:patient_id>/archive")
@role_required(Role.therapist, Role.admin)
def archive(patient_id: int):
    patient = _patient(patient_id)
    if not ArchiveForm().validate_on_submit():
        return redirect(url_for("datarights.patient_page", patient_id=patient.id))
    return _send_archive(patient)


@bp.post("/patients/<int:patient_id>/consent")
@role_required(Role.therapist)
def record_consent(patient_id: int):
    patient = _patient(patient_id)
    form = ConsentForm()
    if form.validate_on_submit():
        try:
            donation.record_consent(
                get_session(),
                patient=patient,
                therapist=signed_in_user(),
                evidence=form.evidence.data or "",
                ip=request.remote_addr,
            )
        except (Invalid, Conflict) as exc:
            flash(exc.message, "error")
        else:
            flash(_("Research consent recorded."), "success")
    else:
        flash(_("Say how the consent was given."), "error")
    return redirect(url_for("datarights.patient_page", patient_id=patient.id))


@bp.post("/patients/<int:patient_id>/consent/withdraw")
@role_required(Role.therapist)
def withdraw_consent(patient_id: int):
    patient = _patient(patient_id)
    if WithdrawConsentForm().validate_on_submit():
        try:
            donation.withdraw_consent(
                get_session(), patient=patient, therapist=signed_in_user(), ip=request.remote_addr
            )
        except Invalid as exc:
            flash(exc.message, "error")
        else:
            flash(_("Consent withdrawn: no new dataset will include this patient's sessions."), "success")
    return redirect(url_for("datarights.patient_page", patient_id=patient.id))


@bp.post("/patients/<int:patient_id>/donate")
@role_required(Role.therapist)
def donate(patient_id: int):
    patient = _patient(patient_id)
    if DonateForm().validate_on_submit():
        try:
            n = donation.donate_sessions(
                get_session(), patient=patient, therapist=signed_in_user(), ip=request.remote_addr
            )
        except Invalid as exc:
            flash(exc.message, "error")
        else:
            flash(ngettext("%(num)d session donated.", "%(num)d sessions donated.", n), "success")
    return redirect(url_for("datarights.patient_page", patient_id=patient.id))


@bp.route("/patients/<int:patient_id>/erase", methods=["GET", "POST"])
@role_required(Role.therapist, Role.admin)
def erase(patient_id: int):
    db = get_session()
    patient = _patient(patient_id)
    if not erasure.may_erase(signed_in_user(), patient):
        return redirect(url_for("datarights.patient_page", patient_id=patient.id))
    form = EraseForm()
    if form.validate_on_submit():
        try:
            report = erasure.erase_patient(
                db,
                patient=patient,
                actor=signed_in_user(),
                store=get_blobstore(),
                confirm_code=form.confirm_code.data or "",
                ip=request.remote_addr,
            )
        except Invalid:
            form.confirm_code.errors = [*form.confirm_code.errors, _("The code does not match this patient.")]
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            flash(_("The patient has been erased (reference %(ref)s).", ref=report.reference), "success")
            if report.blob_errors:
                flash(
                    _(
                        "%(num)d recordings could not be deleted from the file store. Ask the hub's "
                        "administrator to delete them: the audit log lists them under %(ref)s.",
                        num=len(report.blob_errors),
                        ref=report.reference,
                    ),
                    "error",
                )
            return redirect(url_for("datarights.index"))
    status = 400 if form.errors else 200
    record_reads.note_read(pk(patient), "erase_page")
    return render_template(
        "datarights/erase.html", patient=patient, form=form, preview=erasure.preview(db, patient=patient)
    ), status
