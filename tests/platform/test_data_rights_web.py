"""Data-rights pages: downloads, consent and donation buttons, erasure with confirmation."""

from __future__ import annotations

import io
import zipfile

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from smarttouch.platform.models import Patient, ResearchConsent
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import csrf_token, login

from .test_data_rights_support import seed_history


def _token(client: FlaskClient, path: str) -> str:
    return csrf_token(client, path)


def test_patient_downloads_their_own_data(client: FlaskClient, app: Flask, factories) -> None:
    history = seed_history(app, factories)
    assert login(client, history.user.email).status_code == 302
    page = client.get("/data-rights/me")
    assert page.status_code == 200 and "Download all data (ZIP)" in page.get_data(as_text=True)
    assert 'href="/data-rights/me"' in client.get("/").get_data(as_text=True)  # nav link
    response = client.post("/data-rights/me/archive", data={"csrf_token": _token(client, "/data-rights/me")})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert history.patient.code in response.headers["Content-Disposition"]
    zf = zipfile.ZipFile(io.BytesIO(response.data))
    assert "profile.json" in zf.namelist()
    assert client.post("/data-rights/me/archive").status_code == 400  # no CSRF token
    other = seed_history(app, factories)
    assert client.get(f"/data-rights/patients/{other.patient.id}").status_code == 403
    assert client.post(f"/data-rights/patients/{history.patient.id}/archive").status_code in (400, 403)


def test_therapist_page_and_downloads(client: FlaskClient, app: Flask, login_as, factories) -> None:
    therapist = login_as("therapist")
    history = seed_history(app, factories, therapist=therapist)
    stranger = seed_history(app, factories)
    index = client.get("/data-rights/").get_data(as_text=True)
    assert history.patient.code in index and stranger.patient.code not in index
    url = f"/data-rights/patients/{history.patient.id}"
    html = client.get(url).get_data(as_text=True)
    assert "identified=true" in html and "Record consent" in html
    assert client.get(f"/data-rights/patients/{stranger.patient.id}").status_code == 404
    response = client.post(url + "/archive", data={"csrf_token": _token(client, url)})
    assert response.mimetype == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(response.data)).namelist()) > 10


def test_consent_and_donation_buttons(client: FlaskClient, app: Flask, login_as, factories) -> None:
    therapist = login_as("therapist")
    history = seed_history(app, factories, therapist=therapist)
    url = f"/data-rights/patients/{history.patient.id}"
    response = client.post(
        url + "/consent", data={"csrf_token": _token(client, url), "evidence": ""}, follow_redirects=True
    )
    assert "Say how the consent was given." in response.get_data(as_text=True)
    response = client.post(
        url + "/consent",
        data={"csrf_token": _token(client, url), "evidence": "form 7/2026"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Research consent recorded." in html and "form 7/2026" in html
    response = client.post(url + "/donate", data={"csrf_token": _token(client, url)}, follow_redirects=True)
    assert "2 sessions donated." in response.get_data(as_text=True)
    response = client.post(
        url + "/consent/withdraw", data={"csrf_token": _token(client, url)}, follow_redirects=True
    )
    assert "Consent withdrawn" in response.get_data(as_text=True)
    with Session(get_engine(app)) as db:
        consent = db.exec(select(ResearchConsent)).one()
    assert consent.withdrawn_at is not None and consent.withdrawn_by_id == therapist.id


def test_erasure_needs_the_code_and_the_checkbox(
    client: FlaskClient, app: Flask, login_as, factories
) -> None:
    therapist = login_as("therapist")
    history = seed_history(app, factories, therapist=therapist)
    url = f"/data-rights/patients/{history.patient.id}/erase"
    page = client.get(url).get_data(as_text=True)
    assert "This cannot be undone." in page and "3 sessions and their metrics" in page
    token = _token(client, url)
    wrong = client.post(url, data={"csrf_token": token, "confirm_code": "PT-NOPE", "understood": "y"})
    assert wrong.status_code == 400
    assert "The code does not match this patient." in wrong.get_data(as_text=True)
    unticked = client.post(url, data={"csrf_token": token, "confirm_code": history.patient.code})
    assert unticked.status_code == 400
    with Session(get_engine(app)) as db:
        assert db.get(Patient, history.patient.id) is not None
    done = client.post(
        url,
        data={"csrf_token": token, "confirm_code": history.patient.code, "understood": "y"},
        follow_redirects=True,
    )
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "The patient has been erased (reference ER-" in html
    assert history.patient.code not in html
    with Session(get_engine(app)) as db:
        assert db.get(Patient, history.patient.id) is None
    assert not any(get_blobstore(app).exists(k) for k in history.blob_keys)
    assert client.get(url).status_code == 404


def test_only_own_therapist_or_admin_may_erase(client: FlaskClient, app: Flask, login_as, factories) -> None:
    login_as("therapist")
    history = seed_history(app, factories)
    url = f"/data-rights/patients/{history.patient.id}/erase"
    assert client.get(url).status_code == 404
    client.post("/logout", data={"csrf_token": _token(client, "/")})
    login_as("admin")
    assert "Audit trail" in client.get("/").get_data(as_text=True)
    page = client.get(f"/data-rights/patients/{history.patient.id}").get_data(as_text=True)
    assert "identified=true" not in page and "Record consent" not in page
    token = _token(client, url)
    done = client.post(
        url, data={"csrf_token": token, "confirm_code": history.patient.code, "understood": "y"}
    )
    assert done.status_code == 302
