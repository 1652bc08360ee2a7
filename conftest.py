"""Settings and fixtures shared by every test: headless pygame, a real S3 server, templates
compiled once per test process.

* Every hub app a test builds gets a fresh Jinja environment, which would compile each page's
  templates again (a fifth of a web test's time). :class:`SharedTemplateCode` keeps the compiled
  code for the whole run, keyed by the template's file, its source's checksum (Jinja's own
  check: an edited template is compiled again) and what of the environment shapes the code, so
  an app renders exactly what it would with its own compilation. Set on ``Flask.jinja_options``
  for the session (``_templates_compiled_once``).

* ``s3_server``: one :class:`smarttouch.platform.testing.S3Server` (moto's S3 backend
  on waitress, a process on a free loopback port) per test worker, for the whole session.
* ``s3_blob_url``: a fresh bucket on it; the test's environment points the hub's S3 client at the server
  (``AWS_ENDPOINT_URL`` and credentials), and the value is the ``SMARTTOUCH_BLOB_URL``
  (``s3://<bucket>/blobs``) for an app or a child process (``s3_server.env()``).
* ``redis_url``: ``SMARTTOUCH_TEST_REDIS_URL``, or the test is skipped.
"""

import hashlib
import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
# the built-in games' preview pictures are drawn once per game version and shared by every test
# app of the run (each test's fresh instance folder would otherwise draw them again, seconds each)
os.environ.setdefault(
    "SMARTTOUCH_PREVIEW_CACHE", os.path.join(tempfile.gettempdir(), f"smarttouch-test-previews-{os.getuid()}")
)


class SharedTemplateCode(BytecodeCache):
    """Compiled templates kept in memory, shared by every Jinja environment of this process whose
    compilation settings are the same (see the module docs)."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    @staticmethod
    def _settings(env: Environment) -> str:
        return repr(
            (
                env.block_start_string,
                env.block_end_string,
                env.variable_start_string,
                env.variable_end_string,
                env.comment_start_string,
                env.comment_end_string,
                env.line_statement_prefix,
                env.line_comment_prefix,
                env.trim_blocks,
                env.lstrip_blocks,
                env.newline_sequence,
                env.keep_trailing_newline,
                env.optimized,
                env.autoescape if isinstance(env.autoescape, bool) else env.autoescape.__qualname__,
                env.finalize is not None,
                sorted(env.extensions),
                sorted(env.filters),
                sorted(env.tests),
                getattr(env, "newstyle_gettext", None),
                env.is_async,
            )
        )

    def get_bucket(self, environment: Environment, name: str, filename: str | None, source: str) -> Bucket:
        key = hashlib.sha1(
            f"{self.get_cache_key(name, filename)}|{self._settings(environment)}".encode()
        ).hexdigest()
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # checks the source's checksum

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(scope="session", autouse=True)
def _templates_compiled_once() -> Iterator[SharedTemplateCode]:
    """See the module docs."""
    cache = SharedTemplateCode()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Flask, "jinja_options", {**Flask.jinja_options, "bytecode_cache": cache})
        yield cache


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
