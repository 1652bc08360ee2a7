"""Report pages: ``/patients/<id>/report`` (choose the period, preview) and its
``report.pdf`` / ``report.csv`` downloads."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, render_template, request
from flask_login import current_user

from ..auth.access import role_required, signed_in_user
from ..i18n.language import hub_tz, local_today
from ..models import Patient, Role, pk, utcnow
from ..services import audit
from ..services.clinic import patients, reports
from ..services.errors import Invalid
from ..storage.db import get_session
from ..web import record_reads
from . import bp
from .forms import ReportForm
from .pdf import render_pdf

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


def _audit_download(db, patient, report, fmt: str) -> None:
    audit.record(
        db,
        action="report.downloaded",
        actor=signed_in_user(),
        patient_id=patient.id,
        target_type="patient",
        target_id=patient.id,
        details={"format": fmt, "start": report.start, "end": report.end},
        ip=request.remote_addr,
    )
    db.commit()


def _note(patient: Patient, report: reports.PeriodReport, what: str) -> None:
    record_reads.note_read(pk(patient), what, detail=f"{report.start.isoformat()}/{report.end.isoformat()}")


def _filename(patient, report, ext: str) -> str:
    return f"smarttouch-{patient.code}-{report.start.isoformat()}-{report.end.isoformat()}.{ext}"


@bp.route("/patients/<int:patient_id>/report")
@role_required(Role.therapist, Role.admin)
def report_page(patient_id: int):
    form = _form()
    patient = _patient(patient_id)
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
    return render_template(
        "reports/report.html", patient=patient, form=form, report=report, error=error, args=args
    ), (400 if error else 200)


@bp.route("/patients/<int:patient_id>/report.pdf")
@role_required(Role.therapist, Role.admin)
def report_pdf(patient_id: int):
    patient = _patient(patient_id)
    db, report = _report(patient, _form())
    data = render_pdf(report, author=current_user.full_name, generated_at=utcnow())
    _audit_download(db, patient, report, "pdf")
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
    text = reports.report_csv(report)
    _audit_download(db, patient, report, "csv")
    _note(patient, report, "report_csv")
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_filename(patient, report, "csv")}"'},
    )
