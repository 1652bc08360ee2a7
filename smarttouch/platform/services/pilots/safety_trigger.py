"""The interim safety check run when new data arrives: after a session is scored
(:mod:`..clinic.scoring_hooks`), if its patient takes part in a running pilot and the session
is of that pilot's solution or comparator game, the check (:func:`.safety.check_safety`) runs
for that pilot once the scoring result is committed. For every other session it costs one
indexed query (pilot enrolments by patient), none when the alert sources of the same scoring
already read them (:mod:`.patient_enrolments`)."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from sqlmodel import Session

from ...models import ExerciseSession, Pilot, PilotStatus, pk
from ...storage.retry import once_more_if_dropped
from ..clinic import scoring_hooks
from . import safety
from .patient_enrolments import consented_enrolments


def running_pilots_of(
    session: Session, row: ExerciseSession, shared: dict[str, Any] | None = None
) -> list[int]:
    """Ids of the running pilots the session's patient takes part in (consented, not
    withdrawn) whose solution or comparator game the session played. ``shared``: what the
    alert sources of the same judgement read (the patient's enrolments, read once)."""
    if row.activity_id is None:
        return []
    ids = {
        pk(e.pilot)
        for e in consented_enrolments(session, patient_id=row.patient_id, shared=shared)
        if e.enrolment.withdrawn_at is None
        and e.pilot.status == PilotStatus.running
        and row.activity_id in (e.pilot.activity_id, e.pilot.comparator_activity_id)
    }
    return sorted(ids)


def check_after_scoring(
    session: Session,
    row: ExerciseSession,
    tz: tzinfo | str,
    *,
    notify: safety.Notify,
    shared: dict[str, Any] | None = None,
) -> list[int]:
    """Schedule the safety check of each running pilot the scored ``row`` counts for, to run
    after the scoring result commits (in a session of its own); returns those pilots' ids.
    ``notify``: sends the e-mails of a new flag (:data:`.safety.Notify`); ``shared``: see
    :func:`running_pilots_of`."""
    pilot_ids = running_pilots_of(session, row, shared)
    if not pilot_ids:
        return []
    bind = session.get_bind()

    def check_once() -> None:
        with Session(bind, expire_on_commit=False) as s:
            for pilot_id in pilot_ids:
                pilot = s.get(Pilot, pilot_id)
                if pilot is not None and pilot.status == PilotStatus.running:
                    safety.check_safety(s, pilot, notify=notify, tz=tz)

    def check() -> None:
        # the scoring worker's connections are not pinged before use: a dropped one fails
        # the first statement, and the check (one transaction, safe to repeat) runs again
        once_more_if_dropped(check_once)

    scoring_hooks.after_commit(session, check)
    return pilot_ids
