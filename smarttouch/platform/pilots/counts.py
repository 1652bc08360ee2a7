"""What the pilot pages add to the outcome service's counts of invitations, consents and
withdrawals: how many consents came on a signed paper form, and the public summary's
smallest cell."""

from __future__ import annotations

from collections.abc import Iterable

from ..models import Patient, PilotEnrolment

#: the smallest group of patients the public summary shows a number for (fewer: suppressed)
MIN_CELL = 5


def paper_consents(rows: Iterable[tuple[PilotEnrolment, Patient]]) -> int:
    """Consents a therapist recorded from a signed paper form (they carry its note)."""
    return sum(1 for e, _p in rows if e.consented_at is not None and e.consent_note)
