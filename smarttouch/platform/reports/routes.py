"""Report pages: ``/patients/<id>/report`` (choose the period, preview) and its
``report.pdf`` / ``report.csv`` downloads."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from ..auth.access import role_required, signed_in_user
from ..i18n.language import hub_tz, local_today
from ..i18n.vocab import activity_title
from ..models import Patient, Role, pk, utcnow
from ..services import audit
from ..services.clinic import patients, reports
from ..services.errors import Invalid
from ..storage.db import get_session
from ..web import record_reads
from . import bp
from .forms import ReportForm, ReportPdfForm

DEFAULT_DAYS = 28


def _patient(patient_id: int):
    """The patient, if the signed-in user may see them (else NotFound/Forbidden)."""
    return patients.get_patient_for(get_session(), user=signed_in_user(), patient_id=patient_id)


def _report(patient, form: ReportForm):
    """The period report for ``patient``; Invalid when the form's period is wrong."""
    db = get_session()
    if not form.validate():
        raise Invalid(
            "; ".join(f"{form[name].label.text}: {' '.join(errs)}" for name, errs in form.errors.items())
        )
    report = reports.period_report(db, patient=patient, start=form.start.data, end=form.end.data, tz=hub_tz())
    return db, report


def _form() -> ReportForm:
    today = local_today()
    form = ReportForm(request.args)
    if not request.args:
        form.start.data, form.end.data = today - timedelta(days=DEFAULT_DAYS - 1), today
    return form


def _audit_download(db, patient, report, fmt: str, **extra: object) -> None:
    audit.record(
        db,
        action="report.downloaded",
        actor=signed_in_user(),
        patient_id=patient.id,
        target_type="patient",
        target_id=patient.id,
        details={"format": fmt, "start": report.start, "end": report.end, **extra},
        ip=request.remote_addr,
    )
    db.commit()


def _note(patient: Patient, report: reports.PeriodReport, what: str) -> None:
    record_reads.note_read(pk(patient), what, detail=f"{report.start.isoformat()}/{report.end.isoformat()}")


def _filename(patient, report, ext: str) -> str:
    return f"smarttouch-{patient.code}-{report.start.isoformat()}-{report.end.isoformat()}.{ext}"


def _render_page(patient, form: ReportForm, pdf_form: ReportPdfForm | None = None):
    try:
        _db, report = _report(patient, form)
        error = None
        _note(patient, report, "report_page")
    except Invalid as exc:
        report, error = None, exc.message
    args = {
        "start": form.start.data.isoformat() if form.start.data else "",
        "end": form.end.data.isoformat() if form.end.data else "",
    }
    if pdf_form is None:
        pdf_form = ReportPdfForm(formdata=None, start=form.start.data, end=form.end.data)
    bad = error is not None or bool(pdf_form.errors)
    return render_template(
        "reports/report.html",
        patient=patient,
        form=form,
        pdf_form=pdf_form,
        report=report,
        error=error,
        args=args,
    ), (400 if bad else 200)


@bp.route("/patients/<int:patient_id>/report")
@role_required(Role.therapist, Role.admin)
def report_page(patient_id: int):
    form = _form()
    return _render_page(_patient(patient_id), form)


@bp.route("/patients/<int:patient_id>/report.pdf", methods=["GET", "POST"])
@role_required(Role.therapist, Role.admin)
def report_pdf(patient_id: int):
    """The PDF. GET: pseudonymous (code only), no assessment. POST (the report page's form):
    optionally identified, with the therapist's free-text clinical assessment."""
    patient = _patient(patient_id)
    identified, assessment = False, ""
    if request.method == "POST":
        pdf_form = ReportPdfForm()
        if not pdf_form.validate_on_submit():
            period = ReportForm(formdata=None, start=pdf_form.start.data, end=pdf_form.end.data)
            return _render_page(patient, period, pdf_form)
        form = ReportForm(formdata=None, start=pdf_form.start.data, end=pdf_form.end.data)
        identified, assessment = bool(pdf_form.identified.data), (pdf_form.assessment.data or "").strip()
    else:
        form = _form()
    db, report = _report(patient, form)
    from .pdf import render_pdf  # on use: matplotlib and fpdf cost ~80 MiB per web process

    data = render_pdf(
        report,
        author=current_user.full_name,
        generated_at=utcnow(),
        identified=identified,
        assessment=assessment,
    )
    _audit_download(db, patient, report, "pdf", identified=identified, assessment=bool(assessment))
    _note(patient, report, "report_pdf")
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{_filename(patient, report, "pdf")}"'},
    )


@bp.route("/patients/<int:patient_id>/report.csv")
@role_required(Role.therapist, Role.admin)
def report_csv(patient_id: int):
    patient = _patient(patient_id)
    db, report = _report(patient, _form())
    text = reports.report_csv(
        report,
        locale=str(get_locale() or "en"),
        activity_names={act.id: activity_title(act) for _a, act in report.history.plan if act.id is not None},
    )
    _audit_download(db, patient, report, "csv")
    _note(patient, report, "report_csv")
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_filename(patient, report, "csv")}"'},
    )
