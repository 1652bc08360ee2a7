"""An approved developer's game reaches a patient over real HTTP, and nothing else does.

Challenge -> developer submits the starter game -> the hub evaluates it in the sandbox -> a
reviewer approves that exact code hash -> it is a catalogue activity -> a therapist assigns
it -> the patient's client pairs, ``smarttouch play`` downloads it, verifies its sha256
against the plan, plays it headless on simulated motion and uploads -> the hub has the
session, and offline the cached plan and cached game play again. Then the refusals: a cache edited after verification, and a hub serving bytes of
another hash, both stop ``play`` before anything is played.

The challenge is the built-in ``shoulder-reach-game`` with fewer synthetic recordings
(1 public, 1 hidden) so the evaluation takes seconds.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from smarttouch.cli import main
from smarttouch.client import ClientStore, Outbox
from smarttouch.platform.models import Activity, ExerciseSession, Review, SessionMetricsRecord
from smarttouch.platform.services.accounts import api_tokens
from smarttouch.platform.services.challenges import importer
from smarttouch.platform.services.clinic import devices, plans
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token, login
from tests.platform.challenge_support import archive_of, run_queued, sandbox_ok  # noqa: F401

SLUG = "shoulder-reach-game"
TEMPLATE = Path(__file__).resolve().parents[2] / "smarttouch/challenges/templates/shoulder_reach_game"
PLAY = ["play", "--headless", "--sensor", "sim", "--no-sound", "--upload-wait", "30"]


@pytest.fixture(autouse=True)
def _fresh_client_process(isolated_imports: Callable[..., None]) -> None:
    """``play`` runs in a fresh process on a patient's computer; here other tests of this
    worker may already have imported a module ``reach`` from elsewhere, which the client
    rightly refuses to mistake for the verified game's."""
    isolated_imports("reach")


@pytest.fixture
def small_reach_challenge(monkeypatch: pytest.MonkeyPatch) -> None:
    from smarttouch.challenges.builtin import shoulder_reach_game

    monkeypatch.setattr(shoulder_reach_game, "SIZES", {"public": 1, "hidden": 1})


def _assign_and_pair(hub_app, factories, activity_id: int) -> tuple[str, object]:
    """A therapist assigns the activity (3 reps x 1 set) and makes a pairing code."""
    therapist = factories.user("therapist")
    patient = factories.patient(therapist)
    with Session(get_engine(hub_app)) as s:
        data = plans.validate_assignment(
            activity_id=activity_id,
            movement="shoulder_flexion",
            target_rom_deg=80.0,
            max_rom_deg=120.0,
            reps=3,
            sets=1,
            sessions_per_week=5,
            difficulty=2,
            start_date=date.today() - timedelta(days=1),
            therapist_note="Kite, slowly",
        )
        plans.create_assignment(s, therapist=therapist, patient=patient, data=data)
        code, _ = devices.create_pairing_code(s, actor=therapist, patient_id=patient.id)
    return code, patient


def _cached_games() -> list[Path]:
    root = ClientStore().game_cache_path
    return sorted(p for p in root.iterdir() if not p.name.startswith(".")) if root.exists() else []


@pytest.mark.slow
def test_approved_game_goes_from_challenge_to_patient_and_back(
    hub, hub_app, factories, tmp_path, small_reach_challenge, sandbox_ok
):
    blobs = get_blobstore(hub_app)
    with Session(get_engine(hub_app), expire_on_commit=False) as s:
        challenge = importer.import_builtin(s, slug=SLUG, blobs=blobs, hidden_seed=5).challenge
        kit = importer.starter_kit(challenge, blobs=blobs, instance_path=hub_app.instance_path)
    zipfile.ZipFile(kit).extractall(tmp_path / "kit")
    starter = next((tmp_path / "kit").rglob("solution.toml")).parent

    developer = factories.user("developer", full_name="Dana Dev")
    with Session(get_engine(hub_app)) as s:
        token = api_tokens.create_token(s, user=developer, label="cli")[0]
    runner = CliRunner()
    submitted = runner.invoke(main, ["challenge", "submit", str(starter), "--hub", hub.url, "--token", token])
    assert submitted.exit_code == 0, submitted.output
    sid = int(re.search(r"submission #(\d+): queued", submitted.output).group(1))
    [job] = run_queued(hub_app)  # the worker's evaluation, in this process (sandboxed)
    assert job["status"] == "scored", job

    reviewer = factories.user("therapist", is_reviewer=True)
    web = hub_app.test_client()
    assert login(web, reviewer.email).status_code == 302
    url = f"/review/submissions/{sid}"
    assert (
        web.post(
            url, data={"csrf_token": csrf_token(web, url), "decision": "approved", "note": ""}
        ).status_code
        == 302
    )
    with Session(get_engine(hub_app)) as s:
        review = s.exec(select(Review)).one()
        activity = s.exec(select(Activity).where(Activity.submission_id == sid)).one()
    assert (activity.source, activity.kind, activity.is_active) == ("solution", "game", True)
    assert activity.code_sha256 == review.code_sha256  # approval tied to the exact hash

    code, patient = _assign_and_pair(hub_app, factories, activity.id)
    paired = runner.invoke(main, ["pair", "--hub", hub.url, code])
    assert paired.exit_code == 0, paired.output
    played = runner.invoke(main, PLAY)
    assert played.exit_code == 0, played.output
    assert f"Today: {activity.title}" in played.output and "Uploaded to the hub" in played.output

    [cached] = _cached_games()  # downloaded, verified, and kept exactly as verified
    assert cached.name == activity.code_sha256
    assert not list(cached.rglob("__pycache__"))
    with Session(get_engine(hub_app)) as s:
        row = s.exec(select(ExerciseSession)).one()
        metrics = s.exec(select(SessionMetricsRecord)).one()
    assert (row.patient_id, row.status, row.quit_reason) == (patient.id, "scored", "completed")
    assert row.game_result["reps"] == 3 and metrics.reps >= 3
    assert row.client_metrics["game_key"] == "reach-kite"  # the game's own key; hub: activity

    hub.stop()  # offline: the cached plan and the cached, re-verified game still play
    offline = runner.invoke(main, [*PLAY[:-1], "1"])
    assert offline.exit_code == 0, offline.output
    assert "offline" in offline.output and "will be uploaded when the hub is reachable" in offline.output
    hub.start()
    assert runner.invoke(main, ["outbox", "--upload"]).exit_code == 0
    with Session(get_engine(hub_app)) as s:
        assert len(s.exec(select(ExerciseSession)).all()) == 2


def _approved_game_assigned(hub, hub_app, factories, tmp_path) -> tuple[str, str]:
    """The starter game stored as an approved activity (what a review produces), assigned to
    a patient whose computer is paired; returns (activity key, code sha256)."""
    shutil.copytree(TEMPLATE, tmp_path / "game")
    sha = get_blobstore(hub_app).put(archive_of(tmp_path / "game"))
    activity = factories.activity(
        "solution-501", source="solution", code_sha256=sha, title="Kite", movements=["shoulder_flexion"]
    )
    code, _ = _assign_and_pair(hub_app, factories, activity.id)
    assert CliRunner().invoke(main, ["pair", "--hub", hub.url, code]).exit_code == 0
    return activity.key, sha


def _nothing_played(hub_app) -> None:
    with Session(get_engine(hub_app)) as s:
        assert s.exec(select(ExerciseSession)).all() == []
    assert Outbox(ClientStore().outbox_path).counts().get("pending", 0) == 0
    assert not (ClientStore().data_dir / "sessions").exists() or not list(
        (ClientStore().data_dir / "sessions").iterdir()
    )


def test_a_cache_edited_after_verification_is_refused(hub, hub_app, factories, tmp_path):
    key, sha = _approved_game_assigned(hub, hub_app, factories, tmp_path)
    from smarttouch.client.packages import fetch_package

    package = fetch_package(
        hub.url, ClientStore().load_link().token, key, sha, cache_root=ClientStore().game_cache_path
    )
    (package.folder / "reach.py").write_text("import os\nos.system('echo pwned')\n")

    refused = CliRunner().invoke(main, PLAY)
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "was changed after it was checked" in refused.output
    assert "nothing was played" in refused.output
    _nothing_played(hub_app)
    assert _cached_games() == []  # the edited copy is gone; the next run downloads it again


def test_bytes_that_do_not_hash_to_the_plan_are_refused(hub, hub_app, factories, tmp_path):
    key, sha = _approved_game_assigned(hub, hub_app, factories, tmp_path)
    # the hub's stored package is swapped for other code (its key still says the old hash)
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr(
            "solution.toml",
            '[solution]\nname = "x"\nchallenge = "shoulder-reach-game"\n'
            'kind = "game"\nentrypoint = "reach:ReachGame"\n',
        )
        zf.writestr("reach.py", "raise SystemExit('this must never run')\n")
    blob = next(p for p in Path(hub_app.config["BLOB_PATH"]).rglob("*") if p.is_file() and sha in p.name)
    blob.write_bytes(other.getvalue())
    assert hashlib.sha256(blob.read_bytes()).hexdigest() != sha

    refused = CliRunner().invoke(main, PLAY)
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "could not be verified" in refused.output and "refusing to run it" in refused.output
    assert "nothing was played" in refused.output
    _nothing_played(hub_app)
    assert _cached_games() == []  # never unpacked
