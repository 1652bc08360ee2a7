"""The interim safety check of a pilot: is the solution's arm clearly worse for pain?

The rule, in words: the pilot is flagged when, over the sessions counted so far, **either**

1. the share of sessions stopped for pain is higher in the solution's arm than in the
   comparison, and the 95 % confidence interval of the difference (Newcombe's hybrid score
   interval, Newcombe 1998, Stat Med 17:873-890) lies entirely above zero; **or**
2. the pain rated after the session (0-10 NRS) is higher in the solution's arm, and the 95 %
   Welch confidence interval of the difference of the means lies entirely above zero.

The comparison is the comparator arm (``builtin_game`` pilots) or the same patients' sessions
of the movement in the weeks before they consented (``own_baseline``). Sessions are taken as
independent here, which makes the check quick to raise a flag rather than slow: it is a
prompt for a clinician to look, not a verdict.

A new flag sets ``Pilot.safety_flag_at`` (audited as ``pilot.safety_flagged``) and sends one
e-mail to each of the pilot's creator, the challenge managers and the administrators, in the
recipient's language (``notify``); checking again while the flag stands sends nothing. Each patient still in the pilot also gets a
``pilot_safety`` alert for their therapist (:mod:`.alert_source`). When the rule no longer
holds the flag is cleared (``pilot.safety_cleared``) and those alerts resolve, so a later
flag is news again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from ...models import Pilot, PilotArm, PilotComparator, User, pk, utcnow
from .. import audit
from ..clinic import scoring
from . import pilots
from .counted_sessions import baseline_rows, feelings, pilot_sessions, zone
from .intervals import Interval, Share, welch_diff, wilson


@dataclass(frozen=True)
class SafetyCheck:
    """The check's numbers: pain stops (sessions) per side, their difference with Newcombe's
    95 % CI, the after-session pain difference (solution minus comparison, NRS points) with
    Welch's 95 % CI, whether the rule holds, and what this check changed."""

    pain_stops_pilot: Share
    pain_stops_comparison: Share
    pain_stop_difference: Interval
    pain_after_difference: Interval
    flagged: bool
    reasons: list[str] = field(default_factory=list)
    """English, one per part of the rule that holds (the page words its own from the numbers)"""
    newly_flagged: bool = False
    mailed: int = 0
    """e-mails sent by this check (0 unless newly flagged)"""

    @property
    def pain_stops_worse(self) -> bool:
        """Part 1 of the rule holds: more pain stops with the solution, CI above zero."""
        return _above_zero(self.pain_stop_difference)

    @property
    def pain_after_worse(self) -> bool:
        """Part 2 of the rule holds: more pain after the session, CI above zero."""
        return _above_zero(self.pain_after_difference)


Notify = Callable[[Pilot, SafetyCheck, Sequence[User]], int]
"""Sends the e-mails of a new flag to the recipients given (in each one's language) and
returns how many were sent; a refused message is logged, never raised (the web layer's
:class:`smarttouch.platform.pilots.safety_mail.SafetyMailer`)."""


def _above_zero(diff: Interval) -> bool:
    return diff.low is not None and diff.low > 0


def newcombe_diff(a: Share, b: Share) -> Interval:
    """p_a - p_b with Newcombe's hybrid score 95 % interval from the two Wilson intervals."""
    if not a.n or not b.n or a.low is None or a.high is None or b.low is None or b.high is None:
        return Interval(None, None, None, a.n + b.n)
    pa, pb = a.k / a.n, b.k / b.n
    d = pa - pb
    low = d - math.sqrt((pa - a.low) ** 2 + (b.high - pb) ** 2)
    high = d + math.sqrt((a.high - pa) ** 2 + (pb - b.low) ** 2)
    return Interval(d, low, high, a.n + b.n)


def _sides(session: Session, pilot: Pilot, now: datetime, tz: tzinfo) -> tuple[list[Any], list[Any]]:
    """The sessions of the solution's arm and of the comparison (see the module docstring)."""
    solution: list[Any] = []
    comparison: list[Any] = []
    for e, _patient in pilots.enrolments(session, pilot=pilot):
        if e.consented_at is None:
            continue
        rows = pilot_sessions(session, pilot=pilot, enrolment=e, now=now, tz=tz)
        if e.arm == PilotArm.comparator:
            comparison += rows
        else:
            solution += rows
            if pilot.comparator == PilotComparator.own_baseline:
                comparison += baseline_rows(session, pilot=pilot, enrolment=e)
    return solution, comparison


def evaluate(
    session: Session, pilot: Pilot, *, tz: tzinfo | str = "UTC", now: datetime | None = None
) -> SafetyCheck:
    """The rule's numbers as of ``now``, changing nothing."""
    now = now or utcnow()
    solution, comparison = _sides(session, pilot, now, zone(tz))
    stops_a = wilson(sum(r.session.quit_reason == "pain" for r in solution), len(solution))
    stops_b = wilson(sum(r.session.quit_reason == "pain" for r in comparison), len(comparison))
    stop_diff = newcombe_diff(stops_a, stops_b)
    pain_a = feelings(session, [pk(r.session) for r in solution])["pain_after"]
    pain_b = feelings(session, [pk(r.session) for r in comparison])["pain_after"]
    pain_diff = welch_diff(pain_a, pain_b)
    reasons = []
    if _above_zero(stop_diff):
        reasons.append(
            f"sessions stopped for pain: {stops_a.k}/{stops_a.n} with the solution vs "
            f"{stops_b.k}/{stops_b.n} (difference {stop_diff.value:+.0%}, 95% CI "
            f"{stop_diff.low:+.0%} to {stop_diff.high:+.0%})"
        )
    if _above_zero(pain_diff) and pain_diff.value is not None:
        reasons.append(
            f"pain after the session {pain_diff.value:+.1f} points with the solution "
            f"(95% CI {pain_diff.low:+.1f} to {pain_diff.high:+.1f})"
        )
    return SafetyCheck(stops_a, stops_b, stop_diff, pain_diff, bool(reasons), reasons)


def check_safety(
    session: Session,
    pilot: Pilot,
    *,
    notify: Notify,
    tz: tzinfo | str = "UTC",
    now: datetime | None = None,
) -> SafetyCheck:
    """Run the check, record a new flag (or clear an old one) and have ``notify`` send the
    e-mails a new flag deserves: one to each of the pilot's managers (:func:`.pilots.managers`:
    its creator, the challenge managers, the administrators)."""
    result = evaluate(session, pilot, tz=tz, now=now)
    if result.flagged and pilot.safety_flag_at is None:
        if not _claim_flag(session, pilot, "; ".join(result.reasons)):
            return result  # another check (a worker scoring another session) raised it first
        audit.record(
            session,
            action="pilot.safety_flagged",
            target_type="pilot",
            target_id=pilot.id,
            details={"reasons": result.reasons},
        )
        session.commit()
        sync_alerts(session, pilot, zone(tz))
        mailed = notify(pilot, result, pilots.managers(session, pilot=pilot))
        return _with(result, newly_flagged=True, mailed=mailed)
    if not result.flagged and pilot.safety_flag_at is not None:
        audit.record(
            session,
            action="pilot.safety_cleared",
            target_type="pilot",
            target_id=pilot.id,
            details={"flagged_at": pilot.safety_flag_at, "note": pilot.safety_note},
        )
        pilot.safety_flag_at = None
        pilot.safety_note = ""
        session.add(pilot)
        session.commit()
        sync_alerts(session, pilot, zone(tz))
    return result


def _claim_flag(session: Session, pilot: Pilot, note: str) -> bool:
    """Set the flag only if no one has set it meanwhile (checks run in the web process and
    in the workers at once): exactly one check records, audits and mails a new flag."""
    done = session.execute(
        sa.update(Pilot)
        .where(col(Pilot.id) == pilot.id, col(Pilot.safety_flag_at).is_(None))
        .values(safety_flag_at=utcnow(), safety_note=note)
    )
    if getattr(done, "rowcount", 0) != 1:
        session.rollback()
        session.refresh(pilot)
        return False
    session.refresh(pilot)
    return True


def sync_alerts(session: Session, pilot: Pilot, tz: tzinfo) -> None:
    """Raise (or resolve) the ``pilot_safety`` alert of every patient still in the pilot
    (:mod:`.alert_source`), for their therapists' caseloads."""
    today = utcnow().astimezone(tz).date()
    for e, patient in pilots.enrolments(session, pilot=pilot):
        if pilots.counted(e):  # one transaction each: a failure loses only that patient's
            scoring.refresh_alerts(session, patient=patient, today=today, tz=tz)


def _with(result: SafetyCheck, **changes: Any) -> SafetyCheck:
    from dataclasses import replace

    return replace(result, **changes)
