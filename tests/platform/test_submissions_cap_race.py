"""The daily submission cap holds when one developer's uploads arrive at the same moment.

Every thread has its own session (as every web request does). The archive staging step is
wrapped so that all threads wait for each other inside it: every one of them has passed the
early, unlocked cap check before any of them writes, which is exactly the race a real burst
of uploads can hit. Only the locked re-count may decide; it must let exactly ``cap`` through.
"""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask
from sqlmodel import Session, col, func, select

from smarttouch.platform.models import Solution, Submission
from smarttouch.platform.services.challenges import submissions
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import Factories
from tests.platform.challenge_support import COUNTER, archive_of, make_solution

CAP = 3
EXTRA = 3


def test_simultaneous_submissions_never_exceed_the_daily_cap(
    db_app: Flask, tmp_path: Path, monkeypatch
) -> None:
    factories = Factories(db_app)
    challenge = factories.challenge(slug="test-reps", max_daily_submissions=CAP, bundle_sha256="0" * 64)
    developer = factories.user("developer")  # accepts the terms of the challenges that exist
    uploads = [
        archive_of(make_solution(tmp_path / f"s{i}", COUNTER + f"\n# variant {i}\n", name=f"variant {i}"))
        for i in range(CAP + EXTRA)
    ]

    gate = threading.Barrier(len(uploads), timeout=60)
    real_stage = submissions.stage_solution

    def stage_together(*args, **kwargs):
        staged = real_stage(*args, **kwargs)
        gate.wait()  # every thread is past the early cap check before anyone writes
        return staged

    monkeypatch.setattr(submissions, "stage_solution", stage_together)
    queued: list[int] = []
    outcomes: list[object] = [None] * len(uploads)

    def submit(i: int) -> None:
        try:
            with db_app.app_context(), Session(get_engine(db_app)) as session:
                sub = submissions.submit(
                    session,
                    developer=developer,
                    challenge=challenge,
                    upload=uploads[i],
                    filename=f"s{i}.zip",
                    blobs=get_blobstore(db_app),
                    enqueue=queued.append,
                )
                outcomes[i] = sub.status
        except Exception as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(uploads))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a submission hung"

    accepted = [o for o in outcomes if o == "queued"]
    capped = [o for o in outcomes if isinstance(o, submissions.CapReached)]
    others = [o for o in outcomes if o not in accepted and o not in capped]
    assert others == [], f"unexpected outcomes: {others!r}"
    assert len(accepted) == CAP and len(capped) == EXTRA, outcomes
    assert all(exc.status == 429 and f"all {CAP} submissions" in exc.message for exc in capped)
    assert len(queued) == CAP
    with Session(get_engine(db_app)) as session:
        stored = session.exec(
            select(func.count())
            .select_from(Submission)
            .join(Solution, col(Solution.id) == col(Submission.solution_id))
            .where(Solution.developer_id == developer.id, Solution.challenge_id == challenge.id)
        ).one()
    assert stored == CAP
