"""``/sessions/<id>``: one session for anyone who may see its patient (404 otherwise)."""

from __future__ import annotations

from flask import render_template
from sqlmodel import select

from ..auth.access import role_required, signed_in_user
from ..i18n.language import hub_tz
from ..models import Activity, Device, ExerciseSession, Role, SessionMetricsRecord, pk
from ..patients.labels import quality_problems
from ..patients.uncertainty_text import uncertain_reason_text
from ..services.challenges import review
from ..services.clinic import patients, plan_versions
from ..services.errors import NotFound
from ..storage.blobstore import get_blobstore
from ..storage.db import get_session
from ..web import record_reads
from . import bp
from .trace import load_trace, trace_chart


@bp.route("/sessions/<int:session_id>")
@role_required(Role.therapist, Role.patient, Role.admin)
def detail(session_id: int):
    db = get_session()
    row = db.get(ExerciseSession, session_id)
    if row is None:
        raise NotFound(f"session {session_id} not found")
    try:
        patient = patients.get_patient_for(db, user=signed_in_user(), patient_id=row.patient_id)
    except NotFound:
        raise NotFound(f"session {session_id} not found") from None
    record_reads.note_read(pk(patient), "session_page", target_id=row.id)
    metrics = db.exec(select(SessionMetricsRecord).where(SessionMetricsRecord.session_id == row.id)).first()
    # the exercise's terms on the day of the session, not as edited since
    day = row.started_at.astimezone(hub_tz()).date()
    assignment = (
        plan_versions.terms_on(db, assignment_id=row.assignment_id, day=day) if row.assignment_id else None
    )
    activity = db.get(Activity, row.activity_id) if row.activity_id else None
    device = db.get(Device, row.device_id) if row.device_id else None
    movement = assignment.movement if assignment else None
    trace = load_trace(get_blobstore(), row.recording_sha256, movement)
    reps = metrics.per_rep if metrics and metrics.per_rep else (trace.reps if trace is not None else [])
    game_reps = (row.game_result or {}).get("reps")
    return render_template(
        "sessions/detail.html",
        s=row,
        patient=patient,
        metrics=metrics,
        assignment=assignment,
        activity=activity,
        device=device,
        movement=movement or (trace.recording.labels.get("movement") if trace else None),
        trace=trace,
        chart=trace_chart(trace, reps) if trace is not None else None,
        reps=reps,
        game_reps=game_reps if isinstance(game_reps, int) else None,
        sets=metrics.sets if metrics else [],
        uncertain_reason=uncertain_reason_text(metrics.uncertain_reason) if metrics else None,
        problems=quality_problems(metrics.quality_flags) if metrics else [],
        # approved developers' analyzers on this session (its patient was checked above)
        analyzer_runs=review.analyzer_runs_for_session(db, session_id=pk(row)),
    )
