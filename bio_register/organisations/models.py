from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bio_register.database import UTCDateTime, utcnow
from bio_register.extensions import Model


class Organisation(Model):
    """A government organisation: Duo+ or one of the municipalities it serves."""

    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint("length(code) BETWEEN 2 AND 10", name="code_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    reference_prefix: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Every member must log in with a second factor (TOTP), whatever their role.
    two_factor_required: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: the default life of a piece of compliance evidence: its review date is its date plus this
    #: many months (the beheerder or the CISO sets it)
    evidence_review_months: Mapped[int] = mapped_column(default=12, server_default="12")

    parent: Mapped[Organisation | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Organisation {self.code}>"
