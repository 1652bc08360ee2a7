"""Test helpers for the hub, shared by the test suite, benchmarks and browser tests.

They drive the real app: :func:`login` posts the real login form with its CSRF token,
:class:`Factories` writes rows through the same services the app uses where it matters
(users get real argon2 hashes). Nothing here is imported by the app itself.
"""

from __future__ import annotations

import itertools
import os
import re
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from .models import Activity, Assignment, Challenge, ExerciseSession, Patient, User, UserCreate, pk, utcnow
from .services.accounts import users
from .services.challenges import terms
from .services.clinic import catalogue
from .storage.db import get_engine

TEST_PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def hub_config(instance: Path, database_url: str, **extra: Any) -> dict[str, Any]:
    """Config overrides for a test app on ``database_url`` with its instance folder."""
    return {
        "ENV": "testing",
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        **extra,
    }


def build_sqlite_template(path: Path) -> Path:
    """Create a SQLite hub database at ``path``: migrated to head, built-in activities in,
    write-ahead log folded back so the single file can be copied for each test."""
    from .storage import migrate
    from .storage.db import make_engine

    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        catalogue.ensure_builtin_activities(session)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    html = client.get(path).get_data(as_text=True)
    match = _CSRF_RE.search(html)
    if match is None:
        raise AssertionError(f"no CSRF token on {path}")
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = TEST_PASSWORD, **headers: str) -> Any:
    token = csrf_token(client, "/login")
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}, headers=headers
    )


class Factories:
    """``make_*`` helpers writing straight to a database (bypassing the web layer)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def _session(self) -> Session:
        return Session(get_engine(self.app), expire_on_commit=False)

    def user(
        self,
        role: str = "therapist",
        *,
        email: str | None = None,
        password: str = TEST_PASSWORD,
        full_name: str | None = None,
        accept_terms: bool = True,
        **kw: Any,
    ) -> User:
        """An active account. A developer made here has accepted the data-use terms of every
        challenge that exists at that moment (through :func:`.terms.accept`, audited), as one who
        signed up and clicked "accept" would have; ``accept_terms=False`` makes one who has not
        (and :meth:`accept_terms` accepts a challenge created later)."""
        n = next(_counter)
        with self._session() as session:
            user = users.create_user(
                session,
                data=UserCreate(
                    email=email or f"{role}{n}-{uuid.uuid4().hex[:6]}@example.org",
                    full_name=full_name or f"{role.title()} {n}",
                    role=role,
                    password=password,
                    **kw,
                ),
                password_profile="fast",
            )
            if role == "developer" and accept_terms:
                for challenge in session.exec(select(Challenge)).all():
                    terms.accept(session, user=user, challenge=challenge)
            return user

    def accept_terms(self, user: User, challenge: Challenge) -> None:
        """``user`` (a developer) accepts ``challenge``'s data-use terms."""
        with self._session() as session:
            terms.accept(session, user=user, challenge=challenge)

    def patient(self, therapist: User | None = None, *, user: User | None = None, **kw: Any) -> Patient:
        therapist = therapist or self.user("therapist")
        n = next(_counter)
        fields = {"code": f"T-{n:04d}", "condition": "post_stroke", "affected_side": "right", **kw}
        with self._session() as session:
            patient = Patient(**fields, therapist_id=pk(therapist), user_id=user.id if user else None)
            session.add(patient)
            session.commit()
            session.refresh(patient)
            return patient

    def activity(self, key: str | None = None, **kw: Any) -> Activity:
        n = next(_counter)
        fields = {
            "key": key or f"test-game-{n}",
            "kind": "game",
            "title": f"Test game {n}",
            "movements": ["shoulder_flexion"],
            "source": "solution",
            **kw,
        }
        with self._session() as session:
            activity = Activity(**fields)
            session.add(activity)
            session.commit()
            session.refresh(activity)
            return activity

    def assignment(self, patient: Patient, *, activity: Activity | None = None, **kw: Any) -> Assignment:
        with self._session() as session:
            activity = activity or catalogue.get_activity_by_key(session, key="balloons")
            if activity is None:
                raise LookupError("built-in activity 'balloons' missing: run the migrations")
            fields = {
                "movement": "shoulder_flexion",
                "target_rom_deg": 90.0,
                "reps": 10,
                "sets": 2,
                "sessions_per_week": 5,
                "difficulty": 2,
                "start_date": date.today() - timedelta(days=1),
                **kw,
            }
            row = Assignment(
                **fields, patient_id=pk(patient), activity_id=pk(activity), created_by_id=patient.therapist_id
            )
            session.add(row)
            session.commit()
            session.refresh(row)
            return row

    def challenge(self, **kw: Any) -> Challenge:
        n = next(_counter)
        fields = {
            "slug": f"challenge-{n}",
            "title": f"Challenge {n}",
            "kind": "analyzer",
            "summary": "Count repetitions from a wrist IMU.",
            **kw,
        }
        with self._session() as session:
            row = Challenge(**fields)
            session.add(row)
            session.commit()
            session.refresh(row)
            return row

    def exercise_session(self, patient: Patient, **kw: Any) -> ExerciseSession:
        fields = {"client_uuid": str(uuid.uuid4()), "started_at": utcnow(), **kw}
        with self._session() as session:
            row = ExerciseSession(**fields, patient_id=pk(patient))
            session.add(row)
            session.commit()
            session.refresh(row)
            return row


class LocalSmtpServer:
    """A real SMTP server (aiosmtpd, a dev dependency) on a free loopback port.

    ``with LocalSmtpServer() as s:`` starts it; ``s.url`` goes into ``SMTP_URL``;
    ``s.messages`` collects every received message as an :class:`email.message.EmailMessage`;
    ``s.wait_for(n)`` blocks until ``n`` messages have arrived (or raises after ``timeout``).
    """

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self._controller: Any = None
        self.url = ""

    def __enter__(self) -> LocalSmtpServer:
        import email
        import email.policy

        from aiosmtpd.controller import Controller

        outer = self

        class _Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
                outer.messages.append(msg)
                return "250 Message accepted"

        port = free_port()
        self._controller = Controller(_Handler(), hostname="127.0.0.1", port=port)
        self._controller.start()
        self.url = f"smtp://127.0.0.1:{port}"
        return self

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Any]:
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} e-mails, received {len(self.messages)}")
            time.sleep(0.02)
        return self.messages

    def __exit__(self, *exc: object) -> None:
        if self._controller is not None:
            self._controller.stop()


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` right now (the kernel's pick)."""
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def bucket_client() -> Any:
    """A boto3 client on the S3 server that the AWS environment names (``AWS_ENDPOINT_URL``
    and keys, as the ``s3_blob_url`` fixture sets them): a test's own view of a bucket,
    independent of the blob store under test."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], config=Config(s3={"addressing_style": "path"})
    )


class S3Server:
    """A real S3-compatible server process on a free loopback port, for tests and benchmarks,
    never a mock object: :mod:`smarttouch.platform.s3_server`, moto's S3 backend (from
    ``moto[server]``, a dev dependency) served by waitress.

    ``with S3Server() as s3:`` starts it and waits until it answers; ``s3.endpoint_url`` is its
    address; ``s3.env()`` the AWS environment variables that point the hub's S3 client (and so a hub or
    worker process) at it; ``s3.blob_url(bucket, prefix)`` creates the bucket and returns the
    ``SMARTTOUCH_BLOB_URL``; ``s3.client()`` a boto3 client on it (for the tests' own checks); ``s3.stop()`` (or leaving
    the ``with``) ends the process. ``log_path``: where the server's output goes (default:
    discarded). The server keeps everything in memory; buckets vanish when it stops.
    """

    ACCESS_KEY = "smarttouch-test"
    SECRET_KEY = "smarttouch-test-secret"
    REGION = "us-east-1"

    def __init__(
        self, *, host: str = "127.0.0.1", port: int | None = None, log_path: Path | None = None
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.endpoint_url = f"http://{host}:{self.port}"
        self.log_path = log_path
        self.process: Any = None

    def env(self) -> dict[str, str]:
        """``AWS_*`` variables for a process (or ``monkeypatch.setenv``) to use this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": self.SECRET_KEY,
            "AWS_DEFAULT_REGION": self.REGION,
        }

    def start(self, timeout: float = 30.0) -> S3Server:
        import subprocess
        import sys
        import time
        import urllib.error
        import urllib.request

        out: Any = subprocess.DEVNULL
        if self.log_path is not None:
            out = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "smarttouch.platform.s3_server",
                "--host",
                self.host,
                "--port",
                f"{self.port}",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        if out is not subprocess.DEVNULL:
            out.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the S3 server exited with {self.process.returncode} (port {self.port})")
            try:  # an unsigned ListBuckets: the server accepts any credentials, and none
                with urllib.request.urlopen(f"{self.endpoint_url}/", timeout=1):
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"the S3 server did not answer on {self.endpoint_url}") from None
                time.sleep(0.1)

    def client(self) -> Any:
        """A boto3 S3 client on this server."""
        import boto3
        from botocore.config import Config

        env = self.env()
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=env["AWS_DEFAULT_REGION"],
            config=Config(s3={"addressing_style": "path"}),
        )

    def create_bucket(self, name: str | None = None, *, versioned: bool = False) -> str:
        """Create a bucket (a fresh random name by default); returns its name."""
        name = name or f"smarttouch-{uuid.uuid4().hex[:12]}"
        client = self.client()
        client.create_bucket(Bucket=name)
        if versioned:
            client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        return name

    def blob_url(self, bucket: str | None = None, prefix: str = "blobs") -> str:
        """A ``SMARTTOUCH_BLOB_URL`` on a new bucket (``bucket`` or a random name)."""
        name = self.create_bucket(bucket)
        return f"s3://{name}/{prefix}" if prefix else f"s3://{name}"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except Exception:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> S3Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def paired_patients(
    app: Flask,
    count: int,
    *,
    therapist: User | None = None,
    movement: str = "shoulder_flexion",
    target_rom_deg: float = 85.0,
) -> list[tuple[str, int]]:
    """``count`` patients of ``therapist`` (a new one by default), each with one exercise and a
    paired computer, for load generators: ``(device token, assignment id)`` per patient."""
    from .services.clinic import devices

    with Session(get_engine(app)) as s:
        catalogue.ensure_builtin_activities(s)
    factories = Factories(app)
    therapist = therapist or factories.user("therapist")
    links: list[tuple[str, int]] = []
    for _ in range(count):
        patient = factories.patient(therapist)
        plan = factories.assignment(patient, movement=movement, target_rom_deg=target_rom_deg)
        with Session(get_engine(app)) as s:
            code, _ = devices.create_pairing_code(s, actor=therapist, patient_id=pk(patient))
            token, _ = devices.exchange_pairing_code(s, code=code, label="load generator")
        links.append((token, pk(plan)))
    return links
