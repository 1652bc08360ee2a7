"""Patients and who may see them.

Visibility rule (the one place it lives): a therapist sees only the patients they follow,
a patient user only their own record, an admin every record; anyone else nobody. A patient
that is not visible is reported as not found, so its existence does not leak.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from ...models import Activity, Assignment, Patient, PatientCreate, Role, User, pk
from .. import audit
from ..errors import Conflict, Forbidden, Invalid, NotFound, describe_validation_error

CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"  # no look-alikes (0/O, 1/I/L, 5/S, 8/B, 2/Z)
EDITABLE_FIELDS = ("condition", "affected_side", "display_name", "birth_year", "birth_date", "notes")


def can_view_patient(user: User, patient: Patient) -> bool:
    if user.role == Role.admin:
        return True
    if user.role == Role.therapist:
        return patient.therapist_id == user.id
    if user.role == Role.patient:
        return patient.user_id is not None and patient.user_id == user.id
    return False


def get_patient_for(session: Session, *, user: User, patient_id: int) -> Patient:
    """The patient if ``user`` may see it; :class:`NotFound` otherwise."""
    patient = session.get(Patient, patient_id)
    if patient is None or not can_view_patient(user, patient):
        raise NotFound(f"patient {patient_id} not found")
    return patient


def require_own_patient(therapist: User, patient: Patient) -> None:
    """Only the patient's own therapist may change their record or plan."""
    if therapist.role != Role.therapist or patient.therapist_id != therapist.id:
        raise NotFound(f"patient {patient.id} not found")


def patient_of_user(session: Session, *, user: User) -> Patient | None:
    return session.exec(select(Patient).where(Patient.user_id == user.id)).first()


def new_patient_code(session: Session) -> str:
    """A fresh pseudonymous code such as ``PT-K7WM``."""
    for _ in range(100):
        code = "PT-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))
        if session.exec(select(Patient.id).where(Patient.code == code)).first() is None:
            return code
    raise Conflict("could not allocate a free patient code")


def validate_patient(**fields: Any) -> PatientCreate:
    try:
        return PatientCreate(**fields)
    except ValidationError as exc:
        raise Invalid(describe_validation_error(exc)) from None


def create_patient(
    session: Session, *, therapist: User, data: PatientCreate, user: User | None = None, ip: str | None = None
) -> Patient:
    """Create a patient followed by ``therapist``, optionally linked to a patient account."""
    if therapist.role != Role.therapist:
        raise Forbidden("only therapists follow patients")
    if session.exec(select(Patient.id).where(Patient.code == data.code)).first() is not None:
        raise Conflict(f"patient code {data.code} is already used")
    if user is not None:
        if user.role != Role.patient:
            raise Invalid(f"account {user.email} is not a patient account")
        if patient_of_user(session, user=user) is not None:
            raise Conflict(f"account {user.email} is already linked to a patient")
    patient = Patient(**data.model_dump(), therapist_id=pk(therapist), user_id=user.id if user else None)
    session.add(patient)
    session.flush()
    audit.record(
        session,
        action="patient.created",
        actor=therapist,
        patient_id=patient.id,
        target_type="patient",
        target_id=patient.id,
        details={"code": patient.code, "condition": patient.condition},
        ip=ip,
    )
    session.commit()
    session.refresh(patient)
    return patient


def update_patient(
    session: Session, *, therapist: User, patient: Patient, changes: dict[str, Any], ip: str | None = None
) -> Patient:
    """Change clinical fields of the therapist's own patient; audited with old/new values."""
    require_own_patient(therapist, patient)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise Invalid(f"cannot change {', '.join(sorted(unknown))}")
    merged = {f: getattr(patient, f) for f in EDITABLE_FIELDS} | changes
    checked = validate_patient(code=patient.code, **merged)
    diff = {
        f: [getattr(patient, f), getattr(checked, f)]
        for f in changes
        if getattr(patient, f) != getattr(checked, f)
    }
    if not diff:
        return patient
    for field, (_, new) in diff.items():
        setattr(patient, field, new)
    session.add(patient)
    audit.record(
        session,
        action="patient.updated",
        actor=therapist,
        patient_id=patient.id,
        target_type="patient",
        target_id=patient.id,
        details={"changes": diff},
        ip=ip,
    )
    session.commit()
    session.refresh(patient)
    return patient


def current_plan(session: Session, *, patient: Patient, today: date) -> list[tuple[Assignment, Activity]]:
    """Assignments active on ``today`` with their activity, oldest first."""
    rows = session.exec(
        select(Assignment, Activity)
        .join(Activity, col(Activity.id) == Assignment.activity_id)
        .where(Assignment.patient_id == patient.id, col(Assignment.active).is_(True))
        .order_by(col(Assignment.start_date), col(Assignment.id))
    ).all()
    return [(a, act) for a, act in rows if a.is_current(today)]


def all_assignments(session: Session, *, patient: Patient) -> list[tuple[Assignment, Activity]]:
    rows = session.exec(
        select(Assignment, Activity)
        .join(Activity, col(Activity.id) == Assignment.activity_id)
        .where(Assignment.patient_id == patient.id)
        .order_by(col(Assignment.active).desc(), col(Assignment.start_date).desc())
    ).all()
    return [(a, act) for a, act in rows]
