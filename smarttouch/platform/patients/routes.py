"""Patient pages. Visibility and ownership are decided by the services (404 otherwise)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import role_required
from ..db import get_session
from ..formutil import choices
from ..i18n import local_today
from ..models import Role
from ..services import catalogue, patients, plans
from ..services.errors import Conflict, Invalid
from ..services.patients import validate_patient
from ..services.plans import validate_assignment
from ..vocab import activity_title
from . import bp
from .forms import AssignmentForm, EndAssignmentForm, PatientForm


def _user():
    return current_user._get_current_object()


@bp.route("/patients/new", methods=["GET", "POST"])
@role_required(Role.therapist)
def create():
    db = get_session()
    form = PatientForm()
    if request.method == "GET":
        form.code.data = patients.new_patient_code(db)
    if form.validate_on_submit():
        try:
            data = validate_patient(code=form.code.data, display_name=form.display_name.data or None,
                                    condition=form.condition.data,
                                    affected_side=form.affected_side.data,
                                    birth_year=form.birth_year.data, notes=form.notes.data or "")
            patient = patients.create_patient(db, therapist=_user(), data=data,
                                              ip=request.remote_addr)
        except (Invalid, Conflict) as exc:
            form.code.errors = [*form.code.errors, exc.message]
        else:
            flash(_("Patient %(code)s created.", code=patient.code), "success")
            return redirect(url_for("patients.detail", patient_id=patient.id))
    status = 400 if form.errors else 200
    return render_template("patients/form.html", form=form), status


@bp.route("/patients/<int:patient_id>")
@role_required(Role.therapist, Role.patient, Role.admin)
def detail(patient_id: int):
    db = get_session()
    patient = patients.get_patient_for(db, user=_user(), patient_id=patient_id)
    is_own_therapist = _user().role == Role.therapist and patient.therapist_id == _user().id
    history = plans.plan_history(db, patient=patient) if _user().role != Role.patient else []
    return render_template("patients/detail.html", patient=patient,
                           assignments=patients.all_assignments(db, patient=patient),
                           today=local_today(), history=history, can_edit=is_own_therapist,
                           end_form=EndAssignmentForm())


@bp.route("/patients/<int:patient_id>/assignments/new", methods=["GET", "POST"])
@role_required(Role.therapist)
def new_assignment(patient_id: int):
    db = get_session()
    patient = patients.get_patient_for(db, user=_user(), patient_id=patient_id)
    patients.require_own_patient(_user(), patient)
    form = AssignmentForm()
    form.activity_id.choices = choices((a.id, activity_title(a))
                                       for a in catalogue.list_activities(db))
    if form.validate_on_submit():
        try:
            data = validate_assignment(
                activity_id=form.activity_id.data, movement=form.movement.data,
                target_rom_deg=float(form.target_rom_deg.data),
                max_rom_deg=float(form.max_rom_deg.data) if form.max_rom_deg.data else None,
                reps=form.reps.data, sets=form.sets.data,
                sessions_per_week=form.sessions_per_week.data,
                difficulty=form.difficulty.data, start_date=form.start_date.data,
                end_date=form.end_date.data, therapist_note=form.therapist_note.data or "")
            plans.create_assignment(db, therapist=_user(), patient=patient, data=data,
                                    ip=request.remote_addr)
        except Invalid as exc:
            flash(exc.message, "error")
        else:
            flash(_("Exercise added to the plan."), "success")
            return redirect(url_for("patients.detail", patient_id=patient.id))
    status = 400 if request.method == "POST" else 200
    return render_template("patients/assignment_form.html", form=form, patient=patient), status


@bp.route("/assignments/<int:assignment_id>/end", methods=["POST"])
@role_required(Role.therapist)
def end_assignment(assignment_id: int):
    db = get_session()
    assignment, patient = plans.get_assignment_for(db, therapist=_user(),
                                                   assignment_id=assignment_id)
    if EndAssignmentForm().validate_on_submit():
        plans.end_assignment(db, therapist=_user(), assignment=assignment,
                             ip=request.remote_addr)
        flash(_("Exercise ended."), "success")
    return redirect(url_for("patients.detail", patient_id=patient.id))
