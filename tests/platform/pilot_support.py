"""An approved game solution for pilot tests, made the way a review makes one but without
the sandbox evaluation (tested elsewhere): the starter game's canonical archive in the blob
store, a scored submission of it, and a reviewer's approval through ``review.decide``, which
publishes the catalogue activity the client downloads and verifies by hash."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask
from sqlmodel import Session

from smarttouch.platform.models import Solution, Submission, SubmissionStatus, pk
from smarttouch.platform.services.challenges import review
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import Factories

from .challenge_support import archive_of

TEMPLATE = Path(__file__).resolve().parents[2] / "smarttouch/challenges/templates/shoulder_reach_game"


def approved_game(app: Flask, factories: Factories, folder: Path, *, name: str = "Kite reach") -> int:
    """The id of an approved shoulder-flexion game solution (``folder``: a scratch folder)."""
    shutil.copytree(TEMPLATE, folder / "game")
    sha = get_blobstore(app).put(archive_of(folder / "game"))
    challenge = factories.challenge(kind="game", movement="shoulder_flexion", is_published=True)
    developer = factories.user("developer", full_name="Dana Dev")
    reviewer = factories.user("therapist", is_reviewer=True)
    with Session(get_engine(app), expire_on_commit=False) as s:
        sol = Solution(
            challenge_id=pk(challenge),
            developer_id=developer.id,
            name=name,
            kind="game",
            description="Lift the kite to the cloud line.",
        )
        s.add(sol)
        s.flush()
        sub = Submission(
            solution_id=pk(sol), code_sha256=sha, entrypoint="reach:ReachGame", status=SubmissionStatus.scored
        )
        s.add(sub)
        s.commit()
        review.decide(s, reviewer=s.merge(reviewer), submission_id=pk(sub), decision="approved", note="")
        return pk(sol)
