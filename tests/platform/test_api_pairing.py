"""Device pairing: one-time codes, device tokens, revocation, throttling, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from smarttouch.platform.models import AuditEvent, Device, PairingCode
from smarttouch.platform.services.clinic import devices
from smarttouch.platform.services.errors import NotFound
from smarttouch.platform.storage.db import get_engine

from .apihelp import pair_patient


def _code(db_session, therapist, patient, **kw):
    return devices.create_pairing_code(db_session, actor=therapist, patient_id=patient.id, **kw)


def test_code_pairs_once_and_the_token_works(client, db_session, make_user, make_patient):
    therapist = make_user("therapist")
    patient = make_patient(therapist)
    code, expires_at = _code(db_session, therapist, patient)
    assert len(code) == 9 and code[4] == "-"
    assert (
        timedelta(minutes=14)
        < expires_at - db_session.exec(select(PairingCode.created_at)).one()
        <= timedelta(minutes=15)
    )

    first = client.post("/api/v1/pair", json={"code": code.lower().replace("-", " "), "label": "kitchen pc"})
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["token"].startswith("stt_") and body["patient_code"] == patient.code
    device = db_session.get(Device, body["device_id"])
    assert device.token_hash != body["token"] and body["token"] not in device.token_hash
    assert device.label == "kitchen pc" and device.patient_id == patient.id

    me = client.get("/api/v1/device", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["patient_code"] == patient.code

    replay = client.post("/api/v1/pair", json={"code": code})
    assert replay.status_code == 400
    assert replay.get_json()["error"]["code"] == "invalid_pairing_code"
    assert "already used" in replay.get_json()["error"]["message"]
    assert db_session.exec(select(Device)).all() == [device]


def test_expired_and_superseded_codes_do_not_pair(client, db_session, make_user, make_patient):
    therapist = make_user("therapist")
    patient = make_patient(therapist)
    expired, _ = _code(db_session, therapist, patient, ttl=timedelta(seconds=-1))
    res = client.post("/api/v1/pair", json={"code": expired})
    assert res.status_code == 400 and "expired" in res.get_json()["error"]["message"]

    old, _ = _code(db_session, therapist, patient)
    new, _ = _code(db_session, therapist, patient)
    assert client.post("/api/v1/pair", json={"code": old}).status_code == 400
    assert client.post("/api/v1/pair", json={"code": new}).status_code == 201


def test_only_the_patients_own_therapist_creates_codes_and_revokes(
    db_session, make_user, make_patient, app, factories
):
    paired = pair_patient(app, factories)
    other = make_user("therapist")
    with pytest.raises(NotFound):
        _code(db_session, other, paired.patient)
    with pytest.raises(NotFound):
        devices.revoke_device(db_session, actor=other, device_id=paired.device_id)
    with pytest.raises(NotFound):
        devices.list_devices(db_session, actor=other, patient_id=paired.patient.id)
    listed = devices.list_devices(db_session, actor=paired.therapist, patient_id=paired.patient.id)
    assert [d.id for d in listed] == [paired.device_id]


def test_revoked_token_is_refused_and_everything_is_audited(client, db_session, app, factories):
    paired = pair_patient(app, factories)
    assert client.get("/api/v1/plan/today", headers=paired.auth).status_code == 200
    devices.revoke_device(db_session, actor=paired.therapist, device_id=paired.device_id)
    again = devices.revoke_device(db_session, actor=paired.therapist, device_id=paired.device_id)
    assert again.revoked_at is not None
    res = client.get("/api/v1/plan/today", headers=paired.auth)
    assert res.status_code == 401
    assert res.headers["WWW-Authenticate"].startswith("Bearer")
    assert "revoked" in res.get_json()["error"]["message"]
    actions = [
        e.action
        for e in db_session.exec(
            select(AuditEvent).where(AuditEvent.patient_id == paired.patient.id).order_by(AuditEvent.id)
        )
    ]
    assert actions == ["device.pairing_code_created", "device.paired", "device.revoked"]


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer nope", "Basic abc", "Bearer stt_x"])
def test_missing_or_bad_tokens_get_401(client, header):
    res = client.get("/api/v1/progress", headers={"Authorization": header} if header else {})
    assert res.status_code == 401
    assert res.get_json()["error"]["code"] == "unauthorized"


def test_guessing_codes_is_throttled(client):
    codes = [client.post("/api/v1/pair", json={"code": "AAAA-AAAA"}).status_code for _ in range(8)]
    assert codes[0] == 400 and 429 in codes
    res = client.post("/api/v1/pair", json={"code": "AAAA-AAAA"})
    assert res.status_code == 429 and int(res.headers["Retry-After"]) >= 1


@pytest.mark.parametrize(
    "body,status",
    [
        ({"code": "ABC"}, 400),
        ({}, 400),
        ({"code": "A" * 40}, 400),
        ({"code": "AB\u0000CDEFG"}, 400),
    ],
)
def test_malformed_pair_requests(client, body, status):
    assert client.post("/api/v1/pair", json=body).status_code == status
    assert client.post("/api/v1/pair", data="code=x").status_code == 415


def test_last_seen_is_written_at_most_once_a_minute(db_session, make_user, make_patient):
    """device_for_token (and the API tokens, through the same helper) notes the last use,
    but not again within LAST_USED_RESOLUTION."""
    from smarttouch.platform.services.accounts.bearer_tokens import LAST_USED_RESOLUTION

    therapist = make_user("therapist")
    patient = make_patient(therapist)
    code, _ = _code(db_session, therapist, patient)
    token, device = devices.exchange_pairing_code(db_session, code=code)
    assert devices.device_for_token(db_session, token=token)[1].id == patient.id
    first = db_session.get(Device, device.id).last_seen_at
    assert first is not None
    devices.device_for_token(db_session, token=token)
    assert db_session.get(Device, device.id).last_seen_at == first
    row = db_session.get(Device, device.id)
    row.last_seen_at = first - LAST_USED_RESOLUTION
    db_session.add(row)
    db_session.commit()
    devices.device_for_token(db_session, token=token)
    assert db_session.get(Device, device.id).last_seen_at > first - LAST_USED_RESOLUTION
    assert devices.device_for_token(db_session, token="stp_" + token[4:]) is None
    assert devices.device_for_token(db_session, token=token + "x" * 200) is None


def test_a_token_revoked_elsewhere_is_refused_by_a_session_holding_its_device(app, db_session, factories):
    """The revocation is read fresh from the database, not from the device the session
    already holds (loaded before another session revoked it)."""
    paired = pair_patient(app, factories)
    held, _patient = devices.device_for_token(db_session, token=paired.token)
    assert held.revoked_at is None
    with Session(get_engine(app)) as other:
        devices.revoke_device(other, actor=paired.therapist, device_id=paired.device_id)
    assert held.revoked_at is None  # this session's copy is stale...
    assert devices.device_for_token(db_session, token=paired.token) is None  # ...and not trusted
