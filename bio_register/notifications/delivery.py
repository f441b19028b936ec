"""Sending the outbox: each message in a transaction of its own, after the work that queued it
committed. Called by the boundaries (the request pipeline, the scheduler's jobs, the CLI).

The outbox holds e-mail and webhook deliveries (``OutboxMessage.kind``). A request's boundary
sends only the e-mail it queued itself (:func:`deliver_committed`); webhook deliveries are sent by
the scheduler's ``webhook-deliveries`` job, so a slow receiver never holds up a request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bio_register import unit_of_work
from bio_register.extensions import db
from bio_register.notifications import services
from bio_register.notifications.models import WEBHOOK
from bio_register.webhooks import sending


def deliver(config: Mapping[str, Any], ids: Iterable[int] | None = None, *,
            kind: str | None = None) -> tuple[int, int]:
    """Send the outbox messages that are due (the given ids, or every unsent one; of one ``kind``
    or of every kind). Returns (sent, failed).

    The outcome of each attempt (sent, or the error, the attempt count and for a webhook its next
    attempt) is committed per message, so a failure is retried later and never lost.
    """
    if ids is not None:
        ids = list(ids)
        if not ids:
            return 0, 0
    sent = failed = 0
    for message in services.unsent(ids, kind=kind):
        with unit_of_work.boundary(db.session):
            if message.kind == WEBHOOK:
                ok = sending.attempt(config, message)
            else:
                ok = services.attempt(config, message)
        sent, failed = sent + ok, failed + (not ok)
    return sent, failed


def deliver_committed(config: Mapping[str, Any]) -> tuple[int, int]:
    """Send what the transactions committed since the last call queued; a failure stays in the
    outbox for the scheduler's retry and never turns a saved change into an error."""
    return deliver(config, services.take_committed(db.session))
