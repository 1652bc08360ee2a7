"""The rows an upload writes, as prebuilt Core INSERTs (no ORM objects): the same rows the ORM
wrote (the models' defaults and events included), written in one transaction that commits
all of them or none, and the scoring job sent only once they are committed. On SQLite and
PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, SQLModel

from smarttouch.platform.models import (
    Activity,
    Assignment,
    AuditEvent,
    Device,
    ExerciseSession,
    Patient,
    ScoringJob,
    SessionFeeling,
    SessionStatus,
    table_of,
)
from smarttouch.platform.services import audit
from smarttouch.platform.services.clinic import feelings, ingest, scoring, upload
from smarttouch.platform.storage import blobstore
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import Factories

from .apihelp import Paired, pair_patient, recording_bytes, session_meta

FEELINGS = [
    {"moment": "before", "scale": "pain_nrs", "value": 2, "at": "2026-03-02T09:00:00+00:00"},
    {"moment": "before", "scale": "effort_cr10", "skipped": True},
    {"moment": "after", "scale": "pain_nrs", "value": 3},
]


@pytest.fixture
def paired(db_app: Flask) -> Paired:
    return pair_patient(db_app, Factories(db_app))


def _meta(paired: Paired, **overrides: Any) -> upload.SessionUpload:
    return upload.SessionUpload.model_validate(session_meta(paired, feelings=FEELINGS, **overrides))


def _ingest(
    app: Flask, session: Session, paired: Paired, meta: upload.SessionUpload, **kwargs: Any
) -> ingest.IngestResult:
    """Store ``meta`` with the default recording in ``session`` as the upload view does."""
    return ingest.ingest_session(
        session,
        store=blobstore.get_blobstore(app),
        device=session.get_one(Device, paired.device_id),
        patient=session.get_one(Patient, paired.patient.id),
        meta=meta,
        recording=recording_bytes(),
        today=date.today(),
        tz="Europe/Rome",
        **kwargs,
    )


def _rows(app: Flask, model: type[SQLModel], **where: Any) -> list[dict[str, Any]]:
    """Every column of ``model``'s rows matching ``where``, read with Core (no ORM)."""
    table = table_of(model)
    stmt = sa.select(table).where(*(table.c[k] == v for k, v in where.items())).order_by(table.c.id)
    with get_engine(app).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def _orm_write(app: Flask, row: Any) -> dict[str, Any]:
    """``row`` written by an ORM flush; its columns as read back."""
    with Session(get_engine(app)) as s:
        s.add(row)
        s.commit()
        row_id = row.id
    (written,) = _rows(app, type(row), id=row_id)
    return written


def _but(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in keys}


def _columns(model: type[SQLModel]) -> set[str]:
    return set(table_of(model).c.keys()) - {"id"}


def test_the_values_give_every_column(db_app, paired):
    """No column is left to a default that only the ORM (or only Core) would apply."""
    meta = _meta(paired)
    with Session(get_engine(db_app)) as s:
        _prior, plan = ingest._lookup(s, meta)
        assert plan is not None
        values = ingest.session_values(
            meta,
            device=s.get_one(Device, paired.device_id),
            patient=s.get_one(Patient, paired.patient.id),
            plan=plan,
            sha=None,
            status=SessionStatus.scoring,
            phases=(),
        )
    assert set(values) == _columns(ExerciseSession)
    assert set(scoring.job_values(1)) == _columns(ScoringJob)
    for row in feelings.feeling_values(1, paired.patient.id, meta.feelings):
        assert set(row) == _columns(SessionFeeling)


def test_the_rows_equal_those_the_orm_wrote_defaults_included(db_app, paired):
    """Each Core-written row next to the row the ORM wrote before the change: the session's
    (every column given: an ORM flush of the same values, which runs any event or default the
    model has), and the job's, the feelings' and the audit line's as the ORM built them from
    the models' defaults (``created_at`` aside: the time of each write)."""
    app = db_app
    meta = _meta(paired, side=None, placement=None)
    before = datetime.now(UTC)
    with Session(get_engine(app)) as s:
        result = _ingest(app, s, paired, meta, ip="10.1.2.3")
    after = datetime.now(UTC)
    assert result.created and result.job_id is not None and result.metrics is None
    row_id = result.session.id

    (stored,) = _rows(app, ExerciseSession, id=row_id)
    assert stored["status"] == "scoring" and stored["error"] is None and stored["quit_note"] == ""
    assert stored["side"] == paired.assignment.side  # absent from the metadata: the plan's
    assert stored["placement"] == paired.assignment.sensor_site()
    assert stored["game_result"]["client"] == "tests" and stored["game_events"][0]["kind"] == "rep"
    assert before <= stored["received_at"] <= after
    # the receipt is made of what was written
    assert {k: getattr(result.session, k) for k in stored} == stored
    orm_session = _orm_write(app, ExerciseSession(**{**_but(stored, "id"), "client_uuid": str(uuid.uuid4())}))
    assert _but(orm_session, "id", "client_uuid") == _but(stored, "id", "client_uuid")

    (job,) = _rows(app, ScoringJob, session_id=row_id)
    assert job["id"] == result.job_id and before <= job["created_at"] <= after
    orm_job = _orm_write(app, ScoringJob(session_id=row_id, reason="upload", message="waiting for a worker"))
    assert _but(orm_job, "id", "created_at") == _but(job, "id", "created_at")

    stored_feelings = _rows(app, SessionFeeling, session_id=row_id)
    assert [(f["moment"], f["scale"], f["value"], f["skipped"]) for f in stored_feelings] == [
        ("before", "pain_nrs", 2, False),
        ("before", "effort_cr10", None, True),
        ("after", "pain_nrs", 3, False),
    ]
    assert stored_feelings[0]["rated_at"] == datetime(2026, 3, 2, 9, tzinfo=UTC)
    for stored_feeling, item in zip(stored_feelings, meta.feelings, strict=True):
        assert before <= stored_feeling["created_at"] <= after
        orm_feeling = SessionFeeling(  # beside the ORM copy of the session (one rating per moment and scale)
            session_id=orm_session["id"],
            patient_id=paired.patient.id,
            moment=item.moment,
            scale=item.scale,
            value=None if item.skipped else item.value,
            skipped=item.skipped,
            rated_at=item.at,
        )
        assert _but(_orm_write(app, orm_feeling), "id", "session_id", "created_at") == _but(
            stored_feeling, "id", "session_id", "created_at"
        )

    (line,) = _rows(app, AuditEvent, action="session.uploaded", target_id=row_id)
    assert line["details"] == {
        "client_uuid": str(meta.session_id),
        "device_id": paired.device_id,
        "assignment_id": paired.assignment.id,
        "recording_sha256": stored["recording_sha256"],
        "status": "scoring",
        "feelings": 3,
    }
    assert before <= line["created_at"] <= after
    with Session(get_engine(app)) as s:
        orm_line = audit.record(
            s,
            action="session.uploaded",
            patient_id=paired.patient.id,
            target_type="exercise_session",
            target_id=row_id,
            details=line["details"],
            ip="10.1.2.3",
        )
        s.commit()
        (orm_written,) = _rows(app, AuditEvent, id=orm_line.id)
    assert _but(orm_written, "id", "created_at") == _but(line, "id", "created_at")


@pytest.mark.parametrize("failing", ["insert_scoring_job", "write_feelings", "audit.write", "commit"])
def test_the_rows_commit_together_or_not_at_all(db_app, paired, monkeypatch, failing):
    """A failure anywhere after the session row's INSERT, the commit included, leaves no row
    of the upload: no session, no job, no feeling, no audit line; nothing is sent."""
    app = db_app
    if failing in ("insert_scoring_job", "audit.write") and get_engine(app).dialect.name == "postgresql":
        pytest.skip("one statement there (test_postgresql_writes_a_scored_session_in_one_statement)")

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError(f"{failing} failed")

    if failing == "audit.write":
        monkeypatch.setattr(ingest.audit, "write", broken)
    elif failing == "commit":
        monkeypatch.setattr(Session, "commit", broken)
    else:
        monkeypatch.setattr(ingest, failing, broken)
    sent: list[int] = []
    meta = _meta(paired)
    with Session(get_engine(app)) as s, pytest.raises(RuntimeError, match=failing):
        _ingest(app, s, paired, meta, enqueue=sent.append)
    assert sent == []
    assert _rows(app, ExerciseSession, client_uuid=str(meta.session_id)) == []
    assert _rows(app, ScoringJob) == [] and _rows(app, SessionFeeling) == []
    assert _rows(app, AuditEvent, action="session.uploaded") == []


def test_postgresql_writes_a_scored_session_in_one_statement(db_app, paired):
    """On PostgreSQL the session row, its scoring job and its audit line are ONE statement (a
    round trip per upload, not three): an audit line the database refuses (an address longer
    than its column) stores no session and no job either."""
    app = db_app
    if get_engine(app).dialect.name != "postgresql":
        pytest.skip("SQLite has no data-modifying WITH: three INSERTs there")
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sa.event.listen(get_engine(app), "before_cursor_execute", note)
    try:
        with Session(get_engine(app)) as s:
            result = _ingest(app, s, paired, _meta(paired))
        meta = _meta(paired)
        with Session(get_engine(app)) as s, pytest.raises(sa.exc.DataError):
            _ingest(app, s, paired, meta, ip="1" * 46)
    finally:
        sa.event.remove(get_engine(app), "before_cursor_execute", note)
    writes = [st for st in statements if "INSERT INTO exercise_session" in st]
    assert len(writes) == 2 and all(
        "INSERT INTO scoring_job" in st and "INSERT INTO audit_event" in st for st in writes
    )
    assert not [
        st
        for st in statements
        if st.lstrip().startswith(("INSERT INTO scoring_job", "INSERT INTO audit_event"))
    ]
    assert [j["id"] for j in _rows(app, ScoringJob)] == [result.job_id]
    assert _rows(app, ExerciseSession, client_uuid=str(meta.session_id)) == []
    assert [a["target_id"] for a in _rows(app, AuditEvent, action="session.uploaded")] == [result.session.id]


def test_the_job_is_sent_once_committed_and_a_retry_sends_nothing(db_app, paired):
    """``enqueue`` sees the session and its queued job from another connection (committed);
    a retry of the same upload returns the same session and sends nothing."""
    app = db_app
    seen: list[tuple[int, list[dict[str, Any]], list[dict[str, Any]]]] = []

    def enqueue(job_id: int) -> None:
        jobs = _rows(app, ScoringJob, id=job_id)
        seen.append((job_id, jobs, _rows(app, ExerciseSession, id=jobs[0]["session_id"]) if jobs else []))

    meta = _meta(paired)
    with Session(get_engine(app)) as s:
        first = _ingest(app, s, paired, meta, enqueue=enqueue)
    with Session(get_engine(app)) as s:
        again = _ingest(app, s, paired, meta, enqueue=enqueue)
    ((job_id, jobs, sessions),) = seen
    assert job_id == first.job_id and jobs[0]["status"] == "queued"
    assert [r["id"] for r in sessions] == [first.session.id]
    assert not again.created and again.job_id is None and again.session.id == first.session.id
    assert len(_rows(app, ExerciseSession)) == 1 and len(_rows(app, ScoringJob)) == 1


@pytest.mark.parametrize("placement", ["wrist", ""])
def test_the_lookup_reads_the_plan_as_the_assignment_has_it(db_app, paired, placement):
    """The columns the upload reads of its assignment and activity (no ORM objects), the
    sensor site included: the prescribed one, else the movement's default."""
    table = table_of(Assignment)
    with get_engine(db_app).begin() as conn:
        conn.execute(sa.update(table).where(table.c.id == paired.assignment.id).values(placement=placement))
    meta = _meta(paired)
    with Session(get_engine(db_app)) as s:
        prior, plan = ingest._lookup(s, meta)
        assignment = s.get_one(Assignment, paired.assignment.id)
        activity = s.get_one(Activity, assignment.activity_id)
    assert prior is None and plan is not None
    assert plan == (
        assignment.id,
        assignment.patient_id,
        assignment.activity_id,
        assignment.movement,
        assignment.side,
        placement,
        activity.key,
    )
    assert plan.sensor_site() == assignment.sensor_site() == (placement or "upper-arm")
