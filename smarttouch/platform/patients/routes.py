"""Patient pages: the caseload, a new patient, the patient's progress page and alert
acknowledgement. Visibility and ownership are decided by the services (404 otherwise)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _

from ..auth.access import role_required, signed_in_user
from ..i18n.language import hub_tz, local_today
from ..i18n.vocab import CONDITIONS, SIDES
from ..models import Role, pk
from ..services.clinic import alerts, caseload, dashboard, patients, plans
from ..services.clinic.patients import validate_patient
from ..services.errors import Conflict, Invalid
from ..storage.db import get_session
from ..web import record_reads
from . import bp, figures
from .forms import AcknowledgeAlertForm, EndAssignmentForm, PatientForm
from .labels import ALERT_KINDS, METRICS, UNITS

SESSIONS_SHOWN = 60


def render_caseload():
    """The therapist's patient list (also the therapist's home page)."""
    query = request.args.get("q", "")[:100]
    sort = request.args.get("sort", "code")
    sort = sort if sort in caseload.SORT_KEYS else "code"
    descending = request.args.get("dir") == "desc"
    conditions = {k: str(v) for k, v in CONDITIONS.items()}
    rows = caseload.caseload(
        get_session(),
        therapist=signed_in_user(),
        today=local_today(),
        tz=hub_tz(),
        query=query,
        sort=sort,
        descending=descending,
        condition_labels=conditions,
    )
    record_reads.note_reads((pk(r.patient) for r in rows), "caseload")
    # translated once per page, not once per row (a caseload may have hundreds of rows)
    locale, tz = get_locale(), get_timezone()
    last = {
        r.patient.id: babel_dates.format_datetime(r.last_session_at, "short", tzinfo=tz, locale=locale)
        for r in rows
        if r.last_session_at is not None
    }
    words = {
        "up": _("rising"),
        "down": _("falling"),
        "flat": _("no clear change"),
        "wk": _("wk"),
        "none": _("none"),
        "no_plan": _("(no plan)"),
        "few": _("not enough sessions"),
        "never": _("No sessions yet"),
        "of": _("%(done)d of %(planned)d"),
        "latest": _("latest %(deg)s°"),
    }
    return render_template(
        "patients/caseload.html",
        rows=rows,
        query=query,
        sort=sort,
        descending=descending,
        conditions=conditions,
        sides={k: str(v) for k, v in SIDES.items()},
        alert_kinds={k: str(v) for k, v in ALERT_KINDS.items()},
        last=last,
        words=words,
    )


@bp.route("/patients")
@role_required(Role.therapist)
def index():
    return render_caseload()


@bp.route("/patients/new", methods=["GET", "POST"])
@role_required(Role.therapist)
def create():
    db = get_session()
    form = PatientForm()
    if request.method == "GET":
        form.code.data = patients.new_patient_code(db)
    if form.validate_on_submit():
        try:
            data = validate_patient(
                code=form.code.data,
                display_name=form.display_name.data or None,
                condition=form.condition.data,
                affected_side=form.affected_side.data,
                birth_year=form.birth_year.data,
                notes=form.notes.data or "",
            )
            patient = patients.create_patient(
                db, therapist=signed_in_user(), data=data, ip=request.remote_addr
            )
        except (Invalid, Conflict) as exc:
            form.code.errors = [*form.code.errors, exc.message]
        else:
            flash(_("Patient %(code)s created.", code=patient.code), "success")
            return redirect(url_for("patients.detail", patient_id=patient.id))
    status = 400 if form.errors else 200
    return render_template("patients/form.html", form=form), status


def _charts(overview: dashboard.PatientOverview, tz: ZoneInfo) -> list:
    trends = overview.report["trends"]
    return [
        figures.rom_chart(overview.points, tz, targets=overview.targets, trend=trends.get("rom_deg")),
        figures.reps_chart(overview.points, tz, targets=overview.targets, trend=trends.get("reps")),
        figures.sparc_chart(overview.points, tz, trend=trends.get("sparc")),
        figures.tremor_chart(overview.points, tz, trend=trends.get("tremor_amplitude_deg")),
        figures.score_chart(overview.points, tz),
        figures.adherence_chart(overview.weeks),
    ]


@bp.route("/patients/<int:patient_id>")
@role_required(Role.therapist, Role.patient, Role.admin)
def detail(patient_id: int):
    db = get_session()
    user = signed_in_user()
    patient = patients.get_patient_for(db, user=user, patient_id=patient_id)
    is_own_therapist = user.role == Role.therapist and patient.therapist_id == user.id
    tz = hub_tz()
    overview = dashboard.patient_overview(
        db, patient=patient, today=local_today(), tz=tz, period=request.args.get("period", "")
    )
    record_reads.note_read(pk(patient), "patient_page")
    activities = {act.id: act for _a, act in overview.assignments}
    history = plans.plan_history(db, patient=patient) if user.role != Role.patient else []
    return render_template(
        "patients/detail.html",
        patient=patient,
        ov=overview,
        charts=_charts(overview, tz),
        assignments=overview.assignments,
        activities=activities,
        today=overview.today,
        history=history,
        can_edit=is_own_therapist,
        end_form=EndAssignmentForm(),
        ack_form=AcknowledgeAlertForm(),
        open_alerts=alerts.open_alerts(db, patient_id=pk(patient)),
        past_alerts=[
            a for a in alerts.recent_alerts(db, patient_id=pk(patient)) if a.acknowledged_at is not None
        ][:10],
        sessions=list(reversed(overview.points))[:SESSIONS_SHOWN],
        periods=dashboard.PERIODS,
        metric_labels=METRICS,
        units=UNITS,
        tz=tz,
    )


@bp.route("/alerts/<int:alert_id>/acknowledge", methods=["POST"])
@role_required(Role.therapist)
def acknowledge_alert(alert_id: int):
    db = get_session()
    if not AcknowledgeAlertForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(url_for("patients.index"))
    alert = alerts.acknowledge(db, therapist=signed_in_user(), alert_id=alert_id, ip=request.remote_addr)
    flash(_("Alert acknowledged."), "success")
    return redirect(url_for("patients.detail", patient_id=alert.patient_id) + "#alerts")
