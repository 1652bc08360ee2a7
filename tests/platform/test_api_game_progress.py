"""The lasting game progress travels in the session upload (optional: old clients send none),
is stored per patient (the newest copy wins), is given back by GET /api/v1/game-progress to
the patient's own devices only, is in the OpenAPI document, and bad input stores nothing."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from smarttouch.platform.models import AuditEvent, ExerciseSession, GameProgress
from smarttouch.platform.storage.db import get_engine

from .apihelp import pair_patient, session_meta, upload


def progress_doc(points: int = 40, updated: str = "2026-12-01T10:00:00+00:00") -> dict:
    return {
        "schema": "smarttouch.progress/1",
        "updated_at": updated,
        "games": {"balloons": {"points": points, "sessions": 2, "data": {"colours": [1, 2]}}},
        "week": {"start": "2026-11-30", "sessions": 2, "goal": 3},
        "daily": {"date": "2026-12-01", "kind": "good_reps", "goal": 3, "done": 1, "completed": False},
    }


@pytest.fixture
def paired(app, factories):
    return pair_patient(app, factories)


def _rows(app, model):
    with Session(get_engine(app)) as s:
        return list(s.exec(select(model)))


def test_progress_is_stored_with_the_session_and_given_back(client, app, paired):
    assert client.get("/api/v1/game-progress", headers=paired.auth).get_json() == {"progress": None}
    res = upload(client, paired, session_meta(paired, progress=progress_doc()))
    assert res.status_code == 201, res.get_json()
    got = client.get("/api/v1/game-progress", headers=paired.auth).get_json()["progress"]
    assert got["games"]["balloons"] == {"points": 40, "sessions": 2, "data": {"colours": [1, 2]}}
    assert got["schema"] == "smarttouch.progress/1" and got["week"]["goal"] == 3
    (row,) = _rows(app, GameProgress)
    assert row.patient_id == paired.patient.id
    assert [e.action for e in _rows(app, AuditEvent) if e.action == "progress.stored"] == ["progress.stored"]


def test_the_newest_copy_wins(client, app, paired):
    upload(client, paired, session_meta(paired, progress=progress_doc(90, "2026-12-02T10:00:00+00:00")))
    upload(client, paired, session_meta(paired, progress=progress_doc(10, "2026-12-01T10:00:00+00:00")))
    got = client.get("/api/v1/game-progress", headers=paired.auth).get_json()["progress"]
    assert got["games"]["balloons"]["points"] == 90
    assert len(_rows(app, GameProgress)) == 1 and len(_rows(app, ExerciseSession)) == 2


def test_an_old_client_without_progress_keeps_working(client, app, paired):
    meta = session_meta(paired)
    assert "progress" not in meta
    assert upload(client, paired, meta).status_code == 201
    assert _rows(app, GameProgress) == []


@pytest.mark.parametrize(
    "bad",
    [
        {**progress_doc(), "schema": "other/9"},
        {**progress_doc(), "games": {"balloons": {"points": -1, "sessions": 0}}},
        {**progress_doc(), "games": {f"g{i}": {"points": 1, "sessions": 1} for i in range(65)}},
        {**progress_doc(), "updated_at": "yesterday"},
    ],
)
def test_bad_progress_is_a_clear_error_and_stores_nothing(client, app, paired, bad):
    res = upload(client, paired, session_meta(paired, progress=bad))
    assert res.status_code == 400
    assert "progress" in res.get_json()["error"]["message"]
    assert _rows(app, GameProgress) == [] and _rows(app, ExerciseSession) == []


def test_another_patients_device_sees_only_its_own_progress(client, app, factories, paired):
    upload(client, paired, session_meta(paired, progress=progress_doc()))
    other = pair_patient(app, factories)
    assert client.get("/api/v1/game-progress", headers=other.auth).get_json() == {"progress": None}
    assert client.get("/api/v1/game-progress").status_code == 401


def test_the_openapi_document_describes_progress(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/game-progress" in doc["paths"] or "/game-progress" in str(doc["paths"])
    schemas = doc["components"]["schemas"]
    assert "ProgressIn" in schemas and "progress" in schemas["SessionUpload"]["properties"]
    assert "schema" in schemas["ProgressIn"]["properties"]
