"""A need is shared with every therapist and challenge manager: its text must not name a
patient. The check looks for the codes and display names of the patients the writer may know
(a therapist's own patients; every patient for an administrator)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlmodel import Session, col, select

from ...models import Patient, Role, User

#: Display names shorter than this are too likely to be ordinary words.
MIN_NAME_CHARS = 3


def _known_patients(session: Session, user: User) -> list[tuple[str, str | None]]:
    stmt = select(col(Patient.code), col(Patient.display_name))
    if user.role == Role.therapist:
        stmt = stmt.where(Patient.therapist_id == user.id)
    elif user.role != Role.admin:
        return []
    return [(code, name) for code, name in session.exec(stmt)]


def _pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    alternatives = sorted(
        {w.strip() for w in words if len(w.strip()) >= MIN_NAME_CHARS}, key=len, reverse=True
    )
    if not alternatives:
        return None
    return re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(w) for w in alternatives) + r")(?!\w)", re.IGNORECASE
    )


def names_a_patient(session: Session, *, author: User, texts: dict[str, str]) -> set[str]:
    """The keys of ``texts`` whose text holds the code or display name of a patient ``author``
    knows."""
    known = _known_patients(session, author)
    pattern = _pattern([code for code, _ in known] + [name for _, name in known if name])
    if pattern is None:
        return set()
    return {key for key, text in texts.items() if text and pattern.search(text)}
