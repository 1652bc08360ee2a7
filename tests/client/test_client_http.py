"""The HTTP client and the uploader against a real hub on a local port (and a broken one)."""

from __future__ import annotations

import http.server
import socket
import threading
import uuid

import pytest
from sqlmodel import Session

from smarttouch.client import (
    BackgroundUploader,
    HubClient,
    HubRejected,
    HubUnreachable,
    Outbox,
    TokenRejected,
    Uploader,
)
from smarttouch.client.http import dumps_metadata, normalise_hub_url
from smarttouch.platform.services.clinic import devices
from smarttouch.platform.storage.db import get_engine
from tests.platform.apihelp import pair_patient, recording_bytes, session_meta


@pytest.fixture
def paired(app, factories):
    return pair_patient(app, factories)


def _queue(box: Outbox, url: str, meta: dict, recording: bytes | None = None) -> str:
    box.add(
        meta["session_id"],
        hub_url=url,
        metadata=dumps_metadata(meta),
        recording=recording if recording is not None else recording_bytes(),
    )
    return meta["session_id"]


def test_calls_and_error_classes(live_server, paired):
    client = HubClient(live_server + "/api/v1/", paired.token)
    assert client.hub_url == live_server
    assert client.plan_today()["exercises"][0]["assignment_id"] == paired.assignment.id
    assert client.device()["device_id"] == paired.device_id
    with pytest.raises(TokenRejected, match="unknown or revoked"):
        HubClient(live_server, "stt_wrong").progress()
    with pytest.raises(HubRejected, match="not recognised") as err:
        HubClient(live_server).pair("ABCD-EFGH")
    assert err.value.status == 400 and err.value.code == "invalid_pairing_code"
    with pytest.raises(HubRejected) as missing:
        client.session(str(uuid.uuid4()))
    assert missing.value.status == 404


def test_network_failures_and_server_errors_mean_retry_later():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(HubUnreachable, match="unreachable"):
        HubClient(f"http://127.0.0.1:{port}", "stt_x").plan_today()

    class Broken(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status = 500 if self.path.endswith("today") else 200
            self.send_response(status)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>oops</html>")

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Broken)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = HubClient(f"http://127.0.0.1:{server.server_port}", "stt_x")
        with pytest.raises(HubUnreachable, match="500"):
            client.plan_today()
        with pytest.raises(HubUnreachable, match="without JSON"):
            client.progress()
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("url", ["hub.example.org", "ftp://hub", "http://"])
def test_hub_addresses_are_checked(url):
    with pytest.raises(ValueError, match="https://"):
        normalise_hub_url(url)


def test_uploader_sorts_outcomes(live_server, app, factories, paired, tmp_path):
    other = pair_patient(app, factories)
    box = Outbox(tmp_path / "outbox.sqlite")
    client = HubClient(live_server, paired.token)
    good = _queue(box, live_server, session_meta(paired))
    foreign = _queue(box, live_server, session_meta(paired, assignment_id=other.assignment.id))
    already = session_meta(paired)
    assert client.upload_session(dumps_metadata(already), recording_bytes())["created"]
    _queue(box, live_server, already)
    elsewhere = _queue(box, "http://other-hub.test", session_meta(paired))

    report = Uploader(box, client).flush()
    assert report.sent == [good] and report.already_there == [already["session_id"]]
    assert "not in your plan" in report.rejected[foreign]
    assert box.get(foreign).status == "rejected" and box.get(elsewhere).status == "pending"

    with Session(get_engine(app)) as s:
        devices.revoke_device(s, actor=paired.therapist, device_id=paired.device_id)
    late = _queue(box, live_server, session_meta(paired))
    report = Uploader(box, client).flush()
    assert report.token_error and "revoked" in report.token_error
    assert box.get(late).status == "pending"  # kept: pairing again will send it


def test_background_uploader_sends_when_kicked(live_server, paired, tmp_path):
    box = Outbox(tmp_path / "outbox.sqlite")
    background = BackgroundUploader(Uploader(box, HubClient(live_server, paired.token))).start()
    try:
        session_id = _queue(box, live_server, session_meta(paired))
        background.kick()
        assert background.wait_until_sent(session_id, timeout_s=30)
        assert box.get(session_id).hub_id is not None
    finally:
        background.stop()
