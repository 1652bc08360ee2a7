"""What the hub's browser tests share: the hub app they serve.

``app`` is the tests' hub (as in ``tests/platform/conftest.py``), with two additions: its mail
goes to the test's SMTP server (aiosmtpd) when the test uses ``smtp_server``, and a test may
run on PostgreSQL too with ``@pytest.mark.parametrize("app", ["sqlite", "postgresql"],
indirect=True)`` (the PostgreSQL case skips when SMARTTOUCH_TEST_DATABASE_URL is unset). A test
asking for ``demo_app`` gets the seeded demo, as in ``tests/platform/conftest.py`` (SQLite only)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from smarttouch.platform import create_app
from smarttouch.platform.storage.db import get_engine
from smarttouch.platform.testing import hub_config
from tests.platform.conftest import migrated_pg_copy, sqlite_url_for


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    backend = getattr(request, "param", "sqlite")
    if backend == "postgresql":
        assert "demo_app" not in request.fixturenames, "the seeded demo template is SQLite only"
        url = request.getfixturevalue("pg_url")
        migrated_pg_copy(request, url)  # migrated, built-in activities in
    else:
        url = sqlite_url_for(request, tmp_path / "instance")
    extra: dict[str, Any] = {}
    if "smtp_server" in request.fixturenames:
        extra["SMTP_URL"] = request.getfixturevalue("smtp_server").url
    application = create_app(hub_config(tmp_path / "instance", url, **extra))
    yield application
    get_engine(application).dispose()
