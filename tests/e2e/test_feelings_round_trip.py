"""How the patient felt, from the game to the therapist: the feelings scene's ratings travel in
the session upload over real HTTP, are stored on the hub, raise a pain-rise alert against the
patient's usual pain, are charted on the patient's page and exported to FHIR with their codes;
an older client that sends no ratings keeps working."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pygame
from fhir.resources.R4B.bundle import Bundle
from sqlmodel import Session, select

from smarttouch.client.http import HubClient, dumps_metadata
from smarttouch.client.plan import targets_for
from smarttouch.client.upload import upload_payload
from smarttouch.games.sdk.registry import game_info
from smarttouch.games.sdk.targets import PlanTargets
from smarttouch.games.session.app import AppConfig
from smarttouch.games.session.feelings import Rating
from smarttouch.games.session.inputs import PositionInput
from smarttouch.games.session.result import SessionResult
from smarttouch.games.session.runner import run_session
from smarttouch.platform.models import Alert, ExerciseSession, SessionFeeling, User
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import login
from tests.e2e.test_patient_loop import assign_and_pair
from tests.games.conftest import fast_options, rep_wave


def key(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="")


def earlier_session(targets: PlanTargets, days_ago: int, pain: int) -> SessionResult:
    """An earlier session of the plan, rated by the patient (no recording: a keyboard run)."""
    when = datetime.now(UTC) - timedelta(days=days_ago)
    at = when.isoformat(timespec="seconds")
    return SessionResult(
        game=targets.game,
        movement=targets.movement,
        targets=targets,
        reps=3,
        started_at=at,
        ended_at=(when + timedelta(minutes=4)).isoformat(timespec="seconds"),
        feelings=[
            Rating("before", "pain_nrs", pain, False, at),
            Rating("after", "effort_cr10", 3, False, at),
        ],
    )


def upload(client: HubClient, result: SessionResult, *, drop_feelings: bool = False) -> dict:
    meta, recording = upload_payload(result)
    body = dict(meta)
    if drop_feelings:
        del body["feelings"]  # what a client from before this feature sends
    return client.upload_session(dumps_metadata(body), recording)


def test_feelings_from_the_game_to_the_patient_page_and_fhir(hub, hub_app, factories, tmp_path) -> None:
    code, patient = assign_and_pair(hub_app, factories, reps=2)
    paired = HubClient(hub.url).pair(code, "home pc")
    client = HubClient(hub.url, paired["token"])
    exercise = client.plan_today()["exercises"][0]
    targets = targets_for(exercise, game_info("balloons"), "it")
    assert targets.sessions_per_week == 5  # the prescription reaches the summary

    for days_ago, pain in ((4, 1), (3, 2), (2, 2)):
        assert upload(client, earlier_session(targets, days_ago, pain))["created"] is True

    answers = {
        "before": [key(pygame.K_3), key(pygame.K_RETURN), key(pygame.K_2), key(pygame.K_RETURN)],
        "after": [key(pygame.K_6), key(pygame.K_RETURN), key(pygame.K_s)],  # effort skipped
    }
    asked: set[str] = set()

    def on_step(app) -> None:
        if app.scene.name == "feelings" and app.scene.moment not in asked:
            asked.add(app.scene.moment)
            for event in answers[app.scene.moment]:
                app.handle_event(event)

    result = run_session(
        targets,
        PositionInput(rep_wave(), 100.0),
        options=fast_options(config=AppConfig(instructions_s=1.0, summary_hold_s=0.5, ask_feelings=True)),
        data_dir=tmp_path,
        on_step=on_step,
    )
    assert result.quit_reason == "completed"
    receipt = upload(client, result)
    assert receipt["created"] is True

    # an older client: no "feelings" at all; still accepted, stores none
    old = upload(client, earlier_session(targets, 0, 9), drop_feelings=True)
    assert old["created"] is True

    with Session(get_engine(hub_app)) as s:
        played = s.exec(select(ExerciseSession).where(ExerciseSession.client_uuid == result.session_id)).one()
        rows = s.exec(select(SessionFeeling).where(SessionFeeling.session_id == played.id)).all()
        stored = {(r.moment, r.scale): (r.value, r.skipped) for r in rows}
        assert stored == {
            ("before", "pain_nrs"): (3, False),
            ("before", "effort_cr10"): (2, False),
            ("after", "pain_nrs"): (6, False),
            ("after", "effort_cr10"): (None, True),
        }
        older = s.exec(select(ExerciseSession).where(ExerciseSession.client_uuid == old["session_id"])).one()
        assert s.exec(select(SessionFeeling).where(SessionFeeling.session_id == older.id)).all() == []
        rises = s.exec(select(Alert).where(Alert.patient_id == patient.id, Alert.kind == "pain_rise")).all()
        assert len(rises) == 1  # one open alert for the concern, however often it is looked at
        assert rises[0].session_id == played.id
        assert rises[0].details["pain"] == 6 and rises[0].details["usual"] == 2.0
        therapist = s.get(User, patient.therapist_id)
        email = therapist.email

    web = hub_app.test_client()
    assert login(web, email).status_code == 302
    overview = web.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Pain above usual" in overview  # the alert, on the overview tab
    page = web.get(f"/patients/{patient.id}?tab=progress").get_data(as_text=True)
    assert 'id="chart-feelings"' in page  # the chart, on the progress tab
    figure = json.loads(page.split('id="chart-feelings-figure">', 1)[1].split("</script>", 1)[0])
    by_name = {trace["name"]: trace["y"] for trace in figure["data"]}
    assert by_name["Pain after"] == [6] and by_name["Pain before"] == [1, 2, 2, 3]
    assert by_name["Effort after"] == [3, 3, 3]  # the played session skipped it
    page_again = web.get(f"/patients/{patient.id}")  # looking again raises no second alert
    assert page_again.status_code == 200
    with Session(get_engine(hub_app)) as s:
        assert len(s.exec(select(Alert).where(Alert.kind == "pain_rise")).all()) == 1

    response = web.get(f"/api/v1/fhir/Patient/{patient.id}/$everything")
    assert response.status_code == 200
    bundle = Bundle.model_validate_json(response.get_data(as_text=True))
    observations = [e.resource for e in bundle.entry if e.resource.__resource_type__ == "Observation"]
    pain = [o for o in observations if any(c.code == "72514-3" for c in o.code.coding)]
    assert sorted(float(o.valueQuantity.value) for o in pain) == [1, 2, 2, 3, 6]
    assert all(c.system == "http://loinc.org" for o in pain for c in o.code.coding if c.code == "72514-3")
    assert all(o.category[0].coding[0].code == "survey" for o in pain)
    effort = [o for o in observations if any(c.code == "effort-borg-cr10" for c in o.code.coding)]
    assert len(effort) == 5
    declined = [o for o in effort if o.dataAbsentReason is not None]
    assert len(declined) == 1 and declined[0].dataAbsentReason.coding[0].code == "asked-declined"
    assert declined[0].valueQuantity is None
    assert all(o.method.coding[0].code == "122735" for o in effort)

    document = web.get("/api/v1/openapi.json").get_json()
    upload_schema = json.dumps(document["components"]["schemas"])
    assert "pain_nrs" in upload_schema and "effort_cr10" in upload_schema
    assert str(uuid.UUID(result.session_id)) == played.client_uuid
