"""The security probes run against the hub's own fixtures (``tests/platform/conftest.py``):
a fresh migrated hub per test, its client, factories and a live server."""

from __future__ import annotations

from tests.platform.conftest import (  # noqa: F401  (fixtures, re-exported for this folder)
    _clean_env,
    app,
    client,
    db_app,
    db_session,
    db_url,
    factories,
    live_server,
    login_as,
    make_activity,
    make_app,
    make_assignment,
    make_challenge,
    make_exercise_session,
    make_patient,
    make_user,
    pg_url,
    pg_worker_url,
    runner,
    sqlite_template,
)
