"""The hub's commands: db, user, seed, demo (serving is faked here; see test_serve)."""

from __future__ import annotations

from smarttouch.platform.migrate import head_revision

from flask import Flask
from sqlmodel import Session, func, select

from smarttouch.platform import cli as platform_cli
from smarttouch.platform.db import get_engine, make_engine
from smarttouch.platform.models import Assignment, Patient, User
from smarttouch.platform.services.demo import DEMO_PATIENTS
from smarttouch.platform.services.passwords import verify_password


def _count(app: Flask, model) -> int:
    with Session(get_engine(app)) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_db_upgrade_on_an_empty_database(tmp_path, runner) -> None:
    runner.env["SMARTTOUCH_DATABASE_URL"] = f"sqlite:///{tmp_path / 'new.db'}"
    result = runner.invoke("db", "upgrade")
    assert result.exit_code == 0, result.output
    result = runner.invoke("db", "current")
    assert f"current: {head_revision()}" in result.output


def test_user_create_prompts_for_the_password(runner, app: Flask) -> None:
    result = runner.invoke("user", "create", "--role", "therapist", "--email",
                           "Nuova@Example.org", "--reviewer",
                           input="a-strong-password\na-strong-password\n")
    assert result.exit_code == 0, result.output
    assert "a-strong-password" not in result.output
    with Session(get_engine(app)) as session:
        user = session.exec(select(User).where(User.email == "nuova@example.org")).one()
        assert user.role == "therapist" and user.is_reviewer
        assert verify_password(user.password_hash, "a-strong-password")


def test_user_create_errors_are_one_line(runner) -> None:
    args = ("user", "create", "--role", "developer", "--email", "dev@example.org",
            "--password", "long-enough-pw")
    assert runner.invoke(*args).exit_code == 0
    result = runner.invoke(*args)
    assert result.exit_code == 1 and "already exists" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke("user", "create", "--role", "developer", "--email", "x@example.org",
                           "--password", "short")
    assert result.exit_code == 1 and "password" in result.output
    result = runner.invoke("user", "create", "--role", "wizard", "--email", "x@example.org",
                           "--password", "long-enough-pw")
    assert result.exit_code == 2


def test_seed_demo_is_idempotent(runner, app: Flask) -> None:
    first = runner.invoke("seed", "--demo")
    assert first.exit_code == 0, first.output
    assert "therapist@example.org" in first.output and "demo-therapist" in first.output
    counts = (_count(app, User), _count(app, Patient), _count(app, Assignment))
    assert counts[0] >= 5 and counts[1] >= 6 and counts[2] >= 2
    second = runner.invoke("seed", "--demo")
    assert second.exit_code == 0 and "added 0 patients, 0 assignments" in second.output
    assert "demo-therapist" in second.output  # still valid, still printed
    assert (_count(app, User), _count(app, Patient), _count(app, Assignment)) == counts
    with Session(get_engine(app)) as session:
        conditions = set(session.exec(select(Patient.condition)).all())
    assert {"post_stroke", "parkinson", "copd", "multiple_sclerosis", "knee_osteoarthritis",
            "frailty"} <= conditions


def test_seed_needs_a_migrated_database(tmp_path, runner) -> None:
    runner.env["SMARTTOUCH_DATABASE_URL"] = f"sqlite:///{tmp_path / 'bare.db'}"
    result = runner.invoke("seed", "--demo")
    assert result.exit_code == 1 and "smarttouch db upgrade" in result.output


def test_production_without_secret_is_a_clear_error(runner) -> None:
    runner.env["SMARTTOUCH_ENV"] = "production"
    runner.env.pop("SMARTTOUCH_SECRET_KEY")
    result = runner.invoke("db", "current")
    assert result.exit_code == 1 and "SMARTTOUCH_SECRET_KEY must be set" in result.output


def test_demo_migrates_seeds_once_and_serves(tmp_path, runner, monkeypatch) -> None:
    served = []

    def fake_run(server) -> None:  # bound for real on a free port, closed instead of run
        served.append(server.effective_port)
        server.close()

    monkeypatch.setattr(platform_cli, "_run", fake_run)
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    runner.env["SMARTTOUCH_DATABASE_URL"] = url
    result = runner.invoke("demo", "--port", "0")
    assert result.exit_code == 0, result.output
    port = served[0]
    assert int(port) > 0 and f"Open http://127.0.0.1:{port}/" in result.output
    assert "patient@example.org" in result.output and "demo-patient" in result.output
    again = runner.invoke("demo", "--port", "0")
    assert "demo data not added" in again.output and "demo-therapist" in again.output
    assert len(served) == 2
    engine = make_engine(url)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Patient)).one() == len(DEMO_PATIENTS)
    engine.dispose()
