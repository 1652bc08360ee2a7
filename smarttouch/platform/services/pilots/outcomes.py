"""A pilot's outcomes, computed by the hub from the stored sessions (never typed): the counts
of invitations, consents and withdrawals, each consented patient's numbers
(:mod:`.patient_figures`), each arm's (:mod:`.arm_figures`), the design's estimate
(:mod:`.comparison`) and the method in words (:mod:`.method`). Which sessions count:
:mod:`.counted_sessions`. See docs/pilots.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, select

from ...models import Patient, Pilot, PilotArm, PilotComparator, pk, utcnow
from ..clinic.progress import local_day
from . import pilots
from .arm_figures import SMALL_N, ArmSummary, arm_summary
from .comparison import Comparison, between_arms, paired
from .counted_sessions import zone
from .method import method_text
from .patient_figures import PatientOutcome, patient_outcome


@dataclass(frozen=True)
class PilotOutcomes:
    pilot_id: int
    comparator: str
    as_of: date
    invited: int
    consented: int
    """patients who ever consented"""
    withdrawn: int
    """of those, how many withdrew"""
    declined: int
    """invited patients who withdrew before consenting"""
    pending: int
    """invited, not yet answered"""
    patients: list[PatientOutcome]
    arms: dict[str, ArmSummary]
    """``pilot`` always; ``comparator`` for builtin_game pilots"""
    comparison: Comparison
    method: Any
    """how the numbers were computed, in words (translated)"""
    small_sample: bool
    small_sample_note: Any


def compute_outcomes(
    session: Session, pilot: Pilot, *, tz: tzinfo | str = "UTC", now: datetime | None = None
) -> PilotOutcomes:
    """Everything the pilot page shows, from the sessions as stored now. ``tz``: the hub's
    time zone (settings ``TIMEZONE``) for days."""
    now = now or utcnow()
    local = zone(tz)
    rows = pilots.enrolments(session, pilot=pilot)
    names = {pk(e): f"S{i + 1:02d}" for i, (e, _p) in enumerate(rows)}
    consented = [e for e, _p in rows if e.consented_at is not None]
    people = [
        patient_outcome(session, pilot=pilot, enrolment=e, pseudonym=names[pk(e)], now=now, tz=local)
        for e in consented
    ]
    arms = {a: arm_summary(a, [p for p in people if p.arm == a]) for a in arm_names(pilot)}
    if pilot.comparator == PilotComparator.own_baseline:
        comparison = paired(people)
    else:
        comparison = between_arms(
            session, pilot=pilot, enrolments=consented, people=people, now=now, tz=local
        )
    small = any(a.small_sample for a in arms.values())
    return PilotOutcomes(
        pilot_id=pk(pilot),
        comparator=pilot.comparator,
        as_of=local_day(now, local),
        invited=len(rows),
        consented=len(consented),
        withdrawn=sum(e.withdrawn_at is not None for e in consented),
        declined=sum(e.consented_at is None and e.withdrawn_at is not None for e, _p in rows),
        pending=sum(e.consented_at is None and e.withdrawn_at is None for e, _p in rows),
        patients=people,
        arms=arms,
        comparison=comparison,
        method=method_text(comparison),
        small_sample=small,
        small_sample_note=_l(
            "Small sample: fewer than %(n)d patients per arm. The estimates are imprecise; "
            "this pilot can neither show that the solution helps nor that it is safe.",
            n=SMALL_N,
        )
        if small
        else None,
    )


def arm_names(pilot: Pilot) -> list[str]:
    """``pilot``, and ``comparator`` for builtin_game pilots."""
    names = [PilotArm.pilot.value]
    if pilot.comparator == PilotComparator.builtin_game:
        names.append(PilotArm.comparator.value)
    return names


def patients_by_id(session: Session, outcomes: PilotOutcomes) -> dict[int, Patient]:
    """The patients behind the outcomes (for pages naming them to their own therapist)."""
    ids = [p.patient_id for p in outcomes.patients]
    if not ids:
        return {}
    return {pk(p): p for p in session.exec(select(Patient).where(col(Patient.id).in_(ids)))}
