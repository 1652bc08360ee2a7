"""One number per session: for every built-in game, with the simulated sensor and with the
emulated BLE wearable, the repetitions the game counted (what the patient is told) equal
``smarttouch analyze`` on the saved recording and the hub's stored count after an upload
through the real hub over HTTP (what the therapist is shown), in total and set by set."""

from __future__ import annotations

import json
import pkgutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from smarttouch.cli import main
from smarttouch.client import HubClient
from smarttouch.client.http import dumps_metadata
from smarttouch.client.upload import upload_payload
from smarttouch.games import builtin
from smarttouch.games.sdk.registry import game_info
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.app import AppConfig
from smarttouch.games.session.runner import RunOptions, run_session
from smarttouch.games.session.sensors import open_input
from smarttouch.platform.models import ExerciseSession, SessionMetricsRecord
from smarttouch.platform.services.clinic import catalogue, devices, plans
from smarttouch.platform.storage.db import get_engine

BUILTIN_GAMES = sorted(m.name for m in pkgutil.iter_modules(builtin.__path__) if m.ispkg)
REPS, SETS = 2, 2
SENSORS = ("sim", "virtual:thingy52-raw")
LIVE_LIMIT_S = 120.0  # a live session that has not finished by then has failed


def assign(hub_app, factories, game: str, movement: str, rom_deg: float, max_rom_deg: float):
    """A patient with one exercise of ``game`` and a paired device; returns (assignment id, token)."""
    from datetime import date, timedelta

    therapist = factories.user("therapist")
    patient = factories.patient(therapist)
    with Session(get_engine(hub_app)) as s:
        activity = catalogue.get_activity_by_key(s, key=game)
        data = plans.validate_assignment(
            activity_id=activity.id,
            movement=movement,
            target_rom_deg=rom_deg,
            max_rom_deg=max_rom_deg,
            reps=REPS,
            sets=SETS,
            sessions_per_week=5,
            difficulty=2,
            start_date=date.today() - timedelta(days=1),
        )
        assignment = plans.create_assignment(s, therapist=therapist, patient=patient, data=data)
        code, _ = devices.create_pairing_code(s, actor=therapist, patient_id=patient.id)
        token, _ = devices.exchange_pairing_code(s, code=code, label="e2e")
        return assignment.id, token


def set_counts(result) -> list[int]:
    """Reps per set as the game counted them (the framework's set_complete events, then the
    reps of an unfinished last set)."""
    done = [int(e.data["reps"]) for e in result.events if e.kind == "set_complete"]
    return done + ([result.reps - sum(done)] if result.reps > sum(done) else [])


@pytest.mark.slow
@pytest.mark.parametrize("sensor", SENSORS)
@pytest.mark.parametrize("game", BUILTIN_GAMES)
def test_the_game_the_cli_and_the_hub_count_the_same_reps(
    hub, hub_app, factories, tmp_path: Path, game: str, sensor: str
) -> None:
    info = game_info(game)
    movement = info.movements[0]
    assignment_id, token = assign(hub_app, factories, game, movement, info.rom_deg, info.max_rom_deg)
    targets = PlanTargets(
        game=game,
        movement=movement,
        target_rom_deg=info.rom_deg,
        max_rom_deg=info.max_rom_deg,
        reps=REPS,
        sets=SETS,
        rest_s=1.0,
        assignment_id=assignment_id,
    )
    device = open_input(sensor, targets, movement, headless=True, seed=1, duration_s=LIVE_LIMIT_S)
    options = RunOptions(
        headless=True,
        sound=False,
        draw_every=1000,
        duration_s=LIVE_LIMIT_S,
        config=AppConfig(instructions_s=0.5, summary_hold_s=0.1, seed=1),
    )
    result = run_session(targets, device, options=options, data_dir=tmp_path / "games")
    assert result.quit_reason == "completed", result.quit_reason
    assert result.reps == REPS * SETS and set_counts(result) == [REPS] * SETS
    plays = [p for p in result.phases if p.kind == "play"]
    assert [p.set_index for p in plays] == list(range(SETS))

    saved = result.save(tmp_path / f"{game}.json")
    cli = CliRunner().invoke(main, ["analyze", "--json", str(saved.with_suffix(".npz"))])
    assert cli.exit_code == 0, cli.output
    offline = json.loads(cli.output.strip().splitlines()[-1])
    assert offline["reps"] == result.reps, (offline["rep_table"], result.phases)
    assert [s["reps"] for s in offline["sets"]] == set_counts(result)

    meta, recording = upload_payload(result)
    client = HubClient(hub.url, token)
    try:
        receipt = client.upload_session(dumps_metadata(dict(meta)), recording)
    finally:
        client.close()
    assert receipt["status"] == "scored", receipt
    with Session(get_engine(hub_app)) as s:
        row = s.exec(select(ExerciseSession)).one()
        stored = s.exec(select(SessionMetricsRecord).where(SessionMetricsRecord.session_id == row.id)).one()
    assert stored.reps == receipt["metrics"]["reps"] == offline["reps"] == result.reps
    assert [(st["set_index"], st["reps"]) for st in stored.sets] == list(enumerate(set_counts(result)))
    assert row.game_result["reps"] == result.reps
    assert len(row.phases) == len(result.phases)
