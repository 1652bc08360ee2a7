"""The database job store, lost workers, the queue being down, and hostile submissions
evaluated through the hub's own path (bundle blob, stored archive, sandbox, DB result)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from smarttouch.platform.jobs.evaluations import EVALUATION
from smarttouch.platform.jobs.leases import LeaseStore
from smarttouch.platform.jobs.queue import HubQueue, JobRef
from smarttouch.platform.models import Score, Submission
from smarttouch.platform.services.challenges import submissions
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from tests.challenges.helpers import make_bundle
from tests.platform.challenge_support import (  # noqa: F401
    COUNTER,
    archive_of,
    bundle_dir,
    hub_challenge,
    import_bundle,
    make_solution,
    run_queued,
    sandbox_ok,
)


@pytest.fixture(scope="module")
def tight_dir(tmp_path_factory) -> Path:
    """Short limits, so runaway solutions end fast."""
    return make_bundle(
        tmp_path_factory.mktemp("tight") / "tight-reps",
        slug="tight-reps",
        n_public=1,
        n_hidden=1,
        wall_s=4,
        cpu_s=2,
        memory_mb=512,
        output_kb=16,
    )


def _submit(app, developer, challenge, folder: Path, enqueue=lambda _id: None) -> Submission:
    with Session(get_engine(app), expire_on_commit=False) as session:
        return submissions.submit(
            session,
            developer=developer,
            challenge=challenge,
            upload=archive_of(folder),
            filename="s.zip",
            blobs=get_blobstore(app),
            enqueue=enqueue,
        )


def _row(app, sid: int) -> Submission:
    with Session(get_engine(app), expire_on_commit=False) as session:
        return session.get(Submission, sid)


def test_claim_is_exclusive_and_stale_results_are_dropped(app, make_user, hub_challenge, tmp_path):
    sub = _submit(app, make_user("developer"), hub_challenge, make_solution(tmp_path / "s", COUNTER))
    store = LeaseStore(get_engine(app), EVALUATION)
    token = store.claim(str(sub.id), "w1", 30)
    assert token and store.claim(str(sub.id), "w2", 30) is None
    assert store.get(str(sub.id))["state"] == "running"
    assert store.renew(str(sub.id), token, 30) and not store.renew(str(sub.id), "other", 30)
    assert not store.finish(str(sub.id), "stale-token", {"status": "scored", "scores": {}})
    result = {
        "status": "scored",
        "message": "scored",
        "scores": {"public": {"mae": 0.5}},
        "splits": [
            {"split": "public", "status": "scored", "log": "hello from public"},
            {"split": "hidden", "status": "scored", "log": "hidden secret print"},
        ],
    }
    assert store.finish(str(sub.id), token, result)
    row = _row(app, sub.id)
    assert (row.status, row.lease_token, row.log) == ("scored", None, "hello from public")
    assert "hidden secret print" not in row.log
    assert row.result["private_log"] == "hidden secret print"
    with Session(get_engine(app)) as session:
        [score] = session.exec(select(Score).where(Score.submission_id == sub.id)).all()
    assert (score.split, score.metric, score.value) == ("public", "mae", 0.5)


def test_a_lost_worker_is_retried_then_failed(app, make_user, hub_challenge, tmp_path):
    sub = _submit(app, make_user("developer"), hub_challenge, make_solution(tmp_path / "s", COUNTER))
    store = LeaseStore(get_engine(app), EVALUATION)
    for attempt in (1, 2):
        assert store.claim(str(sub.id), f"dying-{attempt}", 0.01)
        time.sleep(0.05)
        assert store.reclaim_expired(time.time(), max_attempts=2) == ([str(sub.id)] if attempt == 1 else [])
    row = _row(app, sub.id)
    assert (row.status, row.failure_reason, row.attempts) == ("failed", "worker_lost", 2)


def test_a_requeued_job_is_finished_by_the_next_worker(app, make_user, hub_challenge, tmp_path, sandbox_ok):
    sub = _submit(app, make_user("developer"), hub_challenge, make_solution(tmp_path / "s", COUNTER))
    queue = HubQueue(app, lease_s=0.05)
    assert queue.store("evaluation").claim(str(sub.id), "killed", 0.01)
    time.sleep(0.05)
    queue.huey.storage.flush_queue()
    assert queue.reap() == [JobRef("evaluation", str(sub.id))]
    [result] = run_queued(app, queue)
    assert result["status"] == "scored"
    assert _row(app, sub.id).attempts == 2


def test_queue_down_marks_the_submission_failed_not_stuck(app, make_user, hub_challenge, tmp_path):
    def broken(_id: int) -> None:
        raise ConnectionError("redis is down")

    sub = _submit(
        app, make_user("developer"), hub_challenge, make_solution(tmp_path / "s", COUNTER), enqueue=broken
    )
    row = _row(app, sub.id)
    assert (row.status, row.failure_reason) == ("failed", "internal_error")
    assert "queue is unavailable" in row.message


HOSTILE = {
    "infinite loop": (
        "class Solution:\n    def analyze(self, recording):\n        while True:\n            pass\n",
        "timed_out",
        "timed_out",
    ),
    "network": (
        "import socket\nclass Solution:\n    def analyze(self, recording):\n"
        "        socket.create_connection(('1.1.1.1', 53), timeout=2)\n"
        "        return {'reps': 1}\n",
        "failed",
        "forbidden",
    ),
    "memory hog": (
        "class Solution:\n    def analyze(self, recording):\n"
        "        hog = bytearray(2 * 1024 ** 3)\n        return {'reps': len(hog)}\n",
        "failed",
        "memory_exceeded",
    ),
    "bad output": (
        "class Solution:\n    def analyze(self, recording):\n        return {'reps': 'many'}\n",
        "failed",
        "invalid_output",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_submissions_fail_with_the_right_reason(
    app, make_user, tight_dir, tmp_path, name, sandbox_ok
):
    code, status, reason = HOSTILE[name]
    challenge = import_bundle(app, tight_dir)
    sol = make_solution(tmp_path / "s", code, challenge="tight-reps")
    sub = _submit(app, make_user("developer"), challenge, sol)
    queue = HubQueue(app)
    result = queue.run("evaluation", str(sub.id), worker="test")
    row = _row(app, sub.id)
    assert (row.status, row.failure_reason) == (status, reason), (result or {}).get("message")
    assert row.message and row.finished_at is not None


def test_hidden_data_never_reaches_the_sandbox_or_the_developer(
    app, make_user, tight_dir, tmp_path, sandbox_ok
):
    """The solution looks for the hub's instance folder, database, bundle cache and labels."""
    challenge = import_bundle(app, tight_dir)
    instance = Path(app.instance_path)
    targets = [
        str(instance / "secret_key"),
        app.config["DATABASE_URL"].removeprefix("sqlite:///"),
        str(instance / "challenge-bundles"),
        str(Path(app.config["BLOB_PATH"])),
    ]
    code = (
        "import os\nclass Solution:\n    def analyze(self, recording):\n"
        f"        visible = [p for p in {targets!r} if os.path.exists(p)]\n"
        "        assert recording.labels == {}\n"
        "        print('VISIBLE', visible)\n"
        "        return {'reps': len(visible)}\n"
    )
    sub = _submit(
        app, make_user("developer"), challenge, make_solution(tmp_path / "s", code, challenge="tight-reps")
    )
    queue = HubQueue(app)
    queue.run("evaluation", str(sub.id), worker="test")
    row = _row(app, sub.id)
    assert row.status == "scored", row.message
    assert "VISIBLE []" in row.log


def test_job_store_on_each_database(db_app):
    """Claim, renew, finish with scores, and a lost worker on SQLite and PostgreSQL."""
    from smarttouch.platform.models import Challenge, Solution, User

    with Session(get_engine(db_app), expire_on_commit=False) as session:
        dev = User(email="dev@example.org", full_name="Dev", role="developer", password_hash="x")
        ch = Challenge(slug="db-reps", title="DB", kind="analyzer")
        session.add_all([dev, ch])
        session.flush()
        sol = Solution(challenge_id=ch.id, developer_id=dev.id, name="s", kind="analyzer")
        session.add(sol)
        session.flush()
        subs = [
            Submission(solution_id=sol.id, code_sha256=f"{i}" * 64, entrypoint="m:C", splits=["public"])
            for i in (1, 2)
        ]
        session.add_all(subs)
        session.commit()
    store = LeaseStore(get_engine(db_app), EVALUATION)
    first, second = (str(s.id) for s in subs)
    token = store.claim(first, "w", 30)
    assert token and store.claim(first, "w2", 30) is None and store.renew(first, token, 30)
    assert store.finish(
        first,
        token,
        {
            "status": "scored",
            "scores": {"public": {"mae": 1.5}},
            "splits": [{"split": "public", "log": "ok"}],
        },
    )
    assert store.get(first)["state"] == "scored"
    assert store.claim(second, "dying", 0.01)
    time.sleep(0.05)
    assert store.reclaim_expired(time.time(), max_attempts=3) == [second]
    assert store.get(second)["state"] == "queued"
    with Session(get_engine(db_app)) as session:
        [score] = session.exec(select(Score)).all()
        assert (score.metric, score.value) == ("mae", 1.5)


def test_tampered_code_blob_fails_before_the_solution_runs(
    app, make_user, hub_challenge, tmp_path, monkeypatch
):
    """The bytes read back from the blob store must hash to the submission's sha256 before
    anything is evaluated: a tampered blob fails with internal_error and never runs."""
    import smarttouch.challenges.evaluation as evaluation

    sub = _submit(app, make_user("developer"), hub_challenge, make_solution(tmp_path / "s", COUNTER))
    ran: list[object] = []
    monkeypatch.setattr(evaluation, "evaluate_solution", lambda *a, **k: ran.append(a))
    path = get_blobstore(app).path_for(sub.code_sha256)
    path.chmod(0o644)
    path.write_bytes(archive_of(make_solution(tmp_path / "evil", COUNTER + "\n# tampered\n")))
    queue = HubQueue(app, unsafe=True)
    queue.run("evaluation", str(sub.id), worker="test")
    row = _row(app, sub.id)
    assert (row.status, row.failure_reason) == ("failed", "internal_error")
    assert "does not hash" in row.message
    assert ran == []
