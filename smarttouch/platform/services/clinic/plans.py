"""A patient's plan: the therapist's assignments. Every change is audited with old and new
values in the same transaction (actions ``plan.assignment_created``, ``..._updated``,
``..._ended``) and becomes a new version of the assignment, in force from the day of the
change (:mod:`.plan_versions`), so history before that day keeps the terms it had.

``today`` is the hub's local calendar day (the web passes it); the UTC day when omitted.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from ...models import (
    PLAN_FIELDS,
    Activity,
    Assignment,
    AssignmentCreate,
    AssignmentUpdate,
    AuditEvent,
    Patient,
    User,
    pk,
    utcnow,
)
from .. import audit
from ..errors import Invalid, NotFound, describe_validation_error
from .patients import require_own_patient
from .plan_versions import add_version

CLEARABLE_FIELDS = ("end_date", "max_rom_deg")  # optional values a therapist may remove


def validate_assignment(**fields: Any) -> AssignmentCreate:
    try:
        return AssignmentCreate(**fields)
    except ValidationError as exc:
        raise Invalid(describe_validation_error(exc)) from None


def _check_activity(session: Session, activity_id: int, movement: str) -> Activity:
    activity = session.get(Activity, activity_id)
    if activity is None or not activity.is_active:
        raise Invalid(f"activity {activity_id} is not in the catalogue")
    if activity.movements and movement not in activity.movements:
        raise Invalid(
            f"movement {movement!r} is not trained by {activity.key} (choose {', '.join(activity.movements)})"
        )
    return activity


def create_assignment(
    session: Session, *, therapist: User, patient: Patient, data: AssignmentCreate, ip: str | None = None
) -> Assignment:
    """Add an exercise to the plan of the therapist's own patient."""
    require_own_patient(therapist, patient)
    activity = _check_activity(session, data.activity_id, data.movement)
    assignment = Assignment(**data.model_dump(), patient_id=pk(patient), created_by_id=therapist.id)
    session.add(assignment)
    session.flush()
    audit.record(
        session,
        action="plan.assignment_created",
        actor=therapist,
        patient_id=patient.id,
        target_type="assignment",
        target_id=assignment.id,
        details={"activity": activity.key, **{f: getattr(assignment, f) for f in PLAN_FIELDS}},
        ip=ip,
    )
    session.commit()
    session.refresh(assignment)
    return assignment


def get_assignment_for(
    session: Session, *, therapist: User, assignment_id: int
) -> tuple[Assignment, Patient]:
    """The assignment and its patient when ``therapist`` follows that patient."""
    assignment = session.get(Assignment, assignment_id)
    patient = session.get(Patient, assignment.patient_id) if assignment else None
    if assignment is None or patient is None:
        raise NotFound(f"assignment {assignment_id} not found")
    require_own_patient(therapist, patient)
    return assignment, patient


def update_assignment(
    session: Session,
    *,
    therapist: User,
    assignment: Assignment,
    changes: AssignmentUpdate,
    clear: Collection[str] = (),
    ip: str | None = None,
    today: date | None = None,
) -> Assignment:
    """Apply the non-None fields of ``changes`` and remove the optional values named in
    ``clear`` (only :data:`CLEARABLE_FIELDS`: no end date, no maximum ROM); audits
    ``{field: [old, new]}`` (a cleared value's new value is None) and records the new terms
    as the version in force from ``today``.

    A change that alters nothing writes nothing; a rejected change writes nothing either.
    """
    patient = session.get(Patient, assignment.patient_id)
    if patient is None:
        raise NotFound(f"assignment {assignment.id} not found")
    require_own_patient(therapist, patient)
    clear = set(clear)
    unknown = sorted(clear - set(CLEARABLE_FIELDS))
    if unknown:
        raise Invalid(
            f"cannot clear {', '.join(unknown)}: only {' and '.join(CLEARABLE_FIELDS)} may be removed"
        )
    requested = changes.model_dump(exclude_none=True)
    both = sorted(clear & set(requested))
    if both:
        raise Invalid(f"{', '.join(both)}: either give a new value or clear it, not both")
    requested |= {f: None for f in clear}
    merged = {f: getattr(assignment, f) for f in PLAN_FIELDS} | requested
    checked = validate_assignment(activity_id=assignment.activity_id, **merged)
    _check_activity(session, assignment.activity_id, checked.movement)
    diff = {
        f: [getattr(assignment, f), getattr(checked, f)]
        for f in requested
        if getattr(assignment, f) != getattr(checked, f)
    }
    if not diff:
        return assignment
    for field, (_, new) in diff.items():
        setattr(assignment, field, new)
    assignment.updated_at = utcnow()
    session.add(assignment)
    add_version(session, assignment=assignment, actor=therapist, today=today or utcnow().date())
    audit.record(
        session,
        action="plan.assignment_updated",
        actor=therapist,
        patient_id=patient.id,
        target_type="assignment",
        target_id=assignment.id,
        details={"changes": diff},
        ip=ip,
    )
    session.commit()
    session.refresh(assignment)
    return assignment


def end_assignment(
    session: Session,
    *,
    therapist: User,
    assignment: Assignment,
    reason: str = "",
    ip: str | None = None,
    today: date | None = None,
) -> Assignment:
    """Stop an assignment from ``today`` on (kept for history, no longer in today's plan;
    the days before keep their prescription)."""
    patient = session.get(Patient, assignment.patient_id)
    if patient is None:
        raise NotFound(f"assignment {assignment.id} not found")
    require_own_patient(therapist, patient)
    if not assignment.active:
        return assignment
    assignment.active = False
    assignment.updated_at = utcnow()
    session.add(assignment)
    add_version(session, assignment=assignment, actor=therapist, today=today or utcnow().date())
    audit.record(
        session,
        action="plan.assignment_ended",
        actor=therapist,
        patient_id=patient.id,
        target_type="assignment",
        target_id=assignment.id,
        details={"reason": reason[:500]},
        ip=ip,
    )
    session.commit()
    session.refresh(assignment)
    return assignment


def plan_history(session: Session, *, patient: Patient, limit: int = 200) -> list[AuditEvent]:
    """The audited plan changes of ``patient``, newest first."""
    return audit.events_for_patient(session, patient_id=pk(patient), prefix="plan.", limit=limit)
