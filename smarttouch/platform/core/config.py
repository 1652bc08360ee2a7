"""Hub configuration: config classes plus ``SMARTTOUCH_*`` environment variables.

Every setting is declared once in :data:`SETTINGS` (name, default, type, meaning); the README's
configuration table is generated from it (``python -m smarttouch.platform.core.config``). The
precedence is: config class picked by ``SMARTTOUCH_ENV`` < environment variables < the
``config`` mapping given to :func:`smarttouch.platform.create_app` (tests).

Derived paths (database, blob store, secret key) are resolved against the instance folder.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from smarttouch.paths import checkout_root, default_instance_path  # noqa: F401  (re-exported)

ENV_PREFIX = "SMARTTOUCH_"


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Setting:
    """One configuration key, read from ``SMARTTOUCH_<name>``."""

    name: str
    default: Any
    kind: type
    help: str
    default_doc: str = ""

    @property
    def env_var(self) -> str:
        return ENV_PREFIX + self.name


SETTINGS: tuple[Setting, ...] = (
    Setting("ENV", "development", str, "`development`, `production` or `testing`: picks the config class."),
    Setting(
        "INSTANCE_PATH",
        None,
        str,
        "Folder for the SQLite database, secret key, folder blob store and per-machine caches.",
        "`./instance` in a checkout, else the per-user data dir",
    ),
    Setting(
        "DATABASE_URL",
        None,
        str,
        "SQLAlchemy URL, e.g. `postgresql+psycopg://user@host/db`.",
        "`sqlite:///<instance>/smarttouch.db`",
    ),
    Setting(
        "SECRET_KEY",
        None,
        str,
        "Session signing key. Required in production; otherwise generated once and kept "
        "in `<instance>/secret_key`.",
        "generated",
    ),
    Setting(
        "BLOB_URL",
        None,
        str,
        "Where the content-addressed store of recordings, solution code and artifacts lives: "
        "`file:///path` (a folder) or `s3://bucket/prefix` (S3-compatible object storage; endpoint "
        "and credentials from the usual `AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, "
        "`AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`). Every hub and worker must use the same one.",
        "`file://<instance>/blobs`",
    ),
    Setting(
        "BLOB_PATH",
        None,
        str,
        "Older spelling of a folder store (`BLOB_URL=file://<BLOB_PATH>`); ignored when `BLOB_URL` is set "
        "to the same folder, an error when it names another.",
        "unset",
    ),
    Setting(
        "REDIS_URL",
        "",
        str,
        "Redis for background jobs (huey), the login and pairing throttles and the workers' tick "
        "lease; empty means huey on SQLite in the instance folder and the rest in the database. "
        "Set it when hubs or workers run on more than one machine (`docs/deploy.md`).",
        "empty",
    ),
    Setting(
        "PREVIEW_CACHE",
        None,
        str,
        "Folder of the built-in games' preview pictures (drawn once per game version, safe to share "
        "between hubs on one machine and to delete).",
        "`<instance>/previews`",
    ),
    Setting("SECURE_COOKIES", None, bool, "Send cookies only over HTTPS.", "on in production, off otherwise"),
    Setting(
        "DEFAULT_LOCALE",
        "en",
        str,
        "Language when neither the user nor the browser chooses one (`it` or `en`).",
    ),
    Setting("TIMEZONE", "Europe/Rome", str, 'Time zone for dates shown on pages and for "today" in plans.'),
    Setting("SESSION_HOURS", 12, int, "Hours a web login stays valid."),
    Setting(
        "PROXY_HOPS", 0, int, "Reverse proxies in front of the hub whose X-Forwarded-* headers are trusted."
    ),
    Setting(
        "LOGIN_FREE_FAILURES",
        3,
        int,
        "Failed logins per account (x5 per IP address) before each attempt must wait 1, 2, 4... s.",
    ),
    Setting(
        "LOGIN_LOCK_FAILURES",
        10,
        int,
        "Failed logins per account (x5 per IP address) that lock logins for `LOGIN_LOCK_MINUTES`.",
    ),
    Setting(
        "LOGIN_LOCK_MINUTES", 15, int, "Minutes of a login lock; failures older than this are forgotten."
    ),
    Setting(
        "ARGON2_PROFILE",
        "default",
        str,
        "`default` (RFC 9106 low-memory) or `fast` (tests only) argon2id parameters.",
    ),
    Setting("LOG_LEVEL", "INFO", str, "Python logging level of the hub."),
    Setting(
        "SCORING",
        "queue",
        str,
        "`queue`: an upload is answered at once and scored by `smarttouch worker` (the production "
        'path; the session shows "scoring" until then); `inline`: the scoring job runs in the '
        "request, through the same job code (tests).",
        "`queue` (`inline` when `SMARTTOUCH_ENV=testing`)",
    ),
    Setting(
        "FHIR_BASE_URL",
        "",
        str,
        "Base URL of the hub's FHIR identifiers and code systems; empty means "
        "`https://smarttouch.invalid/fhir` (a reserved name, until a real domain is chosen).",
    ),
    Setting(
        "BASE_URL",
        "",
        str,
        "Public address of the hub, `scheme://host[:port]` (e.g. `https://hub.example.org`): every "
        "absolute URL the hub writes (API links, the token page's command) starts with it, never "
        "with the request's Host header. Set it in production.",
        "`http://<HOST>:<PORT>`",
    ),
    Setting(
        "SMTP_URL",
        "",
        str,
        "Outgoing mail server, `smtp://[user:password@]host[:port]` (STARTTLS when the server offers "
        "it; add `?starttls=require` to insist) or `smtps://...` (TLS from the start). Empty means "
        "mail is written to the hub's log and console instead of being sent.",
        "empty",
    ),
    Setting("MAIL_FROM", "SmartTouch <no-reply@smarttouch.invalid>", str, "Sender of the hub's e-mails."),
    Setting("HOST", "127.0.0.1", str, "Address `smarttouch serve`/`demo` listen on."),
    Setting("PORT", 8000, int, "Port `smarttouch serve`/`demo` listen on."),
)

SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}
LOCALES = ("en", "it")


class BaseConfig:
    """Defaults shared by every environment (Flask keys included)."""

    ENV = "development"
    TESTING = False
    DEBUG = False
    INSTANCE_PATH: str | None = None
    PREVIEW_CACHE: str | None = None
    DATABASE_URL: str | None = None
    SECRET_KEY: str | None = None
    BLOB_URL: str | None = None
    BLOB_PATH: str | None = None
    REDIS_URL = ""
    SECURE_COOKIES: bool | None = None
    DEFAULT_LOCALE = "en"
    TIMEZONE = "Europe/Rome"
    SESSION_HOURS = 12
    PROXY_HOPS = 0
    LOGIN_FREE_FAILURES = 3
    LOGIN_LOCK_FAILURES = 10
    LOGIN_LOCK_MINUTES = 15
    ARGON2_PROFILE = "default"
    LOG_LEVEL = "INFO"
    SCORING = "queue"
    BASE_URL = ""
    SMTP_URL = ""
    MAIL_FROM = "SmartTouch <no-reply@smarttouch.invalid>"
    HOST = "127.0.0.1"
    PORT = 8000
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the login session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "smarttouch_session"


class DevelopmentConfig(BaseConfig):
    ENV = "development"


class TestingConfig(BaseConfig):
    ENV = "testing"
    TESTING = True
    ARGON2_PROFILE = "fast"
    SCORING = "inline"


class ProductionConfig(BaseConfig):
    ENV = "production"
    SECURE_COOKIES = True


CONFIG_CLASSES: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def _cast(setting: Setting, raw: str) -> Any:
    if setting.kind is bool:
        value = raw.strip().lower()
        if value in {"1", "true", "yes", "on"}:
            return True
        if value in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{setting.env_var}={raw!r}: expected true/false")
    if setting.kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{setting.env_var}={raw!r}: expected an integer") from None
    return raw


def settings_from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """The declared settings present in ``environ`` (empty values count as unset)."""
    out: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env_var)
        if raw is not None and raw != "":
            out[setting.name] = _cast(setting, raw)
    return out


def _load_or_create_secret(instance: Path) -> str:
    """Read ``instance/secret_key``, creating it (mode 0600) on first use; safe across workers."""
    path = instance / "secret_key"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32))
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:  # a concurrent writer has not flushed yet, or the file was truncated
        raise ConfigError(f"{path} holds no usable secret key; delete it to regenerate")
    return key


def resolve(
    config: Mapping[str, Any] | type | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Merge class defaults, environment and overrides; derive paths and the secret key.

    ``config`` may be a mapping of overrides or a config class/object with UPPERCASE attributes.
    Raises :class:`ConfigError` naming the variable when something is missing or invalid.
    """
    environ = os.environ if environ is None else environ
    overrides: dict[str, Any] = {}
    if isinstance(config, Mapping):
        overrides = dict(config)
    elif config is not None:
        overrides = {k: getattr(config, k) for k in dir(config) if k.isupper()}
    from_env = settings_from_env(environ)
    env_name = str(overrides.get("ENV") or from_env.get("ENV") or "development").lower()
    if env_name not in CONFIG_CLASSES:
        raise ConfigError(f"SMARTTOUCH_ENV={env_name!r}: expected one of {', '.join(CONFIG_CLASSES)}")
    cls = CONFIG_CLASSES[env_name]
    values: dict[str, Any] = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
    values.update(from_env)
    values.update(overrides)
    values["ENV"] = env_name

    instance = Path(values.get("INSTANCE_PATH") or default_instance_path()).expanduser()
    instance = instance.resolve()
    instance.mkdir(parents=True, exist_ok=True)
    values["INSTANCE_PATH"] = str(instance)
    if not values.get("DATABASE_URL"):
        values["DATABASE_URL"] = f"sqlite:///{instance / 'smarttouch.db'}"
    values["SQLALCHEMY_DATABASE_URI"] = values["DATABASE_URL"]
    values["BLOB_URL"], values["BLOB_PATH"] = blob_location(values, instance)

    if not values.get("SECRET_KEY"):
        if env_name == "production":
            raise ConfigError(
                "SMARTTOUCH_SECRET_KEY must be set when SMARTTOUCH_ENV=production "
                "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        values["SECRET_KEY"] = _load_or_create_secret(instance)
    elif env_name == "production" and len(str(values["SECRET_KEY"])) < 32:
        raise ConfigError("SMARTTOUCH_SECRET_KEY is too short for production (>= 32 characters)")

    if values.get("DEFAULT_LOCALE") not in LOCALES:
        raise ConfigError(
            f"SMARTTOUCH_DEFAULT_LOCALE={values.get('DEFAULT_LOCALE')!r}: "
            f"expected one of {', '.join(LOCALES)}"
        )
    if env_name == "production" and values.get("ARGON2_PROFILE") == "fast":
        raise ConfigError("SMARTTOUCH_ARGON2_PROFILE=fast is for tests only, not production")
    if values.get("ARGON2_PROFILE") not in {"default", "fast"}:
        raise ConfigError(
            f"SMARTTOUCH_ARGON2_PROFILE={values.get('ARGON2_PROFILE')!r}: expected default or fast"
        )
    if values.get("SCORING") not in {"queue", "inline"}:
        raise ConfigError(f"SMARTTOUCH_SCORING={values.get('SCORING')!r}: expected queue or inline")
    secure = values.get("SECURE_COOKIES")
    secure = env_name == "production" if secure is None else bool(secure)
    values["SECURE_COOKIES"] = secure
    values["SESSION_COOKIE_SECURE"] = secure
    values["REMEMBER_COOKIE_SECURE"] = secure
    values["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=int(values["SESSION_HOURS"]))
    values["REMEMBER_COOKIE_DURATION"] = values["PERMANENT_SESSION_LIFETIME"]
    values["BABEL_DEFAULT_LOCALE"] = values["DEFAULT_LOCALE"]
    try:
        ZoneInfo(str(values["TIMEZONE"]))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"SMARTTOUCH_TIMEZONE={values['TIMEZONE']!r}: unknown time zone (e.g. Europe/Rome)"
        ) from None
    values["BABEL_DEFAULT_TIMEZONE"] = values["TIMEZONE"]
    values["BASE_URL"] = base_url(values)
    values["DEBUG"] = bool(values.get("DEBUG"))
    return values


def blob_location(values: Mapping[str, Any], instance: Path) -> tuple[str, str | None]:
    """``(BLOB_URL, BLOB_PATH)`` resolved: the URL of the blob store and, for a folder store,
    its folder (None for object storage). ``BLOB_PATH`` alone means ``file://<BLOB_PATH>``;
    neither means ``<instance>/blobs``.

    Raises :class:`ConfigError` for a scheme other than ``file``/``s3``, an ``s3://`` URL
    without a bucket, or a ``BLOB_PATH`` naming another folder than ``BLOB_URL``."""
    raw_url = str(values.get("BLOB_URL") or "").strip()
    raw_path = values.get("BLOB_PATH")
    legacy = Path(raw_path).expanduser().absolute() if raw_path else None
    if not raw_url:
        folder = legacy or instance / "blobs"
        return folder.as_uri(), str(folder)
    parts = urlsplit(raw_url)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise ConfigError(f"SMARTTOUCH_BLOB_URL={raw_url!r}: expected s3://bucket[/prefix]")
        if legacy is not None:
            raise ConfigError(
                "SMARTTOUCH_BLOB_PATH names a folder but SMARTTOUCH_BLOB_URL names object storage: "
                "unset SMARTTOUCH_BLOB_PATH"
            )
        return raw_url, None
    if parts.scheme == "file" and parts.netloc in ("", "localhost") and parts.path.startswith("/"):
        folder = Path(unquote(parts.path))
        if legacy is not None and legacy != folder:
            raise ConfigError(
                f"SMARTTOUCH_BLOB_PATH={str(raw_path)!r} and SMARTTOUCH_BLOB_URL={raw_url!r} name "
                "different folders: keep only SMARTTOUCH_BLOB_URL"
            )
        return folder.as_uri(), str(folder)
    raise ConfigError(
        f"SMARTTOUCH_BLOB_URL={raw_url!r}: expected file:///absolute/path or s3://bucket/prefix"
    )


def base_url(values: Mapping[str, Any]) -> str:
    """The configured ``BASE_URL`` checked and without a trailing slash; when unset, the
    address ``smarttouch serve`` listens on (a wildcard address becomes the loopback one).

    Raises :class:`ConfigError` for anything but ``http(s)://host[:port]``: a path, query,
    fragment or user name would be glued to every link the hub writes."""
    raw = str(values.get("BASE_URL") or "").strip()
    if not raw:
        host = str(values.get("HOST") or "127.0.0.1")
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{int(values.get('PORT') or 8000)}"
    parts = urlsplit(raw)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or not port_ok
        or parts.username is not None
        or parts.path not in {"", "/"}
        or parts.query
        or parts.fragment
    ):
        raise ConfigError(
            f"SMARTTOUCH_BASE_URL={raw!r}: expected http(s)://host[:port] with no path, "
            "e.g. https://hub.example.org"
        )
    return f"{parts.scheme}://{parts.netloc}"


def markdown_table() -> str:
    """The README configuration table."""
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = s.default_doc or (f"`{s.default}`" if s.default not in (None, "") else "unset")
        rows.append(f"| `{s.env_var}` | {default} | {s.help} |")
    return "\n".join(rows)


if __name__ == "__main__":  # pragma: no cover
    print(markdown_table())
