"""Fixtures for the hub's tests.

* ``app``: a hub on a fresh, migrated SQLite database in ``tmp_path`` (copied from a
  template migrated once per worker), CSRF on, cheap argon2 parameters.
* ``demo_app``: ``app`` with the demo clinic in it (``seed_demo``: people, plans, weeks of
  synthetic sessions with their blobs, challenges, the pilot). The demo is seeded once per
  worker into a template instance folder (``demo_template``); a test asking for ``demo_app``
  gets its own copy of it as ``app``'s database and blob folder, so ``live_server`` serves it
  and what the test writes stays its own.
* ``client``: its test client. Helpers in :mod:`smarttouch.platform.testing`:
  ``csrf_token(client, path)``, ``login(client, email, password)``, ``hub_config(...)``,
  ``TEST_PASSWORD`` (the factories' default password).
* ``login_as(role, **fields)``: creates a user of that role and logs ``client`` in through
  the real login form; returns the user. ``login_as("patient")`` also creates the patient
  record (with a therapist) linked to the account.
* ``runner``: invokes the ``smarttouch`` command line against the app's instance folder.
* ``db_session``: a SQLModel session on the app's database.
* ``make_app(database_url, **config)``: another app on the same database (a second worker).
* ``live_server``: ``app`` served by waitress on a free port; yields its base URL
  (for Playwright and HTTP-client tests).
* Factories bound to the app's database: ``make_user``, ``make_patient``, ``make_activity``,
  ``make_assignment``, ``make_challenge``, ``make_exercise_session``.
* PostgreSQL: ``db_url`` is parametrized over ``sqlite`` and ``postgresql``; the latter uses
  ``SMARTTOUCH_TEST_DATABASE_URL`` (one database per xdist worker, emptied before each test)
  and is skipped with a reason when the variable is unset. ``db_app`` is a migrated app on
  ``db_url``: its database is a copy of one migrated once per worker (the SQLite template, and
  ``pg_template_url`` on PostgreSQL), as migrating it in the test would leave it.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from smarttouch.platform import create_app
from smarttouch.platform.core.config import SETTINGS
from smarttouch.platform.i18n.language import hub_tz, local_today
from smarttouch.platform.models import Activity, Assignment, Challenge, ExerciseSession, Patient, User
from smarttouch.platform.services.clinic import catalogue
from smarttouch.platform.services.demo.seed import seed_demo
from smarttouch.platform.storage import migrate
from smarttouch.platform.storage.blobstore import get_blobstore
from smarttouch.platform.storage.db import get_engine, make_engine
from smarttouch.platform.testing import (
    Factories,
    build_sqlite_template,
    hub_config,
    login,
)

PG_ENV = "SMARTTOUCH_TEST_DATABASE_URL"
PG_SKIP = (
    f"{PG_ENV} is not set: PostgreSQL variants skipped (CI sets it to "
    "postgresql+psycopg://postgres@127.0.0.1:5432/test)"
)


# ------------------------------------------------------------------ environment
@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No developer's SMARTTOUCH_* setting may leak into a test (or point it at a real DB)."""
    for setting in SETTINGS:
        monkeypatch.delenv(setting.env_var, raising=False)


# --------------------------------------------------------------------- SQLite
@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated to head once per worker; tests copy it."""
    return build_sqlite_template(tmp_path_factory.mktemp("template") / "template.db")


def fresh_sqlite_url(template: Path, folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "smarttouch.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """An instance folder with the demo seeded (``smarttouch.db`` and ``blobs/``), built once
    per worker on first use; ``demo_app`` tests copy it."""
    folder = tmp_path_factory.mktemp("demo-template") / "instance"
    url = fresh_sqlite_url(sqlite_template, folder)
    application = create_app(hub_config(folder, url))
    engine = get_engine(application)
    with application.test_request_context(), Session(engine) as db:
        seed_demo(
            db, today=local_today(), password_profile="fast", blobs=get_blobstore(application), tz=hub_tz()
        )
    with engine.connect() as conn:  # one self-contained file to copy
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return folder


def fresh_demo_url(template: Path, folder: Path) -> str:
    """A copy of the seeded demo (database and blob folder) in ``folder``; its database URL.

    The blobs are hard links: a folder store never changes a blob's file in place (it writes a
    new file and renames it over; deleting unlinks), so the template's stay as they were."""
    url = fresh_sqlite_url(template / "smarttouch.db", folder)
    shutil.copytree(template / "blobs", folder / "blobs", copy_function=os.link)
    return url


def sqlite_url_for(request: pytest.FixtureRequest, folder: Path) -> str:
    """The test's own SQLite database in ``folder``: the seeded demo when it asks for
    ``demo_app``, else the migrated template."""
    if "demo_app" in request.fixturenames:
        return fresh_demo_url(request.getfixturevalue("demo_template"), folder)
    return fresh_sqlite_url(request.getfixturevalue("sqlite_template"), folder)


# ----------------------------------------------------------------- PostgreSQL
#: how long a test's statement waits for a lock before it fails: a test never needs long, and
#: a lock left held by a stray connection must fail the test that meets it, not hang the suite
LOCK_TIMEOUT = "60s"
TERMINATE_OTHERS = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def recreate_database(admin: Any, name: str, *, template: str | None = None) -> None:
    """Drop database ``name`` (closing its connections) and create it again, empty or a copy
    of ``template``; every connection to it then waits at most ``LOCK_TIMEOUT`` for a lock.
    ``admin``: an AUTOCOMMIT connection to another database of the server."""
    admin.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    # a database setting, not copied by TEMPLATE: set on each copy
    admin.execute(text(f"ALTER DATABASE \"{name}\" SET lock_timeout = '{LOCK_TIMEOUT}'"))


@pytest.fixture(scope="session")
def pg_worker_url(worker_id: str) -> Iterator[str]:
    """A PostgreSQL database of this xdist worker, dropped at the end of the session."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    base_url = make_url(base)
    name = f"{base_url.database}_st_{worker_id}_{os.getpid()}".lower()
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        recreate_database(conn, name)
    try:
        yield base_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url(pg_worker_url: str) -> str:
    """The worker's PostgreSQL database, emptied (fresh public schema) for this test."""
    engine = make_engine(pg_worker_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        # a connection an earlier test left open (a thread it did not stop, a pool it did not
        # dispose) may hold a lock on a table: DROP SCHEMA would wait for it for ever
        conn.execute(text(TERMINATE_OTHERS))
        conn.execute(text(f"SET lock_timeout = '{LOCK_TIMEOUT}'"))
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return pg_worker_url


def _admin() -> Any:
    """An engine on ``SMARTTOUCH_TEST_DATABASE_URL``'s own database, to create and drop others."""
    return make_engine(os.environ[PG_ENV], isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_template_url(pg_worker_url: str) -> Iterator[str]:
    """A PostgreSQL database of this worker migrated to head, with the built-in activities
    (as ``sqlite_template``), built once; ``migrated_pg_copy`` copies it for a test."""
    url = make_url(pg_worker_url)
    template = url.set(database=f"{url.database}_tpl").render_as_string(hide_password=False)
    admin = _admin()
    with admin.connect() as conn:
        recreate_database(conn, f"{url.database}_tpl")
    try:
        migrate.upgrade(template)
        engine = make_engine(template)
        with Session(engine) as session:
            catalogue.ensure_builtin_activities(session)
        engine.dispose()  # CREATE DATABASE ... TEMPLATE needs it unconnected
        yield template
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}_tpl" WITH (FORCE)'))
        admin.dispose()


def migrated_pg_copy(request: pytest.FixtureRequest, url: str) -> None:
    """Make the worker's PostgreSQL database ``url`` (``pg_url``) a fresh copy of
    ``pg_template_url``: migrated, built-in activities in (a tenth of the time of migrating)."""
    template = make_url(request.getfixturevalue("pg_template_url")).database
    name = make_url(url).database
    admin = _admin()
    with admin.connect() as conn:
        recreate_database(conn, name, template=template)
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An EMPTY database (no tables) on each backend."""
    if request.param == "postgresql":
        return request.getfixturevalue("pg_url")
    return f"sqlite:///{tmp_path / 'empty.db'}"


# ------------------------------------------------------------------------ apps
def _build(tmp_path: Path, url: str, **extra: Any) -> Flask:
    return create_app(hub_config(tmp_path / "instance", url, **extra))


@pytest.fixture
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    url = sqlite_url_for(request, tmp_path / "instance")
    application = _build(tmp_path, url)
    yield application
    get_engine(application).dispose()


@pytest.fixture
def demo_app(app: Flask) -> Flask:
    """``app``, seeded with the demo (see ``demo_template``; its blob files are hard links to the
    template's, so a test must not write into one in place)."""
    return app


@pytest.fixture
def db_app(request: pytest.FixtureRequest, tmp_path: Path, db_url: str) -> Iterator[Flask]:
    """A migrated app, built-in activities in, on each backend (see ``db_url``): ``db_url``'s
    database is made a copy of the worker's migrated template (see the module docs)."""
    if make_url(db_url).get_backend_name() == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), str(make_url(db_url).database))
    else:
        migrated_pg_copy(request, db_url)
    application = _build(tmp_path, db_url)
    yield application
    get_engine(application).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    with app.app_context(), Session(get_engine(app)) as session:
        yield session


# ------------------------------------------------------------------ factories
@pytest.fixture
def factories(app: Flask) -> Factories:
    return Factories(app)


@pytest.fixture
def make_user(factories: Factories) -> Callable[..., User]:
    return factories.user


@pytest.fixture
def make_patient(factories: Factories) -> Callable[..., Patient]:
    return factories.patient


@pytest.fixture
def make_activity(factories: Factories) -> Callable[..., Activity]:
    return factories.activity


@pytest.fixture
def make_assignment(factories: Factories) -> Callable[..., Assignment]:
    return factories.assignment


@pytest.fixture
def make_challenge(factories: Factories) -> Callable[..., Challenge]:
    return factories.challenge


@pytest.fixture
def make_exercise_session(factories: Factories) -> Callable[..., ExerciseSession]:
    return factories.exercise_session


@pytest.fixture
def login_as(client: FlaskClient, factories: Factories) -> Callable[..., User]:
    """Log ``client`` in as a new user of ``role``; extra fields go to the user factory."""

    def _login_as(role: str, **kw: Any) -> User:
        user = factories.user(role, **kw)
        if role == "patient":
            factories.patient(user=user)
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return _login_as


class Runner:
    """Runs ``smarttouch ...`` against the app's instance folder and database."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.env = {
            "SMARTTOUCH_ENV": "testing",
            "SMARTTOUCH_INSTANCE_PATH": app.config["INSTANCE_PATH"],
            "SMARTTOUCH_DATABASE_URL": app.config["DATABASE_URL"],
            "SMARTTOUCH_SECRET_KEY": app.config["SECRET_KEY"],
            "SMARTTOUCH_ARGON2_PROFILE": "fast",
        }

    def invoke(self, *args: str, input: str | None = None) -> Result:
        from smarttouch.cli import main

        return CliRunner().invoke(main, list(args), input=input, env=self.env, catch_exceptions=True)


@pytest.fixture
def runner(app: Flask) -> Runner:
    return Runner(app)


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """``make_app(database_url, **config)``: another hub app (e.g. a second web worker)."""
    built: list[Flask] = []

    def _make(database_url: str, **extra: Any) -> Flask:
        application = create_app(hub_config(tmp_path / f"instance{len(built) + 2}", database_url, **extra))
        built.append(application)
        return application

    yield _make
    for application in built:
        get_engine(application).dispose()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve ``app`` with waitress on 127.0.0.1 and a free port; yields ``http://host:port``."""
    import waitress.server

    server = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=4)
    stop = threading.Event()

    def serve() -> None:  # server.run() with a way out
        while not stop.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)

    thread = threading.Thread(target=serve, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop.set()
        thread.join(timeout=5)
        for channel in list(server._map.values()):  # open connections (their sockets)
            channel.close()
        server.close()
        server.task_dispatcher.shutdown()  # its worker threads (close() leaves them running)


# ------------------------------------------------------------------------ mail
@pytest.fixture
def smtp_server() -> Iterator[Any]:
    """A real SMTP server (aiosmtpd) on a free loopback port, collecting what it receives.

    Yields an object with ``url`` (for ``SMTP_URL``) and ``messages`` (a list of
    :class:`email.message.EmailMessage`, appended as they arrive)."""
    from smarttouch.platform.testing import LocalSmtpServer

    with LocalSmtpServer() as server:
        yield server
