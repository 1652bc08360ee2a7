"""The pilot safety flag as a clinical alert: each patient still taking part in a pilot whose
interim safety check is flagged (:mod:`.safety`) gets one open ``pilot_safety`` alert per pilot
for their therapist, through the alerts service (:func:`..clinic.alerts.register_source`).
It resolves by itself when the flag is cleared, the pilot closes or the patient leaves it.

Registered on import; :mod:`..clinic.scoring` imports this module, so every process that
writes metrics or syncs alerts has the source.
"""

from __future__ import annotations

from sqlmodel import col, select

from ...models import Pilot, PilotEnrolment, PilotStatus
from ..clinic.alerts import AlertContext, Finding, register_source

KIND = "pilot_safety"


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
