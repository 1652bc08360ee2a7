"""Session upload: hub-side scoring, idempotency, and bad input that stores nothing."""

from __future__ import annotations

import io
import json
import threading
import uuid

import numpy as np
import pytest
from sqlmodel import Session, select

from smarttouch.platform.api import routes
from smarttouch.platform.models import AuditEvent, ExerciseSession, SessionMetricsRecord
from smarttouch.platform.services.clinic import devices, ingest
from smarttouch.platform.services.clinic import upload as upload_rules
from smarttouch.platform.storage import blobstore
from smarttouch.platform.storage.db import get_engine
from smarttouch.scoring import analyze
from smarttouch.sensors.recording_io import recording_from_bytes

from .apihelp import (
    SIM_REPS,
    blob_files,
    pair_patient,
    recording_bytes,
    session_meta,
    simulated,
    upload,
)


@pytest.fixture
def paired(app, factories):
    return pair_patient(app, factories)


def _sessions(app) -> list[ExerciseSession]:
    with Session(get_engine(app)) as s:
        return list(s.exec(select(ExerciseSession)))


def test_upload_is_scored_on_the_hub_from_the_raw_recording(client, app, paired):
    meta = session_meta(paired, client_metrics={"rom_deg_max": 999.0})
    res = upload(client, paired, meta)
    assert res.status_code == 201, res.get_json()
    body = res.get_json()
    assert body["created"] is True and body["status"] == "scored"
    assert body["session_id"] == meta["session_id"]

    sim = simulated()
    truth = np.array(sim.rep_rom_deg)
    metrics = body["metrics"]
    assert metrics["reps"] == SIM_REPS
    assert np.allclose(metrics["rep_rom_deg"], truth, atol=3.0)  # ground truth of the motion
    assert metrics["rom_deg"] == pytest.approx(truth.max(), abs=3.0)

    offline = analyze(recording_from_bytes(recording_bytes()), movement="shoulder_flexion")
    assert metrics["rom_deg"] == pytest.approx(offline.rom_deg)  # the same analysis as offline

    with Session(get_engine(app)) as s:
        row = s.exec(select(ExerciseSession)).one()
        stored = s.exec(select(SessionMetricsRecord)).one()
        assert row.client_metrics == {"rom_deg_max": 999.0}  # kept for comparison only
        assert stored.rom_deg == pytest.approx(truth.max(), abs=3.0)
        assert row.recording_sha256 == blobstore.BlobStore.key_for(recording_bytes())
        assert row.game_events[0]["kind"] == "rep" and row.movement == "shoulder_flexion"
        assert row.game_result["reps"] == SIM_REPS and row.device_id == paired.device_id
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "session.uploaded")).one()
    store = blobstore.get_blobstore(app)
    assert store.get(row.recording_sha256) == recording_bytes()


def test_a_retry_returns_the_stored_session_and_creates_nothing(client, app, paired):
    meta = session_meta(paired)
    first = upload(client, paired, meta).get_json()
    again = upload(client, paired, meta)
    assert again.status_code == 200
    assert again.get_json()["hub_id"] == first["hub_id"] and again.get_json()["created"] is False
    assert len(_sessions(app)) == 1 and len(blob_files(app)) == 1
    got = client.get(f"/api/v1/sessions/{meta['session_id']}", headers=paired.auth)
    assert got.status_code == 200 and got.get_json()["hub_id"] == first["hub_id"]


def test_same_id_with_another_recording_is_a_conflict(client, app, paired):
    meta = session_meta(paired)
    assert upload(client, paired, meta).status_code == 201
    other = upload(client, paired, meta, recording=recording_bytes(seed=4))
    assert other.status_code == 409
    assert len(_sessions(app)) == 1 and len(blob_files(app)) == 1


def test_a_database_failure_at_the_rows_leaves_no_recording(client, app, paired, monkeypatch):
    """The database fails the upload's rows (a dropped connection): nothing is stored, not
    even the recording written just before; the device sends the session again later."""
    from sqlalchemy.exc import OperationalError

    def dropped(*args, **kwargs):
        raise OperationalError(
            "INSERT INTO exercise_session ...", {}, Exception("server closed the connection")
        )

    monkeypatch.setattr(ingest, "_insert_rows", dropped)
    with pytest.raises(OperationalError):  # the test app lets it through; a hub answers 500
        upload(client, paired, session_meta(paired))
    assert _sessions(app) == [] and blob_files(app) == []
    monkeypatch.undo()
    assert upload(client, paired, session_meta(paired)).status_code == 201  # the retry is stored
    assert len(_sessions(app)) == 1 and len(blob_files(app)) == 1


def test_a_concurrent_duplicate_loses_to_the_unique_constraint(app, paired, monkeypatch):
    """Two uploads of one session race past the 'already stored?' check: the database's
    unique constraint decides and the loser returns the winner's row."""
    meta = upload_rules.SessionUpload.model_validate(session_meta(paired))
    real_lookup = ingest._lookup
    raced: list[bool] = []

    def racing_lookup(session, meta_):
        if raced:
            return real_lookup(session, meta_)
        raced.append(True)
        with Session(get_engine(app)) as other:  # the other request commits first
            ingest.ingest_session(
                other,
                store=blobstore.get_blobstore(app),
                device=_device(app, paired),
                patient=paired.patient,
                meta=meta_,
                recording=recording_bytes(),
                today=_today(),
                tz="Europe/Rome",
            )
        _prior, plan = real_lookup(session, meta_)
        return None, plan  # as read just before the other one's commit

    monkeypatch.setattr(ingest, "_lookup", racing_lookup)
    with Session(get_engine(app)) as s:
        result = ingest.ingest_session(
            s,
            store=blobstore.get_blobstore(app),
            device=_device(app, paired),
            patient=paired.patient,
            meta=meta,
            recording=recording_bytes(),
            today=_today(),
            tz="Europe/Rome",
        )
    assert result.created is False
    assert len(_sessions(app)) == 1


def test_concurrent_retries_over_http_store_one_session(db_app, tmp_path):
    """Real threads, real database (SQLite and PostgreSQL): eight simultaneous retries."""
    from smarttouch.platform.testing import Factories

    paired = pair_patient(db_app, Factories(db_app))
    meta = session_meta(paired)
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def post() -> None:
        with db_app.test_client() as c:
            barrier.wait()
            statuses.append(upload(c, paired, meta).status_code)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 7 + [201]
    assert len(_sessions(db_app)) == 1


def _device(app, paired):
    from smarttouch.platform.models import Device

    with Session(get_engine(app), expire_on_commit=False) as s:
        return s.get(Device, paired.device_id)


def _today():
    from datetime import date

    return date.today()


def _npz_with(values: dict[str, np.ndarray], meta: dict) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, meta=np.array(json.dumps(meta)), **values)
    return buf.getvalue()


def _nan_recording() -> bytes:
    rec = simulated().recording
    acc = rec.acc.copy()
    acc[17, 1] = np.nan
    return _npz_with({"t": rec.t, "acc": acc, "gyr": rec.gyr}, {"sample_rate_hz": 100.0})


def _rate_lie_recording() -> bytes:
    rec = simulated().recording
    return _npz_with({"t": rec.t, "acc": rec.acc, "gyr": rec.gyr}, {"sample_rate_hz": 50.0})


BAD_UPLOADS = {
    "corrupt recording": (lambda p: session_meta(p), lambda: b"PK\x03\x04 this is not a zip", "corrupt"),
    "truncated recording": (
        lambda p: session_meta(p),
        lambda: recording_bytes()[:5000],
        "corrupt or truncated",
    ),
    "NaN in the recording": (lambda p: session_meta(p), _nan_recording, "not finite"),
    "time axis disagrees with the sample rate": (
        lambda p: session_meta(p, sample_rate_hz=None),
        _rate_lie_recording,
        "time axis",
    ),
    "declared rate differs": (
        lambda p: session_meta(p, sample_rate_hz=200.0),
        recording_bytes,
        "sample_rate_hz",
    ),
    "NaN in the metadata": (
        lambda p: json.dumps(session_meta(p)).replace('"rom_deg_max": 81.0', '"rom_deg_max": NaN'),
        recording_bytes,
        "finite",
    ),
    "unknown assignment": (
        lambda p: session_meta(p, assignment_id=999_999),
        recording_bytes,
        "not in your plan",
    ),
    "wrong game": (lambda p: session_meta(p, game="glider"), recording_bytes, "game"),
    "wrong movement": (lambda p: session_meta(p, movement="wrist_flexion"), recording_bytes, "movement"),
    "bad quit reason": (lambda p: session_meta(p, quit_reason="bored"), recording_bytes, "quit_reason"),
    "not JSON": (lambda p: "{nope", recording_bytes, "metadata"),
    "future start": (
        lambda p: session_meta(p, started_at="2999-01-01T00:00:00+00:00", ended_at=None),
        recording_bytes,
        "plausible",
    ),
    "NUL in the note": (lambda p: session_meta(p, quit_note="a\u0000b"), recording_bytes, "NUL"),
}


@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
def test_bad_input_is_a_4xx_and_stores_nothing(client, app, paired, case):
    make_meta, make_recording, words = BAD_UPLOADS[case]
    res = upload(client, paired, make_meta(paired), recording=make_recording())
    assert 400 <= res.status_code < 500, res.get_json()
    assert words in res.get_json()["error"]["message"]
    assert _sessions(app) == [] and blob_files(app) == []


def test_oversized_body_is_413_and_stores_nothing(client, app, paired):
    app.config["API_MAX_UPLOAD_BYTES"] = 50_000
    res = upload(client, paired, session_meta(paired))
    assert res.status_code == 413 and res.get_json()["error"]["code"]
    assert _sessions(app) == [] and blob_files(app) == []


def test_foreign_assignment_and_revoked_token_store_nothing(client, app, factories, paired):
    other = pair_patient(app, factories)
    res = upload(client, paired, session_meta(paired, assignment_id=other.assignment.id))
    assert res.status_code == 400 and "not in your plan" in res.get_json()["error"]["message"]
    with Session(get_engine(app)) as s:
        devices.revoke_device(s, actor=paired.therapist, device_id=paired.device_id)
    assert upload(client, paired, session_meta(paired)).status_code == 401
    assert _sessions(app) == [] and blob_files(app) == []


def test_wrong_content_types(client, paired):
    res = client.post("/api/v1/sessions", json={"session_id": str(uuid.uuid4())}, headers=paired.auth)
    assert res.status_code == 415
    missing = client.post(
        "/api/v1/sessions",
        data={"recording": (io.BytesIO(b"x"), "r.npz")},
        headers=paired.auth,
        content_type="multipart/form-data",
    )
    assert missing.status_code == 400 and "metadata" in missing.get_json()["error"]["message"]


def test_a_session_quit_before_any_motion_is_kept_without_metrics(client, app, paired):
    res = upload(client, paired, session_meta(paired, quit_reason="pain", reps=0), recording=None)
    assert res.status_code == 201
    assert res.get_json()["status"] == "received" and res.get_json()["metrics"] is None
    with Session(get_engine(app)) as s:
        alert_kinds = [
            a.kind for a in s.exec(select(__import__("smarttouch.platform.models", fromlist=["Alert"]).Alert))
        ]
    assert "pain_stop" in alert_kinds


@pytest.mark.parametrize("in_memory_limit", [0, routes.IN_MEMORY_UPLOAD_BYTES], ids=["streamed", "in-memory"])
def test_both_body_parsers_store_the_same_session(client, app, paired, monkeypatch, in_memory_limit):
    """Bodies up to IN_MEMORY_UPLOAD_BYTES are split in memory, larger ones by werkzeug's
    streaming parser: either way the upload is the same, text or file metadata alike."""
    monkeypatch.setattr(routes, "IN_MEMORY_UPLOAD_BYTES", in_memory_limit)
    meta = session_meta(paired)
    as_file = {
        "metadata": (io.BytesIO(json.dumps(meta).encode()), "metadata.json", "application/json"),
        "recording": (io.BytesIO(recording_bytes()), "recording.npz", "application/octet-stream"),
    }
    res = client.post(
        "/api/v1/sessions", data=as_file, headers=paired.auth, content_type="multipart/form-data"
    )
    assert res.status_code == 201, res.get_json()
    again = upload(client, paired, meta)  # metadata as a text field this time: the same session
    assert again.status_code == 200 and again.get_json()["session_id"] == meta["session_id"]
    (row,) = _sessions(app)
    assert row.recording_sha256 == blobstore.BlobStore.key_for(recording_bytes())
    as_text = upload(client, paired, session_meta(paired), recording=None)
    assert as_text.status_code == 201, as_text.get_json()
    text_recording = client.post(
        "/api/v1/sessions",
        data={"metadata": json.dumps(session_meta(paired)), "recording": "not a file"},
        headers=paired.auth,
        content_type="multipart/form-data",
    )
    assert text_recording.status_code == 400
    assert "binary file part" in text_recording.get_json()["error"]["message"], text_recording.get_json()


def test_a_malformed_multipart_body_is_400_and_stores_nothing(client, app, paired):
    body = b'--bnd\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{"a": 1}'  # no closing line
    res = client.post(
        "/api/v1/sessions",
        data=body,
        headers={**paired.auth, "Content-Type": "multipart/form-data; boundary=bnd"},
    )
    assert res.status_code == 400 and "truncated" in res.get_json()["error"]["message"]
    assert _sessions(app) == [] and blob_files(app) == []
