"""The interim safety check run when new data arrives: after a session is scored
(:mod:`..clinic.scoring_hooks`), if its patient takes part in a running pilot and the session
is of that pilot's solution or comparator game, the check (:func:`.safety.check_safety`) runs
for that pilot once the scoring result is committed. For every other session it costs one
indexed query (pilot enrolments by patient)."""

from __future__ import annotations

from datetime import tzinfo

from sqlalchemy import or_
from sqlmodel import Session, col, select

from ...models import ExerciseSession, Pilot, PilotEnrolment, PilotStatus
from ..clinic import scoring_hooks
from . import safety


def running_pilots_of(session: Session, row: ExerciseSession) -> list[int]:
    """Ids of the running pilots the session's patient takes part in (consented, not
    withdrawn) whose solution or comparator game the session played."""
    if row.activity_id is None:
        return []
    ids = session.exec(
        select(Pilot.id)
        .join(PilotEnrolment, col(PilotEnrolment.pilot_id) == Pilot.id)
        .where(
            PilotEnrolment.patient_id == row.patient_id,
            col(PilotEnrolment.consented_at).is_not(None),
            col(PilotEnrolment.withdrawn_at).is_(None),
            Pilot.status == PilotStatus.running,
            or_(
                col(Pilot.activity_id) == row.activity_id,
                col(Pilot.comparator_activity_id) == row.activity_id,
            ),
        )
    ).all()
    return sorted(int(i) for i in ids if i is not None)


def check_after_scoring(
    session: Session,
    row: ExerciseSession,
    tz: tzinfo | str,
    *,
    notify: safety.Notify,
) -> list[int]:
    """Schedule the safety check of each running pilot the scored ``row`` counts for, to run
    after the scoring result commits (in a session of its own); returns those pilots' ids.
    ``notify``: sends the e-mails of a new flag (:data:`.safety.Notify`)."""
    pilot_ids = running_pilots_of(session, row)
    if not pilot_ids:
        return []
    bind = session.get_bind()

    def check() -> None:
        with Session(bind, expire_on_commit=False) as s:
            for pilot_id in pilot_ids:
                pilot = s.get(Pilot, pilot_id)
                if pilot is not None and pilot.status == PilotStatus.running:
                    safety.check_safety(s, pilot, notify=notify, tz=tz)

    scoring_hooks.after_commit(session, check)
    return pilot_ids
