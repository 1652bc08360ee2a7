"""The patient's client downloads an approved game by hash, verifies it, caches it, and
refuses tampered bytes; the hub serves it only to devices of patients it is assigned to."""

from __future__ import annotations

import hashlib
import secrets
import shutil
from pathlib import Path

import pytest
from sqlmodel import Session

from smarttouch.client.packages import (
    PackageError,
    PackageTampered,
    cached_package,
    fetch_package,
    install_package,
)
from smarttouch.platform.models import Device
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from tests.platform.challenge_support import archive_of

TEMPLATE = Path(__file__).resolve().parents[2] / "smarttouch/challenges/templates/shoulder_reach_game"


def _device_token(app, patient) -> str:
    token = "stt_" + secrets.token_urlsafe(32)
    with Session(get_engine(app)) as session:
        session.add(
            Device(
                patient_id=patient.id,
                label="home PC",
                token_prefix=token[:12],
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
            )
        )
        session.commit()
    return token


@pytest.fixture
def approved_game(app, make_activity, tmp_path):
    sol = tmp_path / "game"
    shutil.copytree(TEMPLATE, sol)
    data = archive_of(sol)
    sha = get_blobstore(app).put(data)
    activity = make_activity(
        "solution-99", kind="game", source="solution", code_sha256=sha, title="my reach game"
    )
    return activity, sha, data


def test_client_downloads_verifies_caches_and_loads_the_game(
    app, live_server, make_patient, make_assignment, approved_game, tmp_path, isolated_imports
):
    activity, sha, _data = approved_game
    patient = make_patient()
    make_assignment(patient, activity=activity)
    token = _device_token(app, patient)
    cache = tmp_path / "cache"
    package = fetch_package(live_server, token, activity.key, sha, cache_root=cache)
    assert package.sha256 == sha and package.entrypoint == "reach:ReachGame"
    from smarttouch.games.sdk.registry import load_entrypoint

    # the game's module 'reach' is imported into this process: unloaded after the test, or a
    # later test on this worker that loads another 'reach' sees a foreign one already there
    isolated_imports("reach")
    game_class = load_entrypoint(package.entrypoint, package.folder)
    assert game_class.__name__ == "ReachGame"
    # a second call is served from the verified cache, even with a wrong token
    assert fetch_package(live_server, "stt_wrong", activity.key, sha, cache_root=cache) == package
    # an edited cache is detected and replaced by a fresh download
    (package.folder / "reach.py").write_text("import os  # tampered\n")
    assert cached_package(sha, cache) is None
    again = fetch_package(live_server, token, activity.key, sha, cache_root=cache)
    assert "tampered" not in (again.folder / "reach.py").read_text()


def test_bytes_that_do_not_match_the_approved_hash_are_refused(approved_game, tmp_path):
    _activity, sha, data = approved_game
    with pytest.raises(PackageTampered, match="refusing to run it"):
        install_package(data + b"\0", sha, tmp_path / "cache")
    assert not (tmp_path / "cache" / sha).exists()


def test_hub_serves_packages_only_to_assigned_patients_devices(
    app, client, make_patient, make_assignment, approved_game
):
    activity, sha, data = approved_game
    url = f"/api/v1/activities/{activity.key}/package"
    assert client.get(url).status_code == 401
    stranger = _device_token(app, make_patient())
    assert client.get(url, headers={"Authorization": f"Bearer {stranger}"}).status_code == 404
    patient = make_patient()
    make_assignment(patient, activity=activity)
    token = _device_token(app, patient)
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.data == data
    assert response.headers["X-Code-Sha256"] == sha
    with Session(get_engine(app)) as session:
        row = session.merge(activity)
        row.is_active = False
        session.commit()
    assert client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 404


def test_fetch_reports_a_refusal_in_one_line(live_server, approved_game, tmp_path):
    activity, sha, _data = approved_game
    with pytest.raises(PackageError, match="HTTP 401"):
        fetch_package(live_server, "stt_nobody", activity.key, sha, cache_root=tmp_path / "c")
