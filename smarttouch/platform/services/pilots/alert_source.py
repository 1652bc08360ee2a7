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

from ...models import Pilot, PilotEnrolment, PilotStatus
from ..clinic.alerts import AlertContext, Finding, register_source
from .patient_enrolments import consented_enrolments

KIND = "pilot_safety"
WITHDRAWAL = "pilot_withdrawal"


def _enrolments(ctx: AlertContext) -> list[tuple[Pilot, PilotEnrolment]]:
    """The patient's consented enrolments either source may report, read once for both (and
    the after-scoring safety trigger, :mod:`.patient_enrolments`): still taking part in a
    flagged pilot that is not closed, or withdrawn by the patient themself."""
    assert ctx.session is not None
    return [
        (e.pilot, e.enrolment)
        for e in consented_enrolments(ctx.session, patient_id=ctx.patient_id, shared=ctx.shared)
        if (
            e.enrolment.withdrawn_at is None
            and e.pilot.safety_flag_at is not None
            and e.pilot.status != PilotStatus.closed
        )
        or e.withdrawn_by_patient
    ]


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
