"""The verwerkingsregister (AVG art. 30) and the verwerkers (art. 28) of an organisation."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bio_register.accounts.models import User
from bio_register.database import UTCDateTime, utcnow, value_enum
from bio_register.extensions import Model, db
from bio_register.organisations.models import Organisation


class ProcessingStatus(enum.StrEnum):
    CONCEPT = "concept"
    ACTIEF = "actief"
    BEEINDIGD = "beeindigd"


processing_activity_processors = Table(
    "processing_activity_processors", db.metadata,
    Column("activity_id", ForeignKey("processing_activities.id", ondelete="CASCADE"), primary_key=True),
    Column("processor_id", ForeignKey("processors.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Processor(Model):
    """A verwerker and its verwerkersovereenkomst."""

    __tablename__ = "processors"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(500))
    country: Mapped[str | None] = mapped_column(String(100))
    inside_eea: Mapped[bool] = mapped_column(default=True)
    agreement_signed: Mapped[bool] = mapped_column(default=False)
    agreement_signed_on: Mapped[dt.date | None] = mapped_column(Date)
    agreement_expires_on: Mapped[dt.date | None] = mapped_column(Date)
    agreement_review_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    activities: Mapped[list[ProcessingActivity]] = relationship(
        secondary=processing_activity_processors, back_populates="processors",
        order_by="ProcessingActivity.name")

    __mapper_args__ = {"version_id_col": version}


class ProcessingActivity(Model):
    """A verwerking: purpose, legal basis, whose data and which, verwerkers, DPIA."""

    __tablename__ = "processing_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(String(40))
    art9_ground: Mapped[str | None] = mapped_column(String(40))
    subject_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    data_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    special_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    bsn: Mapped[bool] = mapped_column(default=False)
    recipients: Mapped[str | None] = mapped_column(Text)
    outside_eea: Mapped[bool] = mapped_column(default=False)
    outside_eea_details: Mapped[str | None] = mapped_column(Text)
    retention: Mapped[str | None] = mapped_column(String(500))
    security_measures: Mapped[str | None] = mapped_column(Text)
    dpia_required: Mapped[bool] = mapped_column(default=False)
    dpia_done: Mapped[bool] = mapped_column(default=False)
    dpia_date: Mapped[dt.date | None] = mapped_column(Date)
    dpia_link: Mapped[str | None] = mapped_column(String(500))
    owner: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[ProcessingStatus] = mapped_column(value_enum(ProcessingStatus, "processing_status", 20),
                                                     default=ProcessingStatus.CONCEPT, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    processors: Mapped[list[Processor]] = relationship(
        secondary=processing_activity_processors, back_populates="activities", order_by=Processor.name)

    __mapper_args__ = {"version_id_col": version}
