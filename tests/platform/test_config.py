"""App factory and configuration: defaults, environment, overrides, secrets."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from smarttouch.platform import create_app
from smarttouch.platform.core.config import SETTINGS, ConfigError, markdown_table, resolve


def test_defaults_live_in_the_instance_folder(tmp_path: Path) -> None:
    cfg = resolve({"INSTANCE_PATH": str(tmp_path / "inst")}, environ={})
    inst = tmp_path / "inst"
    assert cfg["ENV"] == "development"
    assert cfg["DATABASE_URL"] == f"sqlite:///{inst / 'smarttouch.db'}"
    assert cfg["BLOB_PATH"] == str(inst / "blobs")
    assert (inst / "secret_key").is_file()
    assert cfg["SESSION_COOKIE_SECURE"] is False
    assert cfg["SESSION_COOKIE_HTTPONLY"] is True
    assert cfg["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_environment_variables_are_read(tmp_path: Path) -> None:
    env = {
        "SMARTTOUCH_INSTANCE_PATH": str(tmp_path),
        "SMARTTOUCH_DATABASE_URL": "postgresql+psycopg://u@db.example/hub",
        "SMARTTOUCH_BLOB_PATH": str(tmp_path / "b"),
        "SMARTTOUCH_REDIS_URL": "redis://cache:6379/0",
        "SMARTTOUCH_LOGIN_FREE_FAILURES": "7",
        "SMARTTOUCH_SECURE_COOKIES": "yes",
        "SMARTTOUCH_DEFAULT_LOCALE": "it",
    }
    cfg = resolve(None, environ=env)
    assert cfg["DATABASE_URL"] == "postgresql+psycopg://u@db.example/hub"
    assert cfg["BLOB_PATH"] == str(tmp_path / "b")
    assert cfg["REDIS_URL"] == "redis://cache:6379/0"
    assert cfg["LOGIN_FREE_FAILURES"] == 7
    assert cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["BABEL_DEFAULT_LOCALE"] == "it"


def test_overrides_beat_environment(tmp_path: Path) -> None:
    env = {"SMARTTOUCH_INSTANCE_PATH": str(tmp_path), "SMARTTOUCH_SESSION_HOURS": "3"}
    cfg = resolve({"SESSION_HOURS": 1}, environ=env)
    assert cfg["PERMANENT_SESSION_LIFETIME"].total_seconds() == 3600


def test_config_class_object_is_accepted(tmp_path: Path) -> None:
    class Mine:
        ENV = "testing"
        INSTANCE_PATH = str(tmp_path)
        DEFAULT_LOCALE = "it"

    cfg = resolve(Mine, environ={})
    assert cfg["TESTING"] is True and cfg["ARGON2_PROFILE"] == "fast"
    assert cfg["DEFAULT_LOCALE"] == "it"


def test_secret_key_is_generated_once_and_private(tmp_path: Path) -> None:
    first = resolve({"INSTANCE_PATH": str(tmp_path)}, environ={})["SECRET_KEY"]
    second = resolve({"INSTANCE_PATH": str(tmp_path)}, environ={})["SECRET_KEY"]
    assert first == second and len(first) == 64
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_production_requires_an_explicit_secret_key(tmp_path: Path) -> None:
    env = {"SMARTTOUCH_ENV": "production", "SMARTTOUCH_INSTANCE_PATH": str(tmp_path)}
    with pytest.raises(ConfigError, match="SMARTTOUCH_SECRET_KEY"):
        resolve(None, environ=env)
    assert not (tmp_path / "secret_key").exists()
    with pytest.raises(ConfigError, match="too short"):
        resolve(None, environ=env | {"SMARTTOUCH_SECRET_KEY": "short"})
    cfg = resolve(None, environ=env | {"SMARTTOUCH_SECRET_KEY": "k" * 40})
    assert cfg["SECRET_KEY"] == "k" * 40
    assert cfg["SESSION_COOKIE_SECURE"] is True and cfg["REMEMBER_COOKIE_SECURE"] is True
    assert cfg["DEBUG"] is False
    with pytest.raises(ConfigError, match="tests only"):
        resolve(None, environ=env | {"SMARTTOUCH_SECRET_KEY": "k" * 40, "SMARTTOUCH_ARGON2_PROFILE": "fast"})


@pytest.mark.parametrize(
    "env, needle",
    [
        ({"SMARTTOUCH_ENV": "staging"}, "SMARTTOUCH_ENV"),
        ({"SMARTTOUCH_LOGIN_LOCK_MINUTES": "soon"}, "SMARTTOUCH_LOGIN_LOCK_MINUTES"),
        ({"SMARTTOUCH_SECURE_COOKIES": "maybe"}, "SMARTTOUCH_SECURE_COOKIES"),
        ({"SMARTTOUCH_DEFAULT_LOCALE": "fr"}, "SMARTTOUCH_DEFAULT_LOCALE"),
        ({"SMARTTOUCH_TIMEZONE": "Mars/Olympus"}, "SMARTTOUCH_TIMEZONE"),
    ],
)
def test_bad_values_name_the_variable(tmp_path: Path, env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        resolve(None, environ={"SMARTTOUCH_INSTANCE_PATH": str(tmp_path), **env})


def test_create_app_uses_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTTOUCH_INSTANCE_PATH", str(tmp_path / "env-inst"))
    monkeypatch.setenv("SMARTTOUCH_ENV", "testing")
    app = create_app()
    assert app.instance_path == str((tmp_path / "env-inst").resolve())
    assert app.config["DATABASE_URL"].endswith("env-inst/smarttouch.db")
    assert app.testing


def test_readme_table_lists_every_setting() -> None:
    table = markdown_table()
    for setting in SETTINGS:
        assert f"`{setting.env_var}`" in table


def test_default_instance_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    from smarttouch import paths
    from smarttouch.platform.core import config

    root = config.checkout_root()
    assert root is not None and (root / "pyproject.toml").is_file()
    assert config.default_instance_path() == root / "instance"
    monkeypatch.setattr(paths, "checkout_root", lambda: None)
    assert config.default_instance_path().name == "smarttouch"
    assert root not in config.default_instance_path().parents
