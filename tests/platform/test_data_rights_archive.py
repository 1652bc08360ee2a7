"""The data-rights archive: everything about the patient, checksummed, nothing secret."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from flask import Flask
from sqlmodel import Session, select

from smarttouch.platform.models import AuditEvent, Patient, User
from smarttouch.platform.services.errors import NotFound
from smarttouch.platform.services.rights import data_rights
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from smarttouch.sensors.recording_io import load_recording, recording_from_bytes

from .test_data_rights_support import METRICS_A, History, seed_history


def _archive(app: Flask, history: History, actor: User | None) -> tuple[zipfile.ZipFile, object]:
    buf = io.BytesIO()
    with app.app_context(), Session(get_engine(app)) as db:
        summary = data_rights.write_archive(
            db,
            patient=db.get(Patient, history.patient.id),
            actor=db.get(User, actor.id) if actor else None,
            store=get_blobstore(app),
            out=buf,
            today=date.today(),
        )
    return zipfile.ZipFile(io.BytesIO(buf.getvalue())), summary


@pytest.fixture
def history(app: Flask, factories) -> History:
    return seed_history(app, factories)


def _json(zf: zipfile.ZipFile, name: str):
    return json.loads(zf.read(name))


def test_archive_holds_everything(app: Flask, history: History, tmp_path: Path) -> None:
    zf, summary = _archive(app, history, history.therapist)
    names = set(zf.namelist())
    assert {
        "README.txt",
        "manifest.json",
        "profile.json",
        "plan.json",
        "sessions.json",
        "sessions.csv",
        "devices.json",
        "alerts.json",
        "research.json",
        "audit.json",
        "audit.csv",
        "fhir.json",
    } <= names
    assert summary.sessions == 3 and summary.recordings == 2
    profile = _json(zf, "profile.json")
    assert profile["patient"]["display_name"] == "Maria Rossi"
    assert profile["patient"]["notes"] == "Maria Rossi lives alone"
    assert profile["account"]["email"] == history.user.email
    assert profile["therapist"]["email"] == history.therapist.email
    assert len(_json(zf, "plan.json")) == 2
    sessions = _json(zf, "sessions.json")
    u = history.session_uuids  # started 3, 30 and 1 days ago: the archive is oldest first
    assert [s["client_uuid"] for s in sessions] == [u[1], u[0], u[2]]
    by_uuid = {s["client_uuid"]: s for s in sessions}
    first = by_uuid[history.session_uuids[0]]
    assert first["metrics"]["rom_deg"] == METRICS_A["rom_deg"]
    assert by_uuid[history.session_uuids[2]]["quit_note"] == "Maria Rossi: shoulder hurt"
    store = get_blobstore(app)
    npz = zf.read(first["recording"])
    assert npz == store.get(history.blob_keys[0])
    assert recording_from_bytes(npz).profile == "thingy52-raw"
    csv_path = tmp_path / "r.csv"
    csv_path.write_bytes(zf.read(first["recording"].replace(".npz", ".csv")))
    rec = load_recording(csv_path)
    assert len(rec) == len(recording_from_bytes(npz))
    assert len(_json(zf, "devices.json")) == 1 and "token_hash" not in zf.read("devices.json").decode()
    actions = {e["action"] for e in _json(zf, "audit.json")}
    assert {"patient.created", "auth.login", "auth.login_failed"} <= actions
    bundle = Bundle.model_validate_json(zf.read("fhir.json"))
    assert bundle.entry[0].resource.name[0].text == "Maria Rossi"
    manifest = _json(zf, "manifest.json")
    assert manifest["patient_code"] == history.patient.code
    for name, info in manifest["files"].items():
        assert hashlib.sha256(zf.read(name)).hexdigest() == info["sha256"], name
    assert set(manifest["files"]) == names - {"manifest.json"}
    everything = b"".join(zf.read(n) for n in names)
    assert b"password_hash" not in everything and b"$argon2" not in everything


def test_archive_has_no_other_patients_audit_events(app: Flask, history: History, factories) -> None:
    other = seed_history(app, factories, name="Maria Rossi")  # same name, another person
    zf, _ = _archive(app, history, history.user)
    events = _json(zf, "audit.json")
    assert all(e["patient_id"] in (None, history.patient.id) for e in events)
    assert other.user.email not in zf.read("audit.json").decode()


def test_who_may_download(app: Flask, history: History, factories) -> None:
    assert _archive(app, history, history.user)[1].sessions == 3  # the patient
    assert _archive(app, history, factories.user("admin"))[1].sessions == 3
    for outsider in (factories.user("therapist"), factories.user("developer"), factories.user("patient")):
        with pytest.raises(NotFound):
            _archive(app, history, outsider)
    with Session(get_engine(app)) as db:
        events = db.exec(select(AuditEvent).where(AuditEvent.action == "data.exported")).all()
    assert len(events) == 2 and {e.patient_id for e in events} == {history.patient.id}


def test_missing_recording_is_reported(app: Flask, history: History) -> None:
    get_blobstore(app).delete(history.blob_keys[1])
    zf, summary = _archive(app, history, history.therapist)
    assert summary.recordings == 1 and summary.missing_recordings == [history.blob_keys[1]]


def test_cli_archive(runner, history: History, tmp_path: Path) -> None:
    out = tmp_path / "data.zip"
    result = runner.invoke("export", "archive", "--patient", history.patient.code, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "3 sessions, 2 recordings" in result.output
    assert "profile.json" in zipfile.ZipFile(out).namelist()
