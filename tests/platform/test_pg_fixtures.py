"""The PostgreSQL fixtures cannot hang the suite on a lock an earlier test left held.

A connection an earlier test leaves open inside a transaction (a thread it did not stop, say)
holds its locks; ``pg_url``'s ``DROP SCHEMA`` used to wait for it for ever, holding the xdist
worker until CI's own limit. Needs ``SMARTTOUCH_TEST_DATABASE_URL``."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from smarttouch.platform.storage.db import make_engine
from tests.platform.conftest import LOCK_TIMEOUT, migrated_pg_copy


@pytest.mark.timeout(60)
def test_a_lock_left_held_does_not_stop_the_next_test_s_database(
    pg_worker_url: str, request: pytest.FixtureRequest
) -> None:
    stray = make_engine(pg_worker_url).connect()
    try:
        stray.execute(text("CREATE TABLE IF NOT EXISTS left_behind (id integer)"))
        stray.commit()
        stray.execute(text("SELECT * FROM left_behind"))  # an open transaction: a lock held
        url = request.getfixturevalue("pg_url")  # the next test's empty database
        assert url == pg_worker_url
        with pytest.raises(DBAPIError):  # the stray connection was closed by the server
            stray.execute(text("SELECT 1"))
    finally:
        stray.close()
        stray.engine.dispose()
    engine = make_engine(pg_worker_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT to_regclass('public.left_behind')")).scalar() is None
    finally:
        engine.dispose()


def _lock_timeout(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SHOW lock_timeout")).scalar())
    finally:
        engine.dispose()


def test_the_test_databases_wait_a_bounded_time_for_a_lock(
    pg_url: str, request: pytest.FixtureRequest
) -> None:
    bounded = {"60s": "1min"}.get(LOCK_TIMEOUT, LOCK_TIMEOUT)  # as PostgreSQL shows it
    assert _lock_timeout(pg_url) == bounded  # the worker's database
    migrated_pg_copy(request, pg_url)  # a copy of the migrated template (db_app's)
    assert _lock_timeout(pg_url) == bounded
