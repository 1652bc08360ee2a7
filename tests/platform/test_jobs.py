"""The hub's job layer: every job type's lost-worker path, and a new job type plugging in by
registering (no other code touched)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from smarttouch.platform import create_app
from smarttouch.platform.jobs import analyses, registry
from smarttouch.platform.jobs.leases import LeaseStore
from smarttouch.platform.jobs.queue import HubQueue, JobRef
from smarttouch.platform.jobs.registry import JOB_TYPES
from smarttouch.platform.jobs.types import JobContext, JobType
from smarttouch.platform.models import (
    AnalyzerRun,
    AuditEvent,
    Challenge,
    ExerciseSession,
    ScoringJob,
    SessionMetricsRecord,
    Solution,
    Submission,
    User,
)
from smarttouch.platform.storage import migrate
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine, make_engine, without_pre_ping
from smarttouch.platform.storage.retry import once_more_if_dropped
from smarttouch.platform.testing import Factories, hub_config


def _submission(app: Flask, tag: str) -> Submission:
    """A queued submission on a challenge without bundle (enough to be a job row)."""
    with Session(get_engine(app), expire_on_commit=False) as s:
        dev = User(email=f"dev-{tag}@example.org", full_name="Dev", role="developer", password_hash="x")
        ch = Challenge(slug=f"jobs-{tag}", title="Jobs", kind="analyzer")
        s.add_all([dev, ch])
        s.flush()
        sol = Solution(challenge_id=ch.id, developer_id=dev.id, name="s", kind="analyzer")
        s.add(sol)
        s.flush()
        sub = Submission(solution_id=sol.id, code_sha256="a" * 64, entrypoint="m:C", splits=["public"])
        s.add(sub)
        s.commit()
        return sub


def _evaluation_job(app: Flask, factories: Any) -> int:
    sub = _submission(app, "evaluation")
    assert sub.id is not None
    return sub.id


def _analysis_job(app: Flask, factories: Any) -> int:
    sub = _submission(app, "analysis")
    es = factories.exercise_session(factories.patient(), status="scored", movement="shoulder_flexion")
    with Session(get_engine(app), expire_on_commit=False) as s:
        run = AnalyzerRun(session_id=es.id, submission_id=sub.id, code_sha256=sub.code_sha256)
        s.add(run)
        s.commit()
        assert run.id is not None
        return run.id


def _scoring_job(app: Flask, factories: Any) -> int:
    """A stored session with a real (simulated) recording, waiting for its scoring."""
    from .apihelp import recording_bytes

    sha = get_blobstore(app).put(recording_bytes())
    es = factories.exercise_session(
        factories.patient(), status="scoring", movement="shoulder_flexion", recording_sha256=sha
    )
    with Session(get_engine(app), expire_on_commit=False) as s:
        job = ScoringJob(session_id=es.id)
        s.add(job)
        s.commit()
        assert job.id is not None
        return job.id


def _challenge_data_job(app: Flask, factories: Any) -> int:
    """A draft challenge waiting for its simulated data (the small game generator)."""
    import datetime as dt

    from smarttouch.platform.models import ChallengeDataJob
    from smarttouch.platform.services.challenges import challenge_data

    head = challenge_data.BundleHead(
        "jobs-data", "Jobs", "", "need", "", None, dt.datetime(2030, 1, 1, tzinfo=dt.UTC), 3, None
    )
    toml = challenge_data.challenge_toml(challenge_data.templates()["shoulder-reach-game"], head)
    with Session(get_engine(app), expire_on_commit=False) as s:
        ch = Challenge(slug="jobs-data", title="Jobs", kind="game", is_published=False)
        s.add(ch)
        s.flush()
        job = ChallengeDataJob(challenge_id=ch.id, spec={"generator": "shoulder-reach-game", "toml": toml})
        s.add(job)
        s.commit()
        assert job.id is not None
        return job.id


#: a queued job row of each job type; a new job type adds its maker here
MAKE_JOB: dict[str, Callable[[Flask, Any], int]] = {
    "evaluation": _evaluation_job,
    "analysis": _analysis_job,
    "scoring": _scoring_job,
    "challenge_data": _challenge_data_job,
}


def _row(app: Flask, kind: str, job_id: int) -> Any:
    with Session(get_engine(app)) as s:
        return s.get(JOB_TYPES[kind].table, job_id)


def test_every_job_type_has_a_lost_worker_test() -> None:
    assert sorted(MAKE_JOB) == sorted(JOB_TYPES), "add a queued-row maker for the new job type to MAKE_JOB"


@pytest.mark.parametrize("kind", sorted(JOB_TYPES))
def test_a_lost_worker_is_retried_then_failed(app, factories, kind):
    """Two workers die holding the job: the first time it is requeued, then given up."""
    job = str(MAKE_JOB[kind](app, factories))
    store = LeaseStore(get_engine(app), JOB_TYPES[kind])
    for attempt in (1, 2):
        assert store.claim(job, f"dying-{attempt}", 0.01)
        assert store.get(job)["state"] == "running"
        time.sleep(0.05)
        assert store.reclaim_expired(time.time(), max_attempts=2) == ([job] if attempt == 1 else [])
        if attempt == 1:
            row = _row(app, kind, int(job))
            assert (row.status, row.lease_token, row.lease_expires_at) == ("queued", None, None)
            assert "requeued" in row.message
    row = _row(app, kind, int(job))
    assert (row.status, row.failure_reason, row.attempts) == ("failed", "worker_lost", 2)
    assert row.lease_token is None and row.finished_at is not None
    assert "giving up" in row.message


def test_a_scoring_job_given_up_fails_its_session(app, factories):
    """After ``max_attempts`` dead workers the session says ``failed``, with why (the device
    and the therapist see it), and the audit trail has the failure: not ``scoring`` for good."""
    job = str(_scoring_job(app, factories))
    store = LeaseStore(get_engine(app), JOB_TYPES["scoring"])
    for attempt in (1, 2):
        assert store.claim(job, f"dying-{attempt}", 0.01)
        time.sleep(0.05)
        store.reclaim_expired(time.time(), max_attempts=2)
    row = _row(app, "scoring", int(job))
    assert (row.status, row.failure_reason) == ("failed", "worker_lost")
    with Session(get_engine(app)) as s:
        es = s.get(ExerciseSession, row.session_id)
        assert es is not None and es.status == "failed" and "giving up" in (es.error or "")
        actions = s.exec(select(AuditEvent.action).where(AuditEvent.target_id == es.id)).all()
    assert "session.scoring_failed" in actions


def test_a_database_error_in_the_alerts_or_a_hook_keeps_the_result(pg_url, tmp_path, monkeypatch):
    """On PostgreSQL a statement that fails aborts the transaction, and a later commit rolls
    it all back without a word: an alert source or after-scoring hook whose query fails (the
    error caught and logged) must not take the session's metrics with it."""
    from smarttouch.platform.services.clinic import alerts, scoring_hooks

    def broken(session: Session, *args: Any, **kwargs: Any) -> Any:
        session.execute(text("SELECT * FROM no_such_table_here"))

    migrate.upgrade(pg_url)
    app = create_app(hub_config(tmp_path / "instance", pg_url))
    try:
        factories = Factories(app)
        queue = HubQueue(app, runs=["scoring"], lease_s=30)
        monkeypatch.setattr(alerts, "find_patient_alerts", broken)
        first = _scoring_job(app, factories)
        assert queue.run("scoring", str(first))["status"] == "scored"
        monkeypatch.undo()
        monkeypatch.setattr(scoring_hooks, "_HOOKS", [broken])
        second = _scoring_job(app, factories)
        assert queue.run("scoring", str(second))["status"] == "scored"
        with Session(get_engine(app)) as s:
            for job in (first, second):
                row = s.get(ScoringJob, job)
                assert row is not None and row.status == "scored"
                es = s.get(ExerciseSession, row.session_id)
                assert es is not None and es.status == "scored"
                metrics = s.exec(select(SessionMetricsRecord).where(SessionMetricsRecord.session_id == es.id))
                assert metrics.one().reps > 0
    finally:
        get_engine(app).dispose()


@pytest.mark.parametrize("kind", sorted(JOB_TYPES))
def test_a_requeued_job_is_resent_and_ended_by_the_next_worker(app, factories, kind):
    """The queue's reaper requeues the dead worker's job and sends it again; the next worker
    claims it (second attempt) and ends it in a final state, never left running."""
    job = str(MAKE_JOB[kind](app, factories))
    queue = HubQueue(app, lease_s=0.05)
    assert queue.store(kind).claim(job, "killed", 0.01)
    time.sleep(0.05)
    queue.huey.storage.flush_queue()
    assert queue.reap() == [JobRef(kind, job)]
    task = queue.huey.dequeue()
    assert task is not None and task.args == (job,)
    queue.huey.execute(task)
    row = _row(app, kind, int(job))
    assert row.attempts == 2 and row.status in ("scored", "failed", "timed_out", "rejected")
    assert row.lease_token is None and row.finished_at is not None
    assert queue.reap() == []


def test_a_live_lease_is_not_taken_over(app, factories):
    job = str(_evaluation_job(app, factories))
    store = LeaseStore(get_engine(app), JOB_TYPES["evaluation"])
    token = store.claim(job, "alive", 60)
    assert token and store.reclaim_expired(time.time(), max_attempts=1) == []
    assert store.renew(job, token, 60) and not store.renew(job, "stale", 60)
    assert not store.finish(job, "stale", {"status": "scored"})
    assert store.get(job)["state"] == "running"


def test_a_job_table_needs_the_lease_columns(app):
    toy = JobType(
        name="users",
        table=User,
        task_name="test.users",
        load_spec=lambda s, row: {},
        execute=lambda ctx, spec: {},
        outcome_values=lambda outcome: {},
    )
    with pytest.raises(TypeError, match="cannot hold jobs: no column"):
        LeaseStore(get_engine(app), toy)


def test_a_new_job_type_plugs_in_by_registering(app, factories, monkeypatch):
    """A toy job type (re-reading sessions, over the analyzer_run table) is registered; the queue
    schedules it, sends it under its own task, runs it and stores its outcome, and reclaims it
    when its worker dies - with no change to the queue, the store or the worker."""
    monkeypatch.setattr(registry, "JOB_TYPES", dict(registry.JOB_TYPES))  # forgotten after the test
    ran: list[dict[str, Any]] = []

    def execute(ctx: JobContext, spec: dict[str, Any]) -> dict[str, Any]:
        ran.append(spec)
        return {"status": "scored", "message": "toy done", "outputs": {"session": spec["session_id"]}}

    def schedule(session: Session) -> list[int]:
        """One toy job per analyzer run row that has none finished yet (here: the fixture's)."""
        ids = session.exec(select(AnalyzerRun.id).where(AnalyzerRun.status == "queued")).all()
        return [int(i) for i in ids if i is not None]

    toy = registry.register(
        JobType(
            name="toy",
            table=AnalyzerRun,
            task_name="test.toy",
            load_spec=lambda s, row: {"session_id": row.session_id},
            execute=execute,
            outcome_values=analyses.outcome_values,
            schedule=schedule,
        )
    )
    with pytest.raises(ValueError, match="already registered"):
        registry.register(JobType(**{**toy.__dict__, "task_name": "test.other"}))
    with pytest.raises(ValueError, match="share a task name"):
        registry.register(JobType(**{**toy.__dict__, "name": "toy2"}))
    job = _analysis_job(app, factories)
    queue = HubQueue(app)
    assert "toy" in queue.types
    queue.huey.storage.flush_queue()
    assert queue.schedule("toy") == 1
    task = queue.huey.dequeue()
    assert task is not None and task.name == "test.toy" and task.args == (str(job),)
    queue.huey.execute(task)
    row = _row(app, "analysis", job)
    assert (row.status, row.message, row.outputs, row.attempts) == (
        "scored",
        "toy done",
        {"session": ran[0]["session_id"]},
        1,
    )
    assert queue.requeue_waiting()["toy"] == 0


def _drop_connections(url: str) -> int:
    """Have PostgreSQL end every other connection to the database (as a restart would);
    returns how many it ended."""
    admin = make_engine(url)
    try:
        with admin.connect() as conn:
            ended = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar()
            conn.commit()
    finally:
        admin.dispose()
    return int(ended or 0)


def test_the_workers_engine_survives_connections_the_database_dropped(pg_url, tmp_path):
    """The worker's engine does not ping each connection it checks out; a claim or a finish
    that meets a dropped connection is tried once more on a new one, and the job is scored."""
    migrate.upgrade(pg_url)
    app = create_app(hub_config(tmp_path / "instance", pg_url))
    try:
        engine = without_pre_ping(app)
        assert engine is get_engine(app) and not engine.pool._pre_ping
        factories = Factories(app)
        first, second = _scoring_job(app, factories), _scoring_job(app, factories)
        queue = HubQueue(app, runs=["scoring"], lease_s=30)
        store = queue.store("scoring")

        assert _drop_connections(pg_url) >= 1  # the pooled connection is gone
        outcome = queue.run("scoring", str(first))  # its claim meets the dropped connection
        assert outcome is not None and outcome["status"] == "scored"

        record = store.claim_record(str(second), "w", 30)
        assert record is not None and record["token"]
        result = JOB_TYPES["scoring"].execute(queue.context, record["spec"])
        assert _drop_connections(pg_url) >= 1
        assert store.finish(str(second), record["token"], result)  # the finish meets it
        assert not store.finish(str(second), record["token"], result)  # written once
        assert [_row(app, "scoring", j).status for j in (first, second)] == ["scored", "scored"]
    finally:
        get_engine(app).dispose()


def test_the_tick_and_the_reads_survive_connections_the_database_dropped(pg_url, tmp_path):
    """The once-a-minute tick (reaper, schedules, resends) and the lease store's reads meet a
    connection the database dropped and are tried once more: a dead worker's job is requeued
    and sent again at the first tick after a database restart, not a minute later."""
    migrate.upgrade(pg_url)
    app = create_app(hub_config(tmp_path / "instance", pg_url))
    try:
        without_pre_ping(app)
        factories = Factories(app)
        job = str(_scoring_job(app, factories))
        queue = HubQueue(app, runs=["scoring"], lease_s=30)
        store = queue.store("scoring")
        assert store.claim(job, "killed", 0.01)
        time.sleep(0.05)
        queue.huey.storage.flush_queue()

        assert _drop_connections(pg_url) >= 1
        queue.tick()  # its reaper's first statement meets the dropped connection
        assert _row(app, "scoring", int(job)).status == "queued"
        task = queue.huey.dequeue()
        assert task is not None and task.args == (job,)  # sent again

        assert _drop_connections(pg_url) >= 1
        record = store.get(job)
        assert record is not None and record["state"] == "queued"
        assert _drop_connections(pg_url) >= 1
        store.create(job, record["spec"])  # checks the row is queued
        assert _drop_connections(pg_url) >= 1
        assert int(job) in store.queued_ids()
    finally:
        get_engine(app).dispose()


def test_work_repeated_once_on_a_dropped_connection_and_only_then(pg_url, tmp_path):
    """``once_more_if_dropped`` (the lease store's steps, the pilots' safety check after a
    scoring commit): a connection the database dropped fails the first try, the second runs
    on a new one; any other error is not repeated."""
    engine = make_engine(pg_url, pool_pre_ping=False)
    calls: list[int] = []

    def select_one() -> int:
        calls.append(1)
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT 1")).scalar_one())

    try:
        assert select_one() == 1  # a connection now sits in the pool
        assert _drop_connections(pg_url) >= 1
        calls.clear()
        assert once_more_if_dropped(select_one) == 1
        assert len(calls) == 2  # the dropped connection, then a new one

        calls.clear()
        with pytest.raises(DBAPIError):
            once_more_if_dropped(lambda: calls.append(1) or select_broken(engine))
        assert len(calls) == 1  # a plain SQL error is not tried again
    finally:
        engine.dispose()


def select_broken(engine: Any) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT * FROM no_such_table_here"))
