"""Two hubs on one database and one bucket (S3-compatible, a real S3 server process): what
one hub stores, the other reads: an uploaded recording and the session page drawn from it."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlmodel import Session, select

from smarttouch.platform.models import ExerciseSession
from smarttouch.platform.storage.blobstore import S3BlobStore, get_blobstore, open_blobstore
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import Factories, login

from .apihelp import pair_patient, recording_bytes, session_meta, upload


def test_a_recording_uploaded_to_one_hub_is_read_by_another(
    app: Flask, make_app: Callable[..., Flask], s3_blob_url: str
) -> None:
    first = make_app(app.config["DATABASE_URL"], BLOB_URL=s3_blob_url, WTF_CSRF_ENABLED=False)
    second = make_app(app.config["DATABASE_URL"], BLOB_URL=s3_blob_url)
    factories = Factories(first)
    paired = pair_patient(first, factories)
    res = upload(first.test_client(), paired, session_meta(paired))
    assert res.status_code == 201, res.get_json()

    with Session(get_engine(second)) as s:
        row = s.exec(select(ExerciseSession)).one()
    key = row.recording_sha256
    assert key is not None
    store = get_blobstore(second)
    assert isinstance(store, S3BlobStore)
    assert store.get(key) == recording_bytes() and store.verify(key)
    assert open_blobstore(s3_blob_url).exists(key)  # in the bucket, not on either hub's disk

    client = second.test_client()
    login(client, paired.therapist.email)
    html = client.get(f"/sessions/{row.id}").get_data(as_text=True)
    assert 'id="chart-trace-figure"' in html  # the trace recomputed from the bucket's bytes


def test_erasure_through_one_hub_deletes_the_recording_from_the_bucket(
    app: Flask, make_app: Callable[..., Flask], s3_blob_url: str
) -> None:
    from smarttouch.platform.models import Patient
    from smarttouch.platform.services.rights import erasure

    first = make_app(app.config["DATABASE_URL"], BLOB_URL=s3_blob_url)
    second = make_app(app.config["DATABASE_URL"], BLOB_URL=s3_blob_url)
    paired = pair_patient(first, Factories(first))
    assert upload(first.test_client(), paired, session_meta(paired)).status_code == 201
    key = open_blobstore(s3_blob_url).key_for(recording_bytes())
    assert open_blobstore(s3_blob_url).exists(key)

    with Session(get_engine(second)) as s:
        patient = s.get(Patient, paired.patient.id)
        assert patient is not None
        report = erasure.erase_patient(
            s, patient=patient, actor=None, store=get_blobstore(second), confirm_code=patient.code
        )
    assert report.blob_errors == []
    assert not open_blobstore(s3_blob_url).exists(key)
