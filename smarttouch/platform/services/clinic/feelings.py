"""How the patient felt around each session: the upload's ratings, their rows, the series the
patient page charts, and the pain-rise finding the alerts store.

The game asks pain on the 0-10 numeric rating scale (NRS) and effort on Borg's CR10 scale,
before and after the session; a skipped question arrives as ``skipped`` without a value and is
stored so, never dropped. An upload without ``feelings`` (an older client) stores none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Session, col, select

from smarttouch.scoring import progress as scoring

from ...models import ExerciseSession, SessionFeeling, table_of, utcnow

MAX_FEELINGS = 4  # two moments x two scales


class FeelingIn(BaseModel):
    """One rating of the upload: pain (``pain_nrs``, 0 = no pain, 10 = worst imaginable) or
    effort (``effort_cr10``, Borg CR10: 0 = nothing at all, 10 = maximal), before or after the
    session; ``skipped`` when the patient chose not to answer (then no value)."""

    model_config = ConfigDict(extra="forbid")

    moment: Literal["before", "after"]
    scale: Literal["pain_nrs", "effort_cr10"]
    value: int | None = Field(default=None, ge=0, le=10, description="0..10; null when skipped")
    skipped: bool = Field(default=False, description="the patient skipped this question")
    at: AwareDatetime | None = Field(default=None, description="when the patient answered")

    @model_validator(mode="after")
    def _value_or_skipped(self) -> FeelingIn:
        if self.skipped and self.value is not None:
            raise ValueError(f"{self.moment} {self.scale}: a skipped rating has no value")
        if not self.skipped and self.value is None:
            raise ValueError(f"{self.moment} {self.scale}: give a value 0..10, or mark it skipped")
        return self


def check_feelings(items: Sequence[FeelingIn]) -> None:
    """At most one rating per moment and scale (raises ValueError naming the duplicate)."""
    seen: set[tuple[str, str]] = set()
    for i, item in enumerate(items):
        key = (item.moment, item.scale)
        if key in seen:
            raise ValueError(f"feelings[{i}]: {item.moment} {item.scale} is rated twice")
        seen.add(key)


def feeling_rows(session_id: int, patient_id: int, items: Sequence[FeelingIn]) -> list[SessionFeeling]:
    """The rows of one uploaded session's ratings."""
    return [SessionFeeling(**values) for values in feeling_values(session_id, patient_id, items)]


def feeling_values(session_id: int, patient_id: int, items: Sequence[FeelingIn]) -> list[dict[str, Any]]:
    """The column values of :func:`feeling_rows` (all but ``id``; ``created_at`` now), for a
    writer that inserts them without ORM objects (the upload)."""
    now = utcnow()
    return [
        {
            "session_id": session_id,
            "patient_id": patient_id,
            "moment": item.moment,
            "scale": item.scale,
            "value": None if item.skipped else item.value,
            "skipped": item.skipped,
            "rated_at": item.at,
            "created_at": now,
        }
        for item in items
    ]


#: the INSERT of :func:`write_feelings`, built once (values bound per call)
_INSERT = sa.insert(table_of(SessionFeeling))


def write_feelings(session: Session, *, session_id: int, patient_id: int, items: Sequence[FeelingIn]) -> None:
    """Insert one uploaded session's ratings now, in ``session``'s transaction (not committed;
    one statement, nothing when there are none)."""
    if items:
        session.execute(_INSERT, feeling_values(session_id, patient_id, items))


@dataclass(frozen=True)
class SessionFeelings:
    """One session's ratings (None: not given, skipped or not asked)."""

    session_id: int
    started_at: datetime
    pain_before: int | None = None
    pain_after: int | None = None
    effort_before: int | None = None
    effort_after: int | None = None
    skipped: int = 0

    @property
    def pain(self) -> int | None:
        """The session's pain: the higher of its two ratings."""
        values = [v for v in (self.pain_before, self.pain_after) if v is not None]
        return max(values) if values else None


@lru_cache(maxsize=2)
def _feelings_statement(limited: bool) -> Any:
    """The statement of :func:`patient_feelings` (built once; bound parameters
    ``patient_id`` and, when ``limited``, ``limit``): plain columns, no ORM rows."""
    pid = sa.bindparam("patient_id", type_=sa.Integer())
    f = SessionFeeling
    stmt = (
        sa.select(
            col(f.session_id),
            col(f.moment),
            col(f.scale),
            col(f.value),
            col(f.skipped),
            col(ExerciseSession.started_at),
        )
        .join(ExerciseSession, col(ExerciseSession.id) == col(f.session_id))
        .where(col(f.patient_id) == pid)
        .order_by(col(ExerciseSession.started_at), col(ExerciseSession.id))
    )
    if limited:
        rated = (
            sa.select(col(ExerciseSession.id))
            .where(col(ExerciseSession.id).in_(sa.select(col(f.session_id)).where(col(f.patient_id) == pid)))
            .order_by(col(ExerciseSession.started_at).desc(), col(ExerciseSession.id).desc())
            .limit(sa.bindparam("limit", type_=sa.Integer()))
        )
        stmt = stmt.where(col(f.session_id).in_(rated))
    return stmt


def patient_feelings(session: Session, *, patient_id: int, limit: int | None = None) -> list[SessionFeelings]:
    """The patient's sessions that have ratings, oldest first (the last ``limit`` ones: only
    their ratings are read, however long the history)."""
    params: dict[str, Any] = {"patient_id": patient_id}
    if limit:
        params["limit"] = limit
    rows = session.execute(_feelings_statement(bool(limit)), params).all()
    started: dict[int, datetime] = {}
    values: dict[int, dict[str, int | None]] = {}
    skipped: dict[int, int] = {}
    for sid, moment, scale, value, was_skipped, started_at in rows:
        started.setdefault(sid, started_at)
        ratings = values.setdefault(sid, {})
        if was_skipped:
            skipped[sid] = skipped.get(sid, 0) + 1
        else:
            kind = "pain" if scale == "pain_nrs" else "effort"
            ratings[f"{kind}_{moment}"] = value
    out = [
        SessionFeelings(
            session_id=sid,
            started_at=started[sid],
            pain_before=v.get("pain_before"),
            pain_after=v.get("pain_after"),
            effort_before=v.get("effort_before"),
            effort_after=v.get("effort_after"),
            skipped=skipped.get(sid, 0),
        )
        for sid, v in values.items()
    ]
    return out[-limit:] if limit else out


def newest_pain_session(patient_id: Any) -> Any:
    """SQL scalar: the id of the patient's newest session with a pain rating (a value, not
    skipped: the session :func:`pain_rise_finding` judges), or NULL. ``patient_id``: a value
    or a bound parameter."""
    return (
        select(SessionFeeling.session_id)
        .join(ExerciseSession, col(ExerciseSession.id) == col(SessionFeeling.session_id))
        .where(
            col(SessionFeeling.patient_id) == patient_id,
            col(SessionFeeling.scale) == "pain_nrs",
            col(SessionFeeling.moment).in_(("before", "after")),
            col(SessionFeeling.skipped).is_(False),
            col(SessionFeeling.value).is_not(None),
        )
        .order_by(col(ExerciseSession.started_at).desc(), col(ExerciseSession.id).desc())
        .limit(1)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class PainRise:
    """The latest session's pain against the patient's usual (0-10 NRS)."""

    session_id: int
    latest: int
    usual: float
    message: str


def pain_rise_finding(series: Sequence[SessionFeelings]) -> PainRise | None:
    """Scoring's pain-rise rule on the newest session with a pain rating: its pain against the
    median of the pain ratings before it (:func:`smarttouch.scoring.progress.pain_rise`)."""
    rated = [s for s in series if s.pain is not None]
    if not rated:
        return None
    latest = rated[-1]
    earlier = [float(v) for s in rated[:-1] for v in (s.pain_before, s.pain_after) if v is not None]
    assert latest.pain is not None
    found = scoring.pain_rise(earlier, float(latest.pain))
    if found is None:
        return None
    usual = scoring.usual_pain(earlier)
    assert usual is not None  # pain_rise found one, so there is a usual level
    return PainRise(latest.session_id, latest.pain, usual, found.message)
