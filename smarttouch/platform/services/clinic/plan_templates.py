"""Plan templates per condition, copying a plan between patients, the target suggested by a
patient's last calibration, and undoing the end of an exercise on the day it was ended.

A template stores exercises as plain terms (activity key, movement, ROM, dose, note), so it
survives catalogue changes; applying one (or copying another patient's current plan) adds
each exercise through :func:`.plans.create_assignment`, so every exercise is validated,
versioned and audited like one added by hand. All exercises are validated before the first
is added: a template that no longer fits the catalogue adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from smarttouch.sensors.placements import default_side

from ...models import (
    Activity,
    Assignment,
    AssignmentCreate,
    AssignmentVersion,
    Condition,
    ExerciseSession,
    Patient,
    PlanTemplate,
    Role,
    SessionMetricsRecord,
    User,
    utcnow,
)
from .. import audit
from ..errors import Forbidden, Invalid, NotFound
from . import plans
from .patients import current_plan, require_own_patient
from .plan_versions import add_version

ITEM_FIELDS = (
    "movement",
    "target_rom_deg",
    "max_rom_deg",
    "reps",
    "sets",
    "sessions_per_week",
    "difficulty",
    "therapist_note",
    "placement",
)
MAX_NAME = 120


def _items_of(rows: list[tuple[Assignment, Activity]]) -> list[dict[str, Any]]:
    return [{"activity_key": act.key, **{f: getattr(a, f) for f in ITEM_FIELDS}} for a, act in rows]


def save_template(
    session: Session,
    *,
    therapist: User,
    patient: Patient,
    name: str,
    condition: str,
    today: date,
    ip: str | None = None,
) -> PlanTemplate:
    """Save the current plan of the therapist's own patient as a template for ``condition``."""
    require_own_patient(therapist, patient)
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise Invalid(f"name: give a name of 1 to {MAX_NAME} characters")
    if condition not in Condition.__members__:
        raise Invalid("condition: choose one of the list")
    rows = current_plan(session, patient=patient, today=today)
    if not rows:
        raise Invalid("plan: the patient has no current exercise to save")
    template = PlanTemplate(name=name, condition=condition, items=_items_of(rows), created_by_id=therapist.id)
    session.add(template)
    session.flush()
    audit.record(
        session,
        action="plan_template.created",
        actor=therapist,
        patient_id=patient.id,
        target_type="plan_template",
        target_id=template.id,
        details={"name": name, "condition": condition, "exercises": len(template.items)},
        ip=ip,
    )
    session.commit()
    session.refresh(template)
    return template


def list_templates(session: Session, *, condition: str | None = None) -> list[PlanTemplate]:
    """The clinic's templates (those for ``condition`` first when given), newest first."""
    rows = list(session.exec(select(PlanTemplate).order_by(col(PlanTemplate.created_at).desc())))
    if condition:
        rows.sort(key=lambda t: t.condition != condition)
    return rows


def delete_template(session: Session, *, actor: User, template_id: int, ip: str | None = None) -> None:
    """Remove a template (its author or an administrator); audited."""
    template = session.get(PlanTemplate, template_id)
    if template is None:
        raise NotFound(f"template {template_id} not found")
    if actor.role != Role.admin and template.created_by_id != actor.id:
        raise Forbidden("only the template's author removes it")
    audit.record(
        session,
        action="plan_template.deleted",
        actor=actor,
        target_type="plan_template",
        target_id=template.id,
        details={"name": template.name},
        ip=ip,
    )
    session.delete(template)
    session.commit()


def _validated(
    session: Session, items: list[dict[str, Any]], start: date, patient: Patient
) -> list[AssignmentCreate]:
    """The items as the patient's assignments: the side is the patient's own (their affected
    side where the movement allows it), never the side of the plan's first patient."""
    out = []
    for item in items:
        activity = session.exec(select(Activity).where(Activity.key == item.get("activity_key"))).first()
        if activity is None or not activity.is_active:
            raise Invalid(f"template: activity {item.get('activity_key')!r} is no longer in the catalogue")
        fields = {f: item.get(f) for f in ITEM_FIELDS}
        fields["placement"] = fields["placement"] or ""  # a template saved before sites existed
        data = plans.validate_assignment(
            activity_id=activity.id,
            start_date=start,
            side=default_side(fields["movement"], patient.affected_side),
            **fields,
        )
        if activity.movements and data.movement not in activity.movements:
            raise Invalid(f"template: {activity.key} does not train {data.movement}")
        out.append(data)
    return out


def _add_all(
    session: Session,
    *,
    therapist: User,
    patient: Patient,
    items: list[dict[str, Any]],
    start: date,
    action: str,
    details: dict[str, Any],
    ip: str | None,
) -> list[Assignment]:
    require_own_patient(therapist, patient)
    if not items:
        raise Invalid("plan: there is no exercise to add")
    checked = _validated(session, items, start, patient)
    audit.record(
        session,
        action=action,
        actor=therapist,
        patient_id=patient.id,
        target_type="patient",
        target_id=patient.id,
        details={**details, "exercises": len(checked), "start_date": start},
        ip=ip,
    )
    return [
        plans.create_assignment(session, therapist=therapist, patient=patient, data=data, ip=ip)
        for data in checked
    ]


def apply_template(
    session: Session,
    *,
    therapist: User,
    patient: Patient,
    template_id: int,
    start: date,
    ip: str | None = None,
) -> list[Assignment]:
    """Add the template's exercises to the plan of the therapist's own patient from ``start``."""
    template = session.get(PlanTemplate, template_id)
    if template is None:
        raise Invalid("template: choose one of the list")
    return _add_all(
        session,
        therapist=therapist,
        patient=patient,
        items=list(template.items),
        start=start,
        action="plan.template_applied",
        details={"template_id": template.id, "name": template.name},
        ip=ip,
    )


def copy_plan(
    session: Session,
    *,
    therapist: User,
    source: Patient,
    target: Patient,
    start: date,
    today: date,
    ip: str | None = None,
) -> list[Assignment]:
    """Add the current exercises of ``source`` to ``target``'s plan (both the therapist's own)."""
    require_own_patient(therapist, source)
    if source.id == target.id:
        raise Invalid("patient: choose another patient to copy the plan to")
    items = _items_of(current_plan(session, patient=source, today=today))
    return _add_all(
        session,
        therapist=therapist,
        patient=target,
        items=items,
        start=start,
        action="plan.copied",
        details={"from_patient": source.code},
        ip=ip,
    )


@dataclass(frozen=True)
class Suggestion:
    """A target ROM (degrees, rounded to 5) read from the patient's last session."""

    target_rom_deg: float
    movement: str
    day: date
    source: str  # "calibration" (comfortable maximum) or "measured" (hub's mean ROM)


def _round5(value: float) -> float:
    return float(max(5, min(180, 5 * round(value / 5))))


def suggested_target(session: Session, *, patient: Patient, movement: str | None = None) -> Suggestion | None:
    """The target suggested for ``patient`` (and ``movement`` when given): the comfortable
    maximum of the last calibration, or, when the session had no usable calibration, the
    mean repetition ROM the hub measured in it. None without any session."""
    stmt = (
        select(ExerciseSession, SessionMetricsRecord)
        .join(SessionMetricsRecord, col(SessionMetricsRecord.session_id) == ExerciseSession.id, isouter=True)
        .where(ExerciseSession.patient_id == patient.id)
    )
    if movement:
        stmt = stmt.where(ExerciseSession.movement == movement)
    row = session.exec(stmt.order_by(col(ExerciseSession.started_at).desc()).limit(1)).first()
    if row is None:
        return None
    s, metrics = row
    day = s.started_at.date()
    rom_max = (s.calibration or {}).get("rom_max_deg")
    if isinstance(rom_max, (int, float)) and 0 < rom_max <= 180:
        return Suggestion(_round5(float(rom_max)), s.movement or "", day, "calibration")
    if metrics is not None and metrics.rom_deg_mean > 0:
        return Suggestion(_round5(metrics.rom_deg_mean), s.movement or "", day, "measured")
    return None


def ended_today(session: Session, *, patient: Patient, today: date) -> list[tuple[Assignment, Activity]]:
    """The patient's exercises ended on ``today`` (they can still be resumed today)."""
    rows = session.exec(
        select(Assignment, Activity, AssignmentVersion)
        .join(Activity, col(Activity.id) == Assignment.activity_id)
        .join(AssignmentVersion, col(AssignmentVersion.assignment_id) == Assignment.id)
        .where(
            Assignment.patient_id == patient.id,
            col(Assignment.active).is_(False),
            col(AssignmentVersion.valid_until).is_(None),
            col(AssignmentVersion.active).is_(False),
            AssignmentVersion.valid_from == today,
        )
    ).all()
    return [(a, act) for a, act, _v in rows]


def undo_end(
    session: Session, *, therapist: User, assignment_id: int, today: date, ip: str | None = None
) -> Assignment:
    """Resume an exercise ended earlier the same day (a new version, active again, from
    today); :class:`Invalid` for one ended on another day or not ended."""
    assignment, patient = plans.get_assignment_for(session, therapist=therapist, assignment_id=assignment_id)
    if assignment_id not in {a.id for a, _ in ended_today(session, patient=patient, today=today)}:
        raise Invalid("assignment: only an exercise ended today can be resumed; add it again instead")
    assignment.active = True
    assignment.updated_at = utcnow()
    session.add(assignment)
    add_version(session, assignment=assignment, actor=therapist, today=today)
    audit.record(
        session,
        action="plan.assignment_resumed",
        actor=therapist,
        patient_id=patient.id,
        target_type="assignment",
        target_id=assignment.id,
        ip=ip,
    )
    session.commit()
    session.refresh(assignment)
    return assignment
