"""Export one patient's plan and session metrics as an HL7 FHIR R4 ``Bundle``.

:func:`export_bundle` gathers the rows (the period filters sessions by their local start date
and keeps every plan version in force during it, each with all its days), reads which wearable recorded each session from the
recording's metadata in the blob store, builds the validated bundle with
:mod:`smarttouch.platform.services.rights.fhir.mapping` and writes a ``fhir.exported`` audit event.

Who may export what: anyone who may see the patient gets the pseudonymous bundle; the name,
birth year and free-text notes (``identified=True``) only go to the patient's own therapist,
the patient themselves, or the command line (the hub operator, ``actor=None``).
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from fhir.resources.R4B.bundle import Bundle
from sqlmodel import Session, col, select

from ...models import (
    Device,
    ExerciseSession,
    Patient,
    Role,
    SessionFeeling,
    SessionMetricsRecord,
    User,
    pk,
    utcnow,
)
from ...storage.blobstore import BlobNotFound, BlobStore
from .. import audit
from ..clinic import plan_versions
from ..clinic.patients import can_view_patient
from ..errors import Forbidden, Invalid, NotFound
from .fhir.codes import DEFAULT_BASE, Systems
from .fhir.mapping import ExportData, SensorInfo, build_bundle

FHIR_JSON = "application/fhir+json"


def may_identify(actor: User | None, patient: Patient) -> bool:
    """Whether ``actor`` may export the patient's name (None is the hub operator's CLI)."""
    if actor is None:
        return True
    if actor.role == Role.therapist:
        return patient.therapist_id == actor.id
    return actor.role == Role.patient and patient.user_id == actor.id


def recording_meta(store: BlobStore, key: str) -> dict[str, Any] | None:
    """The JSON metadata of a stored ``.npz`` recording, or None if missing or unreadable."""
    try:
        data = store.get(key)
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            meta = json.loads(str(npz["meta"]))
    except (BlobNotFound, ValueError, KeyError, OSError, EOFError):
        return None
    except Exception:  # zipfile/zlib raise many kinds on damaged bytes
        return None
    return meta if isinstance(meta, dict) else None


def _bounds(start: date | None, end: date | None, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """Local calendar dates -> [start, end) instants."""
    lo = datetime.combine(start, time.min, tz) if start else None
    hi = datetime.combine(end + timedelta(days=1), time.min, tz) if end else None
    return lo, hi


def gather(
    session: Session,
    *,
    patient: Patient,
    store: BlobStore | None,
    today: date,
    identified: bool,
    start: date | None = None,
    end: date | None = None,
    tz: ZoneInfo = ZoneInfo("UTC"),
) -> ExportData:
    """Load what :func:`~smarttouch.platform.services.rights.fhir.mapping.build_bundle` needs."""
    if start and end and end < start:
        raise Invalid(f"period end {end} is before its start {start}")
    history = plan_versions.load_history(session, patient=patient)
    plan = [
        span
        for span in history.spans()
        if (end is None or span.first <= end) and (start is None or span.last is None or span.last >= start)
    ]
    lo, hi = _bounds(start, end, tz)
    sstmt = (
        select(ExerciseSession, SessionMetricsRecord)
        .join(SessionMetricsRecord, col(SessionMetricsRecord.session_id) == ExerciseSession.id, isouter=True)
        .where(ExerciseSession.patient_id == patient.id)
    )
    if lo is not None:
        sstmt = sstmt.where(col(ExerciseSession.started_at) >= lo)
    if hi is not None:
        sstmt = sstmt.where(col(ExerciseSession.started_at) < hi)
    # an outer join: a session not scored yet comes with no metrics row
    sessions: list[tuple[ExerciseSession, SessionMetricsRecord | None]] = list(
        session.exec(sstmt.order_by(col(ExerciseSession.started_at), col(ExerciseSession.id))).all()
    )
    sensors: dict[int, SensorInfo] = {}
    if store is not None:
        for s, m in sessions:
            if m is None or not s.recording_sha256:
                continue
            meta = recording_meta(store, s.recording_sha256)
            if meta and meta.get("profile"):
                sensors[pk(s)] = SensorInfo(
                    profile=str(meta["profile"]),
                    name=str(meta.get("device") or ""),
                    placement=str(meta.get("placement") or ""),
                )
    device_ids = {s.device_id for s, _ in sessions if s.device_id is not None}
    devices = {pk(d): d for d in session.exec(select(Device).where(col(Device.id).in_(device_ids)))}
    terms = {
        pk(s): history.version_on(s.assignment_id, s.started_at.astimezone(tz).date())
        for s, _ in sessions
        if s.assignment_id in history.versions
    }
    session_ids = [s.id for s, _ in sessions]
    feelings: dict[int, list[SessionFeeling]] = {}
    if session_ids:
        for row in session.exec(
            select(SessionFeeling)
            .where(col(SessionFeeling.session_id).in_(session_ids))
            .order_by(col(SessionFeeling.session_id), col(SessionFeeling.id))
        ):
            feelings.setdefault(row.session_id, []).append(row)
    return ExportData(
        patient=patient,
        plan=plan,
        feelings=feelings,
        session_terms=terms,
        sessions=sessions,
        today=today,
        identified=identified,
        sensors=sensors,
        home_devices=devices,
        period=(start, end),
    )


def export_bundle(
    session: Session,
    *,
    patient: Patient,
    actor: User | None,
    store: BlobStore | None,
    today: date,
    identified: bool = False,
    start: date | None = None,
    end: date | None = None,
    tz: ZoneInfo = ZoneInfo("UTC"),
    base: str = DEFAULT_BASE,
    via: str = "api",
    ip: str | None = None,
    commit: bool = True,
    record_audit: bool = True,
) -> Bundle:
    """The patient's validated FHIR ``Bundle``; audited as ``fhir.exported``.

    Raises :class:`NotFound` if ``actor`` may not see the patient and :class:`Forbidden` if
    they ask for the identified export without being the patient's therapist (or the patient).
    ``record_audit=False`` is for callers that audit the wider export themselves.
    """
    if actor is not None and not can_view_patient(actor, patient):
        raise NotFound(f"patient {patient.id} not found")
    if identified and not may_identify(actor, patient):
        raise Forbidden("only the patient's own therapist may export their name")
    data = gather(
        session, patient=patient, store=store, today=today, identified=identified, start=start, end=end, tz=tz
    )
    export_id = str(uuid.uuid4())
    bundle = build_bundle(data, Systems(base.rstrip("/")), now=utcnow(), export_id=export_id)
    if not record_audit:
        return bundle
    audit.record(
        session,
        action="fhir.exported",
        actor=actor,
        patient_id=patient.id,
        target_type="patient",
        target_id=patient.id,
        ip=ip,
        details={
            "identified": identified,
            "from": start,
            "to": end,
            "via": via,
            "export_id": export_id,
            "resources": len(bundle.entry or []),
        },
    )
    if commit:
        session.commit()
    return bundle


def bundle_json(bundle: Bundle, *, indent: int | None = 2) -> str:
    """The bundle as FHIR JSON text (no empty elements)."""
    return bundle.model_dump_json(indent=indent, exclude_none=True)


def patient_by_code(session: Session, *, code: str) -> Patient:
    """A patient by pseudonymous code (case-insensitive); :class:`NotFound` otherwise."""
    patient = session.exec(select(Patient).where(Patient.code == code.strip().upper())).first()
    if patient is None:
        raise NotFound(f"no patient with code {code.strip().upper()}")
    return patient
