"""What an administrator does to accounts and caseloads: change a role, deactivate or
reactivate an account, assign a patient to a therapist and hand a whole caseload over.
Every change is audited in its own transaction (old and new values).

An administrator cannot change their own role or deactivate themselves (the hub would be
left without anyone to undo it); a patient account's role is fixed (it is linked to a
patient record), and no account becomes a patient by a role change (patients are invited
from their record).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from ...models import Patient, Role, User, pk
from .. import audit
from ..errors import Forbidden, Invalid, NotFound
from .users import set_active

STAFF_ROLES = (Role.therapist.value, Role.developer.value, Role.admin.value)
#: roles that can carry the challenge-manager flag (an administrator manages without it)
MANAGER_ROLES = (Role.therapist.value, Role.developer.value)


def _require_admin(actor: User | None) -> None:
    if actor is not None and actor.role != Role.admin:
        raise Forbidden("administrators only")


def get_user(session: Session, *, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def change_role(
    session: Session,
    *,
    actor: User | None,
    user: User,
    role: str,
    is_reviewer: bool,
    is_challenge_manager: bool = False,
    ip: str | None = None,
) -> User:
    """Give a staff account another staff role, the reviewer flag (therapists only) and the
    challenge-manager flag (therapists and developers; an administrator always manages)."""
    _require_admin(actor)
    if actor is not None and actor.id == user.id:
        raise Invalid("role: you cannot change your own role")
    if user.role == Role.patient:
        raise Invalid("role: a patient account keeps its role")
    if role not in STAFF_ROLES:
        raise Invalid("role: choose therapist, developer or administrator")
    if user.role == Role.therapist and role != Role.therapist:
        followed = session.exec(
            select(func.count()).select_from(Patient).where(Patient.therapist_id == user.id)
        ).one()
        if followed:
            raise Invalid("role: this therapist still follows patients; hand the caseload over first")
    reviewer = bool(is_reviewer) and role == Role.therapist
    manager = bool(is_challenge_manager) and role in MANAGER_ROLES
    changes = {
        k: [old, new]
        for k, old, new in (
            ("role", user.role, role),
            ("is_reviewer", user.is_reviewer, reviewer),
            ("is_challenge_manager", user.is_challenge_manager, manager),
        )
        if old != new
    }
    if not changes:
        return user
    user.role, user.is_reviewer, user.is_challenge_manager = role, reviewer, manager
    session.add(user)
    audit.record(
        session,
        action="user.role_changed",
        actor=actor,
        target_type="user",
        target_id=user.id,
        details={"changes": changes},
        ip=ip,
    )
    session.commit()
    session.refresh(user)
    return user


def set_account_active(
    session: Session, *, actor: User | None, user: User, active: bool, ip: str | None = None
) -> User:
    """Deactivate (its logins end at once) or reactivate an account; not one's own."""
    _require_admin(actor)
    if actor is not None and actor.id == user.id and not active:
        raise Invalid("account: you cannot deactivate your own account")
    if user.is_active == active:
        return user
    return set_active(session, user=user, active=active, actor=actor, ip=ip)


def _therapist(session: Session, therapist_id: int | None) -> User:
    user = session.get(User, therapist_id) if therapist_id else None
    if user is None or user.role != Role.therapist or not user.is_active:
        raise Invalid("therapist: choose an active therapist")
    return user


def assign_patient(
    session: Session, *, actor: User | None, patient_id: int, therapist_id: int | None, ip: str | None = None
) -> Patient:
    """Make ``therapist_id`` the therapist who follows the patient."""
    _require_admin(actor)
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(f"patient {patient_id} not found")
    therapist = _therapist(session, therapist_id)
    if patient.therapist_id == therapist.id:
        return patient
    old = patient.therapist_id
    patient.therapist_id = pk(therapist)
    session.add(patient)
    audit.record(
        session,
        action="patient.reassigned",
        actor=actor,
        patient_id=patient.id,
        target_type="patient",
        target_id=patient.id,
        details={"therapist_id": [old, therapist.id]},
        ip=ip,
    )
    session.commit()
    session.refresh(patient)
    return patient


@dataclass(frozen=True)
class Handover:
    moved: list[str]  # patient codes
    to: User


def hand_over(
    session: Session,
    *,
    actor: User | None,
    from_id: int | None,
    to_id: int | None,
    ip: str | None = None,
) -> Handover:
    """Move every patient of one therapist to another, in one transaction (one audit line
    per patient and one for the handover)."""
    _require_admin(actor)
    source = session.get(User, from_id) if from_id else None
    if source is None or source.role != Role.therapist:
        raise Invalid("from: choose a therapist")
    target = _therapist(session, to_id)
    if source.id == target.id:
        raise Invalid("to: choose a different therapist")
    rows = list(
        session.exec(select(Patient).where(Patient.therapist_id == source.id).order_by(col(Patient.code)))
    )
    if not rows:
        raise Invalid("from: this therapist follows no patient")
    for patient in rows:
        patient.therapist_id = pk(target)
        session.add(patient)
        audit.record(
            session,
            action="patient.reassigned",
            actor=actor,
            patient_id=patient.id,
            target_type="patient",
            target_id=patient.id,
            details={"therapist_id": [source.id, target.id], "handover": True},
            ip=ip,
        )
    audit.record(
        session,
        action="caseload.handed_over",
        actor=actor,
        target_type="user",
        target_id=source.id,
        details={"from": source.email, "to": target.email, "patients": [p.code for p in rows]},
        ip=ip,
    )
    session.commit()
    return Handover([p.code for p in rows], target)


def caseload_sizes(session: Session) -> dict[int, int]:
    """Patients followed per therapist id."""
    rows = session.exec(select(Patient.therapist_id, func.count()).group_by(col(Patient.therapist_id))).all()
    return {int(t): int(n) for t, n in rows}
