"""Reviewers: who may review, approving a game into the catalogue (tied to its hash),
asking for changes, rejecting, and approved analyzers scoring sessions in the sandbox."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from smarttouch.platform.jobs.queue import HubQueue
from smarttouch.platform.models import Activity, AnalyzerRun, Review, Submission
from smarttouch.platform.services.challenges import review, submissions
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token, login
from smarttouch.sensors.recording_io import recording_to_bytes
from smarttouch.sensors.simulator import simulate
from tests.challenges.helpers import make_game_bundle
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

TEMPLATES = Path(__file__).resolve().parents[2] / "smarttouch" / "challenges" / "templates"


@pytest.fixture(scope="module")
def game_dir(tmp_path_factory) -> Path:
    return make_game_bundle(tmp_path_factory.mktemp("game") / "test-game")


def _scored(app, developer, challenge, folder: Path) -> int:
    with Session(get_engine(app), expire_on_commit=False) as session:
        sub = submissions.submit(
            session,
            developer=developer,
            challenge=challenge,
            upload=archive_of(folder),
            filename="s.zip",
            blobs=get_blobstore(app),
            enqueue=lambda _id: None,
        )
    [result] = run_queued(app)
    assert result["status"] == "scored", result
    return sub.id


def _decide(client, sid: int, decision: str, note: str = ""):
    url = f"/review/submissions/{sid}"
    return client.post(url, data={"csrf_token": csrf_token(client, url), "decision": decision, "note": note})


def test_only_reviewer_therapists_and_admins_review(
    app, client, make_user, hub_challenge, tmp_path, sandbox_ok
):
    sid = _scored(app, make_user("developer"), hub_challenge, make_solution(tmp_path / "s", COUNTER))
    for role, extra, expected in (
        ("therapist", {}, 403),
        ("developer", {}, 403),
        ("patient", {}, 403),
        ("therapist", {"is_reviewer": True}, 200),
        ("admin", {}, 200),
    ):
        fresh = app.test_client()
        user = make_user(role, **extra)
        assert login(fresh, user.email).status_code == 302
        assert fresh.get("/review").status_code == expected, (role, extra)
        assert fresh.get(f"/review/submissions/{sid}").status_code == expected, (role, extra)


def test_review_page_shows_scores_code_and_hash_and_needs_a_note(
    app, client, make_user, login_as, hub_challenge, tmp_path, sandbox_ok
):
    developer = make_user("developer", full_name="Ada Developer")
    sid = _scored(app, developer, hub_challenge, make_solution(tmp_path / "s", COUNTER))
    login_as("therapist", is_reviewer=True)
    queue = client.get("/review").get_data(as_text=True)
    assert "Awaiting review" in queue and "test solution" in queue
    page = client.get(f"/review/submissions/{sid}").get_data(as_text=True)
    with Session(get_engine(app)) as session:
        sha = session.get(Submission, sid).code_sha256
    assert sha in page and "class Solution" in page and "solution.toml" in page
    assert "Hidden evaluation split" in page and "Ada Developer" in page
    response = _decide(client, sid, "rejected")
    assert response.status_code == 400 and "why it is rejected" in response.get_data(as_text=True)
    assert _decide(client, sid, "changes_requested", "Handle tremor.").status_code == 302
    with Session(get_engine(app)) as session:
        [row] = session.exec(select(Review)).all()
        assert (row.decision, row.code_sha256, row.note) == ("changes_requested", sha, "Handle tremor.")


def test_approved_game_becomes_an_assignable_activity_tied_to_its_hash(
    app, client, make_user, login_as, game_dir, tmp_path, sandbox_ok
):
    challenge = import_bundle(app, game_dir)
    sol = tmp_path / "game"
    shutil.copytree(TEMPLATES / "shoulder_reach_game", sol)
    toml = (sol / "solution.toml").read_text().replace('"shoulder-reach-game"', '"test-game"')
    (sol / "solution.toml").write_text(toml)
    sid = _scored(app, make_user("developer"), challenge, sol)
    with Session(get_engine(app)) as session:
        sub = session.get(Submission, sid)
        assert any(name.endswith(".png") for name in sub.artifacts), sub.artifacts
        sha = sub.code_sha256
        shot = sorted(sub.artifacts)[0]
    reviewer = login_as("therapist", is_reviewer=True)
    page = client.get(f"/review/submissions/{sid}").get_data(as_text=True)
    assert f"/submissions/{sid}/artifacts/{shot}" in page
    image = client.get(f"/submissions/{sid}/artifacts/{shot}")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    assert _decide(client, sid, "approved").status_code == 302
    with Session(get_engine(app)) as session:
        activity = session.exec(select(Activity).where(Activity.submission_id == sid)).one()
        assert (activity.kind, activity.source, activity.code_sha256, activity.is_active) == (
            "game",
            "solution",
            sha,
            True,
        )
        assert activity.movements == ["shoulder_flexion"]
        assert activity.title == "my reach game"
        # a rejection of the same code takes it out of the catalogue again
        review.decide(
            session,
            reviewer=session.merge(reviewer),
            submission_id=sid,
            decision="rejected",
            note="Too fast for our patients.",
        )
        assert session.get(Activity, activity.id).is_active is False


def _chosen_analyzer_and_sessions(app, make_user, make_patient, make_exercise_session, challenge, folder):
    """An approved, chosen shoulder-flexion analyzer (the code in ``folder``) and two scored
    sessions with a 4-rep recording: one of shoulder flexion, one of sit-to-stand. Returns
    (submission id, the shoulder-flexion session)."""
    sid = _scored(app, make_user("developer"), challenge, folder)
    reviewer = make_user("therapist", is_reviewer=True)
    rec = simulate(
        "shoulder_flexion",
        reps=4,
        rom_deg=80.0,
        tempo_s=1.5,
        pause_s=0.5,
        fs=50.0,
        placement="wrist-right",
        lead_in_s=1.0,
        seed=42,
    ).recording
    key = get_blobstore(app).put(recording_to_bytes(rec))
    patient = make_patient()
    scored = make_exercise_session(
        patient, recording_sha256=key, status="scored", movement="shoulder_flexion"
    )
    make_exercise_session(patient, recording_sha256=key, status="scored", movement="sit_to_stand")
    with Session(get_engine(app), expire_on_commit=False) as session:
        with pytest.raises(Exception, match="not an approved analyzer"):
            review.choose_analyzer(session, reviewer=reviewer, movement="shoulder_flexion", submission_id=sid)
        review.decide(session, reviewer=reviewer, submission_id=sid, decision="approved", note="")
        assert [s.id for s, _, _ in review.approved_analyzers(session)] == [sid]
        review.choose_analyzer(session, reviewer=reviewer, movement="shoulder_flexion", submission_id=sid)
    return sid, scored


def test_approved_analyzer_scores_sessions_in_the_sandbox(
    app, client, make_user, make_patient, make_exercise_session, hub_challenge, tmp_path, sandbox_ok
):
    _sid, scored = _chosen_analyzer_and_sessions(
        app,
        make_user,
        make_patient,
        make_exercise_session,
        hub_challenge,
        make_solution(tmp_path / "s", COUNTER),
    )
    queue = HubQueue(app)
    assert queue.schedule("analysis") == 1
    assert queue.schedule("analysis") == 0  # one run per (session, analyzer)
    with Session(get_engine(app)) as session:
        run = session.exec(select(AnalyzerRun)).one()
        assert run.session_id == scored.id and run.status == "queued"
    queue.run("analysis", str(run.id), worker="test")
    with Session(get_engine(app)) as session:
        [shown] = review.analyzer_runs_for_session(session, session_id=scored.id)
    assert shown["status"] == "scored", shown["message"]
    assert shown["outputs"] == {"reps": 4}


def test_a_lost_analyzer_run_is_requeued_and_scored_by_the_next_worker(
    app, make_user, make_patient, make_exercise_session, hub_challenge, tmp_path, sandbox_ok
):
    """The worker running an analyzer over a session dies: the tick reclaims the run, sends it
    again, and the next worker scores it in the sandbox on its second attempt."""
    _sid, scored = _chosen_analyzer_and_sessions(
        app,
        make_user,
        make_patient,
        make_exercise_session,
        hub_challenge,
        make_solution(tmp_path / "s", COUNTER),
    )
    queue = HubQueue(app, lease_s=0.05)
    assert queue.schedule("analysis") == 1
    with Session(get_engine(app)) as session:
        run = session.exec(select(AnalyzerRun)).one()
    assert queue.store("analysis").claim(str(run.id), "killed", 0.01)
    time.sleep(0.05)
    queue.huey.storage.flush_queue()
    queue.tick()
    task = queue.huey.dequeue()
    assert task is not None and task.args == (str(run.id),)
    queue.huey.execute(task)
    with Session(get_engine(app)) as session:
        again = session.get(AnalyzerRun, run.id)
    assert (again.status, again.attempts, again.outputs) == ("scored", 2, {"reps": 4}), again.message
    assert again.session_id == scored.id and again.lease_token is None


def test_analyzer_choice_page(app, client, login_as):
    login_as("therapist", is_reviewer=True)
    page = client.get("/review/analyzers").get_data(as_text=True)
    assert "No analyzer has been approved yet." in page and "Shoulder flexion" in page
