"""Who was invited, consented and withdrew: the counts every pilot page and report shows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..models import Patient, PilotEnrolment

#: the smallest group of patients the public summary shows a number for (fewer: suppressed)
MIN_CELL = 5


@dataclass(frozen=True)
class ConsentCounts:
    invited: int
    consented: int
    """ever consented (paper or portal), withdrawn or not"""
    withdrawn: int
    """withdrew after consenting"""
    declined_or_waiting: int
    """invited, never consented (includes those who withdrew before consenting)"""
    taking_part: int
    paper: int
    """consents recorded from a signed paper form"""
    by_arm: dict[str, int] = field(default_factory=dict)
    """taking part, per arm"""


def consent_counts(rows: Iterable[tuple[PilotEnrolment, Patient]]) -> ConsentCounts:
    enrolments = [e for e, _p in rows]
    consented = [e for e in enrolments if e.consented_at is not None]
    taking_part = [e for e in consented if e.withdrawn_at is None]
    return ConsentCounts(
        invited=len(enrolments),
        consented=len(consented),
        withdrawn=sum(1 for e in consented if e.withdrawn_at is not None),
        declined_or_waiting=len(enrolments) - len(consented),
        taking_part=len(taking_part),
        paper=sum(1 for e in consented if e.consent_note),
        by_arm=dict(Counter(e.arm or "" for e in taking_part)),
    )
