"""Settings and fixtures shared by every test: headless pygame, a real S3 server.

* ``s3_server``: one :class:`smarttouch.platform.testing.S3Server` (moto's S3 backend
  on waitress, a process on a free loopback port) per test worker, for the whole session.
* ``s3_blob_url``: a fresh bucket on it; the test's environment points the hub's S3 client at the server
  (``AWS_ENDPOINT_URL`` and credentials), and the value is the ``SMARTTOUCH_BLOB_URL``
  (``s3://<bucket>/blobs``) for an app or a child process (``s3_server.env()``).
* ``redis_url``: ``SMARTTOUCH_TEST_REDIS_URL``, or the test is skipped.
"""

import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
# the built-in games' preview pictures are drawn once per game version and shared by every test
# app of the run (each test's fresh instance folder would otherwise draw them again, seconds each)
os.environ.setdefault(
    "SMARTTOUCH_PREVIEW_CACHE", os.path.join(tempfile.gettempdir(), f"smarttouch-test-previews-{os.getuid()}")
)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[Any]:
    from smarttouch.platform.testing import S3Server

    with S3Server() as server:
        yield server


@pytest.fixture
def s3_blob_url(s3_server: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return str(s3_server.blob_url())


@pytest.fixture
def redis_url() -> str:
    """``SMARTTOUCH_TEST_REDIS_URL`` (CI sets it); the test is skipped when it is unset."""
    url = os.environ.get("SMARTTOUCH_TEST_REDIS_URL", "")
    if not url:
        pytest.skip("SMARTTOUCH_TEST_REDIS_URL is not set: Redis variants skipped (CI sets it)")
    return url
