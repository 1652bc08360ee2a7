"""``/messages`` (the therapist's inbox), ``/patients/<id>/messages`` (one thread, the
patient's therapist) and ``/my/messages`` (the patient's own thread). Who may read and
write is decided by :mod:`..services.clinic.messages` (404 otherwise)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..auth.access import role_required, signed_in_user
from ..models import Patient, Role, pk
from ..services.clinic import messages, patients
from ..storage.db import get_session
from ..web import record_reads
from . import bp


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Your message"),
        validators=[
            DataRequired(_l("Write a message before sending.")),
            Length(max=messages.MAX_BODY, message=_l("At most %(max)d characters.")),
        ],
        render_kw={"rows": 4, "maxlength": messages.MAX_BODY},
    )
    submit = SubmitField(_l("Send"))


@bp.app_template_global()
def unread_message_count() -> int:
    if not current_user.is_authenticated or current_user.role not in (Role.therapist, Role.patient):
        return 0
    return messages.unread_count(get_session(), user=signed_in_user())


def _thread(patient: Patient, back: str | None):
    db = get_session()
    user = signed_in_user()
    form = MessageForm()
    if form.validate_on_submit():
        messages.send(db, sender=user, patient=patient, body=form.body.data, ip=request.remote_addr)
        flash(_("Message sent."), "success")
        return redirect(request.path)
    thread = messages.read_thread(db, reader=user, patient=patient)
    if user.role == Role.therapist:
        record_reads.note_read(pk(patient), "messages")
    return render_template(
        "messages/thread.html", patient=patient, thread=thread, form=form, back=back
    ), 400 if form.errors else 200


@bp.route("/patients/<int:patient_id>/messages", methods=["GET", "POST"])
@role_required(Role.therapist)
def thread(patient_id: int):
    db = get_session()
    patient = patients.get_patient_for(db, user=signed_in_user(), patient_id=patient_id)
    messages.side_of(signed_in_user(), patient)
    return _thread(patient, url_for("patients.detail", patient_id=patient.id))


@bp.route("/my/messages", methods=["GET", "POST"])
@role_required(Role.patient)
def mine():
    patient = patients.patient_of_user(get_session(), user=signed_in_user())
    if patient is None:
        return render_template("messages/thread.html", patient=None, thread=[], form=None, back=None)
    return _thread(patient, url_for("portal.index"))


@bp.route("/messages")
@role_required(Role.therapist)
def inbox():
    threads = messages.inbox(get_session(), therapist=signed_in_user())
    return render_template("messages/inbox.html", threads=threads)
