"""An approved game solution that a patient's client can really download: the pilot tests'
approved game (:func:`tests.platform.pilots.support.approved_game`, a reviewer's real
decision) with the starter game's canonical archive in the blob store as its code, so the
client fetches and verifies it by hash like any approved game."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask
from sqlmodel import Session, select

from smarttouch.platform.models import Submission
from smarttouch.platform.services.challenges import review
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import Factories

from .challenge_support import archive_of
from .pilots.support import approved_game

TEMPLATE = Path(__file__).resolve().parents[2] / "smarttouch/challenges/templates/shoulder_reach_game"


def downloadable_approved_game(app: Flask, factories: Factories, folder: Path) -> int:
    """The id of an approved shoulder-flexion game whose package is the starter game."""
    shutil.copytree(TEMPLATE, folder / "game")
    sha = get_blobstore(app).put(archive_of(folder / "game"))
    solution_id, _developer = approved_game(app, factories.challenge, factories.user, approve=False)
    reviewer = factories.user("therapist", is_reviewer=True)
    with Session(get_engine(app), expire_on_commit=False) as s:
        sub = s.exec(select(Submission).where(Submission.solution_id == solution_id)).one()
        sub.code_sha256, sub.entrypoint = sha, "reach:ReachGame"
        s.add(sub)
        s.commit()
        review.decide(s, reviewer=s.merge(reviewer), submission_id=sub.id, decision="approved", note="")
    return solution_id
