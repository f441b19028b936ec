from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from bio_register.database import UTCDateTime
from bio_register.extensions import Model


class AuditEvent(Model):
    """One mutation, append-only, chained to the previous event by its hash."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_entity", "entity", "entity_id"),
        # the audit-log page and GET /api/v1/audit-events (migration 0016): newest first with keyset
        # pagination on (occurred_at, id), across organisations, per organisation and per actor
        Index("ix_audit_events_occurred_at_id", "occurred_at", "id"),
        Index("ix_audit_events_organisation_id_occurred_at_id", "organisation_id", "occurred_at", "id"),
        Index("ix_audit_events_actor_label_occurred_at_id", "actor_label", "occurred_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(254))
    #: None for installation-level events (a user's login, an API token, a catalog import)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(50))
    #: JSON: {"field": {"before": ..., "after": ...}}
    changes: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Model):
    """A single row holding the last sequence number and hash.

    Appending updates this row first, which takes a row lock on PostgreSQL and the write
    lock on SQLite, so concurrent appends are serialised and never fork the chain.
    """

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditVerification(Model):
    """The outcome of one run of ``bio-register verify-audit`` (shown on the audit-log page).

    Not part of the chain: a check of the log, not a change to the register.
    """

    __tablename__ = "audit_verifications"
    __table_args__ = (Index("ix_audit_verifications_finished_at", "finished_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(server_default=true())
    #: events that verified before the first problem (all of them when ``ok``)
    checked: Mapped[int]
    #: the first problem found, in English as the CLI prints it; None when ``ok``
    problem: Mapped[str | None] = mapped_column(Text)
    #: the event the problem is at (its seq), when it is at an event
    problem_seq: Mapped[int | None]
    #: who ran it: "cli", "scheduler"
    source: Mapped[str] = mapped_column(String(50))
