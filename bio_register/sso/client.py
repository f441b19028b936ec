"""The relying-party side of OpenID Connect: discovery, the authorization request and the
checked code exchange. No Flask request globals and no database: plain values in and out.

Authorization-code flow with PKCE (S256), ``state`` and ``nonce``; the ID token's signature is
checked against the provider's JWKS and its claims (``iss``, ``aud``, ``exp``, ``iat``, ``nonce``,
``azp``, ``at_hash``) with Authlib's :class:`CodeIDToken`. Every failure is an :class:`OidcError`
with a short ``reason`` for the audit log and a Dutch message for the user.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
    MissingKeyError,
)
from joserfc.jwk import KeySet

from bio_register.i18n import gettext as _

log = logging.getLogger(__name__)

HTTP_TIMEOUT = 10  # seconds, for every call to the provider
METADATA_TTL = 3600  # discovery document and keys are read again after an hour
PENDING_MAX_AGE = 600  # a login started more than ten minutes ago is refused
CLOCK_LEEWAY = 60  # seconds of clock difference allowed on exp/iat
#: Only public-key signatures: never "none", never a MAC keyed with the client secret.
ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")

_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_cache_lock = threading.Lock()


class OidcError(Exception):
    """A refused OpenID Connect login. ``reason`` goes to the audit log, ``message`` to the user."""

    def __init__(self, reason: str, message: str, detail: str = "", *, user_id: int | None = None) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.message = message
        self.detail = detail
        self.user_id = user_id  # the account the refused login was for, when known


@dataclass(frozen=True)
class Pending:
    """What the browser's session keeps between the redirect to the provider and the callback."""

    state: str
    nonce: str
    code_verifier: str
    next_url: str
    started_at: float

    def as_dict(self) -> dict[str, Any]:
        return {"state": self.state, "nonce": self.nonce, "code_verifier": self.code_verifier,
                "next_url": self.next_url, "started_at": self.started_at}

    @classmethod
    def from_dict(cls, data: Any) -> Pending | None:
        if not isinstance(data, Mapping):
            return None
        try:
            return cls(str(data["state"]), str(data["nonce"]), str(data["code_verifier"]),
                       str(data["next_url"]), float(data["started_at"]))
        except (KeyError, TypeError, ValueError):
            return None


def is_configured(config: Mapping[str, Any]) -> bool:
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID"))


def redirect_uri(config: Mapping[str, Any]) -> str:
    return config["BASE_URL"].rstrip("/") + "/login/oidc/callback"


def _unreachable() -> OidcError:
    return OidcError("provider_unreachable",
                     _("De inlogdienst is nu niet bereikbaar. Probeer het later opnieuw."))


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OidcError("provider_unreachable",
                        _("De inlogdienst is nu niet bereikbaar. Probeer het later opnieuw."),
                        f"{url}: {exc}") from exc
    if not isinstance(data, dict):
        raise OidcError("provider_unreachable", _unreachable().message, f"{url}: not a JSON object")
    return data


def _cached(key: str, fetch: Any, *, force: bool = False) -> dict[str, Any]:
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and not force and now - hit[0] < METADATA_TTL:
        return hit[1]
    value = fetch()
    with _cache_lock:
        _cache[key] = (now, value)
    return value


def metadata(config: Mapping[str, Any]) -> dict[str, Any]:
    """The provider's discovery document (cached), checked to belong to the configured issuer."""
    issuer = config["OIDC_ISSUER"].rstrip("/")

    def fetch() -> dict[str, Any]:
        data = _get_json(issuer + "/.well-known/openid-configuration")
        missing = [k for k in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri") if not data.get(k)]
        if missing:
            raise OidcError("provider_unreachable", _unreachable().message,
                            f"discovery document lacks {', '.join(missing)}")
        if str(data["issuer"]).rstrip("/") != issuer:
            # OpenID Connect Discovery 1.0 §4.3: the issuer in the document must be the one asked for.
            raise OidcError("provider_unreachable", _unreachable().message,
                            f"discovery document names issuer {data['issuer']!r}, configured {issuer!r}")
        return data

    return _cached("metadata:" + issuer, fetch)


def _key_set(meta: Mapping[str, Any], *, force: bool = False) -> KeySet:
    uri = str(meta["jwks_uri"])
    data = _cached("jwks:" + uri, lambda: _get_json(uri), force=force)
    try:
        return KeySet.import_key_set(data)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise OidcError("provider_unreachable", _unreachable().message, f"unusable JWKS: {exc}") from exc


def _session(config: Mapping[str, Any], meta: Mapping[str, Any] | None = None) -> OAuth2Session:
    methods = (meta or {}).get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    auth_method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    return OAuth2Session(
        client_id=config["OIDC_CLIENT_ID"], client_secret=config.get("OIDC_CLIENT_SECRET") or None,
        scope=config["OIDC_SCOPES"], redirect_uri=redirect_uri(config),
        code_challenge_method="S256", token_endpoint_auth_method=auth_method,
    )


def start(config: Mapping[str, Any], next_url: str) -> tuple[str, Pending]:
    """The provider's authorization URL to redirect to, and what to keep until the callback."""
    meta = metadata(config)
    pending = Pending(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                      code_verifier=secrets.token_urlsafe(64), next_url=next_url, started_at=time.time())
    with _session(config, meta) as client:
        url, _state = client.create_authorization_url(
            meta["authorization_endpoint"], state=pending.state, nonce=pending.nonce,
            code_verifier=pending.code_verifier,
        )
    return url, pending


def _claim_error_reason(error: ClaimError) -> str:
    return {"iss": "wrong_issuer", "aud": "wrong_audience", "nonce": "nonce", "azp": "wrong_audience",
            "exp": "expired", "iat": "expired", "nbf": "not_yet_valid"}.get(error.claim, "invalid_token")


def finish(config: Mapping[str, Any], pending: Pending | None, args: Mapping[str, str],
           *, now: float | None = None) -> dict[str, Any]:
    """Check the callback, exchange the code and return the ID token's verified claims."""
    refused = _("Het inloggen via de inlogdienst is geweigerd. Probeer het opnieuw.")
    if pending is None:
        raise OidcError("state", _("Deze inlogpoging is onbekend of al gebruikt. Begin opnieuw met inloggen."),
                        "no login was started in this session")
    if not hmac.compare_digest(args.get("state", "").encode(), pending.state.encode()):
        raise OidcError("state", _("Deze inlogpoging is onbekend of al gebruikt. Begin opnieuw met inloggen."),
                        "state does not match")
    if (now or time.time()) - pending.started_at > PENDING_MAX_AGE:
        raise OidcError("state", _("Deze inlogpoging duurde te lang. Begin opnieuw met inloggen."),
                        "login started more than ten minutes ago")
    if args.get("error"):
        raise OidcError("provider_error", _("De inlogdienst heeft het inloggen niet toegestaan."),
                        f"{args.get('error')}: {args.get('error_description', '')}"[:300])
    code = args.get("code", "")
    if not code or len(code) > 4096:
        raise OidcError("invalid_token", refused, "no authorization code")

    meta = metadata(config)
    try:
        with _session(config, meta) as client:
            token = client.fetch_token(meta["token_endpoint"], grant_type="authorization_code", code=code,
                                       code_verifier=pending.code_verifier, timeout=HTTP_TIMEOUT)
    except requests.RequestException as exc:
        raise OidcError("provider_unreachable", _unreachable().message, f"token endpoint: {exc}") from exc
    except (AuthlibBaseError, ValueError) as exc:
        raise OidcError("token_refused", refused, f"token endpoint: {exc}") from exc
    id_token = token.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise OidcError("invalid_token", refused, "no id_token in the token response")
    return validate_id_token(config, meta, id_token, nonce=pending.nonce,
                             access_token=token.get("access_token"), now=now)


def validate_id_token(config: Mapping[str, Any], meta: Mapping[str, Any], id_token: str, *, nonce: str,
                      access_token: str | None = None, now: float | None = None) -> dict[str, Any]:
    refused = _("Het inloggen via de inlogdienst is geweigerd. Probeer het opnieuw.")
    advertised = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [alg for alg in advertised if alg in ALLOWED_ALGORITHMS] or ["RS256"]
    try:
        try:
            decoded = jwt.decode(id_token, _key_set(meta), algorithms=algorithms)
        except (InvalidKeyIdError, MissingKeyError):
            # The provider may have rotated its keys since we read them: read them once more.
            decoded = jwt.decode(id_token, _key_set(meta, force=True), algorithms=algorithms)
    except (BadSignatureError, InvalidKeyIdError, MissingKeyError) as exc:
        raise OidcError("bad_signature", refused, str(exc)) from exc
    except (JoseError, ValueError, TypeError) as exc:
        raise OidcError("invalid_token", refused, f"undecodable ID token: {exc}") from exc

    options: dict[str, Any] = {
        "iss": {"essential": True, "value": meta["issuer"]},
        "aud": {"essential": True, "value": config["OIDC_CLIENT_ID"]},
        "sub": {"essential": True},
        "nonce": {"essential": True},
    }
    params: dict[str, Any] = {"nonce": nonce, "client_id": config["OIDC_CLIENT_ID"]}
    if access_token:
        params["access_token"] = access_token
    claims = CodeIDToken(decoded.claims, decoded.header, options, params)
    try:
        claims.validate(now=int(now) if now else None, leeway=CLOCK_LEEWAY)
    except ClaimError as exc:
        reason = "expired" if isinstance(exc, ExpiredTokenError) else _claim_error_reason(exc)
        raise OidcError(reason, refused, str(exc)) from exc
    except (JoseError, ValueError, TypeError) as exc:
        raise OidcError("invalid_token", refused, str(exc)) from exc
    if not isinstance(claims.get("sub"), str) or not claims["sub"] or len(claims["sub"]) > 255:
        raise OidcError("invalid_token", refused, "unusable sub claim")
    return dict(claims)
