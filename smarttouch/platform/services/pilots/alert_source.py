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

from sqlmodel import col, select

from ...models import Patient, Pilot, PilotEnrolment, PilotStatus
from ..clinic.alerts import AlertContext, Finding, register_source

KIND = "pilot_safety"
WITHDRAWAL = "pilot_withdrawal"


@register_source(KIND, "the pilot's safety flag was cleared, the pilot closed, or the patient left it")
def pilot_safety_findings(ctx: AlertContext) -> list[Finding]:
    if ctx.session is None:
        return []
    rows = ctx.session.exec(
        select(Pilot)
        .join(PilotEnrolment, col(PilotEnrolment.pilot_id) == Pilot.id)
        .where(
            PilotEnrolment.patient_id == ctx.patient_id,
            col(PilotEnrolment.consented_at).is_not(None),
            col(PilotEnrolment.withdrawn_at).is_(None),
            col(Pilot.safety_flag_at).is_not(None),
            Pilot.status != PilotStatus.closed,
        )
    ).all()
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
    rows = ctx.session.exec(
        select(Pilot, PilotEnrolment)
        .join(PilotEnrolment, col(PilotEnrolment.pilot_id) == Pilot.id)
        .join(Patient, col(Patient.id) == PilotEnrolment.patient_id)
        .where(
            PilotEnrolment.patient_id == ctx.patient_id,
            col(PilotEnrolment.consented_at).is_not(None),
            col(PilotEnrolment.withdrawn_at).is_not(None),
            col(PilotEnrolment.withdrawn_by_id) == col(Patient.user_id),
        )
    ).all()
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
