"""Scoring on workers: an upload is answered at once with status "scoring"; a worker's scoring
job writes the metrics (with the algorithm version), the status, one audit line and the alerts;
a job run twice, or finished late by a worker whose lease was taken over, writes one result;
``smarttouch rescore`` re-runs it.

Most of the suite runs with ``SMARTTOUCH_SCORING=inline`` (the testing default: the same job,
run in the request); here the hub is also built with ``queue`` (the production path) and a
worker is played by draining huey's queue in the test."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, col, func, select

from smarttouch.platform import create_app
from smarttouch.platform.jobs.leases import LeaseStore
from smarttouch.platform.jobs.queue import HubQueue
from smarttouch.platform.jobs.registry import JOB_TYPES
from smarttouch.platform.models import (
    Alert,
    AuditEvent,
    ExerciseSession,
    ScoringJob,
    SessionMetricsRecord,
)
from smarttouch.platform.services.clinic import rescoring, scoring
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import Factories, hub_config, login
from smarttouch.scoring import ALGORITHM_VERSION

from .apihelp import SIM_REPS, pair_patient, session_meta, upload
from .conftest import Runner, fresh_sqlite_url


@pytest.fixture
def queue_app(tmp_path: Path, sqlite_template: Path) -> Iterator[Flask]:
    """A hub whose uploads go to the workers' queue (``SMARTTOUCH_SCORING=queue``)."""
    url = fresh_sqlite_url(sqlite_template, tmp_path / "queued")
    application = create_app(hub_config(tmp_path / "queued", url, SCORING="queue"))
    yield application
    get_engine(application).dispose()


def _one(app: Flask, model: Any, *where: Any) -> list[Any]:
    with Session(get_engine(app)) as s:
        return list(s.exec(select(model).where(*where)))


def _audits(app: Flask, action: str, session_id: int) -> int:
    with Session(get_engine(app)) as s:
        return s.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.target_id == session_id)
        ).one()


def _drain(queue: HubQueue) -> int:
    """Be a worker: run every message waiting in the queue; returns how many ran."""
    ran = 0
    while (task := queue.huey.dequeue()) is not None:
        queue.huey.execute(task)
        ran += 1
    return ran


def test_an_upload_is_answered_at_once_and_scored_by_a_worker(queue_app):
    app = queue_app
    client = app.test_client()
    paired = pair_patient(app, Factories(app))
    meta = session_meta(paired, quit_reason="pain")
    res = upload(client, paired, meta)
    assert res.status_code == 201, res.get_json()
    body = res.get_json()
    assert (body["status"], body["metrics"], body["created"]) == ("scoring", None, True)
    (row,) = _one(app, ExerciseSession)
    (job,) = _one(app, ScoringJob)
    assert (job.session_id, job.status, job.reason) == (row.id, "queued", "upload")
    assert _one(app, SessionMetricsRecord) == [] and _one(app, Alert) == []  # nothing before the worker

    # a retry while it is scoring: the same session, no second job
    again = upload(client, paired, meta)
    assert again.status_code == 200 and again.get_json()["status"] == "scoring"
    assert len(_one(app, ScoringJob)) == 1

    # the hub's pages and the device API say "scoring"
    receipt = client.get(f"/api/v1/sessions/{meta['session_id']}", headers=paired.auth).get_json()
    assert receipt["status"] == "scoring" and receipt["metrics"] is None
    login(client, paired.therapist.email)
    page = client.get(f"/sessions/{row.id}").get_data(as_text=True)
    assert "Scoring: the hub is computing the metrics" in page
    patient_page = client.get(f"/patients/{paired.patient.id}").get_data(as_text=True)
    assert "Scoring: the hub is computing the metrics" in patient_page

    queue = HubQueue(app)
    assert _drain(queue) == 1
    receipt = app.test_client().get(f"/api/v1/sessions/{meta['session_id']}", headers=paired.auth).get_json()
    assert receipt["status"] == "scored" and receipt["metrics"]["reps"] == SIM_REPS
    (metrics,) = _one(app, SessionMetricsRecord)
    assert metrics.algorithm_version == ALGORITHM_VERSION
    (job,) = _one(app, ScoringJob)
    assert (job.status, job.algorithm_version, job.attempts) == ("scored", ALGORITHM_VERSION, 1)
    assert _audits(app, "session.scored", row.id) == 1
    assert [a.kind for a in _one(app, Alert)] == ["pain_stop"]  # raised when the metrics were written


def test_the_patient_portal_says_a_session_is_being_scored(queue_app):
    app = queue_app
    factories = Factories(app)
    paired = pair_patient(app, factories)
    assert upload(app.test_client(), paired, session_meta(paired)).status_code == 201
    user = factories.user("patient")
    with Session(get_engine(app)) as s:
        patient = s.get(type(paired.patient), paired.patient.id)
        patient.user_id = user.id
        s.add(patient)
        s.commit()
    client = app.test_client()
    login(client, user.email)
    page = client.get("/my").get_data(as_text=True)
    assert "1 session is being scored" in page
    _drain(HubQueue(app))
    assert "being scored" not in client.get("/my").get_data(as_text=True)


def test_a_job_run_twice_or_finished_late_writes_one_result(app, client, factories):
    """Inline scoring (the testing default) runs the same job; running it again is refused,
    and a worker whose lease was taken over cannot write its late result."""
    paired = pair_patient(app, factories)
    res = upload(client, paired, session_meta(paired))
    assert res.get_json()["status"] == "scored"
    (row,) = _one(app, ExerciseSession)
    (job,) = _one(app, ScoringJob)
    queue = HubQueue(app, lease_s=0.05)
    assert queue.run("scoring", str(job.id)) is None  # finished: not claimable again

    with Session(get_engine(app)) as s:
        (rescore,) = rescoring.queue_rescoring(s, session_ids=[row.id], enqueue=lambda _: None)
    store = LeaseStore(get_engine(app), JOB_TYPES["scoring"])
    late_token = store.claim(str(rescore), "killed-worker", 0.01)
    assert late_token
    time.sleep(0.05)
    assert queue.reap()  # its lease expired: requeued and resent
    outcome = queue.run("scoring", str(rescore))
    assert outcome is not None and outcome["status"] == "scored"
    assert not store.finish(str(rescore), late_token, outcome)  # the killed worker's late write

    assert len(_one(app, SessionMetricsRecord)) == 1
    assert _audits(app, "session.scored", row.id) == 2  # the upload's job and the re-score, once each
    (done,) = _one(app, ScoringJob, ScoringJob.id == rescore)
    assert (done.status, done.attempts) == ("scored", 2)


def test_rescore_re_runs_scoring_and_keeps_the_version(app, client, factories, runner: Runner):
    first = pair_patient(app, factories)
    other = pair_patient(app, factories)
    for paired in (first, first, other):
        assert upload(client, paired, session_meta(paired)).status_code == 201
    with Session(get_engine(app)) as s:
        for m in s.exec(select(SessionMetricsRecord)):
            m.algorithm_version = "0-old"
            s.add(m)
        s.commit()

    result = runner.invoke("rescore", "--patient", first.patient.code, "--here")
    assert result.exit_code == 0, result.output
    assert "2 session(s) to score" in result.output and "2 scored" in result.output
    versions = {m.algorithm_version for m in _one(app, SessionMetricsRecord)}
    assert versions == {ALGORITHM_VERSION, "0-old"}

    result = runner.invoke("rescore", "--all", "--outdated", "--here")
    assert "1 session(s) to score" in result.output, result.output
    metrics = _one(app, SessionMetricsRecord)
    assert len(metrics) == 3 and {m.algorithm_version for m in metrics} == {ALGORITHM_VERSION}
    assert runner.invoke("rescore", "--all", "--outdated", "--here").output.startswith("0 session(s)")
    assert runner.invoke("rescore").exit_code == 2  # --all or --patient
    assert "no patient" in runner.invoke("rescore", "--patient", "NOPE").output


def test_rescore_sends_jobs_to_the_workers(app, client, factories, runner: Runner):
    paired = pair_patient(app, factories)
    assert upload(client, paired, session_meta(paired)).status_code == 201
    # followed while no worker runs: the job waits in the queue and the command says so
    waited = runner.invoke("rescore", "--all", "--timeout", "1")
    assert waited.exit_code == 1 and "some jobs have not finished" in waited.output, waited.output
    waiting = _one(app, ScoringJob, col(ScoringJob.reason) == "rescore")
    assert [j.status for j in waiting] == ["queued"]
    # a session already waiting for its scoring is not queued twice
    again = runner.invoke("rescore", "--all", "--no-wait")
    assert again.exit_code == 0 and again.output.startswith("0 session(s)"), again.output
    assert _drain(HubQueue(app)) == 1  # a worker runs it
    assert [j.status for j in _one(app, ScoringJob, col(ScoringJob.reason) == "rescore")] == ["scored"]
    sent = runner.invoke("rescore", "--all", "--no-wait")
    assert sent.exit_code == 0 and "sent to the workers" in sent.output, sent.output


def _statements_of_a_scoring_job(app: Flask, session_id: int) -> list[str]:
    from sqlalchemy import event

    with Session(get_engine(app)) as s:
        (job_id,) = rescoring.queue_rescoring(s, session_ids=[session_id], enqueue=lambda _: None)
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", count)
    try:
        outcome = HubQueue(app).run("scoring", str(job_id))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert outcome is not None and outcome["status"] == "scored"
    return seen


def test_a_scoring_job_runs_a_bounded_number_of_sql_statements(app, client, factories):
    """Claim, read, write the result, status, audit line and alerts: the same few statements
    whatever the patient's history (no statement per stored session). 10 for this re-score
    (the session is already ``scored``: its status is not written again; a first scoring
    writes it, 11), two of them the alerts' savepoint (a hook that runs no SQL opens none):
    the claim returns the row with the session's columns its spec reads; the
    result's read says
    whether the patient has a consented pilot enrolment, so the pilots' readers (their alert
    sources, the after-scoring hook) read none for a patient in no pilot; whether the patient
    has a plan is read only when a "no session" alert depends on it."""
    paired = pair_patient(app, factories)
    counts = []
    for history in (1, 12):
        while len(_one(app, ExerciseSession, ExerciseSession.patient_id == paired.patient.id)) < history:
            assert upload(client, paired, session_meta(paired)).status_code == 201
        newest = max(
            r.id for r in _one(app, ExerciseSession, ExerciseSession.patient_id == paired.patient.id)
        )
        statements = _statements_of_a_scoring_job(app, newest)
        assert not [s for s in statements if "FROM pilot JOIN pilot_enrolment" in s]
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 10, counts


def test_a_recording_the_blob_store_cannot_give_fails_the_job_with_a_plain_reason(app, tmp_path):
    """Object storage unreachable (past obstore's own retries), or the blob gone: the job
    fails with a reason an operator can act on and a message without the client's dump;
    ``rescore --outdated`` picks the session up again (it has no current metrics)."""
    from obstore.exceptions import GenericError

    from smarttouch.platform.storage.blobstore import open_blobstore

    store = open_blobstore(f"file://{tmp_path / 'blobs'}")
    key = store.put(b"not scored here")
    spec: scoring.ScoringSpec = {
        "job_id": 1,
        "session_id": 1,
        "recording_sha256": key,
        "movement": "shoulder_flexion",
        "calibration": {},
        "phases": [],
    }
    store.delete(key)
    missing = scoring.compute(store, spec)
    assert (missing["status"], missing["failure_reason"]) == ("failed", "recording_missing")

    def down(_key: str) -> bytes:
        raise GenericError("Generic S3 error: error sending request for url (http://minio:9000/b/...)")

    store.get = down  # type: ignore[method-assign]
    unavailable = scoring.compute(store, spec)
    assert (unavailable["status"], unavailable["failure_reason"]) == ("failed", "recording_unavailable")
    assert "minio" not in unavailable["message"] and "rescore --all --outdated" in unavailable["message"]


def test_following_a_rescore_counts_jobs_erased_meanwhile_as_gone(app, client, factories, monkeypatch):
    """A patient erased while ``rescore --wait`` follows the workers takes their jobs with
    them: the bar counts them as done (it waited for the timeout before), and the summary
    says how many are gone."""
    from smarttouch.platform.cli.scoring import _follow

    paired = pair_patient(app, factories)
    for _ in range(2):
        assert upload(client, paired, session_meta(paired)).status_code == 201
    with Session(get_engine(app)) as s:
        ids = rescoring.sessions_to_rescore(s)
        jobs = rescoring.queue_rescoring(s, session_ids=ids, enqueue=lambda _: None)
        assert rescoring.unfinished_jobs(s, jobs) == jobs
    assert HubQueue(app).run("scoring", str(jobs[0]))["status"] == "scored"
    with Session(get_engine(app)) as s:
        s.delete(s.get_one(ScoringJob, jobs[1]))  # as the erasure's cascade does
        s.commit()
        assert rescoring.unfinished_jobs(s, jobs) == []
        assert rescoring.job_states(s, jobs) == {"scored": 1, rescoring.GONE: 1}
    from smarttouch.platform.cli import scoring as rescore_cli

    polls: list[float] = []
    monkeypatch.setattr(rescore_cli.time, "sleep", polls.append)
    _follow(app, jobs, timeout=60.0)
    assert polls == [0.5]  # one look, and done (it polled until the timeout before)


def test_a_session_whose_recording_was_unavailable_is_retried_by_the_tick(queue_app):
    """Object storage was down when its job ran: the tick queues a ``retry`` job 5 minutes
    later (not sooner, not while one waits), which scores the session; a session that kept
    failing so for an hour is left to the operator's ``rescore``."""
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa

    app = queue_app
    paired = pair_patient(app, Factories(app))
    assert upload(app.test_client(), paired, session_meta(paired)).status_code == 201
    (session_row,) = _one(app, ExerciseSession)
    session_id = session_row.id
    unavailable = {
        "status": "failed",
        "failure_reason": scoring.UNAVAILABLE,
        "message": "the hub's blob store did not answer",
    }

    def fail_newest_job(finished: datetime) -> None:
        with Session(get_engine(app)) as s:
            job_id = max(j.id for j in s.exec(select(ScoringJob)).all())
            s.execute(
                sa.update(ScoringJob)
                .where(col(ScoringJob.id) == job_id)
                .values(**scoring.outcome_values(unavailable), finished_at=finished)
            )
            scoring.save_result(s, job_id, unavailable, today=None, tz="UTC")
            s.commit()

    now = datetime.now(UTC)
    fail_newest_job(now - timedelta(minutes=1))
    assert _one(app, ExerciseSession)[0].status == "failed"
    with Session(get_engine(app)) as s:
        assert rescoring.schedule_retries(s, now=now) == []  # too soon
        (retry,) = rescoring.schedule_retries(s, now=now + timedelta(minutes=5))
        assert rescoring.schedule_retries(s, now=now + timedelta(minutes=10)) == []  # one waits
    assert HubQueue(app).run("scoring", str(retry))["status"] == "scored"  # the store is back
    row = _one(app, ExerciseSession)[0]
    assert row.status == "scored" and _one(app, ScoringJob, col(ScoringJob.id) == retry)[0].reason == "retry"

    for _ in range(scoring.MAX_TRIES_UNAVAILABLE):  # an hour of outage
        with Session(get_engine(app)) as s:
            rescoring.queue_rescoring(s, session_ids=[session_id], enqueue=lambda _: None)
        fail_newest_job(now - timedelta(minutes=10))
    with Session(get_engine(app)) as s:
        s.execute(sa.delete(SessionMetricsRecord))  # as for a session never scored
        s.execute(sa.update(ExerciseSession).values(status="failed"))
        s.commit()
        assert rescoring.schedule_retries(s, now=now) == []  # left to the operator
