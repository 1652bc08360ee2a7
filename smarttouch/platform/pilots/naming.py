"""How a pilot's pages name a participant: the signed-in therapist's own patients by code
and name (they are that therapist's patients anyway), every other participant, for every
other reader (managers, administrators, developers), by the pilot's pseudonym alone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from ..models import Patient, Role, User, pk


@dataclass(frozen=True)
class Naming:
    """Participant names for one reader of one pilot."""

    own: dict[int, Patient] = field(default_factory=dict)
    """patient id -> the reader's own patient (a therapist's), the only identities shown"""

    def label(self, patient_id: int | None, pseudonym: str) -> str:
        patient = self.own.get(patient_id) if patient_id is not None else None
        if patient is None:
            return pseudonym
        name = f" · {patient.display_name}" if patient.display_name else ""
        return f"{patient.code}{name} ({pseudonym})"

    def is_own(self, patient_id: int | None) -> bool:
        return patient_id is not None and patient_id in self.own

    def own_patient(self, patient_id: int) -> Patient | None:
        return self.own.get(patient_id)

    def identified_ids(self) -> list[int]:
        """The patients whose identity the page shows (their record reads are recorded)."""
        return sorted(self.own)


def naming_for(session: Session, user: User, patient_ids: Iterable[int]) -> Naming:
    """The names ``user`` may see among ``patient_ids``: a therapist's own patients only."""
    ids = sorted(set(patient_ids))
    if user.role != Role.therapist or not ids:
        return Naming()
    rows = session.exec(
        select(Patient).where(col(Patient.id).in_(ids), col(Patient.therapist_id) == user.id)
    ).all()
    return Naming(own={pk(p): p for p in rows})
