"""``/library`` (activities and plan templates), ``/patients/<id>/plan-tools`` (save the
plan as a template, apply a template, copy the plan to another patient) and
``/assignments/<id>/resume`` (undo an exercise ended today). The patient's own therapist
only; every change is audited by the services."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import col, select

from ..auth.access import role_required, signed_in_user
from ..i18n.language import local_today
from ..i18n.vocab import CONDITIONS, activity_title, label
from ..models import Patient, Role, pk
from ..services.clinic import catalogue, messages, patients, plan_templates
from ..services.errors import Invalid
from ..storage.db import get_session
from ..web import record_reads
from ..web.formutil import choices
from . import bp
from .forms import ApplyTemplateForm, ConfirmForm, CopyPlanForm, SaveTemplateForm

#: the built-in games' catalogue descriptions (``GameInfo.description``, English), listed so
#: the translation catalogue has them; the library page shows ``_(activity.description)``
DESCRIPTIONS = (
    _l("Pop balloons placed at heights inside the calibrated range of motion."),
    _l("Each sit-to-stand grows the garden, which keeps growing across sessions."),
    _l("Steer a glider through rings by moving the wrist or turning the forearm."),
    _l("Hold a lantern steady along a path: trains steadiness and tremor control."),
)


@bp.route("/library")
@role_required(Role.therapist)
def index():
    from flask_babel import get_locale

    from smarttouch.games.sdk.registry import game_infos

    db = get_session()
    lang = "it" if str(get_locale()).startswith("it") else "en"
    how_to = {info.key: info.how_to_in(lang) for info in game_infos()}
    return render_template(
        "library/index.html",
        activities=catalogue.list_activities(db),
        how_to=how_to,
        templates=plan_templates.list_templates(db),
        delete_form=ConfirmForm(),
    )


@bp.route("/library/templates/<int:template_id>/delete", methods=["POST"])
@role_required(Role.therapist)
def delete_template(template_id: int):
    if ConfirmForm().validate_on_submit():
        plan_templates.delete_template(
            get_session(), actor=signed_in_user(), template_id=template_id, ip=request.remote_addr
        )
        flash(_("Template removed."), "success")
    return redirect(url_for("library.index"))


def _own_patient(patient_id: int) -> Patient:
    db = get_session()
    patient = patients.get_patient_for(db, user=signed_in_user(), patient_id=patient_id)
    patients.require_own_patient(signed_in_user(), patient)
    return patient


def _field_error(form_field, exc: Invalid) -> None:
    text = exc.message
    if text.startswith("name:"):
        msg = _("Give the template a name of at most 120 characters.")
    elif text.startswith("plan:"):
        msg = _("The patient has no current exercise: add exercises first.")
    elif text.startswith("template:") and "choose" not in text:
        msg = _("This template no longer fits the exercise catalogue: nothing was added.")
    elif text.startswith("patient:"):
        msg = _("Choose another patient.")
    elif text.startswith("condition:"):
        msg = _("Choose a condition of the list.")
    else:
        msg = _("Check this value.")
    form_field.errors = [*form_field.errors, msg]


@bp.route("/patients/<int:patient_id>/plan-tools", methods=["GET", "POST"])
@role_required(Role.therapist)
def plan_tools(patient_id: int):
    db = get_session()
    patient = _own_patient(patient_id)
    user = signed_in_user()
    record_reads.note_read(pk(patient), "plan_editor")  # the page shows the patient's plan
    save_form = SaveTemplateForm(prefix="save")
    apply_form = ApplyTemplateForm(prefix="apply")
    copy_form = CopyPlanForm(prefix="copy")
    templates = plan_templates.list_templates(db, condition=patient.condition)
    apply_form.template_id.choices = choices(
        (t.id, f"{t.name} ({label(CONDITIONS, t.condition)}, {len(t.items)})") for t in templates
    )
    others = db.exec(
        select(Patient)
        .where(Patient.therapist_id == user.id, Patient.id != patient.id)
        .order_by(col(Patient.code))
    ).all()
    copy_form.target_id.choices = choices((p.id, p.code) for p in others)
    if request.method == "GET":
        save_form.condition.data = patient.condition
    today, ip = local_today(), request.remote_addr
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if save_form.save.data and save_form.validate():
                plan_templates.save_template(
                    db,
                    therapist=user,
                    patient=patient,
                    name=save_form.name.data,
                    condition=save_form.condition.data,
                    today=today,
                    ip=ip,
                )
                flash(_("Plan saved as a template."), "success")
                return redirect(url_for("library.plan_tools", patient_id=patient.id))
            if apply_form.apply.data and apply_form.validate():
                added = plan_templates.apply_template(
                    db,
                    therapist=user,
                    patient=patient,
                    template_id=apply_form.template_id.data,
                    start=apply_form.start_date.data,
                    ip=ip,
                )
                flash(_("%(n)d exercises added to the plan.", n=len(added)), "success")
                return redirect(url_for("patients.detail", patient_id=patient.id))
            if copy_form.copy.data and copy_form.validate():
                target = _own_patient(copy_form.target_id.data)
                added = plan_templates.copy_plan(
                    db,
                    therapist=user,
                    source=patient,
                    target=target,
                    start=copy_form.start_date.data,
                    today=today,
                    ip=ip,
                )
                flash(_("%(n)d exercises copied to %(code)s.", n=len(added), code=target.code), "success")
                return redirect(url_for("patients.detail", patient_id=target.id))
        except Invalid as exc:
            db.rollback()
            field = (
                save_form.name
                if save_form.save.data
                else apply_form.template_id
                if apply_form.apply.data
                else copy_form.target_id
            )
            _field_error(field, exc)
    return render_template(
        "library/plan_tools.html",
        patient=patient,
        plan=patients.current_plan(db, patient=patient, today=today),
        save_form=save_form,
        apply_form=apply_form,
        copy_form=copy_form,
        templates=templates,
        has_others=bool(others),
    ), status


@bp.route("/assignments/<int:assignment_id>/resume", methods=["POST"])
@role_required(Role.therapist)
def resume(assignment_id: int):
    db = get_session()
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("patients.index"))
    try:
        assignment = plan_templates.undo_end(
            db,
            therapist=signed_in_user(),
            assignment_id=assignment_id,
            today=local_today(),
            ip=request.remote_addr,
        )
    except Invalid:
        flash(_("Only an exercise ended today can be resumed. Add it again instead."), "error")
        return redirect(url_for("patients.index"))
    flash(_("Exercise resumed."), "success")
    return redirect(url_for("patients.detail", patient_id=assignment.patient_id, tab="plan"))


@bp.app_template_global()
def onboarding_panel(patient: Patient) -> dict:
    """What the patient page's onboarding panel shows the patient's therapist: unread
    messages from the patient and the exercises ended today (which can still be resumed)."""
    db = get_session()
    user = signed_in_user()
    own = user.role == Role.therapist and patient.therapist_id == user.id
    return {
        "own": own,
        "unread": messages.unread_from_patient(db, patient_id=pk(patient)) if own else 0,
        "ended_today": plan_templates.ended_today(db, patient=patient, today=local_today()) if own else [],
        "resume_form": ConfirmForm(),
        "title": activity_title,
    }


@bp.app_template_global()
def suggested_target_for(patient: Patient) -> plan_templates.Suggestion | None:
    return plan_templates.suggested_target(get_session(), patient=patient)
