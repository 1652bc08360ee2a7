"""Patient pages: the caseload, a new patient, the patient's progress page and alert
acknowledgement. Visibility and ownership are decided by the services (404 otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone, ngettext
from flask_babel import gettext as _

from ..auth.access import role_required, signed_in_user
from ..i18n import units
from ..i18n.language import hub_tz, local_today
from ..i18n.vocab import CONDITIONS, SIDES
from ..models import AssignmentVersion, Role, pk
from ..services.clinic import alerts, caseload, dashboard, patients, plans
from ..services.clinic.patients import validate_patient
from ..services.errors import Conflict, Invalid
from ..storage.db import get_session
from ..web import record_reads
from . import bp, figures
from .alert_text import reason_text
from .forms import AcknowledgeAlertForm, EndAssignmentForm, PatientForm
from .labels import ALERT_KINDS, METRICS, UNITS

SESSIONS_SHOWN = 60


def render_caseload():
    """The therapist's patient list (also the therapist's home page)."""
    query = request.args.get("q", "")[:100]
    sort = request.args.get("sort", "need")
    sort = sort if sort in caseload.SORT_KEYS else "need"
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
    # translated and formatted once per page, not once per row through the template's
    # filters (a caseload may have hundreds of rows)
    lang, tz = str(get_locale() or "en"), get_timezone()
    last = {
        r.patient.id: units.short_datetime(r.last_session_at, tz, locale=lang)
        for r in rows
        if r.last_session_at is not None
    }
    slopes = {
        r.patient.id: units.number(r.trend.slope_per_week, 1, signed=True, locale=lang)
        for r in rows
        if r.trend is not None
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
        "starts_today": _("plan starts today"),
        "since": _("plan since %(date)s"),
    }
    return render_template(
        "patients/caseload.html",
        rows=rows,
        attention=[r for r in rows if r.needs_attention],
        others=[r for r in rows if not r.needs_attention],
        reasons={r.patient.id: [reason_text(x) for x in r.reasons] for r in rows if r.reasons},
        ack_form=AcknowledgeAlertForm(),
        query=query,
        sort=sort,
        descending=descending,
        conditions=conditions,
        sides={k: str(v) for k, v in SIDES.items()},
        alert_kinds={k: str(v) for k, v in ALERT_KINDS.items()},
        last=last,
        slopes=slopes,
        latest={
            r.patient.id: words["latest"] % {"deg": units.number(r.latest_value, 0, locale=lang)}
            for r in rows
            if r.latest_value is not None
        },
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
                birth_date=form.birth_date.data,
                notes=form.notes.data or "",
            )
            patient = patients.create_patient(
                db, therapist=signed_in_user(), data=data, ip=request.remote_addr
            )
        except Conflict:
            form.code.errors = [*form.code.errors, _("This code is already used by another patient.")]
        except Invalid as exc:  # the form checks every rule first; this is a last resort
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


#: the patient page's tabs, in order (the first is the default)
TABS = ("overview", "progress", "sessions", "plan", "history")


@dataclass(frozen=True)
class SessionVsPlan:
    """One session beside the prescription in force on its day (None: no exercise linked)."""

    point: dashboard.SessionPoint
    version: AssignmentVersion | None

    @property
    def prescribed_reps(self) -> int | None:
        return self.version.reps * self.version.sets if self.version is not None else None

    @property
    def reps_met(self) -> bool | None:
        reps = self.point.metrics.get("reps")
        if reps is None or self.prescribed_reps is None:
            return None
        return reps >= self.prescribed_reps

    @property
    def rom_met(self) -> bool | None:
        """The largest repetition reached the target, as the page shows them (whole degrees:
        49.6 against 50 reads "50° / 50°", so it is met)."""
        rom = self.point.metrics.get("rom_deg")
        if rom is None or self.version is None:
            return None
        return round(rom) >= round(self.version.target_rom_deg)

    def in_words(self) -> str:
        """The session against its prescription, in words with the numbers."""
        if self.version is None:
            return _("Not linked to an exercise of the plan.")
        reps, rom = self.point.metrics.get("reps"), self.point.metrics.get("rom_deg")
        if reps is None and rom is None:
            return _("Not scored: nothing to compare.")
        if self.reps_met is not False and self.rom_met is not False:
            return _("As prescribed.")
        parts = []
        if reps is not None and self.prescribed_reps is not None and not self.reps_met:
            short = self.prescribed_reps - int(reps)
            parts.append(
                ngettext(
                    "%(num)d repetition fewer than the %(total)d prescribed",
                    "%(num)d repetitions fewer than the %(total)d prescribed",
                    short,
                    total=self.prescribed_reps,
                )
            )
        if rom is not None and not self.rom_met:
            parts.append(
                _(
                    "range %(gap)s below the target of %(target)s",
                    gap=units.metric_value("rom_deg", round(self.version.target_rom_deg) - round(rom)),
                    target=units.metric_value("target_rom_deg", self.version.target_rom_deg),
                )
            )
        text = "; ".join(parts) + "."
        return text[0].upper() + text[1:]


def _against_plan(ov: dashboard.PatientOverview, points: list[dashboard.SessionPoint]) -> list[SessionVsPlan]:
    out = []
    for p in points:
        aid = p.assignment_id
        version = (
            ov.history.version_on(aid, p.day) if aid is not None and aid in ov.history.versions else None
        )
        out.append(SessionVsPlan(p, version))
    return out


@bp.route("/patients/<int:patient_id>")
@role_required(Role.therapist, Role.patient, Role.admin)
def detail(patient_id: int):
    db = get_session()
    user = signed_in_user()
    patient = patients.get_patient_for(db, user=user, patient_id=patient_id)
    is_own_therapist = user.role == Role.therapist and patient.therapist_id == user.id
    tab = request.args.get("tab", TABS[0])
    tab = tab if tab in TABS else TABS[0]
    if tab == "history" and user.role == Role.patient:
        tab = TABS[0]
    tz = hub_tz()
    overview = dashboard.patient_overview(
        db, patient=patient, today=local_today(), tz=tz, period=request.args.get("period", "")
    )
    record_reads.note_read(pk(patient), "patient_page")
    activities = {act.id: act for _a, act in overview.assignments}
    history = (
        plans.plan_history(db, patient=patient) if user.role != Role.patient and tab == "history" else []
    )
    this_week = overview.calendar_weeks[-1] if overview.calendar_weeks else None
    newest = list(reversed(overview.points))
    return render_template(
        "patients/detail.html",
        patient=patient,
        tab=tab,
        tabs=TABS if user.role != Role.patient else TABS[:-1],
        ov=overview,
        charts=_charts(overview, tz) if tab == "progress" else [],
        assignments=overview.assignments,
        activities=activities,
        today=overview.today,
        history=history,
        can_edit=is_own_therapist,
        end_form=EndAssignmentForm(),
        ack_form=AcknowledgeAlertForm(),
        open_alerts=alerts.open_alerts(db, patient_id=pk(patient)),
        past_alerts=[a for a in alerts.recent_alerts(db, patient_id=pk(patient)) if not a.is_open][:10],
        sessions=_against_plan(overview, newest[: SESSIONS_SHOWN if tab == "sessions" else 3]),
        this_week=this_week,
        periods=dashboard.PERIODS,
        metric_labels=METRICS,
        units=UNITS,
        tz=tz,
    )


def _ids(name: str) -> list[int]:
    """The positive integer values of a repeated form field (others are ignored)."""
    return [int(v) for v in request.form.getlist(name) if v.isdigit() and 0 < int(v) < 2**31]


def _ack_failed(form: AcknowledgeAlertForm, back: str):
    if form.csrf_token.errors or not form.errors:
        flash(_("The form expired. Please try again."), "error")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(_("Note: %(error)s", error=error), "error")
    return redirect(back)


@bp.route("/alerts/<int:alert_id>/acknowledge", methods=["POST"])
@role_required(Role.therapist)
def acknowledge_alert(alert_id: int):
    db = get_session()
    form = AcknowledgeAlertForm()
    if not form.validate_on_submit():
        return _ack_failed(form, url_for("patients.index"))
    alert = alerts.acknowledge(
        db, therapist=signed_in_user(), alert_id=alert_id, note=form.note.data, ip=request.remote_addr
    )
    flash(_("Alert acknowledged."), "success")
    return redirect(url_for("patients.detail", patient_id=alert.patient_id) + "#alerts")


@bp.route("/alerts/acknowledge", methods=["POST"])
@role_required(Role.therapist)
def acknowledge_alerts():
    """Bulk acknowledgement: the checked alerts (``alert_id``) and every open alert of the
    checked patients (``patient_id``), with one optional note."""
    db = get_session()
    back = request.form.get("next", "")
    back = back if back.startswith("/") and not back.startswith("//") else url_for("patients.index")
    form = AcknowledgeAlertForm()
    if not form.validate_on_submit():
        return _ack_failed(form, back)
    alert_ids, patient_ids = _ids("alert_id"), _ids("patient_id")
    if not alert_ids and not patient_ids:
        flash(_("Select at least one alert or patient."), "error")
        return redirect(back)
    done = alerts.acknowledge_many(
        db,
        therapist=signed_in_user(),
        alert_ids=alert_ids,
        patient_ids=patient_ids,
        note=form.note.data,
        ip=request.remote_addr,
    )
    flash(ngettext("%(num)d alert acknowledged.", "%(num)d alerts acknowledged.", len(done)), "success")
    return redirect(back)
