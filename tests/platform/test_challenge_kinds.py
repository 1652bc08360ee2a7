"""The hub reads the challenge kinds from their registry: a toy kind registered from a folder is
imported, listed with its name, evaluated by the worker and reviewed, with no hub edit."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from smarttouch.platform.i18n.vocab import challenge_kind_label
from smarttouch.platform.models import Activity, AnalyzerChoice
from smarttouch.platform.services.challenges import review, submissions
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from tests.challenges.helpers import TIMER, duration_kind, make_duration_bundle  # noqa: F401
from tests.platform.challenge_support import archive_of, import_bundle, make_solution, run_queued, sandbox_ok  # noqa: F401


def test_a_toy_kind_goes_through_the_hub(
    app, client, login_as, make_user, duration_kind, tmp_path: Path, sandbox_ok
):
    challenge = import_bundle(app, make_duration_bundle(tmp_path / "bundle"))
    assert challenge.kind == "duration"
    login_as("developer")
    page = client.get("/developer/challenges").get_data(as_text=True)
    assert "Measure durations (test)" in page and "Duration" in page
    with app.test_request_context():
        assert challenge_kind_label("duration") == "Duration"
        assert challenge_kind_label("analyzer") == "Motion analysis"
        assert challenge_kind_label("retired-kind") == "retired-kind"

    developer = make_user("developer")
    folder = make_solution(
        tmp_path / "s", TIMER, challenge="test-duration", kind="duration", entrypoint="solution:Timer"
    )
    with Session(get_engine(app), expire_on_commit=False) as session:
        sub = submissions.submit(
            session,
            developer=developer,
            challenge=challenge,
            upload=archive_of(folder),
            filename="timer.zip",
            blobs=get_blobstore(app),
            enqueue=lambda _id: None,
        )
    [result] = run_queued(app)
    assert result["status"] == "scored", result["message"]

    reviewer = make_user("therapist", is_reviewer=True)
    with Session(get_engine(app), expire_on_commit=False) as session:
        review.decide(session, reviewer=reviewer, submission_id=sub.id, decision="approved", note="")
        # the toy kind's approval publishes nothing: no activity, not an analyzer to choose
        assert session.exec(select(Activity).where(Activity.submission_id == sub.id)).first() is None
        assert review.approved_analyzers(session) == []
        assert session.exec(select(AnalyzerChoice)).first() is None
