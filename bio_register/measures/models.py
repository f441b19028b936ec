from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bio_register.accounts.models import User
from bio_register.compliance.models import Control
from bio_register.database import UTCDateTime, utcnow, value_enum
from bio_register.extensions import Model, db
from bio_register.incidents.models import Incident
from bio_register.organisations.models import Organisation


class MeasureStatus(enum.StrEnum):
    GEPLAND = "gepland"
    IN_UITVOERING = "in_uitvoering"
    GEREED = "gereed"
    VERVALLEN = "vervallen"


OPEN_MEASURE_STATUSES = (MeasureStatus.GEPLAND, MeasureStatus.IN_UITVOERING)

measure_incidents = Table(
    "measure_incidents", db.metadata,
    Column("measure_id", ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True),
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True, index=True),
)
measure_controls = Table(
    "measure_controls", db.metadata,
    Column("measure_id", ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True),
    Column("control_id", ForeignKey("controls.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Measure(Model):
    """A maatregel: something an organisation does, linked to incidents and to controls."""

    __tablename__ = "measures"
    # overdue measures, the longest overdue first: walk due dates in order, skip the finished ones
    __table_args__ = (Index("ix_measures_due_date_status", "due_date", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[MeasureStatus] = mapped_column(value_enum(MeasureStatus, "measure_status", 20),
                                                  default=MeasureStatus.GEPLAND)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    incidents: Mapped[list[Incident]] = relationship(secondary=measure_incidents, order_by=Incident.id)
    controls: Mapped[list[Control]] = relationship(secondary=measure_controls, order_by=Control.sort_key)

    __mapper_args__ = {"version_id_col": version}
