"""A patient's way through a pilot: the inclusion check, the invitation, consent (in the
portal, or a signed paper form the therapist records) with the arm drawn and the arm's game
added to the plan, and withdrawal at any time. Every step is audited.

The pilot itself (who may see it, creating and closing it, its enrolments) is :mod:`.pilots`."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from ...models import (
    Assignment,
    ExerciseSession,
    Patient,
    Pilot,
    PilotArm,
    PilotComparator,
    PilotEnrolment,
    PilotStatus,
    Role,
    User,
    pk,
    utcnow,
)
from .. import audit
from ..clinic import plans, scoring
from ..clinic.patients import current_plan, require_own_patient
from ..errors import NotFound
from .pilots import (
    BASELINE_WEEKS,
    BLOCK,
    DEFAULT_TERMS,
    NOTE_MAX,
    REASON_MAX,
    _invalid,
    _open_for,
    enrolment_of,
)


def baseline_sessions(
    session: Session, *, patient: Patient, movement: str, before: datetime, weeks: int = BASELINE_WEEKS
) -> list[ExerciseSession]:
    """The patient's sessions of ``movement`` in the ``weeks`` weeks before ``before``."""
    since = before - timedelta(weeks=weeks)
    return list(
        session.exec(
            select(ExerciseSession).where(
                ExerciseSession.patient_id == patient.id,
                ExerciseSession.movement == movement,
                col(ExerciseSession.started_at) >= since,
                col(ExerciseSession.started_at) < before,
            )
        )
    )


def check_inclusion(session: Session, *, pilot: Pilot, patient: Patient, now: datetime) -> None:
    """:class:`PilotInvalid` on the ``patient`` field when the patient is outside the inclusion."""
    if patient.condition != pilot.condition:
        raise _invalid(
            "patient",
            _l("This patient's condition is not the one the pilot includes."),
            f"patient {patient.code} has {patient.condition}, the pilot includes {pilot.condition}",
        )
    if pilot.comparator == PilotComparator.own_baseline and not baseline_sessions(
        session, patient=patient, movement=pilot.movement, before=now
    ):
        raise _invalid(
            "patient",
            _l(
                "This patient has no sessions of the movement in the last %(n)d weeks: "
                "there is nothing to compare with.",
                n=BASELINE_WEEKS,
            ),
            f"patient {patient.code} has no {pilot.movement} sessions in the last {BASELINE_WEEKS} weeks",
        )


def invite(
    session: Session,
    *,
    actor: User,
    pilot: Pilot,
    patient: Patient,
    today: date | None = None,
    ip: str | None = None,
) -> PilotEnrolment:
    """The patient's own therapist invites them; nothing counts until they consent."""
    require_own_patient(actor, patient)
    now = utcnow()
    _open_for(pilot, today or now.date(), "patient")
    if enrolment_of(session, pilot=pilot, patient=patient) is not None:
        raise _invalid("patient", _l("This patient is already invited."), f"{patient.code} already invited")
    check_inclusion(session, pilot=pilot, patient=patient, now=now)
    enrolment = PilotEnrolment(pilot_id=pk(pilot), patient_id=pk(patient), invited_by_id=actor.id)
    session.add(enrolment)
    session.flush()
    _audit(
        session,
        "pilot.invited",
        by=actor,
        pilot=pilot,
        patient=patient,
        details={"enrolment": enrolment.id},
        ip=ip,
    )
    session.commit()
    session.refresh(enrolment)
    return enrolment


# ------------------------------------------------------------------ consent and allocation
def allocation(seed: int, position: int) -> str:
    """The arm of the ``position``-th (0-based) consenting patient of a builtin_game pilot:
    permuted blocks of :data:`BLOCK` drawn from ``seed`` (reproducible from the audit)."""
    block, offset = divmod(position, BLOCK)
    arms = [PilotArm.pilot.value, PilotArm.comparator.value] * (BLOCK // 2)
    random.Random(f"{seed}:{block}").shuffle(arms)
    return arms[offset]


def _terms(session: Session, patient: Patient, movement: str, today: date) -> dict[str, Any]:
    """Prescription terms for the pilot's game: those of the patient's current exercise of
    the movement when there is one, otherwise :data:`DEFAULT_TERMS`."""
    for assignment, _activity in current_plan(session, patient=patient, today=today):
        if assignment.movement == movement:
            return {
                "target_rom_deg": assignment.target_rom_deg,
                "max_rom_deg": assignment.max_rom_deg,
                "reps": assignment.reps,
                "sets": assignment.sets,
                "sessions_per_week": assignment.sessions_per_week,
                "difficulty": assignment.difficulty,
            }
    return dict(DEFAULT_TERMS)


def arm_activity_id(pilot: Pilot, arm: str) -> int:
    if arm == PilotArm.comparator:
        if pilot.comparator_activity_id is None:
            raise ValueError(f"pilot {pilot.id} has no comparator game")
        return pilot.comparator_activity_id
    return pilot.activity_id


def _who(by: User, patient: Patient) -> str:
    """``"patient"`` (their own account) or ``"therapist"`` (their own therapist) acting for
    the patient; :class:`NotFound` for anyone else."""
    if patient.user_id is not None and by.id == patient.user_id:
        return "patient"
    if by.role == Role.therapist and by.id == patient.therapist_id:
        return "therapist"
    raise NotFound(f"patient {patient.id} not found")


def _invited(session: Session, pilot: Pilot, patient: Patient) -> PilotEnrolment:
    enrolment = enrolment_of(session, pilot=pilot, patient=patient)
    if enrolment is None:
        raise _invalid(
            "patient", _l("This patient is not invited to the pilot."), f"{patient.code} not invited"
        )
    if enrolment.withdrawn_at is not None:
        raise _invalid(
            "patient", _l("This patient has withdrawn from the pilot."), f"{patient.code} withdrew"
        )
    return enrolment


def _audit(
    session: Session,
    action: str,
    *,
    by: User,
    pilot: Pilot,
    patient: Patient,
    details: dict[str, Any],
    ip: str | None,
) -> None:
    audit.record(
        session,
        action=action,
        actor=by,
        patient_id=patient.id,
        target_type="pilot",
        target_id=pilot.id,
        details=details,
        ip=ip,
    )


def record_consent(
    session: Session,
    *,
    pilot: Pilot,
    patient: Patient,
    by: User,
    note: str | None = None,
    today: date | None = None,
    ip: str | None = None,
) -> PilotEnrolment:
    """Record the patient's consent to the pilot's current consent text.

    ``by`` is the patient themself (the portal) or their therapist recording a signed paper
    consent (``note``: which form; required). Fixes the arm and adds its game to the plan."""
    who = _who(by, patient)
    therapist = session.get(User, patient.therapist_id)
    if therapist is None:
        raise NotFound(f"patient {patient.id} not found")
    note = (note or "").strip()
    if who == "therapist" and not note:
        raise _invalid(
            "note",
            _l("Say how the patient consented (e.g. the number of the signed form)."),
            "say how the patient consented",
        )
    if len(note) > NOTE_MAX:
        raise _invalid("note", _l("At most %(n)d characters.", n=NOTE_MAX), f"at most {NOTE_MAX} characters")
    day = today or utcnow().date()
    _open_for(pilot, day, "patient")
    enrolment = _invited(session, pilot, patient)
    if enrolment.consented_at is not None:
        raise _invalid("patient", _l("The consent is already recorded."), f"{patient.code} already consented")
    if pilot.comparator == PilotComparator.builtin_game:
        position = len(
            session.exec(
                select(PilotEnrolment.id).where(
                    PilotEnrolment.pilot_id == pilot.id, col(PilotEnrolment.sequence).is_not(None)
                )
            ).all()
        )
        arm = allocation(pilot.random_seed, position)
    else:
        position, arm = 0, PilotArm.pilot.value
    activity_id = arm_activity_id(pilot, arm)
    data = plans.validate_assignment(
        activity_id=activity_id,
        movement=pilot.movement,
        start_date=max(day, pilot.starts_on),
        end_date=pilot.ends_on,
        therapist_note=f"Pilot: {pilot.title}"[:2000],
        **_terms(session, patient, pilot.movement, day),
    )
    enrolment.arm = arm
    enrolment.sequence = position if pilot.comparator == PilotComparator.builtin_game else None
    enrolment.consented_at = utcnow()
    enrolment.consent_by_id = by.id
    enrolment.consent_note = note
    enrolment.consent_sha256 = pilot.consent_sha256
    if pilot.status == PilotStatus.recruiting:
        pilot.status = PilotStatus.running
    session.add_all([enrolment, pilot])
    _audit(
        session,
        "pilot.consent_recorded",
        by=by,
        pilot=pilot,
        patient=patient,
        details={
            "enrolment": enrolment.id,
            "how": "portal" if who == "patient" else "paper",
            "note": note,
            "consent_sha256": pilot.consent_sha256,
            "arm": arm,
            "allocation_position": enrolment.sequence,
        },
        ip=ip,
    )
    try:  # the plan service audits the new exercise and commits everything in one transaction
        assignment = plans.create_assignment(session, therapist=therapist, patient=patient, data=data, ip=ip)
    except Exception:
        session.rollback()
        raise
    enrolment.assignment_id = assignment.id
    session.add(enrolment)
    session.commit()
    session.refresh(enrolment)
    return enrolment


def withdraw(
    session: Session,
    *,
    pilot: Pilot,
    patient: Patient,
    by: User,
    reason: str = "",
    ip: str | None = None,
    today: date | None = None,
    tz: tzinfo | str = "UTC",
) -> PilotEnrolment:
    """The patient leaves the pilot (no reason needed), or their therapist records it (a
    reason is). Sessions from now on are not counted. The arm's game, which the consent added
    to the plan, ends from ``today`` through the plan service (versioned, audited); nothing
    else in the plan changes (nothing the pilot did not add is restored or removed). A patient
    who leaves on their own raises a ``pilot_withdrawal`` alert for their therapist
    (:mod:`.alert_source`), open until acknowledged; ``tz``: the hub's, for that alert's day."""
    who = _who(by, patient)
    reason = (reason or "").strip()
    if who == "therapist" and not reason:
        raise _invalid("reason", _l("Say why the patient leaves the pilot."), "give a reason")
    if len(reason) > REASON_MAX:
        raise _invalid(
            "reason", _l("At most %(n)d characters.", n=REASON_MAX), f"at most {REASON_MAX} characters"
        )
    enrolment = _invited(session, pilot, patient)
    therapist = session.get(User, patient.therapist_id)
    if therapist is None:
        raise NotFound(f"patient {patient.id} not found")
    enrolment.withdrawn_at = utcnow()
    enrolment.withdrawn_by_id = by.id
    enrolment.withdrawal_reason = reason
    session.add(enrolment)
    assignment = session.get(Assignment, enrolment.assignment_id) if enrolment.assignment_id else None
    ends_game = assignment is not None and assignment.active
    _audit(
        session,
        "pilot.withdrawn",
        by=by,
        pilot=pilot,
        patient=patient,
        details={
            "enrolment": enrolment.id,
            "by": who,
            "reason": reason,
            "assignment_ended": assignment.id if assignment is not None and ends_game else None,
        },
        ip=ip,
    )
    if assignment is not None and ends_game:
        try:  # the plan service versions and audits the end and commits everything at once
            plans.end_assignment(
                session,
                therapist=therapist,
                assignment=assignment,
                reason=f"withdrawal from the pilot {pilot.title!r} (recorded by the {who})",
                ip=ip,
                today=today or utcnow().date(),
            )
        except Exception:
            session.rollback()
            raise
    session.commit()
    if who == "patient":  # their therapist learns it from an alert (they recorded it otherwise)
        scoring.refresh_alerts(session, patient=patient, today=today or utcnow().date(), tz=tz)
    session.refresh(enrolment)
    return enrolment
