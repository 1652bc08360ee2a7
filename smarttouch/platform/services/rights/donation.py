"""Research consent, session donation and pseudonymised challenge datasets.

Developers never see who a patient is. A therapist records the patient's consent (with how it
was obtained), then donates sessions under it; :func:`build_dataset` turns every donated
session whose consent is still active into a challenge split (``recordings/*.npz`` plus
``labels.json``, the layout of ``smarttouch.challenges.bundle``) where:

* each patient becomes a random subject label (``S01``, ``S02``... in random order, drawn
  anew for every dataset, so two datasets cannot be joined on it);
* each recording gets a random id, its time axis starts at 0 s, and only numeric calibration
  and labels, the sensor profile, placement and movement are kept (no device name or serial);
* session start times are shifted back by a random whole number of days (365-730) per
  subject: intervals between a subject's sessions and the time of day survive, dates do not;
* labels carry the condition, affected side and the hub's metrics, never codes, names, notes.

Withdrawing consent excludes the patient's sessions from every dataset built afterwards.
Each build is audited once overall and once per patient whose sessions it used.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from ...models import (
    Assignment,
    DonatedSession,
    ExerciseSession,
    Patient,
    ResearchConsent,
    SessionMetricsRecord,
    User,
    pk,
    utcnow,
)
from ...storage.blobstore import BlobNotFound, BlobStore
from .. import audit
from ..clinic.patients import require_own_patient
from ..errors import Conflict, Invalid, NotFound

DATASET_FORMAT = "smarttouch-dataset/1"
SHIFT_DAYS = (365, 730)
_rng = secrets.SystemRandom()


def active_consent(session: Session, *, patient: Patient) -> ResearchConsent | None:
    return session.exec(
        select(ResearchConsent).where(
            ResearchConsent.patient_id == patient.id, col(ResearchConsent.withdrawn_at).is_(None)
        )
    ).first()


def record_consent(
    session: Session, *, patient: Patient, therapist: User, evidence: str, ip: str | None = None
) -> ResearchConsent:
    """Record the patient's consent; ``evidence`` says how it was given (e.g. form number)."""
    require_own_patient(therapist, patient)
    evidence = evidence.strip()
    if not evidence:
        raise Invalid("evidence: say how the consent was given (e.g. signed form number)")
    if len(evidence) > 500:
        raise Invalid("evidence: at most 500 characters")
    if active_consent(session, patient=patient) is not None:
        raise Conflict(f"patient {patient.code} already has an active research consent")
    consent = ResearchConsent(patient_id=pk(patient), evidence=evidence, recorded_by_id=therapist.id)
    session.add(consent)
    session.flush()
    audit.record(
        session,
        action="consent.recorded",
        actor=therapist,
        patient_id=patient.id,
        target_type="research_consent",
        target_id=consent.id,
        ip=ip,
        details={"purpose": consent.purpose},
    )
    session.commit()
    session.refresh(consent)
    return consent


def withdraw_consent(
    session: Session, *, patient: Patient, therapist: User, ip: str | None = None
) -> ResearchConsent:
    """Withdraw the active consent: no later dataset will include the patient's sessions."""
    require_own_patient(therapist, patient)
    consent = active_consent(session, patient=patient)
    if consent is None:
        raise Invalid(f"patient {patient.code} has no active research consent")
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_id = therapist.id
    session.add(consent)
    audit.record(
        session,
        action="consent.withdrawn",
        actor=therapist,
        patient_id=patient.id,
        target_type="research_consent",
        target_id=consent.id,
        ip=ip,
    )
    session.commit()
    session.refresh(consent)
    return consent


def donatable_sessions(session: Session, *, patient: Patient) -> list[ExerciseSession]:
    """Scored sessions with a recording that are not donated yet, oldest first."""
    donated = select(DonatedSession.session_id)
    return list(
        session.exec(
            select(ExerciseSession)
            .join(SessionMetricsRecord, col(SessionMetricsRecord.session_id) == ExerciseSession.id)
            .where(
                ExerciseSession.patient_id == patient.id,
                col(ExerciseSession.recording_sha256).is_not(None),
                col(ExerciseSession.id).not_in(donated),
            )
            .order_by(col(ExerciseSession.started_at))
        ).all()
    )


def donated_count(session: Session, *, patient: Patient) -> int:
    return len(
        session.exec(
            select(DonatedSession.id)
            .join(ExerciseSession, col(ExerciseSession.id) == DonatedSession.session_id)
            .where(ExerciseSession.patient_id == patient.id)
        ).all()
    )


def donate_sessions(
    session: Session,
    *,
    patient: Patient,
    therapist: User,
    session_ids: list[int] | None = None,
    ip: str | None = None,
) -> int:
    """Donate the given sessions (default: every donatable one) under the active consent."""
    require_own_patient(therapist, patient)
    consent = active_consent(session, patient=patient)
    if consent is None:
        raise Invalid(f"record patient {patient.code}'s research consent before donating")
    candidates = {pk(s): s for s in donatable_sessions(session, patient=patient)}
    chosen = list(candidates) if session_ids is None else list(dict.fromkeys(session_ids))
    unknown = [i for i in chosen if i not in candidates]
    if unknown:
        raise NotFound(
            f"session(s) {', '.join(map(str, unknown))} cannot be donated: not this "
            "patient's, not scored, without a recording, or donated already"
        )
    for sid in chosen:
        session.add(DonatedSession(session_id=sid, consent_id=pk(consent), donated_by_id=therapist.id))
    if chosen:
        audit.record(
            session,
            action="data.donated",
            actor=therapist,
            patient_id=patient.id,
            target_type="research_consent",
            target_id=consent.id,
            ip=ip,
            details={"sessions": len(chosen)},
        )
    session.commit()
    return len(chosen)


def _numeric(value: Any) -> Any:
    """Keep numbers, booleans and nested lists/dicts of them; None for anything else."""
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return value
    if isinstance(value, list):
        items = [_numeric(v) for v in value]
        return items if all(v is not None for v in items) else None
    if isinstance(value, dict):
        kept = {str(k): _numeric(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None}
    return None


def pseudonymise_recording(data: bytes, *, movement: str) -> tuple[bytes, int | None]:
    """The recording without identifying metadata, time from 0 s; plus its annotated rep
    count when the recording carries rep intervals (``labels["reps"]``)."""
    from smarttouch.sensors.recording_io import recording_from_bytes, recording_to_bytes
    from smarttouch.sensors.types import Recording

    rec = recording_from_bytes(data)
    labels = {
        k: v for k, v in (_numeric(rec.labels) or {}).items() if k in ("reps", "rep_rom_deg", "synthetic")
    }
    labels["movement"] = movement
    clean = Recording(
        t=rec.t - rec.t[0],
        acc=rec.acc,
        gyr=rec.gyr,
        mag=rec.mag,
        quat=rec.quat,
        sample_rate_hz=rec.sample_rate_hz,
        device="",
        profile=rec.profile,
        placement=rec.placement,
        calibration=_numeric(rec.calibration) or {},
        labels=labels,
    )
    annotated = len(labels["reps"]) if isinstance(labels.get("reps"), list) else None
    return recording_to_bytes(clean), annotated


@dataclass
class DatasetSummary:
    dataset_id: str
    path: Path
    recordings: int
    subjects: int


def _donated_rows(session: Session, movement: str | None) -> list[tuple[Any, ...]]:
    stmt = (
        select(ExerciseSession, SessionMetricsRecord, Patient, Assignment.movement)
        .join(DonatedSession, col(DonatedSession.session_id) == ExerciseSession.id)
        .join(ResearchConsent, col(ResearchConsent.id) == DonatedSession.consent_id)
        .join(SessionMetricsRecord, col(SessionMetricsRecord.session_id) == ExerciseSession.id)
        .join(Patient, col(Patient.id) == ExerciseSession.patient_id)
        .join(Assignment, col(Assignment.id) == ExerciseSession.assignment_id, isouter=True)
        .where(col(ResearchConsent.withdrawn_at).is_(None))
        .order_by(col(ExerciseSession.id))
    )
    rows = session.exec(stmt).all()
    out = []
    for s, m, p, planned in rows:
        mv = s.movement or planned or "unspecified"
        if movement is None or mv == movement:
            out.append((s, m, p, mv))
    return out


def build_dataset(
    session: Session, *, store: BlobStore, out_dir: Path, actor: User | None, movement: str | None = None
) -> DatasetSummary:
    """Write the pseudonymised dataset of all consented donations to ``out_dir`` (new or
    empty). Raises :class:`Invalid` when there is nothing to write or the folder is used."""
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise Invalid(f"{out_dir} already exists and is not an empty folder")
    rows = _donated_rows(session, movement)
    if not rows:
        raise Invalid(
            "no donated sessions with an active consent" + (f" for movement {movement}" if movement else "")
        )
    patient_ids = sorted({p.id for _, _, p, _ in rows})
    _rng.shuffle(patient_ids)
    subjects = {pid: f"S{i + 1:02d}" for i, pid in enumerate(patient_ids)}
    shifts = {pid: timedelta(days=_rng.randint(*SHIFT_DAYS)) for pid in patient_ids}
    firsts = {pid: min(s.started_at for s, _, p, _ in rows if p.id == pid) for pid in patient_ids}
    dataset_id = str(uuid.uuid4())
    tmp = out_dir.with_name(f".{out_dir.name}.{uuid.uuid4().hex}.tmp")
    (tmp / "recordings").mkdir(parents=True)
    labels: dict[str, dict[str, Any]] = {}
    used: dict[int, int] = {}
    try:
        for s, m, p, mv in rows:
            try:
                data, annotated = pseudonymise_recording(store.get(s.recording_sha256 or ""), movement=mv)
            except (BlobNotFound, ValueError):
                continue  # missing or unreadable recording: skipped, not guessed
            rid = f"rec-{secrets.token_hex(5)}"
            (tmp / "recordings" / f"{rid}.npz").write_bytes(data)
            shifted = (s.started_at - shifts[p.id]).replace(second=0, microsecond=0)
            labels[rid] = {
                "subject": subjects[p.id],
                "movement": mv,
                "condition": p.condition,
                "affected_side": p.affected_side,
                "session_day": (s.started_at - firsts[p.id]).days,
                "start_shifted": shifted.isoformat(),
                "reps": annotated if annotated is not None else m.reps,
                "reps_source": "annotated" if annotated is not None else "hub_metrics",
                "rom_deg": m.rom_deg,
                "rom_deg_mean": m.rom_deg_mean,
                "sparc": m.sparc,
                "tremor_power_ratio": m.tremor_power_ratio,
                "duration_s": m.duration_s,
            }
            used[p.id] = used.get(p.id, 0) + 1
        if not labels:
            raise Invalid("none of the donated recordings could be read from the blob store")
        (tmp / "labels.json").write_text(json.dumps(labels, indent=2, sort_keys=True))
        manifest = {
            "format": DATASET_FORMAT,
            "dataset_id": dataset_id,
            "created": utcnow().date().isoformat(),
            "recordings": len(labels),
            "subjects": len(used),
            "movement": movement,
            "pseudonymisation": "random subject labels per dataset; start times "
            "shifted back 365-730 whole days per subject; no names, codes, dates, "
            "device names or free text",
            "units": {
                "rom_deg": "deg",
                "duration_s": "s",
                "sparc": "1",
                "tremor_power_ratio": "1",
                "recording t": "s",
                "acc": "g",
                "gyr": "deg/s",
            },
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
        if out_dir.exists():
            out_dir.rmdir()
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    audit.record(
        session,
        action="dataset.built",
        actor=actor,
        details={
            "dataset_id": dataset_id,
            "recordings": len(labels),
            "subjects": len(used),
            "movement": movement,
        },
    )
    for pid, n in used.items():
        audit.record(
            session,
            action="data.included_in_dataset",
            actor=actor,
            patient_id=pid,
            details={"dataset_id": dataset_id, "sessions": n},
        )
    session.commit()
    return DatasetSummary(dataset_id=dataset_id, path=out_dir, recordings=len(labels), subjects=len(used))
