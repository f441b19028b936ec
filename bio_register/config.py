"""Settings from ``BIO_REGISTER_*`` environment variables.

Every setting has a safe default so that a trial install needs nothing: SQLite under
``instance/`` and a secret key generated on first start and kept in ``instance/``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
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
    ("SMTP_HOST", "SMTP_HOST", "", "SMTP server for notifications; empty: none configured (see MAIL)"),
    ("SMTP_PORT", "SMTP_PORT", "25", "SMTP port"),
    ("SMTP_USERNAME", "SMTP_USERNAME", "", "SMTP user name (empty: no authentication)"),
    ("SMTP_PASSWORD", "SMTP_PASSWORD", "", "SMTP password"),
    ("SMTP_STARTTLS", "SMTP_STARTTLS", "false", "Use STARTTLS on the SMTP connection"),
    ("MAIL_FROM", "MAIL_FROM", "bio-register@localhost", "Sender address of notifications"),
    ("MAIL", "MAIL", "",
     "How e-mail leaves: smtp (the default when SMTP_HOST is set), off, or console (development server only)"),
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
    ("MAX_ATTACHMENT_MB", "MAX_ATTACHMENT_MB", "20",
     "Largest attachment (evidence on incidents and controls) in MB; larger requests are refused early"),
    ("LOCAL_LOGIN", "LOCAL_LOGIN", "true",
     "Allow logging in with e-mail and password; 'false' hides and refuses the form (needs OIDC_ISSUER)"),
    ("OIDC_ISSUER", "OIDC_ISSUER", "",
     "OpenID Connect issuer URL (discovery at <issuer>/.well-known/openid-configuration); empty: no SSO"),
    ("OIDC_CLIENT_ID", "OIDC_CLIENT_ID", "", "Client (application) id registered at the OpenID Connect provider"),
    ("OIDC_CLIENT_SECRET", "OIDC_CLIENT_SECRET", "", "Client secret registered at the OpenID Connect provider"),
    ("OIDC_SCOPES", "OIDC_SCOPES", "openid email profile", "Scopes asked for; must include openid"),
    ("OIDC_BUTTON_LABEL", "OIDC_BUTTON_LABEL", "",
     "Shown on the login button: 'Inloggen met <label>'; default 'uw organisatieaccount' (translated)"),
    ("OIDC_EMAIL_CLAIM", "OIDC_EMAIL_CLAIM", "email",
     "ID token claim holding the e-mail address that links a first login to a user (e.g. preferred_username)"),
    ("OIDC_AUTO_CREATE", "OIDC_AUTO_CREATE", "false",
     "Create an account (with no roles) for an unknown user who logs in through the provider"),
    ("OIDC_GROUP_CLAIM", "OIDC_GROUP_CLAIM", "",
     "ID token claim with the user's groups or app roles (e.g. groups or roles); empty: roles only in the tool"),
    ("OIDC_GROUP_ROLES", "OIDC_GROUP_ROLES", "",
     "Groups mapped to roles: 'group=ORG:role,ORG:role;group2=ORG:role'"),
    ("OIDC_MFA_AMR", "OIDC_MFA_AMR", "mfa,ngcmfa,hwk,fido,sc",
     "amr values that count as a second factor done at the provider (then no TOTP in the tool)"),
    ("OIDC_MFA_ACR", "OIDC_MFA_ACR", "",
     "acr values that count as a second factor done at the provider; empty: acr is not used"),
    ("IMPORT_MAX_MB", "IMPORT_MAX_MB", "10",
     "Largest spreadsheet (XLSX or CSV) accepted by the register import, in MB"),
    ("LOG_FORMAT", "LOG_FORMAT", "text",
     "'text' (the default log lines) or 'json' (one JSON object per line, with an access line per request)"),
    ("METRICS_TOKEN", "METRICS_TOKEN", "",
     "Bearer token that may read /metrics (at least 32 characters); empty: no token access"),
    ("METRICS_ALLOW", "METRICS_ALLOW", "",
     "Client addresses (IPs or CIDRs, comma-separated) that may read /metrics without a token"),
    ("AUDIT_ANCHOR_MAIL", "AUDIT_ANCHOR_MAIL", "",
     "E-mail addresses (comma-separated) that get the audit chain's head every day at 07:00, to keep "
     "outside the application; empty: none"),
    ("BACKUP_KEY", "BACKUP_KEY", "",
     "Key that signs back-ups and checks them before a restore (at least 32 characters); required on "
     "PostgreSQL, on SQLite generated once and kept in instance/backup_key"),
]

_TRUE = {"1", "true", "yes", "on", "ja"}


class ConfigError(RuntimeError):
    """A setting has a value the application cannot use."""


def _as_bool(value: str) -> bool:
    return value.strip().lower() in _TRUE


def _split(value: str, sep: str = ",") -> list[str]:
    return [part.strip() for part in value.split(sep) if part.strip()]


def parse_group_roles(text: str) -> dict[str, list[tuple[str, str]]]:
    """``group=ORG:role,ORG:role;group2=ORG:role`` → ``{group: [(ORG, role), …]}``.

    Entries are separated by ``;`` or new lines. Raises :class:`ConfigError` naming the bad entry.
    """
    from bio_register.permissions import Role

    mapping: dict[str, list[tuple[str, str]]] = {}
    for entry in _split(text.replace("\n", ";"), ";"):
        group, sep, roles = entry.rpartition("=")
        group = group.strip()
        if not sep or not group or not roles.strip():
            raise ConfigError(f"{ENV_PREFIX}OIDC_GROUP_ROLES: {entry!r} is not 'group=ORG:role'")
        for pair in _split(roles):
            code, colon, role = pair.partition(":")
            if not colon or not code.strip() or role.strip() not in {r.value for r in Role}:
                raise ConfigError(
                    f"{ENV_PREFIX}OIDC_GROUP_ROLES: {pair!r} is not 'ORG:role' with a role of "
                    + ", ".join(r.value for r in Role)
                )
            mapping.setdefault(group, []).append((code.strip().upper(), role.strip()))
    return mapping


def _oidc_settings(raw: Mapping[str, Any]) -> dict[str, Any]:
    issuer = raw["OIDC_ISSUER"].strip().rstrip("/")
    local_login = _as_bool(raw["LOCAL_LOGIN"])
    scopes = _split(raw["OIDC_SCOPES"], " ")
    if issuer:
        host = issuer.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        if not issuer.startswith("https://") and not (issuer.startswith("http://")
                                                      and host in {"127.0.0.1", "localhost"}):
            raise ConfigError(f"{ENV_PREFIX}OIDC_ISSUER must be an https:// address")
        if not raw["OIDC_CLIENT_ID"].strip():
            raise ConfigError(f"{ENV_PREFIX}OIDC_CLIENT_ID is needed with {ENV_PREFIX}OIDC_ISSUER")
        if "openid" not in scopes:
            raise ConfigError(f"{ENV_PREFIX}OIDC_SCOPES must include openid")
    elif not local_login:
        raise ConfigError(
            f"{ENV_PREFIX}LOCAL_LOGIN=false needs {ENV_PREFIX}OIDC_ISSUER: otherwise nobody can log in"
        )
    return {
        "LOCAL_LOGIN": local_login,
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": raw["OIDC_CLIENT_ID"].strip(),
        "OIDC_CLIENT_SECRET": raw["OIDC_CLIENT_SECRET"],
        "OIDC_SCOPES": " ".join(scopes),
        "OIDC_BUTTON_LABEL": raw["OIDC_BUTTON_LABEL"].strip(),
        "OIDC_EMAIL_CLAIM": raw["OIDC_EMAIL_CLAIM"].strip() or "email",
        "OIDC_AUTO_CREATE": _as_bool(raw["OIDC_AUTO_CREATE"]),
        "OIDC_GROUP_CLAIM": raw["OIDC_GROUP_CLAIM"].strip(),
        "OIDC_GROUP_ROLES": parse_group_roles(raw["OIDC_GROUP_ROLES"]),
        "OIDC_MFA_AMR": _split(raw["OIDC_MFA_AMR"]),
        "OIDC_MFA_ACR": _split(raw["OIDC_MFA_ACR"]),
    }


def instance_path(env: Mapping[str, str] | None = None) -> Path:
    """The instance folder: ``BIO_REGISTER_INSTANCE_PATH`` or ``./instance``."""
    env = os.environ if env is None else env
    configured = env.get(ENV_PREFIX + "INSTANCE_PATH")
    return Path(configured).resolve() if configured else Path.cwd() / "instance"


def _load_or_create_secret_key(folder: Path, name: str = "secret_key") -> str:
    """Read a generated key from ``folder/name``, creating it (mode 0600) on first use."""
    folder.mkdir(parents=True, exist_ok=True)
    key_file = folder / name
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


@dataclass(frozen=True)
class _Number:
    """A setting that must be a whole number, with the messages for a bad value."""

    name: str
    not_a_number: str                       # {value}: the raw value
    minimum: int | None = None
    maximum: int | None = None
    out_of_range: str = ""


#: checked in this order (the first bad one is reported)
_NUMBERS = (
    _Number("PROXIES", "must be a number, not {value!r}"),
    _Number("SMTP_PORT", "must be a number, not {value!r}"),
    _Number("MAX_ATTACHMENT_MB", "must be a whole number, not {value!r}", 1, 1000, "must be between 1 and 1000"),
    _Number("IMPORT_MAX_MB", "must be a whole number, not {value!r}", 1, None, "must be at least 1"),
)


def _whole_number(raw: Mapping[str, Any], rule: _Number) -> int:
    value = raw[rule.name]
    try:
        number = int(value)
    except ValueError as exc:
        raise ConfigError(f"{ENV_PREFIX}{rule.name} " + rule.not_a_number.format(value=value)) from exc
    if (rule.minimum is not None and number < rule.minimum) or (rule.maximum is not None and number > rule.maximum):
        raise ConfigError(f"{ENV_PREFIX}{rule.name} {rule.out_of_range}")
    return number


def _session_lengths(raw: Mapping[str, Any]) -> tuple[int, int]:
    try:
        idle_minutes, absolute_hours = int(raw["SESSION_IDLE_MINUTES"]), int(raw["SESSION_ABSOLUTE_HOURS"])
    except ValueError as exc:
        raise ConfigError(f"{ENV_PREFIX}SESSION_IDLE_MINUTES and SESSION_ABSOLUTE_HOURS must be whole numbers") from exc
    if idle_minutes < 1 or absolute_hours < 1:
        raise ConfigError(f"{ENV_PREFIX}SESSION_IDLE_MINUTES and SESSION_ABSOLUTE_HOURS must be at least 1")
    return idle_minutes, absolute_hours


def _database_url(raw: Mapping[str, Any], overrides: Mapping[str, Any], folder: Path) -> str:
    """The configured database, else SQLite in the instance folder (whose folder is created)."""
    database_url: str = overrides.get("SQLALCHEMY_DATABASE_URI") or raw["DATABASE_URL"] or (
        f"sqlite:///{folder / 'bio_register.sqlite3'}"
    )
    if database_url.startswith("sqlite:///") and ":memory:" not in database_url:
        Path(database_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    return database_url


def _secret_key(raw: Mapping[str, Any], overrides: Mapping[str, Any], folder: Path) -> str:
    secret_key: str = (
        overrides.get("SECRET_KEY") or raw["SECRET_KEY"] or _load_or_create_secret_key(folder)
    )
    if len(secret_key) < 16:
        raise ConfigError(f"{ENV_PREFIX}SECRET_KEY is too short: use at least 32 random characters")
    return secret_key


# --- the back-up key: signs back-ups, checked before a restore --------------------------------------

#: shortest key accepted (``secrets.token_urlsafe(32)`` gives 43 characters)
BACKUP_KEY_MIN_LENGTH = 32
#: on SQLite (the trial instance) the generated key is kept here, in the instance folder
BACKUP_KEY_FILE = "backup_key"


def _backup_key(raw: Mapping[str, Any]) -> str:
    key: str = (raw["BACKUP_KEY"] or "").strip()
    if key and len(key) < BACKUP_KEY_MIN_LENGTH:
        raise ConfigError(f"{ENV_PREFIX}BACKUP_KEY is too short: use at least 32 random characters")
    return key


def backup_key(config: Mapping[str, Any], key_file: Path | None = None) -> bytes:
    """The key that signs back-ups (``bio-register backup``) and checks them (``restore``).

    From ``key_file`` when given, else ``BIO_REGISTER_BACKUP_KEY``. Without either, a SQLite
    installation (a trial) uses ``instance/backup_key``, generated on first use; PostgreSQL
    (production) refuses: its back-ups are signed with a key the operator keeps, outside the
    back-up location. Read only by the back-up commands, so an application without the key still
    serves. Raises :class:`ConfigError` with a message for the operator (Dutch, as those commands).
    """
    key = str(config.get("BACKUP_KEY") or "").strip()
    source = f"{ENV_PREFIX}BACKUP_KEY"
    if key_file is None and not key:
        if not str(config.get("SQLALCHEMY_DATABASE_URI") or "").startswith("sqlite"):
            raise ConfigError(
                f"{ENV_PREFIX}BACKUP_KEY is niet ingesteld. Back-ups van PostgreSQL worden ondertekend met "
                "een sleutel die u zelf bewaart, buiten de plek van de back-ups; zonder die sleutel wordt "
                "geen back-up gemaakt of teruggezet. Maak er een met "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(32))' en zet hem in de omgeving "
                "(of geef --key-file). Zie README, Back-ups.")
        folder = Path(str(config["INSTANCE_PATH"]))
        key_file = folder / BACKUP_KEY_FILE
        if not key_file.exists():  # never replaced once made: older back-ups are signed with it
            return _load_or_create_secret_key(folder, BACKUP_KEY_FILE).encode("utf-8")
    if key_file is not None:
        try:
            key = key_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"Het sleutelbestand {key_file} kan niet worden gelezen: {error}") from error
        source = f"Het sleutelbestand {key_file}"
    if len(key) < BACKUP_KEY_MIN_LENGTH:
        raise ConfigError(f"{source} is te kort: gebruik een sleutel van minstens {BACKUP_KEY_MIN_LENGTH} "
                          "willekeurige tekens.")
    return key.encode("utf-8")


def _cbw_anchor(raw: Mapping[str, Any]) -> str:
    anchor: str = raw["CBW_NOTIFICATION_ANCHOR"].strip().lower()
    if anchor not in {"aware", "early_warning"}:
        raise ConfigError(f"{ENV_PREFIX}CBW_NOTIFICATION_ANCHOR must be 'aware' or 'early_warning'")
    return anchor


# --- e-mail: how it leaves, and what production requires ------------------------------------------

#: BIO_REGISTER_MAIL: SMTP (the default when SMTP_HOST is set), none at all, or printed on the console
MAIL_TRANSPORTS = ("smtp", "off", "console")


def _mail(raw: Mapping[str, Any]) -> str:
    mail: str = (raw["MAIL"] or "").strip().lower()
    if mail and mail not in MAIL_TRANSPORTS:
        raise ConfigError(f"{ENV_PREFIX}MAIL must be one of {', '.join(MAIL_TRANSPORTS)}, not {mail!r}")
    if mail == "smtp" and not (raw["SMTP_HOST"] or "").strip():
        raise ConfigError(f"{ENV_PREFIX}MAIL=smtp needs {ENV_PREFIX}SMTP_HOST")
    return mail


def mail_transport(config: Mapping[str, Any]) -> str:
    """How e-mail leaves: ``smtp``, ``off``, ``console`` — or ``""`` when nothing is configured.

    ``BIO_REGISTER_MAIL`` decides when set; otherwise SMTP when ``SMTP_HOST`` is set; otherwise
    the console in the development server (``bio-register serve``), and nothing anywhere else
    (production processes refuse to start then: :func:`require_mail`).
    Read from the configuration at every send, so a changed ``SMTP_HOST`` takes effect.
    """
    chosen = str(config.get("MAIL") or "")
    if chosen:
        return chosen
    if str(config.get("SMTP_HOST") or "").strip():
        return "smtp"
    return "console" if config.get("DEVELOPMENT") else ""


def require_mail(config: Mapping[str, Any]) -> None:
    """What a production process (gunicorn, the scheduler, the commands that send) checks at start:
    e-mail goes out over SMTP, or is switched off explicitly; never silently nowhere, never printed
    into a log. Raises :class:`ConfigError` naming the settings."""
    transport = mail_transport(config)
    if transport == "console" and not config.get("DEVELOPMENT"):
        raise ConfigError(
            f"{ENV_PREFIX}MAIL=console is for the development server (bio-register serve) only: it prints "
            f"e-mail, personal data included, into the log. Set {ENV_PREFIX}SMTP_HOST, or {ENV_PREFIX}MAIL=off.")
    if not transport:
        raise ConfigError(
            f"No e-mail server configured: set {ENV_PREFIX}SMTP_HOST (and {ENV_PREFIX}SMTP_PORT, "
            f"{ENV_PREFIX}SMTP_USERNAME, {ENV_PREFIX}SMTP_PASSWORD, {ENV_PREFIX}SMTP_STARTTLS as needed), "
            f"or switch e-mail off explicitly with {ENV_PREFIX}MAIL=off (users then get in-app notices only).")


def _observability(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The log format and who may read ``/metrics``."""
    import ipaddress

    log_format = raw["LOG_FORMAT"].strip().lower()
    if log_format not in {"text", "json"}:
        raise ConfigError(f"{ENV_PREFIX}LOG_FORMAT must be 'text' or 'json', not {raw['LOG_FORMAT']!r}")
    token = raw["METRICS_TOKEN"].strip()
    if token and len(token) < 32:
        raise ConfigError(f"{ENV_PREFIX}METRICS_TOKEN is too short: use at least 32 random characters")
    networks = []
    for entry in _split(raw["METRICS_ALLOW"]):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ConfigError(f"{ENV_PREFIX}METRICS_ALLOW: {entry!r} is not an IP address or CIDR range") from exc
    anchor_mail = tuple(_split(raw["AUDIT_ANCHOR_MAIL"]))
    for address in anchor_mail:
        if "@" not in address.strip("@") or any(c.isspace() for c in address):
            raise ConfigError(f"{ENV_PREFIX}AUDIT_ANCHOR_MAIL: {address!r} is not an e-mail address")
    return {"LOG_FORMAT": log_format, "METRICS_TOKEN": token, "METRICS_ALLOW": tuple(networks),
            "AUDIT_ANCHOR_MAIL": anchor_mail}


def _check_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{ENV_PREFIX}TIMEZONE is not a known time zone: {name!r}") from exc


def load_settings(
    env: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the Flask configuration from the environment.

    Keys given in ``overrides`` (the tests' configuration) win, and then nothing is
    created on disk for them: no SQLite folder, no secret key file.
    """
    env = os.environ if env is None else env
    overrides = overrides or {}
    raw: dict[str, Any] = {name: env.get(ENV_PREFIX + suffix, default) for name, suffix, default, _ in SETTINGS}
    folder = instance_path(env)
    database_url = _database_url(raw, overrides, folder)
    secret_key = _secret_key(raw, overrides, folder)
    base_url = raw["BASE_URL"].rstrip("/")
    secure = (
        _as_bool(raw["SECURE_COOKIES"])
        if raw["SECURE_COOKIES"] is not None
        else base_url.startswith("https://")
    )
    idle_minutes, absolute_hours = _session_lengths(raw)
    numbers = {rule.name: _whole_number(raw, rule) for rule in _NUMBERS}
    max_attachment_mb = numbers["MAX_ATTACHMENT_MB"]
    anchor = _cbw_anchor(raw)
    _check_timezone(raw["TIMEZONE"])
    backup_key_setting = _backup_key(raw)

    return {
        "INSTANCE_PATH": str(folder),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SECRET_KEY": secret_key,
        "BASE_URL": base_url,
        "TIMEZONE": raw["TIMEZONE"],
        "SMTP_HOST": raw["SMTP_HOST"],
        "SMTP_PORT": numbers["SMTP_PORT"],
        "SMTP_USERNAME": raw["SMTP_USERNAME"],
        "SMTP_PASSWORD": raw["SMTP_PASSWORD"],
        "SMTP_STARTTLS": _as_bool(raw["SMTP_STARTTLS"]),
        "MAIL_FROM": raw["MAIL_FROM"],
        "MAIL": _mail(raw),
        # True only in the development server (bio-register serve): see mail_transport
        "DEVELOPMENT": False,
        # Webhooks to this machine (http or https to a loopback address): the tests and the development
        # server only. No environment variable sets it: production never calls its own network.
        "WEBHOOKS_ALLOW_LOOPBACK": False,
        "RATELIMIT_STORAGE_URI": raw["RATELIMIT_STORAGE"] or "memory://",
        "PROXIES": numbers["PROXIES"],
        "SESSION_IDLE_MINUTES": idle_minutes,
        "SESSION_ABSOLUTE_HOURS": absolute_hours,
        "CBW_RECIPIENT": raw["CBW_RECIPIENT"].strip() or "NCSC",
        "CBW_NOTIFICATION_ANCHOR": anchor,
        **_oidc_settings(raw),
        "IMPORT_MAX_MB": numbers["IMPORT_MAX_MB"],
        **_observability(raw),
        # read by the back-up commands only (config.backup_key): never needed to serve
        "BACKUP_KEY": backup_key_setting,
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "bio_register_session",
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        # No pool_pre_ping: bio_register.database.check_liveness pings only connections that sat idle.
        # hide_parameters: a database error (logged with its traceback) never shows the values bound
        # to the statement, which can be titles, descriptions or e-mail addresses.
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        "MAX_ATTACHMENT_MB": max_attachment_mb,
        # A request body a little larger than the largest attachment (room for the multipart form
        # around it) is refused before it is read: 413, with the page or problem+json of web.py.
        "MAX_CONTENT_LENGTH": (max_attachment_mb + 1) * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": raw["TIMEZONE"],
        "LANGUAGES": ["nl", "en"],
        # flask-smorest / OpenAPI
        "API_TITLE": "BIO-register API",
        # the contract's version (paths stay /api/v1: every change so far is compatible); v1.1: the
        # incident list's total_is_estimate, next and next_cursor (see CHANGELOG)
        "API_VERSION": "v1.1",
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
