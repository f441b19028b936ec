"""Webhooks end to end: events queued in the outbox, delivered by the scheduler's job to a real
receiver on 127.0.0.1 that checks the signature; retries with back-off, failure, and refusals."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from flask import Flask
from sqlalchemy import select

from bio_register.audit.models import AuditEvent
from bio_register.config import load_settings
from bio_register.database import utcnow
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.notifications.models import WEBHOOK, OutboxMessage
from bio_register.scheduler import deliver_webhooks
from bio_register.webhooks import sending
from bio_register.webhooks import services as webhooks
from tests import factories
from tests.webhooks.receiver import Receiver, verify


@pytest.fixture
def beheerder():
    return factories.user([("beheerder", "DUO")])


def register(beheerder, receiver: Receiver, events=(webhooks.INCIDENT_LOGGED,), **extra):
    endpoint = webhooks.create_endpoint(beheerder, factories.organisation("DIE"),
                                        {"url": receiver.url, "events": list(events), **extra}, allow_loopback=True)
    db.session.commit()
    receiver.secret = endpoint.secret
    return endpoint


def log_of(endpoint) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.webhook_endpoint_id == endpoint.id)
                                   .order_by(OutboxMessage.id)))


def test_an_incident_reaches_the_receiver_signed(app: Flask, beheerder, receiver: Receiver, loopback) -> None:
    endpoint = register(beheerder, receiver)
    incident = factories.incident("DIE")
    assert receiver.received == []  # queued in the transaction, not sent by it
    assert deliver_webhooks(app)[1:] == (1, 0)
    [message] = receiver.received
    assert message.verified, "the receiver's signature check (as in the README) must pass"
    assert message.headers["X-BIO-Register-Event"] == "incident.logged"
    payload = message.json
    assert payload["event"] == "incident.logged" and payload["organisation"] == {"code": "DIE"}
    assert payload["incident"]["id"] == incident.id and payload["incident"]["reference"] == incident.reference
    assert payload["links"]["html"].endswith(f"/incidenten/{incident.id}")
    assert payload["links"]["api"].endswith(f"/api/v1/incidents/{incident.id}")
    [logged] = log_of(endpoint)
    assert webhooks.delivery_status(logged) == "afgeleverd" and logged.http_status == 204 and logged.attempts == 1
    # delivered once: the next run sends nothing
    assert deliver_webhooks(app)[1:] == (0, 0)
    assert len(receiver.received) == 1


def test_a_changed_body_or_an_old_timestamp_fails_the_check(app: Flask, beheerder, receiver, loopback) -> None:
    register(beheerder, receiver)
    factories.incident("DIE")
    deliver_webhooks(app)
    [message] = receiver.received
    assert verify(receiver.secret, message.headers, message.body)
    assert not verify(receiver.secret, message.headers, message.body.replace(b"DIE", b"UIT"))
    assert not verify("whsec_another", message.headers, message.body)
    later = int(message.headers["X-BIO-Register-Timestamp"]) + 301
    assert not verify(receiver.secret, message.headers, message.body, now=later)  # a replay, too late


def test_no_personal_data_unless_the_endpoint_allows_it(app: Flask, beheerder, receiver, loopback) -> None:
    register(beheerder, receiver, events=[webhooks.DATALEK_LOGGED, webhooks.FG_DECISION])
    leak = factories.incident("DIE", is_datalek=True, title="Brief over Jan de Vries naar buurman",
                              description="Jan de Vries, Dorpsstraat 1, BSN in de bijlage", reporter="Piet Post")
    factories.decide_not_to_notify(leak, fg=factories.user([("fg", "DIE")], name="Fenna FG"))
    deliver_webhooks(app)
    bodies = [m.body.decode() for m in receiver.received]
    assert [m.json["event"] for m in receiver.received] == ["datalek.logged", "fg_decision.recorded"]
    for body in bodies:
        for personal in ("Jan de Vries", "Dorpsstraat", "Piet Post", "Fenna FG", "Geen risico"):
            assert personal not in body
    assert receiver.received[1].json["decision"]["notify"] is False

    allowed = factories.webhook("DIE", url=receiver.url, events=[webhooks.INCIDENT_LOGGED], personal_data_allowed=True)
    receiver.secret = allowed.secret
    factories.incident("DIE", title="Laptop van Jan de Vries gestolen")
    deliver_webhooks(app)
    assert receiver.received[-1].json["incident"]["title"] == "Laptop van Jan de Vries gestolen"


def test_a_receiver_answering_5xx_is_retried_with_back_off_then_marked_failed(
        app: Flask, beheerder, receiver, loopback) -> None:
    receiver.status = 503
    endpoint = register(beheerder, receiver)
    factories.incident("DIE")
    before = utcnow()
    assert deliver_webhooks(app)[1:] == (0, 1)
    [message] = log_of(endpoint)
    assert webhooks.delivery_status(message) == "opnieuw" and message.http_status == 503
    assert "HTTP 503" in message.last_error
    assert before + dt.timedelta(seconds=55) < message.next_attempt_at < utcnow() + dt.timedelta(seconds=65)
    assert deliver_webhooks(app)[1:] == (0, 0)  # waiting out its back-off
    waits = [message.next_attempt_at - before]
    for _attempt in range(sending.MAX_ATTEMPTS - 1):
        message.next_attempt_at = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
        before = utcnow()
        deliver_webhooks(app)
        [message] = log_of(endpoint)
        if message.next_attempt_at is not None:
            waits.append(message.next_attempt_at - before)
    assert message.attempts == sending.MAX_ATTEMPTS == len(receiver.received)
    assert webhooks.delivery_status(message) == "mislukt" and message.failed_at is not None
    assert [round(w.total_seconds() / 60) for w in waits] == [1, 5, 30, 120, 360]
    receiver.status = 204
    assert deliver_webhooks(app)[1:] == (0, 0)  # given up: not tried again


def test_a_receiver_that_times_out_is_tried_again(app: Flask, beheerder, receiver, loopback, monkeypatch) -> None:
    monkeypatch.setattr(sending, "TIMEOUT", (1.0, 0.2))
    receiver.delay = 0.6
    endpoint = register(beheerder, receiver)
    factories.incident("DIE")
    assert deliver_webhooks(app)[1:] == (0, 1)
    [message] = log_of(endpoint)
    assert webhooks.delivery_status(message) == "opnieuw" and message.http_status is None
    assert message.last_error.startswith("Geen antwoord binnen")


def test_a_refusal_4xx_is_given_up_at_once(app: Flask, beheerder, receiver, loopback) -> None:
    endpoint = register(beheerder, receiver)
    receiver.secret = "whsec_wrong"  # the receiver refuses: 401
    factories.incident("DIE")
    deliver_webhooks(app)
    [message] = log_of(endpoint)
    assert webhooks.delivery_status(message) == "mislukt" and message.http_status == 401


@pytest.mark.parametrize(("url", "reason"), [
    ("http://hooks.example.nl/bio", "Alleen https-adressen"),
    ("ftp://hooks.example.nl/bio", "geen geldig webadres"),
    ("https://gebruiker:wachtwoord@hooks.example.nl/bio", "gebruikersnaam of wachtwoord"),
    ("https://10.0.0.5/bio", "intern, lokaal of gereserveerd"),
    ("https://192.168.1.10/bio", "intern, lokaal of gereserveerd"),
    ("https://172.16.3.4/bio", "intern, lokaal of gereserveerd"),
    ("https://169.254.169.254/latest/meta-data", "intern, lokaal of gereserveerd"),
    ("https://100.64.0.1/bio", "intern, lokaal of gereserveerd"),
    ("https://127.0.0.1/bio", "intern, lokaal of gereserveerd"),
    ("https://[::1]/bio", "intern, lokaal of gereserveerd"),
    ("https://[fd00::1]/bio", "intern, lokaal of gereserveerd"),
    ("https://[::ffff:10.0.0.1]/bio", "intern, lokaal of gereserveerd"),
    ("https://0.0.0.0/bio", "intern, lokaal of gereserveerd"),
    ("https://intranet.example.nl/bio", "intern, lokaal of gereserveerd"),
    ("https://bestaat-niet.example.nl/bio", "niet te vinden"),
])
def test_private_and_plain_http_addresses_are_refused_with_the_reason(beheerder, dns, url, reason) -> None:
    dns["intranet.example.nl"] = ["203.0.113.9", "10.20.30.40"]  # one public, one internal: refused
    with pytest.raises(ValidationFailed) as refused:
        webhooks.create_endpoint(beheerder, factories.organisation("DIE"),
                                 {"url": url, "events": [webhooks.INCIDENT_LOGGED]})
    assert refused.value.field == "url" and reason in refused.value.message


def test_a_public_https_address_is_accepted(beheerder, dns) -> None:
    endpoint = webhooks.create_endpoint(beheerder, factories.organisation("DIE"),
                                        {"url": "https://hooks.example.nl/bio", "events": [webhooks.MAATREGEL_OVERDUE]})
    assert endpoint.secret.startswith("whsec_") and endpoint.events == ["maatregel.overdue"]


def test_the_loopback_exception_is_off_in_production(beheerder, receiver) -> None:
    assert load_settings({}, {"DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 32})["WEBHOOKS_ALLOW_LOOPBACK"] is False
    with pytest.raises(ValidationFailed, match="Alleen https"):
        webhooks.create_endpoint(beheerder, factories.organisation("DIE"),
                                 {"url": receiver.url, "events": [webhooks.INCIDENT_LOGGED]})


def test_the_address_is_checked_again_at_delivery(app: Flask, beheerder, receiver, dns) -> None:
    """DNS rebinding: a name that was public when registered points inside when the message goes."""
    endpoint = factories.webhook("DIE", url="https://hooks.example.nl/bio", events=[webhooks.INCIDENT_LOGGED])
    factories.incident("DIE")
    dns["hooks.example.nl"] = ["127.0.0.1"]
    assert deliver_webhooks(app)[1:] == (0, 1)
    [message] = log_of(endpoint)
    assert webhooks.delivery_status(message) == "mislukt" and "intern, lokaal of gereserveerd" in message.last_error
    assert receiver.received == []


def test_the_connection_goes_to_the_checked_address(app: Flask, beheerder, receiver, loopback, dns) -> None:
    """The name is resolved once, checked, and that address is called (the Host header keeps the name)."""
    dns["webhook.test"] = ["127.0.0.1"]
    port = receiver.server.server_address[1]
    endpoint = factories.webhook("DIE", url=f"http://webhook.test:{port}/bio-hook", events=[webhooks.INCIDENT_LOGGED])
    receiver.secret = endpoint.secret
    factories.incident("DIE")
    assert deliver_webhooks(app)[1:] == (1, 0)
    assert receiver.received[0].headers["Host"] == f"webhook.test:{port}"


def test_events_of_the_organisation_and_those_below_it_only(app: Flask, beheerder, receiver, loopback) -> None:
    top = factories.webhook("DUO", url=receiver.url, events=[webhooks.INCIDENT_LOGGED])
    other = factories.webhook("UIT", url=receiver.url, events=[webhooks.INCIDENT_LOGGED])
    off = factories.webhook("DIE", url=receiver.url, events=[webhooks.INCIDENT_LOGGED], active=False)
    unsubscribed = factories.webhook("DIE", url=receiver.url, events=[webhooks.DATALEK_LOGGED])
    factories.incident("DIE")
    assert len(log_of(top)) == 1
    assert log_of(other) == log_of(off) == log_of(unsubscribed) == []


def test_an_overdue_maatregel_is_announced_once(app: Flask, beheerder, receiver, loopback) -> None:
    endpoint = register(beheerder, receiver, events=[webhooks.MAATREGEL_OVERDUE])
    from bio_register.measures.rules import local_today

    yesterday, earlier = local_today() - dt.timedelta(days=1), utcnow() - dt.timedelta(days=5)
    measure = factories.measure("DIE", due_date=yesterday, title="Kluis voor Jan", owner="Jan de Vries", now=earlier)
    factories.measure("DIE", due_date=yesterday, status="gereed", now=earlier)
    factories.measure("DIE", due_date=yesterday - dt.timedelta(days=2), now=earlier)  # before the endpoint existed
    factories.measure("DIE", due_date=local_today() + dt.timedelta(days=3))
    queued, sent, failed = deliver_webhooks(app)
    assert (queued, sent, failed) == (1, 1, 0)
    assert deliver_webhooks(app) == (0, 0, 0)
    payload = receiver.received[0].json
    assert payload["event"] == "maatregel.overdue" and payload["maatregel"]["id"] == measure.id
    assert payload["maatregel"]["due_date"] == yesterday.isoformat()
    assert "Jan" not in receiver.received[0].body.decode()
    assert len(log_of(endpoint)) == 1


def test_a_deadline_warning_and_an_ap_melding_are_sent(app: Flask, beheerder, receiver, loopback) -> None:
    from bio_register.breaches import services as breaches
    from bio_register.scheduler import check_deadlines

    endpoint = register(beheerder, receiver, events=[webhooks.DEADLINE_WARNING, webhooks.AP_MELDING])
    fg = factories.user([("fg", "DIE")])
    leak = factories.incident("DIE", is_datalek=True, discovered_at=utcnow() - dt.timedelta(hours=70))
    factories.assess(leak, fg=fg)
    check_deadlines(app)
    breaches.decide(fg, leak, True, "Hoog risico: melden bij de AP.")
    breaches.record_notification(fg, leak, "initial", utcnow(), "M-2026-1")
    db.session.commit()
    deliver_webhooks(app)
    events = [m.json for m in receiver.received]
    assert [e["event"] for e in events] == ["deadline.warning", "ap_melding.recorded"]
    assert events[0]["warning"]["clock"] == "ap"
    assert events[1]["ap_melding"]["meldnummer"] == "M-2026-1"
    assert all(webhooks.delivery_status(m) == "afgeleverd" for m in log_of(endpoint))


def test_every_change_is_audited_and_the_secret_never(app: Flask, beheerder, receiver, loopback) -> None:
    endpoint = register(beheerder, receiver)
    webhooks.update_endpoint(beheerder, endpoint, {"events": [webhooks.DATALEK_LOGGED], "active": False},
                             allow_loopback=True)
    webhooks.update_endpoint(beheerder, endpoint, {"active": True}, allow_loopback=True)
    webhooks.send_test(beheerder, endpoint, _links(app))
    endpoint_id, secret = endpoint.id, endpoint.secret
    webhooks.delete_endpoint(beheerder, endpoint)
    db.session.commit()
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "webhook_endpoint",
                                                              AuditEvent.entity_id == str(endpoint_id))
                                     .order_by(AuditEvent.seq)))
    assert [e.action for e in events] == ["create", "update", "update", "test", "delete"]
    assert all(e.actor_id == beheerder.id for e in events)
    assert not any(secret in json.dumps(e.changes) for e in events)
    assert db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == WEBHOOK)).all() == []


def test_a_test_message_reaches_the_receiver(app: Flask, beheerder, receiver, loopback) -> None:
    endpoint = register(beheerder, receiver)
    webhooks.send_test(beheerder, endpoint, _links(app))
    db.session.commit()
    deliver_webhooks(app)
    [message] = receiver.received
    assert message.verified and message.json["event"] == "webhook.test" and message.json["test"] is True


def test_e_mail_jobs_leave_webhooks_to_their_own_job(app: Flask, beheerder, receiver, loopback) -> None:
    from bio_register.notifications import delivery
    from bio_register.notifications.models import EMAIL

    register(beheerder, receiver)
    factories.incident("DIE")
    assert delivery.deliver(app.config, kind=EMAIL) == (0, 0)
    assert receiver.received == []


def _links(app: Flask) -> webhooks.Links:
    from bio_register.webhooks import links

    return links.for_app(app)


def test_the_overdue_scan_issues_a_fixed_number_of_queries(app: Flask, count_queries) -> None:
    from bio_register.measures.rules import local_today

    yesterday, earlier = local_today() - dt.timedelta(days=1), utcnow() - dt.timedelta(days=5)
    factories.webhook("DIE", events=[webhooks.MAATREGEL_OVERDUE])
    factories.measure("DIE", due_date=yesterday, now=earlier)
    with count_queries() as few:
        assert webhooks.queue_overdue_measures(local_today(), _links(app)) == 1
    for code in ("DIE", "UIT", "DUO"):
        factories.webhook(code, events=[webhooks.MAATREGEL_OVERDUE])
        for _i in range(3):
            factories.measure(code, due_date=yesterday, now=earlier)
    factories.measure("DIE", due_date=local_today() - dt.timedelta(days=9), now=utcnow() - dt.timedelta(days=20))
    with count_queries() as many:
        queued = webhooks.queue_overdue_measures(local_today(), _links(app))
    # DIE's measures to both DIE endpoints and DUO's; UIT's to UIT's and DUO's; DUO's to DUO's; one
    # already announced to the first endpoint; the one 9 days over its date: outside the window
    assert queued == (1 + 3) * 3 - 1 + 3 * 2 + 3

    def reads(counter) -> list[str]:  # an INSERT per message queued is the work itself
        return [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")]

    assert len(reads(many)) == len(reads(few)) <= 4, reads(many)  # endpoints, the tree, maatregelen, keys
