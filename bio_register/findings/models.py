"""Findings (bevindingen): what an auditor, a test or an evaluation found, and how it is followed up."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bio_register.accounts.models import User
from bio_register.compliance.models import Control
from bio_register.database import UTCDateTime, utcnow, value_enum
from bio_register.extensions import Model, db
from bio_register.incidents.models import Severity
from bio_register.measures.models import Measure
from bio_register.organisations.models import Organisation


class FindingSource(enum.StrEnum):
    ENSIA_DIGID = "ensia_digid"
    ENSIA_SUWINET = "ensia_suwinet"
    IT_AUDIT = "it_audit"
    INTERNE_AUDIT = "interne_audit"
    PENTEST = "pentest"
    INCIDENTEVALUATIE = "incidentevaluatie"


class FindingStatus(enum.StrEnum):
    OPEN = "open"
    IN_BEHANDELING = "in_behandeling"
    OPGELOST = "opgelost"
    GEACCEPTEERD = "geaccepteerd"


#: a finding that still asks for something: neither resolved nor its risk accepted
OPEN_FINDING_STATUSES = (FindingStatus.OPEN, FindingStatus.IN_BEHANDELING)

finding_controls = Table(
    "finding_controls", db.metadata,
    Column("finding_id", ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True),
    Column("control_id", ForeignKey("controls.id", ondelete="CASCADE"), primary_key=True, index=True),
)
finding_measures = Table(
    "finding_measures", db.metadata,
    Column("finding_id", ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True),
    Column("measure_id", ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Finding(Model):
    """A bevinding of an organisation: its source, the controls it concerns, its status and the
    maatregelen that resolve it. ``closed_at``: when it was last resolved or accepted (None while open),
    so a report can say what was open at the end of a period."""

    __tablename__ = "findings"
    __table_args__ = (
        Index("ix_findings_organisation_status", "organisation_id", "status"),
        # overdue re-tests: walk re-test dates in order, skip the closed ones
        Index("ix_findings_retest_on_status", "retest_on", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    source: Mapped[FindingSource] = mapped_column(value_enum(FindingSource, "finding_source", 20))
    found_on: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[Severity] = mapped_column(value_enum(Severity, "finding_severity", 10))
    status: Mapped[FindingStatus] = mapped_column(value_enum(FindingStatus, "finding_status", 20),
                                                  default=FindingStatus.OPEN)
    #: why the risk is accepted (required with status geaccepteerd)
    motivation: Mapped[str | None] = mapped_column(Text)
    retest_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    controls: Mapped[list[Control]] = relationship(secondary=finding_controls, order_by=Control.sort_key)
    measures: Mapped[list[Measure]] = relationship(secondary=finding_measures, order_by=Measure.id)

    __mapper_args__ = {"version_id_col": version}
