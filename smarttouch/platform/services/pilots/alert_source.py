"""Pilot notices as clinical alerts for the patient's own therapist, through the alerts
service (:func:`..clinic.alerts.register_source`):

- ``pilot_safety``: each patient still taking part in a pilot whose interim safety check is
  flagged (:mod:`.safety`) gets one open alert per pilot. It resolves by itself when the flag
  is cleared, the pilot closes or the patient leaves it.
- ``pilot_withdrawal``: a patient who left a pilot on their own (in the portal) gets one alert
  per pilot saying so, and that the pilot's game was ended in their plan and nothing else
  changed (:func:`.enrolment.withdraw`); it stays open until the therapist acknowledges it.

Registered on import; :mod:`..clinic.scoring` imports this module, so every process that
writes metrics or syncs alerts has the source.
"""

from __future__ import annotations

from sqlalchemy import and_, or_
from sqlmodel import col, select

from ...models import Patient, Pilot, PilotEnrolment, PilotStatus
from ..clinic.alerts import AlertContext, Finding, register_source

KIND = "pilot_safety"
WITHDRAWAL = "pilot_withdrawal"


def _enrolments(ctx: AlertContext) -> list[tuple[Pilot, PilotEnrolment]]:
    """The patient's consented enrolments either source may report, in one query shared by
    both (most patients are in no pilot: nothing to read twice): still taking part in a
    flagged pilot that is not closed, or withdrawn by the patient themself."""
    key = "pilots.enrolments"
    if key not in ctx.shared:
        assert ctx.session is not None
        ctx.shared[key] = list(
            ctx.session.exec(
                select(Pilot, PilotEnrolment)
                .join(PilotEnrolment, col(PilotEnrolment.pilot_id) == Pilot.id)
                .join(Patient, col(Patient.id) == PilotEnrolment.patient_id)
                .where(
                    PilotEnrolment.patient_id == ctx.patient_id,
                    col(PilotEnrolment.consented_at).is_not(None),
                    or_(
                        and_(
                            col(PilotEnrolment.withdrawn_at).is_(None),
                            col(Pilot.safety_flag_at).is_not(None),
                            col(Pilot.status) != PilotStatus.closed,
                        ),
                        and_(
                            col(PilotEnrolment.withdrawn_at).is_not(None),
                            col(PilotEnrolment.withdrawn_by_id) == col(Patient.user_id),
                        ),
                    ),
                )
                .order_by(col(PilotEnrolment.id))
            ).all()
        )
    return list(ctx.shared[key])


@register_source(KIND, "the pilot's safety flag was cleared, the pilot closed, or the patient left it")
def pilot_safety_findings(ctx: AlertContext) -> list[Finding]:
    if ctx.session is None:
        return []
    rows = [pilot for pilot, e in _enrolments(ctx) if e.withdrawn_at is None]
    return [
        Finding(
            f"{KIND}:{pilot.id}",
            KIND,
            f'Pilot "{pilot.title}": the interim safety check found more pain with the piloted game '
            f"({pilot.safety_note}). Review this patient's participation.",
            evidence=pilot.safety_flag_at.isoformat() if pilot.safety_flag_at else "",
            details={"pilot_id": pilot.id, "pilot_title": pilot.title},
        )
        for pilot in rows
    ]


@register_source(WITHDRAWAL, "the patient's pilot enrolment was removed")
def pilot_withdrawal_findings(ctx: AlertContext) -> list[Finding]:
    if ctx.session is None:
        return []
    rows = [(pilot, e) for pilot, e in _enrolments(ctx) if e.withdrawn_at is not None]
    return [
        Finding(
            f"{WITHDRAWAL}:{pilot.id}",
            WITHDRAWAL,
            f'The patient left the pilot "{pilot.title}" on {e.withdrawn_at:%Y-%m-%d}; the pilot\'s game '
            "was ended in their plan and nothing else was changed. Review the plan.",
            evidence=e.withdrawn_at.isoformat() if e.withdrawn_at else "",
            details={
                "pilot_id": pilot.id,
                "pilot_title": pilot.title,
                "withdrawn_at": e.withdrawn_at.isoformat() if e.withdrawn_at else None,
                "reason": e.withdrawal_reason,
            },
        )
        for pilot, e in rows
    ]
