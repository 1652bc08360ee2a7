"""The whole patient loop over real HTTP: a therapist assigns a game, the client pairs, plays
headless with the virtual BLE wearable (synthetic motion), uploads, and the hub shows the
session with metrics recomputed from the raw recording that match the simulated motion."""

from __future__ import annotations

import stat
from datetime import date, timedelta

import numpy as np
import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from smarttouch.cli import main
from smarttouch.client import ClientStore, Outbox
from smarttouch.platform.models import ExerciseSession, SessionMetricsRecord
from smarttouch.platform.services.clinic import catalogue, devices, plans
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from smarttouch.scoring import analyze
from smarttouch.scoring.calibration import Calibration
from smarttouch.sensors.recording_io import recording_from_bytes
from smarttouch.sensors.simulator import simulate
from smarttouch.sensors.types import play_spans

TARGET_ROM_DEG = 80.0


def assign_and_pair(hub_app, factories, *, reps: int = 3) -> tuple[str, object]:
    """A therapist's patient with one balloons exercise; returns (pairing code, patient)."""
    therapist = factories.user("therapist")
    patient = factories.patient(therapist)
    with Session(get_engine(hub_app)) as s:
        balloons = catalogue.get_activity_by_key(s, key="balloons")
        data = plans.validate_assignment(
            activity_id=balloons.id,
            movement="shoulder_flexion",
            target_rom_deg=TARGET_ROM_DEG,
            max_rom_deg=110.0,
            reps=reps,
            sets=1,
            sessions_per_week=5,
            difficulty=2,
            start_date=date.today() - timedelta(days=1),
            therapist_note="Arm up slowly",
        )
        plans.create_assignment(s, therapist=therapist, patient=patient, data=data)
        code, _ = devices.create_pairing_code(s, actor=therapist, patient_id=patient.id)
    return code, patient


@pytest.mark.slow
def test_pair_play_with_the_virtual_wearable_and_see_it_scored_on_the_hub(hub, hub_app, factories):
    code, patient = assign_and_pair(hub_app, factories)
    runner = CliRunner()
    paired = runner.invoke(main, ["pair", "--hub", hub.url + "/", code, "--label", "home pc"])
    assert paired.exit_code == 0, paired.output
    store = ClientStore()
    assert stat.S_IMODE(store.link_path.stat().st_mode) == 0o600
    assert store.load_link().patient_code == patient.code

    played = runner.invoke(
        main,
        [
            "play",
            "--headless",
            "--duration",
            "90",
            "--no-sound",
            "--sensor",
            "virtual:smarttouch-imu",
            "--upload-wait",
            "30",
        ],
    )
    assert played.exit_code == 0, played.output
    assert "Uploaded to the hub" in played.output, played.output
    assert "ended: completed" in played.output

    with Session(get_engine(hub_app)) as s:
        row = s.exec(select(ExerciseSession)).one()
        metrics = s.exec(select(SessionMetricsRecord)).one()
    assert (row.patient_id, row.status, row.quit_reason) == (patient.id, "scored", "completed")
    game_reps = row.game_result["reps"]
    assert game_reps == 3
    # the hub counts the repetitions of the play phases only: exactly the game's
    assert metrics.reps == game_reps

    recording = recording_from_bytes(get_blobstore(hub_app).get(row.recording_sha256))
    assert [p.kind for p in recording.phases][:3] == ["calibration", "instructions", "play"]
    # the hub scores with the client's calibration: its movement axis, when it is near the
    # recording's own, is the one the angle is measured about (a run without it differed from
    # the hub's in the 7th digit: the client's axis is a hair off the recording's)
    assert row.calibration.get("neutral_quat") is not None and row.calibration.get("axis") is not None
    calibration = Calibration.from_dict(row.calibration)
    offline = analyze(
        recording,
        movement="shoulder_flexion",
        calibration=calibration,
        play_spans=play_spans(recording.phases),
    )
    assert metrics.rom_deg == pytest.approx(offline.rom_deg, rel=1e-9)  # hub == the scoring library

    # ground truth: the synthetic motion the virtual wearable streamed (seed 0, 80 deg)
    truth = np.array(
        simulate(
            "shoulder_flexion",
            reps=20,
            rom_deg=TARGET_ROM_DEG,
            tempo_s=3.0,
            seed=0,
            fs=recording.sample_rate_hz,
            with_mag=True,
        ).rep_rom_deg
    )
    hub_roms = np.array([r["rom_deg"] for r in metrics.per_rep])
    assert len(hub_roms) == metrics.reps
    assert np.all(np.min(np.abs(hub_roms[:, None] - truth[None, :]), axis=1) < 5.0)
    assert metrics.rom_deg_mean == pytest.approx(truth.mean(), abs=6.0)
    assert abs(row.client_metrics["analysis"]["rom_deg"] - metrics.rom_deg) < 5.0

    outbox = Outbox(store.outbox_path)
    assert outbox.counts()["pending"] == 0 and outbox.get(row.client_uuid).status == "sent"
    assert store.prefs()["sensor"] == "virtual:smarttouch-imu"  # remembered for next time
    listed = runner.invoke(main, ["outbox"])
    assert "every session is on the hub" in listed.output
