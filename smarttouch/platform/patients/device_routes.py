"""Pairing a patient's home computer: create a one-time code, see and revoke devices
(:mod:`..services.devices`; the patient's own therapist only, audited there)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..auth.access import role_required, signed_in_user
from ..models import Role, pk
from ..services.clinic import devices, patients
from ..storage.db import get_session
from ..web import record_reads
from . import bp
from .forms import PairingCodeForm, RevokeDeviceForm


def _page(patient_id: int, code: str | None = None, expires_at=None, status: int = 200):
    db = get_session()
    patient = patients.get_patient_for(db, user=signed_in_user(), patient_id=patient_id)
    patients.require_own_patient(signed_in_user(), patient)
    return render_template(
        "patients/devices.html",
        patient=patient,
        devices=devices.list_devices(db, actor=signed_in_user(), patient_id=pk(patient)),
        code=code,
        expires_at=expires_at,
        pairing_form=PairingCodeForm(),
        revoke_form=RevokeDeviceForm(),
    ), status


@bp.route("/patients/<int:patient_id>/devices")
@role_required(Role.therapist)
def devices_page(patient_id: int):
    response = _page(patient_id)
    record_reads.note_read(patient_id, "devices_page")  # _page checked the therapist may see it
    return response


@bp.route("/patients/<int:patient_id>/devices/pairing-code", methods=["POST"])
@role_required(Role.therapist)
def create_pairing_code(patient_id: int):
    if not PairingCodeForm().validate_on_submit():
        return _page(patient_id, status=400)
    code, expires_at = devices.create_pairing_code(
        get_session(), actor=signed_in_user(), patient_id=patient_id, ip=request.remote_addr
    )
    return _page(patient_id, code=code, expires_at=expires_at)


@bp.route("/devices/<int:device_id>/revoke", methods=["POST"])
@role_required(Role.therapist)
def revoke_device(device_id: int):
    db = get_session()
    if not RevokeDeviceForm().validate_on_submit():
        return redirect(url_for("patients.index"))
    device = devices.revoke_device(db, actor=signed_in_user(), device_id=device_id, ip=request.remote_addr)
    flash(_("Device revoked: it can no longer send sessions."), "success")
    return redirect(url_for("patients.devices_page", patient_id=device.patient_id))
