"""Database engine and sessions for the hub.

One engine per app (``app.extensions["smarttouch.db"]``). Web requests share one
:class:`sqlmodel.Session` per request (:func:`get_session`), closed at teardown; CLI code and
background jobs use :func:`session_scope`. Service functions receive the session explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

EXTENSION_KEY = "smarttouch.db"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout. Other
    databases test each connection the pool hands out (``pool_pre_ping``, one round trip per
    checkout) unless ``pool_pre_ping=False`` is passed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        connect_args = {"timeout": 30, "check_same_thread": False}
        engine = create_engine(url, connect_args=connect_args, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if database and database != ":memory:":
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def without_pre_ping(app: Flask) -> Engine:
    """Give ``app`` an engine that does not ping each connection it checks out (the scoring
    worker's: two checkouts a job, each a round trip to the database), disposing of the old
    one; SQLite's is kept (it never pings). Whoever uses it must survive a connection the
    database dropped while it sat in the pool: the first statement on it fails with
    ``connection_invalidated`` (and the pool drops its other connections of that age), and
    the lease store's claim, renewal and finish and the pilots' safety check are tried once
    more (:func:`smarttouch.platform.storage.retry.once_more_if_dropped`)."""
    old = get_engine(app)
    if old.dialect.name == "sqlite":
        return old
    engine = make_engine(app.config["DATABASE_URL"], pool_pre_ping=False)
    app.extensions[EXTENSION_KEY] = engine
    old.dispose()
    return engine


def init_app(app: Flask) -> Engine:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[EXTENSION_KEY] = engine

    @app.teardown_appcontext
    def _close_session(exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()

    return engine


def get_engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions[EXTENSION_KEY]


def get_session() -> Session:
    """The current app context's session (created on first use)."""
    if "db_session" not in g:
        g.db_session = Session(get_engine())
    return g.db_session


@contextmanager
def session_scope(app: Flask | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error (CLI, jobs, tests)."""
    with Session(get_engine(app)) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
