"""Outgoing webhooks: the HTTPS endpoints an organisation's beheerder registers. Each delivery is a
message of kind ``webhook`` in the outbox (:class:`~bio_register.notifications.models.OutboxMessage`),
which is also the delivery log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bio_register.database import UTCDateTime, utcnow
from bio_register.extensions import Model
from bio_register.organisations.models import Organisation


class WebhookEndpoint(Model):
    """An HTTPS address that is told of the chosen events of one organisation (and those below it)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(200))
    #: the event codes (``services.EVENTS``) this endpoint is sent
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: HMAC-SHA256 key of the signatures; shown once, when the endpoint is made
    secret: Mapped[str] = mapped_column(String(100))
    #: titles, names and descriptions may go to this endpoint (off: ids, references and links only)
    personal_data_allowed: Mapped[bool] = mapped_column(default=False, server_default=false())
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
