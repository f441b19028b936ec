"""Delivering one webhook: the address checked again (against DNS rebinding), the body signed, one
POST with a short timeout to the address that was checked, the outcome recorded with its back-off.
Called by :func:`bio_register.notifications.delivery.deliver` (the scheduler's job); never in a
request. No Flask: the settings come in as a plain mapping.

The signature: ``X-BIO-Register-Signature: sha256=<hex>``, the HMAC-SHA256 with the endpoint's
secret over ``<timestamp>.<body>``, where ``<timestamp>`` is ``X-BIO-Register-Timestamp`` (Unix
seconds at the attempt). A receiver recomputes it and refuses a timestamp more than five minutes
off (the README has an example).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import logging
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.notifications.models import OutboxMessage
from bio_register.webhooks.models import WebhookEndpoint

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-BIO-Register-Signature"
TIMESTAMP_HEADER = "X-BIO-Register-Timestamp"
EVENT_HEADER = "X-BIO-Register-Event"
DELIVERY_HEADER = "X-BIO-Register-Delivery"
#: seconds to connect, seconds to wait for the answer
TIMEOUT = (3.05, 5.0)
#: attempts before a delivery is given up (marked failed)
MAX_ATTEMPTS = 6
#: the wait after the 1st, 2nd, … failed attempt
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2),
           dt.timedelta(hours=6))
#: answers worth trying again (besides every 5xx): the receiver was busy
RETRY_STATUSES = {408, 425, 429}
MAX_URL = 2000
#: the certificates a receiver's is checked against: True, the system's (certifi's) CAs; the tests
#: point it at their own
CA_BUNDLE: str | bool = True


class AddressRefused(ValueError):
    """The endpoint's address may not be called; the argument is the Dutch reason."""

    @property
    def reason(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Target:
    """A checked address: the URL's parts and the IP address(es) its host resolved to."""

    parts: SplitResult
    addresses: tuple[str, ...]


def resolve(host: str, port: int) -> list[str]:
    """The IP addresses ``host`` resolves to now (raises OSError when it does not)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not (ip.is_multicast or ip.is_private or ip.is_loopback or ip.is_link_local
                                 or ip.is_reserved or ip.is_unspecified)


def check_url(url: str, *, allow_loopback: bool = False) -> Target:
    """Whether ``url`` may be called, now: https, no user or password in it, and a host that
    resolves only to public addresses. ``allow_loopback`` (tests and the development server, never
    production) lets http or https to this machine through. Raises :class:`AddressRefused`."""
    if len(url) > MAX_URL:
        raise AddressRefused(_("Het adres is te lang (hoogstens %(n)d tekens).", n=MAX_URL))
    try:
        parts = urlsplit(url.strip())
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise AddressRefused(_("Dit is geen geldig webadres.")) from exc
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise AddressRefused(_("Dit is geen geldig webadres: het moet beginnen met https://."))
    if parts.username is not None or parts.password is not None:
        raise AddressRefused(_("Zet geen gebruikersnaam of wachtwoord in het adres; de berichten zijn ondertekend."))
    if parts.fragment:
        raise AddressRefused(_("Een adres met een # erin kan niet: laat het deel na de # weg."))
    if parts.scheme == "http" and not allow_loopback:
        raise AddressRefused(_("Alleen https-adressen zijn toegestaan: de berichten gaan versleuteld over het "
                               "internet."))
    try:
        addresses = resolve(parts.hostname, port)
    except (OSError, UnicodeError) as exc:
        raise AddressRefused(_("De naam %(host)s is niet te vinden (DNS).", host=parts.hostname)) from exc
    if not addresses:
        raise AddressRefused(_("De naam %(host)s is niet te vinden (DNS).", host=parts.hostname))
    ips = [_ip(a) for a in addresses]
    if allow_loopback and all(ip.is_loopback for ip in ips):
        return Target(parts, tuple(addresses))
    if parts.scheme == "http":
        raise AddressRefused(_("Alleen https-adressen zijn toegestaan: de berichten gaan versleuteld over het "
                               "internet."))
    for address, ip in zip(addresses, ips, strict=True):
        if not _public(ip):
            raise AddressRefused(_(
                "Het adres %(host)s wijst naar een intern, lokaal of gereserveerd netwerkadres (%(ip)s): "
                "webhooks gaan alleen naar adressen op het internet.", host=parts.hostname, ip=address))
    return Target(parts, tuple(addresses))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the HMAC-SHA256 of ``<timestamp>.<body>``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class _PinnedAdapter(HTTPAdapter):
    """Connects to the IP address that was checked, while TLS still checks the certificate
    against the host name in the endpoint's URL (SNI and hostname verification)."""

    def __init__(self, hostname: str) -> None:
        self._hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False,
                         **pool_kwargs: Any) -> None:
        pool_kwargs.update(server_hostname=self._hostname, assert_hostname=self._hostname)
        super().init_poolmanager(connections, maxsize, block=block, **pool_kwargs)


def post(target: Target, body: bytes, headers: Mapping[str, str]) -> int:
    """POST ``body`` to the checked address; returns the HTTP status. Raises requests' errors."""
    parts = target.parts
    assert parts.hostname is not None
    ip = _ip(target.addresses[0])
    host = f"[{ip}]" if ip.version == 6 else str(ip)
    netloc = f"{host}:{parts.port}" if parts.port else host
    url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    with requests.Session() as session:
        session.trust_env = False  # no proxy or .netrc from the environment: the checked address is called
        adapter = _PinnedAdapter(parts.hostname)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        response = session.post(url, data=body, timeout=TIMEOUT, allow_redirects=False, stream=True,
                                verify=CA_BUNDLE, headers={**headers, "Host": parts.netloc.rpartition("@")[2]})
        response.close()  # the answer's body is not read: only its status counts
        return response.status_code


def _give_up(message: OutboxMessage, now: dt.datetime, error: str) -> None:
    message.failed_at = now
    message.next_attempt_at = None
    message.last_error = error[:1000]


def _retry_later(message: OutboxMessage, now: dt.datetime, error: str) -> None:
    if message.attempts >= MAX_ATTEMPTS:
        _give_up(message, now, error)
        return
    message.last_error = error[:1000]
    message.next_attempt_at = now + BACKOFF[min(message.attempts, len(BACKOFF)) - 1]


def attempt(config: Mapping[str, Any], message: OutboxMessage, now: dt.datetime | None = None) -> bool:
    """Try one webhook delivery and record the outcome on it (the caller commits). True if the
    receiver answered 2xx. A timeout, a network error, 5xx, 408 or 429: tried again after the
    back-off, given up after :data:`MAX_ATTEMPTS`. An address that is no longer allowed, another
    answer (3xx, 4xx) or an endpoint switched off: given up at once."""
    now = now or utcnow()
    message.attempts += 1
    endpoint = db.session.get(WebhookEndpoint, message.webhook_endpoint_id) if message.webhook_endpoint_id else None
    if endpoint is None or not endpoint.active:
        _give_up(message, now, _("Het eindpunt is uitgeschakeld of verwijderd."))
        return False
    try:
        target = check_url(endpoint.url, allow_loopback=bool(config.get("WEBHOOKS_ALLOW_LOOPBACK")))
    except AddressRefused as refused:
        _give_up(message, now, refused.reason)
        log.warning("webhook delivery %s refused: the address of endpoint %s is not allowed", message.id, endpoint.id)
        return False
    body = message.body.encode()
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "BIO-register-webhooks/1",
        EVENT_HEADER: message.subject,
        DELIVERY_HEADER: str(message.id),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body),
    }
    try:
        status = post(target, body, headers)
    except requests.Timeout:
        message.http_status = None
        _retry_later(message, now, _("Geen antwoord binnen %(s)d seconden.", s=int(TIMEOUT[1])))
        log.warning("webhook delivery %s: timed out (attempt %d)", message.id, message.attempts)
        return False
    except requests.RequestException as exc:
        message.http_status = None
        _retry_later(message, now, _("Geen verbinding: %(error)s", error=type(exc).__name__))
        log.warning("webhook delivery %s: %s (attempt %d)", message.id, type(exc).__name__, message.attempts)
        return False
    message.http_status = status
    if 200 <= status < 300:
        message.sent_at = now
        message.next_attempt_at = None
        message.last_error = None
        return True
    if status >= 500 or status in RETRY_STATUSES:
        _retry_later(message, now, _("De ontvanger antwoordde met HTTP %(code)d.", code=status))
    else:
        _give_up(message, now, _("De ontvanger weigerde het bericht (HTTP %(code)d).", code=status))
    log.warning("webhook delivery %s: HTTP %d (attempt %d)", message.id, status, message.attempts)
    return False
