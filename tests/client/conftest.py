"""Fixtures for the patient client's tests: the hub's own fixtures (a migrated hub ``app``,
``live_server`` serving it over HTTP, ``factories``, ``db_session``), so the client talks to
the real device API rather than to a mock. They are defined once, in tests/platform/conftest.py.
"""

from tests.platform.conftest import (  # noqa: F401 (fixtures are found by name)
    _clean_env,
    app,
    db_session,
    factories,
    live_server,
    sqlite_template,
)
