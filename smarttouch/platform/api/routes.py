"""Handlers of the device API. Thin: validation in pydantic models, logic in services."""

from __future__ import annotations

import math
from typing import Any
from uuid import UUID

from flask import current_app, jsonify, request, url_for
from pydantic import BaseModel, ValidationError
from sqlmodel import select
from werkzeug.exceptions import UnsupportedMediaType

from ..i18n.language import local_today
from ..jobs.queue import scoring_enqueuer
from ..models import ExerciseSession, Patient, SessionMetricsRecord, pk, utcnow
from ..services.accounts import throttle
from ..services.clinic import devices, game_progress, ingest, messages, plan_today, progress
from ..services.errors import Invalid, NotFound, ServiceError, describe_validation_error
from ..storage import blobstore
from ..storage.db import get_session
from ..storage.shared import redis_client
from . import bp, multipart
from .auth import (
    Unauthorized,
    current_device,
    current_patient,
    device_required,
    json_ok,
    unauthorized_response,
)
from .document import API_DOCUMENT, DEVICE_TOKEN
from .message_schemas import MessageOut
from .openapi import ApiRegistry
from .schemas import (
    ActivityOut,
    DeviceOut,
    ErrorResponse,
    GameProgressOut,
    PairRequest,
    PairResponse,
    PlannedExerciseOut,
    ProgressIn,
    ProgressOut,
    RecentSession,
    SessionReceipt,
    SessionUpload,
    TodayPlan,
    TrendOut,
    WeekOut,
    receipt,
)

#: Largest request body accepted by the API (override: app config ``API_MAX_UPLOAD_BYTES``).
MAX_UPLOAD_BYTES = 32 * 1024 * 1024
MAX_METADATA_BYTES = 8 * 1024 * 1024
#: Upload bodies up to this size are read whole and parsed in memory (:mod:`.multipart`).
IN_MEMORY_UPLOAD_BYTES = 4 * 1024 * 1024
RECENT_SESSIONS = 14
PAIRING_POLICY = throttle.ThrottlePolicy(free=5, lock=20, lock_minutes=15)

api = ApiRegistry(bp, API_DOCUMENT)

UPLOAD_BODY = {
    "required": True,
    "description": (
        "multipart/form-data: `metadata` (JSON, SessionUpload) and, optionally, "
        "`recording` (the compact binary recording: compressed npz as written by "
        "smarttouch.sensors.recording_io.recording_to_bytes). The whole body may be "
        f"at most {MAX_UPLOAD_BYTES // 2**20} MiB (413 beyond)."
    ),
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["metadata"],
                "properties": {
                    "metadata": {"$ref": "#/components/schemas/SessionUpload"},
                    "recording": {"type": "string", "format": "binary"},
                },
            },
            "encoding": {
                "metadata": {"contentType": "application/json"},
                "recording": {"contentType": "application/octet-stream"},
            },
        }
    },
}
API_DOCUMENT.extra_models.append(SessionUpload)


class TooManyAttempts(ServiceError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, retry_after_s: int = 60) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


bp.register_error_handler(Unauthorized, unauthorized_response)


@bp.errorhandler(TooManyAttempts)
def _too_many(exc: TooManyAttempts):
    response = jsonify(error={"code": exc.code, "message": exc.message})
    response.status_code = 429
    response.headers["Retry-After"] = str(exc.retry_after_s)
    return response


@bp.before_request
def _limits() -> None:
    request.max_content_length = int(current_app.config.get("API_MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES))
    request.max_form_memory_size = MAX_METADATA_BYTES


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _json_body(model: type[BaseModel]) -> Any:
    if not request.is_json:
        raise UnsupportedMediaType("send a JSON body (Content-Type: application/json)")
    try:
        return model.model_validate_json(request.get_data(cache=False))
    except ValidationError as exc:
        raise Invalid(describe_validation_error(exc)) from None


# ------------------------------------------------------------------ documentation
@bp.route("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 document of every /api/v1 operation (device and challenge API)."""
    doc = API_DOCUMENT.document(
        server_url=url_for("api.openapi_document").rsplit("/", 1)[0], error_model=ErrorResponse
    )
    return jsonify(doc)


# ------------------------------------------------------------------ pairing
@api.route(
    "/pair",
    "POST",
    summary="Pair this computer with a one-time code",
    security=None,
    body=PairRequest,
    responses={201: ("Paired: the device token", PairResponse)},
    errors=(400, 413, 415, 429),
    tags=("pairing",),
)
def pair():
    """Exchange the therapist's one-time pairing code (expires, single use) for a device token
    scoped to that patient. Failed attempts are throttled per address."""
    data = _json_body(PairRequest)
    db = get_session()
    keys = [f"pairing:{request.remote_addr or 'unknown'}"]
    now = utcnow()
    counters = throttle.store_for(db, redis_client())
    verdict = counters.check(keys=keys, now=now, policy=PAIRING_POLICY)
    if not verdict.allowed:
        raise TooManyAttempts(
            f"too many pairing attempts: wait {verdict.retry_after_s} s", retry_after_s=verdict.retry_after_s
        )
    try:
        token, device = devices.exchange_pairing_code(
            db, code=data.code, label=data.label, ip=request.remote_addr
        )
    except devices.PairingError:
        db.rollback()
        counters.record_failure(keys=keys, now=now, policy=PAIRING_POLICY)
        raise
    patient = db.get(Patient, device.patient_id)
    return json_ok(
        PairResponse(
            token=token,
            device_id=pk(device),
            token_prefix=device.token_prefix,
            patient_code=patient.code if patient else "",
        ),
        201,
    )


@api.route(
    "/device",
    "GET",
    summary="This device and its patient",
    responses={200: ("The device", DeviceOut)},
    security=DEVICE_TOKEN,
    errors=(401,),
    tags=("pairing",),
)
@device_required
def device_info():
    """Which patient this token belongs to (used by the client to check its pairing)."""
    device, patient = current_device(), current_patient()
    return json_ok(
        DeviceOut(
            device_id=pk(device),
            label=device.label,
            token_prefix=device.token_prefix,
            patient_code=patient.code,
            paired_at=device.created_at,
        )
    )


# ------------------------------------------------------------------ plan
@api.route(
    "/plan/today",
    "GET",
    summary="Today's exercises",
    responses={200: ("Today's plan", TodayPlan)},
    security=DEVICE_TOKEN,
    errors=(401,),
    tags=("plan",),
)
@device_required
def plan():
    """The assignments current today (hub time zone), with what is already done."""
    patient = current_patient()
    today = local_today()
    tz = current_app.config["TIMEZONE"]
    items = plan_today.todays_plan(get_session(), patient=patient, today=today, tz=tz)
    return json_ok(
        TodayPlan(
            patient_code=patient.code,
            date=today,
            timezone=tz,
            exercises=[
                PlannedExerciseOut(
                    assignment_id=pk(p.assignment),
                    movement=p.assignment.movement,
                    side=p.assignment.side,
                    placement=p.assignment.sensor_site(),
                    activity=ActivityOut.of(p.activity),
                    target_rom_deg=p.assignment.target_rom_deg,
                    max_rom_deg=p.assignment.max_rom_deg,
                    reps=p.assignment.reps,
                    sets=p.assignment.sets,
                    sessions_per_week=p.assignment.sessions_per_week,
                    difficulty=p.assignment.difficulty,
                    therapist_note=p.assignment.therapist_note,
                    start_date=p.assignment.start_date,
                    end_date=p.assignment.end_date,
                    done_today=p.done_today,
                    done_this_week=p.done_this_week,
                    due_today=p.due_today,
                )
                for p in items
            ],
            messages=[
                MessageOut(id=pk(m), sent_at=m.created_at, body=m.body, read=m.read_at is not None)
                for m in messages.for_device(get_session(), patient=patient)
            ],
        )
    )


# ------------------------------------------------------------------ sessions
def _upload_parts() -> tuple[bytes, bytes | None]:
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType(
            "send multipart/form-data with the parts metadata (JSON) and recording (binary)"
        )
    length = request.content_length
    if length is not None and length <= IN_MEMORY_UPLOAD_BYTES:
        return _parts_in_memory()
    return _parts_streamed()


def _parts_in_memory() -> tuple[bytes, bytes | None]:
    """A body of known, modest length: read whole and split by :mod:`.multipart` (what
    nearly every session upload is; a 10-minute 100 Hz recording is about 3 MiB)."""
    try:
        parts = multipart.parse(
            request.get_data(cache=False), multipart.boundary_of(request.content_type or "")
        )
    except multipart.MultipartError as exc:
        raise Invalid(f"body: {exc}") from None
    meta_part, rec_part = parts.get("metadata"), parts.get("recording")
    if meta_part is None:
        raise Invalid("metadata: missing part (JSON describing the session)")
    if len(meta_part.data) > MAX_METADATA_BYTES:
        raise Invalid(f"metadata: larger than {MAX_METADATA_BYTES // 2**20} MiB")
    if rec_part is not None and rec_part.filename is None:
        raise Invalid("recording: send it as a binary file part, not a text field")
    return meta_part.data, None if rec_part is None else rec_part.data


def _parts_streamed() -> tuple[bytes, bytes | None]:
    """A larger body (or one of unknown length): werkzeug's streaming parser, which spools
    big file parts to disk instead of holding the whole body."""
    if "metadata" in request.files:
        metadata = request.files["metadata"].read(MAX_METADATA_BYTES + 1)
    elif "metadata" in request.form:
        metadata = request.form["metadata"].encode("utf-8", "surrogatepass")
    else:
        raise Invalid("metadata: missing part (JSON describing the session)")
    if len(metadata) > MAX_METADATA_BYTES:
        raise Invalid(f"metadata: larger than {MAX_METADATA_BYTES // 2**20} MiB")
    recording = None
    if "recording" in request.files:
        recording = request.files["recording"].read()
    elif "recording" in request.form:
        raise Invalid("recording: send it as a binary file part, not a text field")
    return metadata, recording


@api.route(
    "/sessions",
    "POST",
    summary="Upload a played session",
    body_schema=UPLOAD_BODY,
    responses={
        201: ("Stored; scored by a worker (status scoring until then)", SessionReceipt),
        200: ("Already stored (a retry): nothing changed", SessionReceipt),
    },
    security=DEVICE_TOKEN,
    errors=(400, 401, 409, 413, 415),
    tags=("sessions",),
)
@device_required
def upload_session():
    """Store a session, idempotent by its client UUID, and answer at once: a worker then
    recomputes the metrics from the raw recording (status ``scoring`` until it has; poll
    ``GET /sessions/{id}``). The client's own numbers are kept for comparison only. Invalid
    input stores nothing."""
    raw_meta, recording = _upload_parts()
    try:
        meta = SessionUpload.model_validate_json(raw_meta)
    except ValidationError as exc:
        raise Invalid("metadata: " + describe_validation_error(exc)) from None
    result = ingest.ingest_session(
        get_session(),
        store=blobstore.get_blobstore(),
        device=current_device(),
        patient=current_patient(),
        meta=meta,
        recording=recording,
        today=local_today(),
        tz=current_app.config["TIMEZONE"],
        enqueue=scoring_enqueuer(current_app),
        ip=request.remote_addr,
    )
    if meta.progress is not None:  # the newest copy wins; a retry brings nothing newer
        game_progress.store_progress(
            get_session(),
            patient_id=current_patient().id,  # type: ignore[arg-type]
            progress=meta.progress,
            session_uuid=str(meta.session_id),
            ip=request.remote_addr,
        )
    return json_ok(receipt(result.session, result.metrics, result.created), 201 if result.created else 200)


@api.route(
    "/game-progress",
    "GET",
    summary="The patient's lasting game progress",
    responses={200: ("The newest copy the hub keeps (progress is null when there is none)", GameProgressOut)},
    security=DEVICE_TOKEN,
    errors=(401,),
    tags=("progress",),
)
@device_required
def game_progress_state():
    """Worlds, weekly goal and daily challenge as the patient's client last uploaded them with
    a session; a client whose local folder is empty (a reinstall) restores them from here."""
    doc = game_progress.progress_of(get_session(), patient_id=current_patient().id)  # type: ignore[arg-type]
    return json_ok(GameProgressOut(progress=ProgressIn.model_validate(doc) if doc else None))


@api.route(
    "/sessions/<uuid:session_id>",
    "GET",
    summary="A stored session",
    responses={200: ("The session as stored", SessionReceipt)},
    security=DEVICE_TOKEN,
    errors=(401, 404),
    tags=("sessions",),
)
@device_required
def get_session_receipt(session_id: UUID):
    """Whether the hub has this session (by client UUID) and its recomputed metrics."""
    db = get_session()
    row = db.exec(select(ExerciseSession).where(ExerciseSession.client_uuid == str(session_id))).first()
    if row is None or row.patient_id != current_patient().id:
        raise NotFound(f"session {session_id} not found")
    metrics = db.exec(select(SessionMetricsRecord).where(SessionMetricsRecord.session_id == row.id)).first()
    return json_ok(receipt(row, metrics, created=False))


# ------------------------------------------------------------------ progress
@api.route(
    "/progress",
    "GET",
    summary="Progress for the game's summary screen",
    responses={200: ("The patient's progress", ProgressOut)},
    security=DEVICE_TOKEN,
    errors=(401,),
    tags=("progress",),
)
@device_required
def progress_summary():
    """Sessions, streak, this week's adherence, recent sessions and trends, computed by the
    hub from the recomputed metrics."""
    patient = current_patient()
    summary = progress.progress_summary(
        get_session(), patient=patient, today=local_today(), tz=current_app.config["TIMEZONE"]
    )
    report = summary.report
    recent = []
    for entry in summary.sessions[-RECENT_SESSIONS:]:
        s, m = entry.session, entry.metrics
        result = s.game_result or {}
        targets = result.get("targets") or {}
        goal = None
        if isinstance(targets.get("reps"), int) and isinstance(targets.get("sets"), int):
            goal = int(result.get("reps") or 0) >= targets["reps"] * targets["sets"]
        recent.append(
            RecentSession(
                session_id=UUID(s.client_uuid),
                day=entry.day,
                game=entry.activity_key,
                movement=s.movement,
                reps=m.reps if m else None,
                game_reps=result.get("reps") if isinstance(result.get("reps"), int) else None,
                count_uncertain=bool(m.count_uncertain) if m else False,
                rom_deg=m.rom_deg if m else None,
                sparc=m.sparc if m else None,
                quit_reason=s.quit_reason,
                goal_met=goal,
            )
        )
    week = summary.this_week
    return json_ok(
        ProgressOut(
            patient_code=patient.code,
            today=summary.today,
            sessions_total=len(summary.sessions),
            sessions_today=summary.sessions_today,
            reps_total=sum(e.metrics.reps for e in summary.sessions if e.metrics is not None),
            streak_days=report["streak_days"],
            longest_streak_days=report["longest_streak_days"],
            this_week=WeekOut(
                week_start=week["week_start"], done=week["done"], prescribed=week["prescribed"]
            ),
            recent=recent,
            trends={
                k: TrendOut(
                    n=v["n"],
                    slope_per_week=v["slope_per_week"],
                    ci_low=v["ci_low"],
                    ci_high=v["ci_high"],
                    significant=v["significant"],
                )
                for k, v in report.get("trends", {}).items()
                if all(math.isfinite(v[f]) for f in ("slope_per_week", "ci_low", "ci_high"))
            },
        )
    )
