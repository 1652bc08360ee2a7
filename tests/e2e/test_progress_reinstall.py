"""Reinstalling loses nothing the hub has: a patient plays, the session upload carries the
lasting progress to the hub; the local data folder is wiped (a reinstall); the next play
restores the progress from the hub first and adds the new session to it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from smarttouch.cli import main
from smarttouch.platform.models import GameProgress
from smarttouch.platform.storage.db import get_engine
from tests.e2e.test_patient_loop import assign_and_pair

PLAY = ["play", "--headless", "--duration", "40", "--no-sound", "--sensor", "sim", "--upload-wait", "30"]


def _local(tmp_path: Path, code: str) -> Path:
    return tmp_path / "games" / "progress" / f"{code}.json"


@pytest.mark.slow
def test_progress_survives_a_reinstall_through_the_hub(hub, hub_app, factories, tmp_path):
    code, patient = assign_and_pair(hub_app, factories)
    runner = CliRunner()
    assert runner.invoke(main, ["pair", "--hub", hub.url + "/", code]).exit_code == 0
    first = runner.invoke(main, PLAY)
    assert first.exit_code == 0 and "Uploaded to the hub" in first.output, first.output
    local = json.loads(_local(tmp_path, patient.code).read_text(encoding="utf-8"))
    points = local["games"]["balloons"]["points"]
    assert points > 0 and local["week"]["sessions"] == 1
    assert list(local["week"]["by"].values()) == [1] and list(local["week"]["goals"].values()) == [5]
    with Session(get_engine(hub_app)) as s:
        stored = s.exec(select(GameProgress).where(GameProgress.patient_id == patient.id)).one()
    assert stored.state["games"]["balloons"]["points"] == points

    shutil.rmtree(tmp_path / "games")  # a reinstall: the local data folder is empty
    second = runner.invoke(main, PLAY)
    assert second.exit_code == 0 and "Uploaded to the hub" in second.output, second.output
    after = json.loads(_local(tmp_path, patient.code).read_text(encoding="utf-8"))
    assert after["games"]["balloons"]["sessions"] == 2  # the restored session plus the new one
    assert after["games"]["balloons"]["points"] > points
    assert after["week"]["sessions"] == 2
    with Session(get_engine(hub_app)) as s:
        stored = s.exec(select(GameProgress).where(GameProgress.patient_id == patient.id)).one()
    assert stored.state["games"]["balloons"] == after["games"]["balloons"]
