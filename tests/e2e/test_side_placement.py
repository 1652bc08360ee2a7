"""The side and the sensor's site travel from the therapist's assignment to the stored session:
the plan sent to the client carries them, the game plays that side (the simulator wears the
sensor there, the figure is mirrored for the left), the upload and its recording say where the
sensor was, and the hub stores and shows it (session page, CSV, FHIR body site). A
left-affected patient's session is never recorded as the simulator's default "right"."""

from __future__ import annotations

import time
from datetime import date, timedelta

from fhir.resources.R4B.bundle import Bundle
from sqlmodel import Session, select

from smarttouch.client.http import HubClient, dumps_metadata
from smarttouch.client.plan import targets_for
from smarttouch.client.upload import upload_payload
from smarttouch.games.sdk.registry import game_info
from smarttouch.games.session.app import AppConfig
from smarttouch.games.session.runner import run_session
from smarttouch.games.session.sensors import open_input
from smarttouch.platform.models import ExerciseSession, User
from smarttouch.platform.services.clinic import catalogue, devices, plans
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import login
from smarttouch.sensors.recording_io import recording_from_bytes
from tests.games.conftest import fast_options


def test_left_wrist_from_the_plan_to_the_session_page_csv_and_fhir(hub, hub_app, factories, tmp_path) -> None:
    therapist = factories.user("therapist")
    patient = factories.patient(therapist)
    with Session(get_engine(hub_app)) as s:
        balloons = catalogue.get_activity_by_key(s, key="balloons")
        data = plans.validate_assignment(
            activity_id=balloons.id,
            movement="shoulder_flexion",
            side="left",
            placement="wrist",
            target_rom_deg=70.0,
            reps=2,
            sets=1,
            start_date=date.today() - timedelta(days=1),
        )
        plans.create_assignment(s, therapist=therapist, patient=patient, data=data)
        code, _ = devices.create_pairing_code(s, actor=therapist, patient_id=patient.id)
        email = s.get_one(User, therapist.id).email

    paired = HubClient(hub.url).pair(code, "home pc")
    client = HubClient(hub.url, paired["token"])
    exercise = client.plan_today()["exercises"][0]
    assert (exercise["side"], exercise["placement"]) == ("left", "wrist")
    targets = targets_for(exercise, game_info("balloons"), "en")
    assert (targets.side, targets.placement, targets.sensor_placement) == ("left", "wrist", "wrist-left")

    device = open_input("sim", targets, targets.movement, headless=True)
    assert device.source_recording.placement == "wrist-left"  # the simulator wears it there
    result = run_session(
        targets,
        device,
        options=fast_options(config=AppConfig(instructions_s=1.0, summary_hold_s=0.5)),
        data_dir=tmp_path,
    )
    meta, recording = upload_payload(result)
    assert (meta["side"], meta["placement"], meta["targets"]["side"]) == ("left", "wrist", "left")
    assert recording is not None and recording_from_bytes(recording).placement == "wrist-left"
    assert client.upload_session(dumps_metadata(dict(meta)), recording)["created"] is True

    deadline = time.monotonic() + 30
    while True:
        with Session(get_engine(hub_app)) as s:
            row = s.exec(select(ExerciseSession).where(ExerciseSession.patient_id == patient.id)).one()
        if row.status != "scoring" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert (row.side, row.placement, row.status) == ("left", "wrist", "scored")

    web = hub_app.test_client()
    assert login(web, email).status_code == 302
    page = web.get(f"/sessions/{row.id}").get_data(as_text=True)
    assert "Wrist, left side" in page
    plan_tab = web.get(f"/patients/{patient.id}?tab=plan").get_data(as_text=True)
    assert "Wrist, left side" in plan_tab
    csv_text = web.get(f"/patients/{patient.id}/report.csv").get_data(as_text=True)
    header, first = csv_text.splitlines()[:2]
    cells = dict(zip(header.split(","), first.split(","), strict=False))
    assert (cells["side"], cells["sensor_site"]) == ("left", "wrist")

    bundle = Bundle.model_validate_json(
        web.get(f"/api/v1/fhir/Patient/{patient.id}/$everything").get_data(as_text=True)
    )
    sites = {
        (c.code for c in o.bodySite.coding).__next__(): [c.code for c in o.bodySite.coding]
        for o in (e.resource for e in bundle.entry)
        if o.__resource_type__ == "Observation" and o.bodySite is not None
    }
    assert sites == {"8205005": ["8205005", "7771000"]}  # wrist region, left
