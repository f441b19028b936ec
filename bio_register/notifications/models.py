from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from bio_register.database import UTCDateTime, utcnow
from bio_register.extensions import Model

#: the kinds of outbox message
EMAIL = "email"
WEBHOOK = "webhook"


class OutboxMessage(Model):
    """An e-mail (``kind`` email) or a webhook delivery (``kind`` webhook) written in the same
    transaction as the change it reports; sent after commit, retried when sending fails.

    A webhook delivery's ``body`` is the JSON sent, ``recipient`` the receiver's host (the address
    itself is the endpoint's, read again at every attempt), ``subject`` the event; the rows of an
    endpoint are its delivery log."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_sent_at", "sent_at"),
        Index("ix_outbox_messages_webhook_endpoint_id", "webhook_endpoint_id", "id"),
        # one event once per endpoint (a maatregel over its date is announced once)
        UniqueConstraint("webhook_endpoint_id", "dedupe_key", name="uq_outbox_messages_webhook_dedupe"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: The body holds a one-time link: it is blanked once sent, so the database keeps no usable link.
    scrub_after_send: Mapped[bool] = mapped_column(default=False, server_default=false())
    kind: Mapped[str] = mapped_column(String(10), default=EMAIL, server_default=EMAIL)
    webhook_endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    #: not before this moment (a webhook's back-off after a failed attempt); None: at once
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: the receiver's HTTP status at the last attempt (webhooks)
    http_status: Mapped[int | None] = mapped_column()
    #: given up: every attempt failed, or the receiver refused for good (webhooks)
    failed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    dedupe_key: Mapped[str | None] = mapped_column(String(120))


class Notice(Model):
    """An in-app message for a user."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(String(500))
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class DigestSent(Model):
    """One weekly digest sent to a user for an ISO week (``2026-W49``): the key makes it once only,
    however often and from however many schedulers the job runs."""

    __tablename__ = "digests_sent"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    week: Mapped[str] = mapped_column(String(8), primary_key=True)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
