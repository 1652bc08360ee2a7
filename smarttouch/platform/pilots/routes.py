"""``/pilots`` (list), ``/pilots/new``, ``/pilots/<id>`` (outcomes), ``/pilots/<id>/enrol``,
``/pilots/<id>/report.pdf`` and ``.csv``, ``/pilots/<id>/close`` and the public
``/pilots/<id>/summary`` of a closed pilot.

Who sees what is the pilot service's rule (``can_view``); the views only choose how a patient
is named: the signed-in therapist's own patients by name and code, everyone else by the
pilot's pseudonym."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlmodel import Session, col, select

from ..auth.access import public, role_required, signed_in_user
from ..i18n.language import hub_tz, local_today
from ..models import Patient, Pilot, PilotStatus, Role, Solution, User, pk, utcnow
from ..services import audit
from ..services.accounts import permissions
from ..services.challenges import public as catalogue
from ..services.errors import Invalid, NotFound
from ..services.pilots import enrolment as pilot_enrolment
from ..services.pilots import export as pilot_export
from ..services.pilots import outcomes as pilot_outcomes
from ..services.pilots import pilots as pilot_service
from ..services.pilots import safety
from ..services.rights.fhir_export import FHIR_JSON
from ..storage.db import get_session
from ..web import record_reads
from ..web.formutil import choices
from ..web.urls import external_url, hub_url
from . import bp, errors, figures, report_csv
from .counts import MIN_CELL, paper_consents
from .forms import CloseForm, EnrolForm, PilotForm, WithdrawForm
from .naming import naming_for
from .safety_mail import SafetyMailer


def _staff() -> User:
    """Therapists, challenge managers and administrators use the pilot pages (403 for the
    others: developers and patients read a closed pilot's public summary only)."""
    user = signed_in_user()
    if not (user.role in (Role.therapist, Role.admin) or permissions.can_manage_challenges(user)):
        abort(403)
    return user


def _pilot(pilot_id: int) -> tuple[Session, User, Pilot]:
    db, user = get_session(), _staff()
    return db, user, pilot_service.get_pilot(db, pilot_id, viewer=user)


def _solution_name(db: Session, pilot: Pilot) -> str:
    solution = db.get(Solution, pilot.solution_id)
    return solution.name if solution is not None else "—"


@bp.route("/pilots")
def index():
    db, user = get_session(), _staff()
    return render_template(
        "pilots/list.html",
        rows=pilot_service.list_pilots(db, viewer=user),
        may_create=pilot_service.can_create(user),
    )


@bp.route("/pilots/new", methods=["GET", "POST"])
def new():
    db, user = get_session(), _staff()
    if not pilot_service.can_create(user):
        abort(403)
    approved = catalogue.approved_solutions(db, now=utcnow())
    form = PilotForm()
    form.solution_id.choices = choices(
        (pk(a.solution), a.solution.name) for a in approved if a.solution.kind == "game"
    )
    if request.method == "GET" and request.args.get("solution", "").isdigit():
        form.solution_id.data = int(request.args["solution"])
    if request.method == "POST" and form.validate():
        try:
            pilot = pilot_service.create_pilot(
                db, actor=user, data=errors.pilot_data(form), ip=request.remote_addr
            )
        except Invalid as exc:
            errors.to_fields(form, exc)
        else:
            flash(_("Pilot created. Invite patients to take part."), "success")
            return redirect(url_for("pilots.detail", pilot_id=pilot.id))
    status = 400 if form.errors else 200
    return render_template("pilots/new.html", form=form), status


@bp.route("/pilots/<int:pilot_id>")
def detail(pilot_id: int):
    db, user, pilot = _pilot(pilot_id)
    # the interim safety check runs whenever the page is looked at: a new flag is recorded,
    # audited and mailed once (to the creator and the managers, each in their language)
    notify = SafetyMailer(current_app.config, hub_url())
    safety_check = safety.check_safety(db, pilot, notify=notify, tz=hub_tz())
    rows = pilot_service.enrolments(db, pilot=pilot)
    naming = naming_for(db, user, (pk(p) for _e, p in rows))
    result = pilot_outcomes.compute_outcomes(db, pilot, tz=hub_tz())
    record_reads.note_reads(naming.identified_ids(), "pilot_page")
    return render_template(
        "pilots/detail.html",
        pilot=pilot,
        o=result,
        naming=naming,
        enrolments=rows,
        pseudonyms=_pseudonyms(result, rows),
        charts=figures.pilot_charts(result, naming),
        solution_name=_solution_name(db, pilot),
        safety=safety_check,
        may_enrol=user.role == Role.therapist and pilot.status != PilotStatus.closed,
        may_close=pilot_service.can_manage(user, pilot) and pilot.status != PilotStatus.closed,
        close_form=CloseForm(),
        withdraw_form=WithdrawForm(),
    )


def _pseudonyms(result, rows) -> dict[int, str]:
    """enrolment id -> the pseudonym the outcomes use (an invitation not answered yet: its
    place in the list)."""
    by_enrolment = {p.enrolment_id: p.pseudonym for p in result.patients}
    return {e.id: by_enrolment.get(e.id, f"S{i:02d}") for i, (e, _p) in enumerate(rows, start=1)}


def _enrollable(db: Session, therapist: User, pilot: Pilot) -> list[Patient]:
    """The therapist's own patients not yet invited to the pilot (inclusion is the service's
    to judge, with its reason at the field)."""
    invited = {e.patient_id for e, _p in pilot_service.enrolments(db, pilot=pilot)}
    mine = db.exec(
        select(Patient).where(Patient.therapist_id == therapist.id).order_by(col(Patient.code))
    ).all()
    return [p for p in mine if pk(p) not in invited]


@bp.route("/pilots/<int:pilot_id>/enrol", methods=["GET", "POST"])
@role_required(Role.therapist)
def enrol(pilot_id: int):
    db, user, pilot = _pilot(pilot_id)
    own = _enrollable(db, user, pilot)
    form = EnrolForm()
    form.patient_id.choices = choices(
        (pk(p), f"{p.code} · {p.display_name}" if p.display_name else p.code) for p in own
    )
    if request.method == "POST" and form.validate():
        patient = next((p for p in own if pk(p) == form.patient_id.data), None)
        note = (form.note.data or "").strip()
        if patient is None:
            form.patient_id.errors = [*form.patient_id.errors, _("Choose one of your patients.")]
        elif form.paper_consent.data and not note:  # checked before anything is stored
            form.note.errors = [
                *form.note.errors,
                _("Say how the patient consented (e.g. the number of the signed form)."),
            ]
        else:
            try:
                _invite(db, user, pilot, patient, form)
            except Invalid as exc:
                errors.to_fields(form, exc, aliases={"patient": "patient_id"})
            else:
                return redirect(url_for("pilots.detail", pilot_id=pilot_id) + "#participants")
    status = 400 if form.errors else 200
    return render_template("pilots/enrol.html", form=form, pilot=pilot, own=own), status


def _invite(db: Session, user: User, pilot: Pilot, patient: Patient, form: EnrolForm) -> None:
    """Invite; with a signed paper consent, record it too (the patient then takes part)."""
    pilot_enrolment.invite(db, actor=user, pilot=pilot, patient=patient, ip=request.remote_addr)
    if form.paper_consent.data:
        note = (form.note.data or "").strip()
        pilot_enrolment.record_consent(
            db, pilot=pilot, patient=patient, by=user, note=note, ip=request.remote_addr
        )
        flash(_("%(code)s takes part: the paper consent is recorded.", code=patient.code), "success")
    else:
        flash(
            _("%(code)s is invited: they take part once they consent in the portal.", code=patient.code),
            "success",
        )


@bp.route("/pilots/<int:pilot_id>/patients/<int:patient_id>/withdraw", methods=["POST"])
@role_required(Role.therapist)
def withdraw(pilot_id: int, patient_id: int):
    """The therapist records a withdrawal the patient asked for (in person, by phone)."""
    db, user, pilot = _pilot(pilot_id)
    naming = naming_for(db, user, [patient_id])
    patient = naming.own_patient(patient_id)
    if patient is None:
        raise NotFound(f"no patient {patient_id} in pilot {pilot_id}")
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            pilot_enrolment.withdraw(
                db,
                pilot=pilot,
                patient=patient,
                by=user,
                reason=form.reason.data or "",
                ip=request.remote_addr,
                today=local_today(),
                tz=hub_tz(),
            )
        except Invalid as exc:
            flash(errors.message(exc), "error")
        else:
            flash(_("%(code)s no longer takes part: no new data is used.", code=patient.code), "success")
            flash(
                _(
                    "The pilot's game was ended in %(code)s's plan; nothing else in the plan was changed.",
                    code=patient.code,
                ),
                "info",
            )
    return redirect(url_for("pilots.detail", pilot_id=pilot_id) + "#participants")


@bp.route("/pilots/<int:pilot_id>/close", methods=["POST"])
def close(pilot_id: int):
    db, user, pilot = _pilot(pilot_id)
    if not pilot_service.can_manage(user, pilot):
        abort(403)
    if CloseForm().validate_on_submit():
        pilot_service.close_pilot(db, actor=user, pilot=pilot, ip=request.remote_addr)
        flash(_("Pilot closed. Its anonymised summary is now public."), "success")
    return redirect(url_for("pilots.detail", pilot_id=pilot_id))


def _download(db: Session, user: User, pilot: Pilot, fmt: str, data: bytes, mimetype: str) -> Response:
    audit.record(
        db,
        action="pilot.report_downloaded",
        actor=user,
        target_type="pilot",
        target_id=pilot.id,
        details={"format": fmt},
        ip=request.remote_addr,
    )
    db.commit()
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="smarttouch-pilot-{pilot.id}.{fmt}"'},
    )


@bp.route("/pilots/<int:pilot_id>/report.pdf")
def report_pdf_view(pilot_id: int):
    """The ethics-committee / funder report: pseudonymised for every reader."""
    db, user, pilot = _pilot(pilot_id)
    result = pilot_outcomes.compute_outcomes(db, pilot, tz=hub_tz())
    from . import report_pdf  # matplotlib and fpdf2: loaded by the report, not at hub start

    data = report_pdf.render(
        pilot,
        result,
        solution_name=_solution_name(db, pilot),
        paper=paper_consents(pilot_service.enrolments(db, pilot=pilot)),
        author=user.full_name,
        generated_at=utcnow(),
        tz=hub_tz(),
    )
    return _download(db, user, pilot, "pdf", data, "application/pdf")


@bp.route("/pilots/<int:pilot_id>/report.csv")
def report_csv_view(pilot_id: int):
    db, user, pilot = _pilot(pilot_id)
    result = pilot_outcomes.compute_outcomes(db, pilot, tz=hub_tz())
    text = report_csv.render(pilot, result, locale=str(get_locale() or "en"))
    return _download(db, user, pilot, "csv", text.encode("utf-8"), "text/csv")


@bp.route("/pilots/<int:pilot_id>/fhir.json")
def fhir_export(pilot_id: int) -> Response:
    """The pilot as a FHIR ResearchStudy with a pseudonymised ResearchSubject per invited
    patient (audited by the export service)."""
    db, user, pilot = _pilot(pilot_id)
    bundle = pilot_export.export_pilot_bundle(db, pilot, actor=user, ip=request.remote_addr)
    return Response(
        bundle.model_dump_json(indent=2, exclude_none=True),
        mimetype=FHIR_JSON,
        headers={"Content-Disposition": f'attachment; filename="smarttouch-pilot-{pilot.id}-fhir.json"'},
    )


@bp.route("/pilots/<int:pilot_id>/summary")
@public
def summary(pilot_id: int):
    """The anonymised summary of a closed pilot, for anyone: pooled numbers only, cells of
    fewer patients than :data:`MIN_CELL` suppressed, no pseudonym, no date of a session."""
    db = get_session()
    pilot = db.get(Pilot, pilot_id)
    if pilot is None or pilot.status != PilotStatus.closed:
        raise NotFound(f"no public summary of pilot {pilot_id}")
    result = pilot_outcomes.compute_outcomes(db, pilot, tz=hub_tz())
    return render_template(
        "pilots/summary.html",
        pilot=pilot,
        o=result,
        charts=figures.public_charts(result, min_cell=MIN_CELL),
        solution_name=_solution_name(db, pilot),
        canonical=external_url("pilots.summary", pilot_id=pilot_id),
        min_cell=MIN_CELL,
    )
