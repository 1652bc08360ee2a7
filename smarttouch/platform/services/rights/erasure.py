"""The right to erasure (GDPR Art. 17): delete a patient, keep only anonymous aggregates.

:func:`erase_patient`, in one database transaction:

1. adds the patient's session metrics to :class:`AnonymisedAggregate` buckets (month,
   condition, movement: sums and counts, no identifiers);
2. redacts the audit trail: events about the patient, by or about their account, or whose
   details mention their code, name or e-mail keep *who* (the staff member), *when* and
   *what*, but lose the patient link, the details and the patient's own e-mail and IP address;
   they are tagged with a random erasure reference (``ER-...``) instead. Rows are never
   deleted, so the trail stays append-only; this redaction is its only sanctioned change;
3. deletes the patient row (the database cascades to plan, sessions, metrics, devices,
   pairing codes, alerts, consents, donations), their login account and its throttle rows;
4. writes a ``patient.erased`` audit event holding only counts and the reference.

After the commit, each recording blob is deleted unless another row (another patient's
session, a submission...) still references the same SHA-256.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from ...models import (
    AnonymisedAggregate,
    Assignment,
    AuditEvent,
    ExerciseSession,
    LoginThrottle,
    Patient,
    Role,
    SessionMetricsRecord,
    User,
    table_of,
)
from ...storage.blobstore import BlobStore
from .. import audit
from ..clinic.patients import CODE_ALPHABET, can_view_patient
from ..errors import Conflict, Forbidden, Invalid, NotFound

log = logging.getLogger(__name__)
_BATCH = 500


@dataclass
class ErasureReport:
    """What :func:`erase_patient` removed and kept (counts only, no identifiers)."""

    reference: str
    sessions: int = 0
    aggregated_sessions: int = 0
    events_redacted: int = 0
    account_deleted: bool = False
    recordings_deleted: int = 0
    recordings_kept_shared: int = 0
    blob_errors: list[str] = field(default_factory=list)


def may_erase(actor: User | None, patient: Patient) -> bool:
    """The patient's own therapist, an administrator, or the operator's CLI (None)."""
    if actor is None or actor.role == Role.admin:
        return True
    return actor.role == Role.therapist and patient.therapist_id == actor.id


def _aggregate(session: Session, patient: Patient) -> int:
    """Add the patient's scored sessions to the anonymous monthly buckets; returns how many."""
    rows = session.exec(
        select(ExerciseSession, SessionMetricsRecord, Assignment.movement)
        .join(SessionMetricsRecord, col(SessionMetricsRecord.session_id) == ExerciseSession.id)
        .join(Assignment, col(Assignment.id) == ExerciseSession.assignment_id, isouter=True)
        .where(ExerciseSession.patient_id == patient.id)
    ).all()
    buckets: dict[tuple[str, str], list[SessionMetricsRecord]] = defaultdict(list)
    for s, m, planned in rows:
        movement = s.movement or planned or "unspecified"
        buckets[(s.started_at.strftime("%Y-%m"), movement)].append(m)
    for (month, movement), metrics in sorted(buckets.items()):
        agg = session.exec(
            select(AnonymisedAggregate)
            .where(
                AnonymisedAggregate.month == month,
                AnonymisedAggregate.condition == patient.condition,
                AnonymisedAggregate.movement == movement,
            )
            .with_for_update()
        ).first()
        if agg is None:
            agg = AnonymisedAggregate(month=month, condition=patient.condition, movement=movement)
        agg.patients += 1
        agg.sessions += len(metrics)
        agg.reps_sum += sum(m.reps for m in metrics)
        agg.rom_deg_sum += sum(m.rom_deg for m in metrics)
        agg.active_time_s_sum += sum(m.active_time_s for m in metrics)
        agg.duration_s_sum += sum(m.duration_s for m in metrics)
        sparc = [m.sparc for m in metrics if m.sparc is not None]
        agg.sparc_sum += sum(sparc)
        agg.sparc_count += len(sparc)
        tremor = [m.tremor_power_ratio for m in metrics if m.tremor_power_ratio is not None]
        agg.tremor_power_ratio_sum += sum(tremor)
        agg.tremor_count += len(tremor)
        session.add(agg)
    session.flush()
    return len(rows)


def personal_strings(patient: Patient, account: User | None) -> list[str]:
    """The identifying texts to look for: code, name, account e-mail and name."""
    values = [patient.code, patient.display_name or ""]
    if account is not None:
        values += [account.email, account.full_name]
    return sorted({v.strip() for v in values if v and len(v.strip()) >= 3})


def mentions(strings: list[str]) -> Any:
    """SQL condition: the event's JSON details contain one of ``strings`` (raw or escaped)."""
    details = sa.cast(table_of(AuditEvent).c.details, sa.Text)
    forms = {f for s in strings for f in (s, json.dumps(s)[1:-1])}
    return sa.or_(*[details.contains(f, autoescape=True) for f in sorted(forms)])


def _ids(session: Session, where: Any) -> set[int]:
    table = table_of(AuditEvent)
    return set(session.execute(sa.select(table.c.id).where(where)).scalars())


def _update(session: Session, ids: set[int], **values: Any) -> None:
    table = table_of(AuditEvent)
    ordered = sorted(ids)
    for i in range(0, len(ordered), _BATCH):
        session.execute(sa.update(table).where(table.c.id.in_(ordered[i : i + _BATCH])).values(**values))


def _redact_audit(session: Session, patient: Patient, account: User | None, reference: str) -> int:
    """Strip the patient from the audit trail (see the module docstring); returns the count."""
    t = table_of(AuditEvent).c
    about = _ids(session, t.patient_id == patient.id)
    by_account: set[int] = set()
    on_account: set[int] = set()
    if account is not None:
        by_account = _ids(session, t.actor_id == account.id)
        on_account = _ids(session, (t.target_type == "user") & (t.target_id == account.id))
    mentioning = _ids(session, mentions(personal_strings(patient, account)))
    redacted = about | by_account | on_account | mentioning
    _update(
        session,
        redacted,
        patient_id=None,
        target_id=None,
        details={"redacted": "erasure", "erasure_ref": reference},
    )
    _update(session, by_account, actor_id=None, actor_email=None, ip=None)
    _update(session, mentioning - about - on_account, ip=None)
    return len(redacted)


def _blob_referenced(session: Session, key: str) -> bool:
    """Whether any row of any table still holds ``key`` in a ``*sha256*`` column."""
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if "sha256" in column.name:
                hit = session.execute(
                    sa.select(sa.literal(1)).select_from(table).where(column == key).limit(1)
                ).first()
                if hit is not None:
                    return True
    return False


@dataclass(frozen=True)
class ErasurePreview:
    """What an erasure would delete, shown on the confirmation page."""

    sessions: int
    recordings: int
    assignments: int
    has_account: bool


def preview(session: Session, *, patient: Patient) -> ErasurePreview:
    sessions = session.exec(
        select(ExerciseSession.recording_sha256).where(ExerciseSession.patient_id == patient.id)
    ).all()
    assignments = session.exec(select(Assignment.id).where(Assignment.patient_id == patient.id)).all()
    return ErasurePreview(
        sessions=len(sessions),
        recordings=len({k for k in sessions if k}),
        assignments=len(assignments),
        has_account=patient.user_id is not None,
    )


def new_reference() -> str:
    return "ER-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def erase_patient(
    session: Session,
    *,
    patient: Patient,
    actor: User | None,
    store: BlobStore,
    confirm_code: str,
    ip: str | None = None,
) -> ErasureReport:
    """Erase ``patient`` (see the module docstring). ``confirm_code`` must repeat the
    patient's code. Raises :class:`NotFound`/:class:`Forbidden` for callers who may not,
    :class:`Invalid` for a wrong confirmation, :class:`Conflict` if a row elsewhere blocks it."""
    if actor is not None and not can_view_patient(actor, patient):
        raise NotFound(f"patient {patient.id} not found")
    if not may_erase(actor, patient):
        raise Forbidden("only the patient's therapist or an administrator may erase a patient")
    if confirm_code.strip().upper() != patient.code:
        raise Invalid(f"type the patient's code {patient.code} to confirm the erasure")
    report = ErasureReport(reference=new_reference())
    account = session.get(User, patient.user_id) if patient.user_id else None
    recordings = session.exec(
        select(ExerciseSession.recording_sha256).where(
            ExerciseSession.patient_id == patient.id, col(ExerciseSession.recording_sha256).is_not(None)
        )
    ).all()
    keys = {key for key in recordings if key is not None}
    report.sessions = len(
        session.exec(select(ExerciseSession.id).where(ExerciseSession.patient_id == patient.id)).all()
    )
    try:
        report.aggregated_sessions = _aggregate(session, patient)
        report.events_redacted = _redact_audit(session, patient, account, report.reference)
        session.execute(sa.delete(table_of(Patient)).where(table_of(Patient).c.id == patient.id))
        if account is not None:
            session.execute(
                sa.delete(table_of(LoginThrottle)).where(
                    table_of(LoginThrottle).c.key == f"account:{account.email}"
                )
            )
            session.execute(sa.delete(table_of(User)).where(table_of(User).c.id == account.id))
            report.account_deleted = True
        audit.record(
            session,
            action="patient.erased",
            actor=actor,
            target_type="patient",
            ip=ip,
            details={
                "erasure_ref": report.reference,
                "sessions": report.sessions,
                "aggregated_sessions": report.aggregated_sessions,
                "events_redacted": report.events_redacted,
                "account_deleted": report.account_deleted,
                "recordings": len(keys),
            },
        )
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        first = str(exc.orig).splitlines()[0]
        raise Conflict(
            f"the patient could not be erased, other records still refer to "
            f"them ({first}); nothing was changed"
        ) from None
    for key in sorted(keys):
        if _blob_referenced(session, key):
            report.recordings_kept_shared += 1
            continue
        try:
            if store.delete(key):
                report.recordings_deleted += 1
        except Exception as exc:  # a folder's OSError, object storage's own errors
            log.error("erasure %s: could not delete blob %s: %s", report.reference, key, exc)
            report.blob_errors.append(key)
    if report.blob_errors:  # kept where an administrator finds them (blob keys name no one)
        audit.record(
            session,
            action="patient.erasure_recordings_left",
            actor=actor,
            target_type="patient",
            ip=ip,
            details={"erasure_ref": report.reference, "blob_keys": report.blob_errors},
        )
        session.commit()
    return report
