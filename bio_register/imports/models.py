"""Spreadsheet import: the saved column and category mapping per organisation, and an uploaded
file waiting between the steps of the import (kept in the database, never in the session cookie)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bio_register.database import UTCDateTime, utcnow
from bio_register.extensions import Model
from bio_register.organisations.models import Organisation


class ImportMapping(Model):
    """How an organisation's register spreadsheet maps to our fields, reused on the next import."""

    __tablename__ = "import_mappings"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    #: our field → the sheet's column header
    columns: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the sheet's category text (lower case) → a Category value, or "" for none
    categories: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PendingImport(Model):
    """An uploaded file between upload and import, owned by the user who uploaded it; expires."""

    __tablename__ = "pending_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: which import it waits for: ``incidents`` (the register import) or ``verwerkingen``
    kind: Mapped[str] = mapped_column(String(20), default="incidents", server_default="incidents")
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int]
    columns: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    categories: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
