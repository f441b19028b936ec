"""Outgoing webhooks: the endpoints an organisation's beheerder registers, and the events queued
for them in the outbox (kind ``webhook``) — in the transaction of the change they report, sent by
the scheduler after it committed (:mod:`bio_register.webhooks.sending`).

A payload carries ids, references, codes, times and links: no personal data (titles, descriptions,
names, motivations) unless the endpoint is allowed it (``personal_data_allowed``). An event of an
organisation goes to the endpoints of that organisation and of those above it.

Plain arguments in, models out; flush, never commit; every change to an endpoint audited (its
secret never: it is shown once, when the endpoint is made).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import joinedload

from bio_register.accounts.models import User
from bio_register.audit import services as audit
from bio_register.breaches.models import ApDecision, ApNotification
from bio_register.database import utcnow
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.i18n import lazy_gettext as _l
from bio_register.incidents.models import Incident
from bio_register.measures.models import OPEN_MEASURE_STATUSES, Measure
from bio_register.notifications import services as notifications
from bio_register.notifications.models import WEBHOOK, OutboxMessage
from bio_register.organisations.models import Organisation
from bio_register.paging import Page
from bio_register.permissions import organisation_tree
from bio_register.validation import Errors
from bio_register.webhooks import sending
from bio_register.webhooks.models import WebhookEndpoint

INCIDENT_LOGGED = "incident.logged"
DATALEK_LOGGED = "datalek.logged"
FG_DECISION = "fg_decision.recorded"
AP_MELDING = "ap_melding.recorded"
DEADLINE_WARNING = "deadline.warning"
MAATREGEL_OVERDUE = "maatregel.overdue"
TEST = "webhook.test"

#: the events an endpoint can choose, with what the beheerder reads
EVENTS: dict[str, Any] = {
    INCIDENT_LOGGED: _l("Incident vastgelegd"),
    DATALEK_LOGGED: _l("Datalek vastgelegd"),
    FG_DECISION: _l("Besluit van de FG over de AP-melding"),
    AP_MELDING: _l("AP-melding vastgelegd"),
    DEADLINE_WARNING: _l("Waarschuwing voor een AP- of Cbw-termijn"),
    MAATREGEL_OVERDUE: _l("Maatregel over de datum"),
}
MAX_DESCRIPTION = 200
#: a maatregel is announced as overdue when its date passed at most this long ago
OVERDUE_WINDOW = dt.timedelta(days=7)
MAX_ENDPOINTS = 20


@dataclass(frozen=True)
class Links:
    """Where a payload's links point, supplied by the boundary that knows the application's URLs
    (:mod:`bio_register.webhooks.links`): absolute URLs of an object's page and API resource."""

    incident_page: Callable[[int], str]
    incident_api: Callable[[int], str]
    measure_page: Callable[[int], str]
    measure_api: Callable[[int], str]


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def event_label(code: str) -> str:
    return str(EVENTS.get(code, _l("Test") if code == TEST else code))


# --- the endpoints --------------------------------------------------------------------------------

def _clean(data: Mapping[str, Any], *, allow_loopback: bool, partial: bool = False) -> dict[str, Any]:
    errors = Errors()
    values: dict[str, Any] = {}
    if not partial or "url" in data:
        url = errors.text("url", data.get("url"), max_length=sending.MAX_URL, required=True, single_line=True)
        if url is not None:
            try:
                sending.check_url(url, allow_loopback=allow_loopback)
            except sending.AddressRefused as refused:
                errors.add("url", refused.reason)
        values["url"] = url
    if not partial or "description" in data:
        values["description"] = errors.text("description", data.get("description"), max_length=MAX_DESCRIPTION,
                                            single_line=True)
    if not partial or "events" in data:
        events = data.get("events")
        if not isinstance(events, list | tuple) or not all(isinstance(e, str) for e in events):
            errors.add("events", _("Kies de gebeurtenissen."))
        else:
            unknown = sorted(set(events) - set(EVENTS))
            if unknown:
                errors.add("events", _("Onbekende gebeurtenis: %(codes)s.", codes=", ".join(unknown)))
            elif not events:
                errors.add("events", _("Kies ten minste één gebeurtenis."))
            values["events"] = [e for e in EVENTS if e in set(events)]
    for flag in ("personal_data_allowed", "active"):
        if flag in data or (not partial and flag == "personal_data_allowed"):
            value = data.get(flag, False)
            if not isinstance(value, bool):
                errors.add(flag, _("Kies ja of nee."))
            values[flag] = value
    errors.raise_if_any()
    return values


def _snapshot(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """What the audit log keeps of an endpoint: never its secret."""
    return {"url": endpoint.url, "description": endpoint.description, "events": list(endpoint.events),
            "personal_data_allowed": endpoint.personal_data_allowed, "active": endpoint.active}


def create_endpoint(actor: User, organisation: Organisation, data: Mapping[str, Any], *,
                    allow_loopback: bool = False) -> WebhookEndpoint:
    """Register an endpoint; its ``secret`` is made here and is to be shown once, now."""
    values = _clean(data, allow_loopback=allow_loopback)
    count = db.session.scalar(select(func.count()).select_from(WebhookEndpoint)
                              .where(WebhookEndpoint.organisation_id == organisation.id)) or 0
    if count >= MAX_ENDPOINTS:
        raise ValidationFailed(_("Een organisatie heeft hoogstens %(n)d webhooks.", n=MAX_ENDPOINTS), field="url")
    endpoint = WebhookEndpoint(organisation_id=organisation.id, secret=new_secret(), active=True,
                               created_by_id=actor.id, created_at=utcnow(), **values)
    db.session.add(endpoint)
    db.session.flush()
    audit.record(actor, "webhook_endpoint", endpoint.id, "create", audit.created(_snapshot(endpoint)),
                 organisation_id=organisation.id)
    return endpoint


def update_endpoint(actor: User, endpoint: WebhookEndpoint, data: Mapping[str, Any], *,
                    allow_loopback: bool = False) -> WebhookEndpoint:
    """Change the address, description, events, the personal-data flag or switch it on or off."""
    values = _clean(data, allow_loopback=allow_loopback, partial=True)
    before = _snapshot(endpoint)
    for key, value in values.items():
        setattr(endpoint, key, value)
    changes = audit.diff(before, _snapshot(endpoint))
    if changes:
        db.session.flush()
        audit.record(actor, "webhook_endpoint", endpoint.id, "update", changes,
                     organisation_id=endpoint.organisation_id)
    return endpoint


def delete_endpoint(actor: User, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint and its delivery log (the audit log keeps that it existed)."""
    audit.record(actor, "webhook_endpoint", endpoint.id, "delete", audit.diff(_snapshot(endpoint), {}),
                 organisation_id=endpoint.organisation_id)
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.webhook_endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    db.session.flush()


def find_endpoint(organisation_code: str | None, endpoint_id: int) -> WebhookEndpoint | None:
    """An endpoint by id (under ``organisation_code`` when given: another organisation's is None)."""
    found = db.session.get(WebhookEndpoint, endpoint_id)
    if found is None or (organisation_code is not None and found.organisation.code != organisation_code.upper()):
        return None
    return found


@dataclass(frozen=True)
class EndpointRow:
    endpoint: WebhookEndpoint
    delivered: int
    pending: int
    failed: int
    last_delivered_at: dt.datetime | None


def list_endpoints(organisation: Organisation, page: int = 1, per_page: int = 50) -> Page[EndpointRow]:
    """The organisation's endpoints, oldest first, each with its deliveries counted (two queries)."""
    total = db.session.scalar(select(func.count()).select_from(WebhookEndpoint)
                              .where(WebhookEndpoint.organisation_id == organisation.id)) or 0
    endpoints = list(db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.organisation_id == organisation.id)
        .order_by(WebhookEndpoint.id).offset((page - 1) * per_page).limit(per_page)))
    counts: dict[int, tuple[int, int, int, dt.datetime | None]] = {}
    if endpoints:
        sent = OutboxMessage.sent_at.is_not(None)
        failed = OutboxMessage.failed_at.is_not(None)
        for row in db.session.execute(
                select(OutboxMessage.webhook_endpoint_id,
                       func.coalesce(func.sum(case((sent, 1), else_=0)), 0),
                       func.coalesce(func.sum(case((sent | failed, 0), else_=1)), 0),
                       func.coalesce(func.sum(case((failed, 1), else_=0)), 0),
                       func.max(OutboxMessage.sent_at))
                .where(OutboxMessage.webhook_endpoint_id.in_([e.id for e in endpoints]))
                .group_by(OutboxMessage.webhook_endpoint_id)):
            counts[row[0]] = (int(row[1]), int(row[2]), int(row[3]), _aware(row[4]))
    items = [EndpointRow(e, *counts.get(e.id, (0, 0, 0, None))) for e in endpoints]
    return Page(items, page, per_page, total)


def _aware(value: Any) -> dt.datetime | None:
    """A timestamp from an aggregate (SQLite: naive or a string, in UTC)."""
    if value is None:
        return None
    moment: dt.datetime = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def deliveries(endpoint: WebhookEndpoint, page: int = 1, per_page: int = 50) -> Page[OutboxMessage]:
    """The endpoint's delivery log, newest first."""
    total = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.webhook_endpoint_id == endpoint.id)) or 0
    items = list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.webhook_endpoint_id == endpoint.id)
        .order_by(OutboxMessage.id.desc()).offset((page - 1) * per_page).limit(per_page)))
    return Page(items, page, per_page, total)


def delivery_status(message: OutboxMessage) -> str:
    """``afgeleverd``, ``mislukt``, ``opnieuw`` (failed, will be tried again) or ``wachtrij``."""
    if message.sent_at is not None:
        return "afgeleverd"
    if message.failed_at is not None:
        return "mislukt"
    return "opnieuw" if message.attempts else "wachtrij"


# --- queueing events ------------------------------------------------------------------------------

def _listening(event: str, organisation_id: int) -> list[WebhookEndpoint]:
    lineage = organisation_tree().lineage(organisation_id)
    return [e for e in db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.organisation_id.in_(lineage), WebhookEndpoint.active.is_(True))
        .order_by(WebhookEndpoint.id)) if event in (e.events or [])]


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if moment is not None else None


def _queue(endpoint: WebhookEndpoint, event: str, payload: Mapping[str, Any], personal: Mapping[str, Any],
           dedupe_key: str | None = None) -> OutboxMessage:
    body = dict(payload)
    if endpoint.personal_data_allowed and personal:
        for key, extra in personal.items():  # merged into the objects they describe
            body[key] = {**body.get(key, {}), **extra}
    message = OutboxMessage(kind=WEBHOOK, webhook_endpoint_id=endpoint.id, subject=event,
                            recipient=(urlsplit(endpoint.url).hostname or "")[:254],
                            body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                            dedupe_key=dedupe_key)
    db.session.add(message)
    return message


def _envelope(event: str, organisation: Organisation, now: dt.datetime) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex, "event": event, "occurred_at": _iso(now),
            "organisation": {"code": organisation.code}}


def emit(event: str, organisation: Organisation, data: Mapping[str, Any], personal: Mapping[str, Any] | None = None,
         *, now: dt.datetime | None = None, endpoints: Iterable[WebhookEndpoint] | None = None) -> int:
    """Queue ``event`` for every active endpoint that listens to it in the organisation or above it
    (or for the given ``endpoints``); ``personal`` is added only where personal data is allowed.
    Returns how many deliveries were queued. Nothing inside ``notifications.suppressed()``."""
    if notifications.is_suppressed():
        return 0
    targets = list(endpoints) if endpoints is not None else _listening(event, organisation.id)
    if not targets:
        return 0
    payload = {**_envelope(event, organisation, now or utcnow()), **data}
    for endpoint in targets:
        _queue(endpoint, event, payload, personal or {})
    db.session.flush()
    return len(targets)


def _incident(incident: Incident, links: Links) -> tuple[dict[str, Any], dict[str, Any]]:
    data = {"incident": {"id": incident.id, "reference": incident.reference, "is_datalek": incident.is_datalek,
                         "status": str(incident.status),
                         "severity": str(incident.severity) if incident.severity else None,
                         "category": str(incident.category) if incident.category else None,
                         "discovered_at": _iso(incident.discovered_at),
                         "organisation": incident.organisation.code},
            "links": {"html": links.incident_page(incident.id), "api": links.incident_api(incident.id)}}
    return data, {"incident": {"title": incident.title, "description": incident.description}}


def incident_logged(incident: Incident, links: Links) -> int:
    data, personal = _incident(incident, links)
    return emit(INCIDENT_LOGGED, incident.organisation, data, personal)


def datalek_logged(incident: Incident, links: Links) -> int:
    data, personal = _incident(incident, links)
    return emit(DATALEK_LOGGED, incident.organisation, data, personal)


def fg_decided(incident: Incident, decision: ApDecision, links: Links) -> int:
    data, personal = _incident(incident, links)
    data["decision"] = {"id": decision.id, "notify": decision.notify, "decided_at": _iso(decision.decided_at)}
    personal["decision"] = {"motivation": decision.motivation}
    return emit(FG_DECISION, incident.organisation, data, personal)


def ap_notified(incident: Incident, notification: ApNotification, links: Links) -> int:
    data, personal = _incident(incident, links)
    data["ap_melding"] = {"id": notification.id, "kind": str(notification.kind), "meldnummer": notification.meldnummer,
                          "submitted_at": _iso(notification.submitted_at)}
    return emit(AP_MELDING, incident.organisation, data, personal)


def deadline_warned(incident: Incident, clock: str, threshold: str, deadline: dt.datetime, links: Links) -> int:
    data, personal = _incident(incident, links)
    data["warning"] = {"clock": clock, "threshold": threshold, "deadline": _iso(deadline)}
    return emit(DEADLINE_WARNING, incident.organisation, data, personal)


def _measure(measure: Measure, links: Links) -> tuple[dict[str, Any], dict[str, Any]]:
    data = {"maatregel": {"id": measure.id, "status": str(measure.status),
                          "due_date": measure.due_date.isoformat() if measure.due_date else None,
                          "organisation": measure.organisation.code},
            "links": {"html": links.measure_page(measure.id), "api": links.measure_api(measure.id)}}
    return data, {"maatregel": {"title": measure.title, "owner": measure.owner}}


def queue_overdue_measures(today: dt.date, links: Links, now: dt.datetime | None = None) -> int:
    """``maatregel.overdue`` once per maatregel and due date, for each endpoint that listens to it:
    open maatregelen whose date passed in the last :data:`OVERDUE_WINDOW` and after the endpoint was
    made (a new endpoint is not flooded with the backlog; a scheduler down for longer skips what it
    missed). Returns how many deliveries were queued. Four reads (endpoints, the organisation tree,
    maatregelen, keys already sent), however many endpoints and maatregelen.

    The key (endpoint, ``maatregel-overdue:<id>:<date>``) is unique: a concurrent run fails at its
    commit instead of sending twice."""
    if notifications.is_suppressed():
        return 0
    now = now or utcnow()
    endpoints = [e for e in db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True)).order_by(WebhookEndpoint.id))
        if MAATREGEL_OVERDUE in (e.events or [])]
    if not endpoints:
        return 0
    tree = organisation_tree()
    scope = {e.id: tree.covered(frozenset({e.organisation_id})) for e in endpoints}
    earliest = today - OVERDUE_WINDOW
    measures = list(db.session.scalars(
        select(Measure).options(joinedload(Measure.organisation))
        .where(Measure.organisation_id.in_(sorted(frozenset().union(*scope.values()))),
               Measure.status.in_(OPEN_MEASURE_STATUSES), Measure.due_date.is_not(None),
               Measure.due_date < today, Measure.due_date >= earliest)
        .order_by(Measure.due_date, Measure.id)))
    if not measures:
        return 0
    keys = {m.id: f"maatregel-overdue:{m.id}:{m.due_date}" for m in measures}
    done = {(row[0], row[1]) for row in db.session.execute(
        select(OutboxMessage.webhook_endpoint_id, OutboxMessage.dedupe_key).where(
            OutboxMessage.webhook_endpoint_id.in_([e.id for e in endpoints]),
            OutboxMessage.dedupe_key.in_(sorted(set(keys.values())))))}
    queued = 0
    for endpoint in endpoints:
        since = max(earliest, endpoint.created_at.date() - dt.timedelta(days=1))
        for measure in measures:
            key = keys[measure.id]
            if (measure.organisation_id not in scope[endpoint.id] or measure.due_date is None
                    or measure.due_date < since or (endpoint.id, key) in done):
                continue
            data, personal = _measure(measure, links)
            payload = {**_envelope(MAATREGEL_OVERDUE, measure.organisation, now), **data}
            _queue(endpoint, MAATREGEL_OVERDUE, payload, personal, dedupe_key=key)
            queued += 1
    db.session.flush()
    return queued


def send_test(actor: User, endpoint: WebhookEndpoint, links: Links) -> OutboxMessage:
    """Queue a test delivery (``webhook.test``) for the endpoint, audited; the scheduler sends it."""
    if not endpoint.active:
        raise ValidationFailed(_("Zet de webhook eerst aan."), field="active")
    payload = {**_envelope(TEST, endpoint.organisation, utcnow()), "test": True,
               "webhook": {"id": endpoint.id}}
    message = _queue(endpoint, TEST, payload, {})
    db.session.flush()
    audit.record(actor, "webhook_endpoint", endpoint.id, "test", {"delivery": {"before": None, "after": message.id}},
                 organisation_id=endpoint.organisation_id)
    return message
