"""Settings from ``BIO_REGISTER_*`` environment variables.

Every setting has a safe default so that a trial install needs nothing: SQLite under
``instance/`` and a secret key generated on first start and kept in ``instance/``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENV_PREFIX = "BIO_REGISTER_"

#: (setting, environment variable suffix, default, description) — the README's table is
#: generated from the same list by ``tests/test_config.py`` checking they agree.
SETTINGS: list[tuple[str, str, str | None, str]] = [
    ("DATABASE_URL", "DATABASE_URL", None,
     "SQLAlchemy database URL; default SQLite file instance/bio_register.sqlite3"),
    ("SECRET_KEY", "SECRET_KEY", None,
     "Session signing key; default generated once and kept in instance/secret_key"),
    ("BASE_URL", "BASE_URL", "http://127.0.0.1:5000",
     "Public address of the application, used in e-mails and to decide on Secure cookies"),
    ("TIMEZONE", "TIMEZONE", "Europe/Amsterdam", "Time zone for display and for cutting periods"),
    ("SMTP_HOST", "SMTP_HOST", "127.0.0.1", "SMTP server for notifications"),
    ("SMTP_PORT", "SMTP_PORT", "25", "SMTP port"),
    ("SMTP_USERNAME", "SMTP_USERNAME", "", "SMTP user name (empty: no authentication)"),
    ("SMTP_PASSWORD", "SMTP_PASSWORD", "", "SMTP password"),
    ("SMTP_STARTTLS", "SMTP_STARTTLS", "false", "Use STARTTLS on the SMTP connection"),
    ("MAIL_FROM", "MAIL_FROM", "bio-register@localhost", "Sender address of notifications"),
    ("SECURE_COOKIES", "SECURE_COOKIES", None,
     "Send cookies only over HTTPS; default: true when BASE_URL starts with https"),
    ("INSTANCE_PATH", "INSTANCE_PATH", None,
     "Folder for the SQLite file and the generated secret key; default ./instance"),
    ("SESSION_IDLE_MINUTES", "SESSION_IDLE_MINUTES", "30", "A browser session ends after this many quiet minutes"),
    ("SESSION_ABSOLUTE_HOURS", "SESSION_ABSOLUTE_HOURS", "12", "A browser session ends this many hours after login"),
    ("RATELIMIT_STORAGE", "RATELIMIT_STORAGE", None,
     "Where login attempts are counted, e.g. redis://127.0.0.1:6379/0; default: in memory, per process"),
    ("PROXIES", "PROXIES", "0",
     "How many reverse proxies (TLS proxy, load balancer) stand in front: their X-Forwarded-For is trusted"),
    ("CBW_RECIPIENT", "CBW_RECIPIENT", "NCSC",
     "CSIRT that receives Cbw reports (not settled in law yet: IBD or NCSC)"),
    ("CBW_NOTIFICATION_ANCHOR", "CBW_NOTIFICATION_ANCHOR", "aware",
     "Start of the Cbw 72-hour clock: 'aware' (awareness) or 'early_warning' (the early warning)"),
    ("IMPORT_MAX_MB", "IMPORT_MAX_MB", "10",
     "Largest spreadsheet (XLSX or CSV) accepted by the register import, in MB"),
]

_TRUE = {"1", "true", "yes", "on", "ja"}


class ConfigError(RuntimeError):
    """A setting has a value the application cannot use."""


def _as_bool(value: str) -> bool:
    return value.strip().lower() in _TRUE


def instance_path(env: Mapping[str, str] | None = None) -> Path:
    """The instance folder: ``BIO_REGISTER_INSTANCE_PATH`` or ``./instance``."""
    env = os.environ if env is None else env
    configured = env.get(ENV_PREFIX + "INSTANCE_PATH")
    return Path(configured).resolve() if configured else Path.cwd() / "instance"


def _load_or_create_secret_key(folder: Path) -> str:
    """Read the generated secret key, creating it (mode 0600) on first start."""
    folder.mkdir(parents=True, exist_ok=True)
    key_file = folder / "secret_key"
    if key_file.exists():
        key = key_file.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


def normalise_database_url(url: str) -> str:
    """Let users write ``postgresql://`` and still get the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def load_settings(
    env: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the Flask configuration from the environment.

    Keys given in ``overrides`` (the tests' configuration) win, and then nothing is
    created on disk for them: no SQLite folder, no secret key file.
    """
    env = os.environ if env is None else env
    overrides = overrides or {}
    raw = {name: env.get(ENV_PREFIX + suffix, default) for name, suffix, default, _ in SETTINGS}
    folder = instance_path(env)

    database_url = overrides.get("SQLALCHEMY_DATABASE_URI") or raw["DATABASE_URL"] or (
        f"sqlite:///{folder / 'bio_register.sqlite3'}"
    )
    if database_url.startswith("sqlite:///") and ":memory:" not in database_url:
        Path(database_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    secret_key = (
        overrides.get("SECRET_KEY") or raw["SECRET_KEY"] or _load_or_create_secret_key(folder)
    )
    if len(secret_key) < 16:
        raise ConfigError(f"{ENV_PREFIX}SECRET_KEY is too short: use at least 32 random characters")

    base_url = raw["BASE_URL"].rstrip("/")
    secure = (
        _as_bool(raw["SECURE_COOKIES"])
        if raw["SECURE_COOKIES"] is not None
        else base_url.startswith("https://")
    )
    try:
        idle_minutes, absolute_hours = int(raw["SESSION_IDLE_MINUTES"]), int(raw["SESSION_ABSOLUTE_HOURS"])
    except ValueError as exc:
        raise ConfigError(f"{ENV_PREFIX}SESSION_IDLE_MINUTES and SESSION_ABSOLUTE_HOURS must be whole numbers") from exc
    if idle_minutes < 1 or absolute_hours < 1:
        raise ConfigError(f"{ENV_PREFIX}SESSION_IDLE_MINUTES and SESSION_ABSOLUTE_HOURS must be at least 1")
    try:
        proxies = int(raw["PROXIES"])
    except ValueError as exc:
        raise ConfigError(f"{ENV_PREFIX}PROXIES must be a number, not {raw['PROXIES']!r}") from exc
    try:
        smtp_port = int(raw["SMTP_PORT"])
    except ValueError as exc:
        raise ConfigError(f"{ENV_PREFIX}SMTP_PORT must be a number, not {raw['SMTP_PORT']!r}") from exc

    try:
        import_max_mb = int(raw["IMPORT_MAX_MB"])
    except ValueError as exc:
        raise ConfigError(f"{ENV_PREFIX}IMPORT_MAX_MB must be a whole number, not {raw['IMPORT_MAX_MB']!r}") from exc
    if import_max_mb < 1:
        raise ConfigError(f"{ENV_PREFIX}IMPORT_MAX_MB must be at least 1")

    anchor = raw["CBW_NOTIFICATION_ANCHOR"].strip().lower()
    if anchor not in {"aware", "early_warning"}:
        raise ConfigError(f"{ENV_PREFIX}CBW_NOTIFICATION_ANCHOR must be 'aware' or 'early_warning'")

    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(raw["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{ENV_PREFIX}TIMEZONE is not a known time zone: {raw['TIMEZONE']!r}") from exc

    return {
        "INSTANCE_PATH": str(folder),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SECRET_KEY": secret_key,
        "BASE_URL": base_url,
        "TIMEZONE": raw["TIMEZONE"],
        "SMTP_HOST": raw["SMTP_HOST"],
        "SMTP_PORT": smtp_port,
        "SMTP_USERNAME": raw["SMTP_USERNAME"],
        "SMTP_PASSWORD": raw["SMTP_PASSWORD"],
        "SMTP_STARTTLS": _as_bool(raw["SMTP_STARTTLS"]),
        "MAIL_FROM": raw["MAIL_FROM"],
        "RATELIMIT_STORAGE_URI": raw["RATELIMIT_STORAGE"] or "memory://",
        "PROXIES": proxies,
        "SESSION_IDLE_MINUTES": idle_minutes,
        "SESSION_ABSOLUTE_HOURS": absolute_hours,
        "CBW_RECIPIENT": raw["CBW_RECIPIENT"].strip() or "NCSC",
        "CBW_NOTIFICATION_ANCHOR": anchor,
        "IMPORT_MAX_MB": import_max_mb,
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "bio_register_session",
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": raw["TIMEZONE"],
        "LANGUAGES": ["nl", "en"],
        # flask-smorest / OpenAPI
        "API_TITLE": "BIO-register API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "info": {
                "description": (
                    "JSON API of BIO-register. Authenticate with a personal API token: "
                    "`Authorization: Bearer <token>`. Errors are application/problem+json."
                ),
                "license": {"name": "EUPL-1.2"},
            },
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            },
            "security": [{"bearerAuth": []}],
        },
    }
