"""The assignment editor: add, change and end exercises in a patient's plan (the patient's
own therapist only; every change is audited by :mod:`..services.plans`)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from smarttouch.sensors.placements import default_side, default_site

from ..auth.access import role_required, signed_in_user
from ..i18n.language import local_today
from ..i18n.vocab import MOVEMENTS, activity_title
from ..models import Activity, AssignmentUpdate, Role, pk
from ..services.clinic import catalogue, patients, plans
from ..services.clinic.plans import validate_assignment
from ..services.errors import Invalid
from ..storage.db import get_session
from ..web import record_reads
from ..web.formutil import choices
from . import bp
from .forms import AssignmentForm, EditAssignmentForm, EndAssignmentForm


def _plan_fields(form: AssignmentForm) -> dict:
    return dict(
        movement=form.movement.data,
        target_rom_deg=float(form.target_rom_deg.data),
        max_rom_deg=float(form.max_rom_deg.data) if form.max_rom_deg.data else None,
        reps=form.reps.data,
        sets=form.sets.data,
        sessions_per_week=form.sessions_per_week.data,
        difficulty=form.difficulty.data,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        therapist_note=form.therapist_note.data or "",
        # left out when the post has none (see AssignmentForm.side)
        **({"side": form.side.data} if form.side.data else {}),
        **({"placement": form.placement.data} if form.placement.data else {}),
    )


@bp.route("/patients/<int:patient_id>/assignments/new", methods=["GET", "POST"])
@role_required(Role.therapist)
def new_assignment(patient_id: int):
    db = get_session()
    patient = patients.get_patient_for(db, user=signed_in_user(), patient_id=patient_id)
    patients.require_own_patient(signed_in_user(), patient)
    form = AssignmentForm()
    if request.method == "GET":
        record_reads.note_read(pk(patient), "plan_editor")
        movement = form.movement.data or next(iter(MOVEMENTS))
        form.side.data = default_side(movement, patient.affected_side)
        form.placement.data = default_site(movement)
    activities = catalogue.list_activities(db)
    form.activity_id.choices = choices((a.id, activity_title(a)) for a in activities)
    if form.validate_on_submit():
        try:
            fields = _plan_fields(form)
            fields.setdefault("side", default_side(fields["movement"], patient.affected_side))
            data = validate_assignment(activity_id=form.activity_id.data, **fields)
            plans.create_assignment(
                db, therapist=signed_in_user(), patient=patient, data=data, ip=request.remote_addr
            )
        except Invalid as exc:
            flash(exc.message, "error")
        else:
            flash(_("Exercise added to the plan."), "success")
            return redirect(url_for("patients.detail", patient_id=patient.id, tab="plan"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "patients/assignment_form.html", form=form, patient=patient, activities=activities, assignment=None
    ), status


@bp.route("/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
@role_required(Role.therapist)
def edit_assignment(assignment_id: int):
    db = get_session()
    assignment, patient = plans.get_assignment_for(
        db, therapist=signed_in_user(), assignment_id=assignment_id
    )
    activity = db.get_one(Activity, assignment.activity_id)
    if request.method == "GET":
        record_reads.note_read(pk(patient), "plan_editor", target_id=assignment.id)
    form = EditAssignmentForm(obj=assignment if request.method == "GET" else None)
    if request.method == "GET":
        form.placement.data = assignment.sensor_site()
    form.activity_id.choices = choices([(activity.id, activity_title(activity))])
    form.activity_id.data = activity.id
    if form.validate_on_submit():
        fields = _plan_fields(form)
        # an optional field left empty removes its value (audited as old -> none)
        cleared = {f for f in plans.CLEARABLE_FIELDS if fields[f] is None}
        try:
            plans.update_assignment(
                db,
                therapist=signed_in_user(),
                assignment=assignment,
                changes=AssignmentUpdate(**fields),
                clear=cleared,
                ip=request.remote_addr,
                today=local_today(),
            )
        except Invalid as exc:
            flash(exc.message, "error")
        else:
            flash(_("Exercise updated."), "success")
            return redirect(url_for("patients.detail", patient_id=patient.id, tab="plan") + "#plan")
    status = 400 if request.method == "POST" else 200
    return render_template(
        "patients/assignment_form.html",
        form=form,
        patient=patient,
        activities=[activity],
        assignment=assignment,
    ), status


@bp.route("/assignments/<int:assignment_id>/end", methods=["POST"])
@role_required(Role.therapist)
def end_assignment(assignment_id: int):
    db = get_session()
    assignment, patient = plans.get_assignment_for(
        db, therapist=signed_in_user(), assignment_id=assignment_id
    )
    form = EndAssignmentForm()
    if form.validate_on_submit():
        if request.form.get("confirm") != "yes":  # the plan's End button asks first
            activity = db.get(Activity, assignment.activity_id)
            return render_template(
                "patients/end_confirm.html",
                assignment=assignment,
                activity=activity,
                patient=patient,
                form=form,
            )
        plans.end_assignment(
            db, therapist=signed_in_user(), assignment=assignment, ip=request.remote_addr, today=local_today()
        )
        flash(_("Exercise ended. You can undo this today from the patient's page."), "success")
    return redirect(url_for("patients.detail", patient_id=patient.id, tab="plan"))
