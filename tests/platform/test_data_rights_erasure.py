"""Erasure: nothing of the patient remains in any table or the blob store; shared recordings
and other patients survive; aggregates are anonymous; the audit trail is redacted, not cut."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, func, select

from smarttouch.platform.models import (
    AnonymisedAggregate,
    AuditEvent,
    ExerciseSession,
    LoginThrottle,
    Patient,
    SessionMetricsRecord,
    User,
)
from smarttouch.platform.services.errors import Forbidden, Invalid, NotFound
from smarttouch.platform.services.rights import donation, erasure
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import Factories

from .test_data_rights_support import (
    METRICS_A,
    METRICS_B,
    History,
    add_session,
    recording_bytes,
    seed_history,
)

NAME = "Giulietta Capuleti"


def _erase(app: Flask, history: History, actor: User | None, confirm: str | None = None):
    with app.app_context(), Session(get_engine(app)) as db:
        return erasure.erase_patient(
            db,
            patient=db.get(Patient, history.patient.id),
            actor=db.get(User, actor.id) if actor else None,
            store=get_blobstore(app),
            confirm_code=history.patient.code if confirm is None else confirm,
            ip="198.51.100.4",
        )


def _setup(app: Flask, factories: Factories) -> tuple[History, Patient, str]:
    """Patient B (kept) shares one recording with patient A (erased); A consented and donated,
    and has a login-throttle row."""
    other = factories.patient(code="PT-KEEP1", display_name="Bruno Verdi")
    history = seed_history(app, factories, name=NAME, code="PT-GONE7", seed=7)
    shared = recording_bytes(7)  # byte-identical to A's first recording
    b_session = add_session(
        app,
        other,
        started_at=datetime.now(UTC) - timedelta(days=2),
        assignment_id=None,
        blob=shared,
        metrics=METRICS_B,
    )
    with Session(get_engine(app)) as db:
        therapist = db.get(User, history.therapist.id)
        patient = db.get(Patient, history.patient.id)
        donation.record_consent(db, patient=patient, therapist=therapist, evidence="form 12/2026")
        assert donation.donate_sessions(db, patient=patient, therapist=therapist) == 2
        db.add(LoginThrottle(key=f"account:{history.user.email}", failures=2))
        db.commit()
    assert b_session.recording_sha256 == history.blob_keys[0]
    return history, other, b_session.recording_sha256


def _ids_of(history: History) -> dict[str, set[int]]:
    return {
        "patient": {history.patient.id},
        "user_account": {history.user.id},
        "exercise_session": set(history.session_ids),
        "device": {history.device_id},
        "assignment": set(history.assignment_ids),
    }


def _assert_nothing_left(app: Flask, history: History, secrets: list[str]) -> None:
    engine = get_engine(app)
    meta = sa.MetaData()
    meta.reflect(engine)
    gone = _ids_of(history)
    problems: list[str] = []
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            refs = {fk.parent.name: fk.column.table.name for fk in table.foreign_keys}
            for row in conn.execute(sa.select(table)).mappings():
                for column, value in row.items():
                    text = value if isinstance(value, str) else json.dumps(value, default=str)
                    for secret in secrets:
                        if secret and secret in text:
                            problems.append(f"{table.name}.{column} holds {secret!r}")
                    target = refs.get(column)
                    if column == "id" and table.name in gone:
                        target = table.name
                    if table.name == "audit_event":
                        target = {"patient_id": "patient", "actor_id": "user_account"}.get(column)
                        if column == "target_id":
                            target = {
                                "patient": "patient",
                                "user": "user_account",
                                "session": "exercise_session",
                            }.get(row["target_type"])
                    if target in gone and value in gone[target]:
                        problems.append(f"{table.name}.{column} = {value} ({target})")
    assert not problems, "\n".join(problems)
    root = get_blobstore(app).root
    stored = {p.name for p in root.rglob("*") if p.is_file()}
    assert not (set(history.blob_keys[1:]) & stored)


def test_nothing_of_the_patient_remains(db_app: Flask) -> None:
    factories = Factories(db_app)
    history, other, shared_key = _setup(db_app, factories)
    with Session(get_engine(db_app)) as db:
        events_before = db.exec(select(func.count()).select_from(AuditEvent)).one()
        device_hash = db.exec(sa.text(f"select token_hash from device where id = {history.device_id}")).one()[
            0
        ]
    report = _erase(db_app, history, history.therapist)
    assert report.sessions == 3 and report.aggregated_sessions == 2
    assert report.account_deleted and report.recordings_deleted == 1
    assert report.recordings_kept_shared == 1 and not report.blob_errors
    secrets = [
        history.patient.code,
        NAME,
        "Giulietta",
        "Capuleti",
        history.user.email,
        device_hash,
        "203.0.113.7",
        *history.session_uuids,
        *history.blob_keys[1:],
    ]
    _assert_nothing_left(db_app, history, secrets)
    store = get_blobstore(db_app)
    assert store.exists(shared_key)  # still B's recording
    with Session(get_engine(db_app)) as db:
        assert db.exec(select(func.count()).select_from(AuditEvent)).one() == events_before + 1
        erased = db.exec(select(AuditEvent).where(AuditEvent.action == "patient.erased")).one()
        assert erased.actor_id == history.therapist.id and erased.patient_id is None
        assert erased.details["erasure_ref"] == report.reference
        redacted = db.exec(
            select(AuditEvent).where(
                AuditEvent.action.in_(
                    ["patient.created", "auth.login", "auth.login_failed", "consent.recorded", "data.donated"]
                )
            )
        ).all()
        assert redacted and all(
            e.details == {"redacted": "erasure", "erasure_ref": report.reference}
            for e in redacted
            if e.patient_id is None
        )
        kept = db.get(Patient, other.id)
        assert kept is not None and kept.display_name == "Bruno Verdi"
        assert (
            db.exec(
                select(func.count())
                .select_from(ExerciseSession)
                .where(ExerciseSession.patient_id == other.id)
            ).one()
            == 1
        )
        aggregates = db.exec(select(AnonymisedAggregate)).all()
    expected: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    now = datetime.now(UTC)
    expected[((now - timedelta(days=3)).strftime("%Y-%m"), "shoulder_flexion")].append(METRICS_A)
    expected[((now - timedelta(days=30)).strftime("%Y-%m"), "elbow_flexion")].append(METRICS_B)
    got = {(a.month, a.movement): a for a in aggregates}
    assert set(got) == set(expected)
    for key, metrics in expected.items():
        agg = got[key]
        assert agg.condition == "post_stroke" and agg.patients == 1
        assert agg.sessions == len(metrics)
        assert agg.reps_sum == sum(m["reps"] for m in metrics)
        assert agg.rom_deg_sum == pytest.approx(sum(m["rom_deg"] for m in metrics))
        assert agg.sparc_count == sum(m["sparc"] is not None for m in metrics)


def test_second_erasure_adds_to_the_same_bucket(app: Flask, factories) -> None:
    therapist = factories.user("therapist")
    first = seed_history(app, factories, therapist=therapist, name="Anna Uno", code="PT-AAA1")
    second = seed_history(app, factories, therapist=therapist, name="Bea Due", code="PT-BBB2")
    _erase(app, first, therapist)
    _erase(app, second, therapist)
    with Session(get_engine(app)) as db:
        aggregates = db.exec(select(AnonymisedAggregate)).all()
    assert sum(a.sessions for a in aggregates) == 4
    assert {a.patients for a in aggregates} == {2}


def test_recordings_the_store_would_not_delete_are_listed_for_the_administrator(
    app: Flask, factories, monkeypatch
) -> None:
    """Object storage down during an erasure (obstore's errors are not OSErrors): the patient
    is erased all the same, every recording is tried, and the ones left are named in an
    audit line under the erasure's reference, for an administrator to delete."""
    from obstore.exceptions import GenericError

    therapist = factories.user("therapist")
    history = seed_history(app, factories, therapist=therapist, name="Carla Tre", code="PT-CCC3")
    store = get_blobstore(app)
    tried: list[str] = []

    def unreachable(key: str) -> bool:
        tried.append(key)
        raise GenericError("Generic S3 error: error sending request: connection refused")

    monkeypatch.setattr(store, "delete", unreachable)
    report = _erase(app, history, therapist)
    assert sorted(report.blob_errors) == sorted(tried) and len(tried) == 2
    with Session(get_engine(app)) as db:
        assert db.get(Patient, history.patient.id) is None
        line = db.exec(select(AuditEvent).where(AuditEvent.action == "patient.erasure_recordings_left")).one()
    assert line.details == {"erasure_ref": report.reference, "blob_keys": report.blob_errors}


def test_who_may_erase_and_confirmation(app: Flask, factories) -> None:
    history = seed_history(app, factories)
    with pytest.raises(NotFound):
        _erase(app, history, factories.user("therapist"))
    with pytest.raises(Forbidden):
        _erase(app, history, history.user)  # the patient asks their therapist instead
    with pytest.raises(Invalid):
        _erase(app, history, history.therapist, confirm="PT-WRONG")
    with Session(get_engine(app)) as db:
        assert db.get(Patient, history.patient.id) is not None
        assert db.exec(select(func.count()).select_from(SessionMetricsRecord)).one() == 2
    assert all(get_blobstore(app).exists(k) for k in history.blob_keys)
    report = _erase(app, history, factories.user("admin"), confirm=history.patient.code.lower())
    assert report.recordings_deleted == 2


def test_patient_without_account_or_sessions(app: Flask, factories) -> None:
    patient = factories.patient(display_name="Solo")
    therapist_id = patient.therapist_id
    with Session(get_engine(app)) as db:
        report = erasure.erase_patient(
            db,
            patient=db.get(Patient, patient.id),
            actor=db.get(User, therapist_id),
            store=get_blobstore(app),
            confirm_code=patient.code,
        )
        assert report.sessions == 0 and not report.account_deleted
        assert db.get(Patient, patient.id) is None


def test_cli_erase(runner, app: Flask, factories) -> None:
    from click.testing import CliRunner

    from smarttouch.platform.cli.patient import patient as patient_group  # `smarttouch patient`

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(patient_group, list(args), env=runner.env, input=input)

    history = seed_history(app, factories)
    result = invoke("erase", history.patient.code, input="n\n")
    assert result.exit_code != 0 and "Aborted" in result.output
    with Session(get_engine(app)) as db:
        assert db.get(Patient, history.patient.id) is not None
    result = invoke("erase", history.patient.code, "--yes")
    assert result.exit_code == 0, result.output
    assert "ER-" in result.output and "2 recordings deleted" in result.output
    result = invoke("erase", history.patient.code, "--yes")
    assert result.exit_code == 1 and "no patient with code" in result.output
