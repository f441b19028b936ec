from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Column, Float, ForeignKey, LargeBinary, String, Table, Unicode, UniqueConstraint, event
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from bio_register.accounts.models import User
from bio_register.database import UTCDateTime, utcnow, value_enum
from bio_register.extensions import Model, db
from bio_register.organisations.models import Organisation


class ReportKind(enum.StrEnum):
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"
    #: the annual accountability of one organisation (collegeverklaring / In Control Verklaring)
    ANNUAL = "annual"


class Report(Model):
    """A generated report. Immutable: generating again makes a new version."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("kind", "period", "scope", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReportKind] = mapped_column(value_enum(ReportKind, "report_kind", 20))
    period: Mapped[str] = mapped_column(String(10))
    #: an organisation code, or "all" for Duo+ as a whole
    scope: Mapped[str] = mapped_column(String(10))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    version: Mapped[int]
    generated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: "scheduler", or the user's e-mail address
    generated_by_label: Mapped[str] = mapped_column(String(254))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    generated_by: Mapped[User | None] = relationship()


#: APScheduler 3's job store table (SQLAlchemyJobStore's own schema), declared here so that
#: Alembic creates it and the scheduler finds it present instead of creating it itself.
apscheduler_jobs = Table(
    "apscheduler_jobs", db.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


@event.listens_for(Report, "before_update")
def _reports_are_immutable(_mapper: object, _connection: object, target: Report) -> None:
    raise RuntimeError(f"report {target.id} is immutable: generate a new version instead")
