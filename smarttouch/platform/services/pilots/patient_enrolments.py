"""A patient's consented pilot enrolments, read once per scored session and shared by
whoever needs them in that judgement: the pilot alert sources (:mod:`.alert_source`) and the
after-scoring safety trigger (:mod:`.safety_trigger`). Most patients are in no pilot: one
indexed query that finds nothing, instead of one per reader. A patient has a handful of
enrolments at most, so each reader picks its own out of all of them."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ...models import Patient, Pilot, PilotEnrolment

#: the key of the rows in a judgement's shared dict (``AlertContext.shared``)
KEY = "pilots.enrolments"


class Enrolment(NamedTuple):
    """One consented enrolment, its pilot, and the patient's user id (who withdrew it)."""

    pilot: Pilot
    enrolment: PilotEnrolment
    patient_user_id: int | None

    @property
    def withdrawn_by_patient(self) -> bool:
        """Withdrawn by the patient themself (in the portal), not by their therapist."""
        by = self.enrolment.withdrawn_by_id
        return self.enrolment.withdrawn_at is not None and by is not None and by == self.patient_user_id


@lru_cache(maxsize=1)
def _enrolments_read() -> Any:
    """The read of a patient's consented enrolments (bound parameter ``patient_id``; built
    once: building it costs more than running it, once per scored session)."""
    return (
        select(Pilot, PilotEnrolment, Patient.user_id)
        .join(PilotEnrolment, col(PilotEnrolment.pilot_id) == Pilot.id)
        .join(Patient, col(Patient.id) == PilotEnrolment.patient_id)
        .where(
            col(PilotEnrolment.patient_id) == sa.bindparam("patient_id", type_=sa.Integer()),
            col(PilotEnrolment.consented_at).is_not(None),
        )
        .order_by(col(PilotEnrolment.id))
    )


def any_consented(patient_id: Any) -> Any:
    """SQL: whether the patient ``patient_id`` (a column or bound parameter) has a consented
    enrolment, for a reader that can ask it within a read it makes anyway; when it is false,
    :func:`none_consented` spares the judgement the query of :func:`consented_enrolments`."""
    e = PilotEnrolment
    return sa.exists().where(col(e.patient_id) == patient_id, col(e.consented_at).is_not(None))


def none_consented(shared: dict[str, Any]) -> None:
    """Record in a judgement's ``shared`` dict that its patient has no consented enrolment
    (:func:`any_consented` said so): its readers find none without a query."""
    shared[KEY] = []


def consented_enrolments(
    session: Session, *, patient_id: int, shared: dict[str, Any] | None = None
) -> list[Enrolment]:
    """The patient's consented enrolments (withdrawn ones included), oldest first: read from
    ``shared`` when a reader of the same judgement already read them, else in one query
    (kept in ``shared``)."""
    if shared is not None and KEY in shared:
        return list(shared[KEY])
    rows = [
        Enrolment(pilot, enrolment, user_id)
        for pilot, enrolment, user_id in session.execute(_enrolments_read(), {"patient_id": patient_id}).all()
    ]
    if shared is not None:
        shared[KEY] = rows
    return list(rows)
