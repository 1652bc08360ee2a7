"""The pairing page: create a one-time code, see the paired device, revoke it."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from smarttouch.platform.models import Device
from smarttouch.platform.services.clinic import devices
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token


def test_pair_list_and_revoke(client: FlaskClient, login_as, make_patient, app: Flask) -> None:
    me = login_as("therapist")
    patient = make_patient(me)
    page = f"/patients/{patient.id}/devices"
    assert "No device is paired yet." in client.get(page).get_data(as_text=True)
    response = client.post(f"{page}/pairing-code", data={"csrf_token": csrf_token(client, page)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "It works once and expires" in html
    code = re.search(r'<p class="code" lang="en"><strong>([A-Z0-9-]+)</strong>', html).group(1)
    with Session(get_engine(app)) as db:
        token, device = devices.exchange_pairing_code(db, code=code, label="Kitchen laptop")
    html = client.get(page).get_data(as_text=True)
    assert "Kitchen laptop" in html and device.token_prefix in html and token not in html
    response = client.post(f"/devices/{device.id}/revoke", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    assert "Revoked" in client.get(page).get_data(as_text=True)
    with Session(get_engine(app)) as db:
        assert db.get(Device, device.id).revoked_at is not None


def test_only_the_own_therapist_pairs(client: FlaskClient, login_as, make_patient, make_user) -> None:
    login_as("therapist")
    other = make_patient(make_user("therapist"))
    assert client.get(f"/patients/{other.id}/devices").status_code == 404
    token = csrf_token(client, "/")
    assert (
        client.post(f"/patients/{other.id}/devices/pairing-code", data={"csrf_token": token}).status_code
        == 404
    )
