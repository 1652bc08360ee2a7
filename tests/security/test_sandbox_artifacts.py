"""Issue 13 item 1: hidden challenge data never leaves the sandbox as a "screenshot".

Replays the probe: a game whose ``on_start`` wrote ``/tmp/shots-0/0-exfil.png`` (the PNG magic
bytes followed by a zip of ``/sandbox/input/*``); the harness kept it as a screenshot and the
hub served ``/submissions/<id>/artifacts/hidden/0-exfil.png`` to the developer. Now only
pixels of the harness's own canvas leave the sandbox, written as PNG by trusted code, and no
hidden-split screenshot, log or error text reaches the submitter.
"""

from __future__ import annotations

import io
from pathlib import Path

import pygame
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from smarttouch.challenges.bundle import ChallengeBundle, load_bundle
from smarttouch.challenges.evaluation import evaluate_solution
from smarttouch.platform.models import Challenge, Submission, User
from smarttouch.platform.services.challenges import submissions
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import Factories, login
from tests.challenges.helpers import make_game_bundle, make_solution
from tests.platform.challenge_support import (  # noqa: F401
    archive_of,
    bundle_dir,
    hub_challenge,
    import_bundle,
    run_queued,
    sandbox_ok,
)
from tests.security.sandbox_support import IDENTITIES, sandbox_for

EXFIL_GAME = """
import glob, io, os, zipfile
from smarttouch.games.sdk.basegame import RepGame
from smarttouch.games.sdk.protocol import GameInfo

class Solution(RepGame):
    info = GameInfo(key="exfil", title={"en": "Exfil"}, movements=("shoulder_flexion",))

    def on_start(self):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for path in glob.glob("/sandbox/input/*"):
                zf.write(path, os.path.basename(path))
        for folder in ("/tmp/shots-0", "/tmp/shots-1"):
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "0-exfil.png"), "wb") as fh:
                fh.write(b"\\x89PNG\\r\\n\\x1a\\n" + buf.getvalue())

    def draw(self, surface):
        surface.fill((30, 60, 90))
"""

LEAKY_ANALYZER = """
import os

class Solution:
    def analyze(self, recording):
        names = sorted(os.listdir("/sandbox/input"))
        if any(n.startswith("hidden") for n in names):
            print("LEAKED-LOG", names)
            raise RuntimeError(f"LEAKED-MESSAGE {names}")
        return {"reps": 2}
"""


def _chunks(png: bytes) -> list[bytes]:
    """The chunk types of a PNG file, in order."""
    out, at = [], 8
    while at < len(png):
        length = int.from_bytes(png[at : at + 4], "big")
        out.append(png[at + 4 : at + 8])
        at += 12 + length
    return out


def assert_clean_screenshot(png: bytes) -> None:
    """A PNG as the hub writes it: signature, IHDR, one IDAT, IEND, nothing else; decodable."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"PK\x03\x04" not in png
    assert _chunks(png) == [b"IHDR", b"IDAT", b"IEND"]
    image = pygame.image.load(io.BytesIO(png), "shot.png")
    assert image.get_size() == (1280, 720)


@pytest.fixture(scope="module")
def game_challenge(tmp_path_factory: pytest.TempPathFactory) -> ChallengeBundle:
    return load_bundle(make_game_bundle(tmp_path_factory.mktemp("exfil") / "test-game"))


@pytest.mark.parametrize("identity", IDENTITIES)
def test_files_the_game_writes_never_become_screenshots(
    tmp_path: Path, game_challenge: ChallengeBundle, identity: str
) -> None:
    sol = make_solution(tmp_path / "game", EXFIL_GAME, challenge="test-game", kind="game")
    shots = tmp_path / "shots"
    result = evaluate_solution(sol, game_challenge, sandbox=sandbox_for(identity), artifacts_dir=shots)
    assert result.status == "scored", result.message + (result.splits[-1].log if result.splits else "")
    for split in ("public", "hidden"):
        names = sorted(p.name for p in (shots / split).iterdir())
        assert names and all(name.startswith("exfil-") for name in names), names
        for path in (shots / split).iterdir():
            assert_clean_screenshot(path.read_bytes())


def reviewer_client(app: Flask, factories: Factories) -> FlaskClient:
    """A second browser, signed in as a reviewer therapist."""
    browser = app.test_client()
    response = login(browser, factories.user("therapist", is_reviewer=True).email)
    assert response.status_code == 302
    return browser


def submit_and_evaluate(
    app: Flask, developer: User, challenge: Challenge, folder: Path
) -> tuple[Submission, dict]:
    """Submit the solution ``folder`` as ``developer`` and evaluate it as a worker would."""
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
    return sub, result


def test_the_hub_keeps_hidden_screenshots_from_the_developer(
    app, client, factories, login_as, game_challenge, tmp_path, sandbox_ok
) -> None:
    challenge = import_bundle(app, game_challenge.root)
    folder = make_solution(tmp_path / "game", EXFIL_GAME, challenge="test-game", kind="game")
    sub, result = submit_and_evaluate(app, login_as("developer"), challenge, folder)
    assert result["status"] == "scored", result
    with Session(get_engine(app)) as session:
        names = sorted(session.get(Submission, sub.id).artifacts)
    hidden = [n for n in names if n.startswith("hidden/")]
    public = [n for n in names if n.startswith("public/")]
    assert hidden and public and not any("exfil.png" in n for n in names), names
    for name in public:
        response = client.get(f"/submissions/{sub.id}/artifacts/{name}")
        assert response.status_code == 200
        assert_clean_screenshot(response.data)
    for name in [*hidden, "hidden/0-exfil.png"]:
        response = client.get(f"/submissions/{sub.id}/artifacts/{name}")
        assert response.status_code in (403, 404), (name, response.status_code)
        assert response.status_code < 500
    response = client.get(f"/submissions/{sub.id}/artifacts/{hidden[0]}")
    assert response.status_code == 403 and "reviewers only" in response.get_data(as_text=True)
    page = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "hidden/" not in page and "shown to reviewers only" in page
    response = reviewer_client(app, factories).get(f"/submissions/{sub.id}/artifacts/{hidden[0]}")
    assert response.status_code == 200
    assert_clean_screenshot(response.data)


def test_a_failure_on_the_hidden_split_shows_the_developer_no_solution_text(
    app, client, factories, login_as, hub_challenge, tmp_path, sandbox_ok
) -> None:
    developer = login_as("developer")
    sub, result = submit_and_evaluate(
        app, developer, hub_challenge, make_solution(tmp_path / "leaky", LEAKY_ANALYZER)
    )
    assert result["failure_reason"] == "crashed", result
    page = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "LEAKED" not in page and "hidden-" not in page
    assert "shown to reviewers only" in page
    with Session(get_engine(app)) as session:
        row, sol, ch = submissions.get_for(session, user=developer, submission_id=sub.id)
        view = submissions.public_view(row, sol, ch, {})
    assert "LEAKED" not in str(view) and view["failure_reason"] == "crashed"
    page = reviewer_client(app, factories).get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "LEAKED-MESSAGE" in page and "LEAKED-LOG" in page
