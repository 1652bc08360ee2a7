"""Consent, donation and the pseudonymised challenge dataset: no identities, shifted times,
withdrawal honoured, loadable as a challenge split."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from sqlmodel import Session, select

from smarttouch.platform.models import AuditEvent, ExerciseSession, Patient, User
from smarttouch.platform.services.errors import Conflict, Invalid, NotFound
from smarttouch.platform.services.rights import donation
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from smarttouch.sensors.recording_io import load_recording, recording_from_bytes

from .test_data_rights_support import History, seed_history


def _call(app: Flask, fn, history: History, actor: User | None = None, **kw):
    with app.app_context(), Session(get_engine(app), expire_on_commit=False) as db:
        actor = actor or history.therapist
        return fn(db, patient=db.get(Patient, history.patient.id), therapist=db.get(User, actor.id), **kw)


def _build(app: Flask, out: Path, **kw):
    with app.app_context(), Session(get_engine(app)) as db:
        return donation.build_dataset(db, store=get_blobstore(app), out_dir=out, actor=None, **kw)


def _consent_and_donate(app: Flask, history: History) -> int:
    _call(app, donation.record_consent, history, evidence="signed form 2026/14")
    return _call(app, donation.donate_sessions, history)


def test_consent_rules(app: Flask, factories) -> None:
    history = seed_history(app, factories)
    with pytest.raises(Invalid):
        _call(app, donation.donate_sessions, history)  # no consent yet
    with pytest.raises(Invalid):
        _call(app, donation.record_consent, history, evidence="  ")
    with pytest.raises(NotFound):
        _call(app, donation.record_consent, history, actor=factories.user("therapist"), evidence="form")
    _call(app, donation.record_consent, history, evidence="form 1")
    with pytest.raises(Conflict):
        _call(app, donation.record_consent, history, evidence="form 2")
    assert _call(app, donation.donate_sessions, history) == 2  # the unscored one is not donatable
    assert _call(app, donation.donate_sessions, history) == 0
    with pytest.raises(NotFound):
        _call(app, donation.donate_sessions, history, session_ids=[history.session_ids[2]])
    _call(app, donation.withdraw_consent, history)
    with pytest.raises(Invalid):
        _call(app, donation.withdraw_consent, history)
    with Session(get_engine(app)) as db:
        actions = [
            e.action
            for e in db.exec(select(AuditEvent).where(AuditEvent.patient_id == history.patient.id)).all()
        ]
    assert {"consent.recorded", "data.donated", "consent.withdrawn"} <= set(actions)


def test_dataset_is_pseudonymised(app: Flask, factories, tmp_path: Path) -> None:
    therapist = factories.user("therapist")
    a = seed_history(app, factories, therapist=therapist, name="Maria Rossi", seed=1)
    b = seed_history(app, factories, therapist=therapist, name="Luca Bianchi", seed=2)
    assert _consent_and_donate(app, a) == 2 and _consent_and_donate(app, b) == 2
    out = tmp_path / "dataset"
    summary = _build(app, out)
    assert summary.recordings == 4 and summary.subjects == 2
    labels = json.loads((out / "labels.json").read_text())
    files = sorted(p.stem for p in (out / "recordings").glob("*.npz"))
    assert sorted(labels) == files
    everything = "".join(p.read_bytes().decode("latin-1") for p in out.rglob("*") if p.is_file())
    for history in (a, b):
        for secret in (
            history.patient.code,
            history.user.email,
            *history.session_uuids,
            *history.blob_keys,
            "Rossi",
            "Bianchi",
            "Thingy:52",
        ):
            assert secret not in everything, secret
    for rid, label in labels.items():
        rec = load_recording(out / "recordings" / f"{rid}.npz")
        assert rec.device == "" and rec.t[0] == 0.0 and rec.labels["movement"] == label["movement"]
        assert label["subject"] in {"S01", "S02"} and label["condition"] == "post_stroke"
        assert label["reps_source"] == "annotated"  # simulator recordings carry rep intervals
        assert label["reps"] == len(rec.labels["reps"])
    with Session(get_engine(app)) as db:
        starts = {
            s.started_at.replace(second=0, microsecond=0) for s in db.exec(select(ExerciseSession)).all()
        }
    shifted = {datetime.fromisoformat(label["start_shifted"]) for label in labels.values()}
    assert not (starts & shifted)
    for subject in ("S01", "S02"):
        mine = sorted(
            (datetime.fromisoformat(v["start_shifted"]), v["session_day"])
            for v in labels.values()
            if v["subject"] == subject
        )
        assert len(mine) == 2
        gap = (mine[1][0] - mine[0][0]).days
        assert abs(gap - (mine[1][1] - mine[0][1])) <= 1  # intervals survive the shift
        shift = (datetime.now(mine[0][0].tzinfo) - mine[1][0]).days
        assert 365 <= shift <= 730 + 4
    original = recording_from_bytes(get_blobstore(app).get(a.blob_keys[0]))
    assert any(
        np.array_equal(original.acc, load_recording(p).acc) for p in (out / "recordings").glob("*.npz")
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["recordings"] == 4 and manifest["dataset_id"] == summary.dataset_id
    with Session(get_engine(app)) as db:
        included = db.exec(select(AuditEvent).where(AuditEvent.action == "data.included_in_dataset")).all()
    assert {e.patient_id for e in included} == {a.patient.id, b.patient.id}


def test_withdrawn_consent_excludes_sessions(app: Flask, factories, tmp_path: Path) -> None:
    therapist = factories.user("therapist")
    a = seed_history(app, factories, therapist=therapist, seed=3)
    b = seed_history(app, factories, therapist=therapist, seed=4)
    _consent_and_donate(app, a)
    _consent_and_donate(app, b)
    _call(app, donation.withdraw_consent, a)
    summary = _build(app, tmp_path / "d1")
    assert summary.subjects == 1 and summary.recordings == 2
    _call(app, donation.withdraw_consent, b)
    with pytest.raises(Invalid):
        _build(app, tmp_path / "d2")
    assert not (tmp_path / "d2").exists()


def test_dataset_folder_must_be_new(app: Flask, factories, tmp_path: Path) -> None:
    history = seed_history(app, factories)
    _consent_and_donate(app, history)
    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.txt").write_text("mine")
    with pytest.raises(Invalid):
        _build(app, used)
    assert (used / "keep.txt").read_text() == "mine"
    assert _build(app, tmp_path / "fresh", movement="elbow_flexion").recordings == 1
    with pytest.raises(Invalid):
        _build(app, tmp_path / "none", movement="sit_to_stand")


def test_dataset_loads_as_a_challenge_split(app: Flask, factories, tmp_path: Path) -> None:
    """The dataset drops into a challenge bundle's public/ or hidden/ split."""
    history = seed_history(app, factories)
    _consent_and_donate(app, history)
    out = tmp_path / "split"
    _build(app, out)
    labels = json.loads((out / "labels.json").read_text())
    assert all(isinstance(v["reps"], int) for v in labels.values())
    assert {p.stem for p in (out / "recordings").iterdir()} == set(labels)


def test_cli_dataset(runner, app: Flask, factories, tmp_path: Path) -> None:
    history = seed_history(app, factories)
    result = runner.invoke("export", "dataset", "--out", str(tmp_path / "d"))
    assert result.exit_code == 1 and "no donated sessions" in result.output
    _consent_and_donate(app, history)
    result = runner.invoke("export", "dataset", "--out", str(tmp_path / "d"))
    assert result.exit_code == 0, result.output
    assert "2 recordings of 1 pseudonymous subjects" in result.output
