"""Sending the outbox: each message in a transaction of its own, after the work that queued it
committed. Called by the boundaries (the request pipeline, the scheduler's jobs, the CLI)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bio_register import unit_of_work
from bio_register.extensions import db
from bio_register.notifications import services


def deliver(config: Mapping[str, Any], ids: Iterable[int] | None = None) -> tuple[int, int]:
    """Send outbox messages (the given ids, or every unsent one). Returns (sent, failed).

    The outcome of each attempt (sent, or the error and the attempt count) is committed per
    message, so a failure is retried later and never lost.
    """
    if ids is not None:
        ids = list(ids)
        if not ids:
            return 0, 0
    sent = failed = 0
    for message in services.unsent(ids):
        with unit_of_work.boundary(db.session):
            ok = services.attempt(config, message)
        sent, failed = sent + ok, failed + (not ok)
    return sent, failed


def deliver_committed(config: Mapping[str, Any]) -> tuple[int, int]:
    """Send what the transactions committed since the last call queued; a failure stays in the
    outbox for the scheduler's retry and never turns a saved change into an error."""
    return deliver(config, services.take_committed(db.session))
