"""The reporting point: what an employee reported, as they reported it.

A report becomes an incident of the organisation at once (status ``nieuw``), which the
verbindingsofficieren triage and may edit; the report keeps the employee's own words, the moment
of reporting and the reporter, so the reporter sees what they sent and nothing of the handling.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bio_register.accounts.models import User
from bio_register.database import UTCDateTime, value_enum
from bio_register.extensions import Model
from bio_register.incidents.models import Incident


class PersonalData(enum.StrEnum):
    """Whether personal data may be involved, in the reporter's own estimate."""

    JA = "ja"
    NEE = "nee"
    WEET_NIET = "weet_niet"


class IncidentReport(Model):
    __tablename__ = "incident_reports"
    __table_args__ = (
        # the reporter's own reports, newest first
        Index("ix_incident_reports_reporter_id_reported_at", "reporter_id", "reported_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: when the organisation heard of it: the incident's discovered_at, where the AP clock starts
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    description: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    personal_data: Mapped[PersonalData] = mapped_column(value_enum(PersonalData, "personal_data", 10))
    contact: Mapped[str | None] = mapped_column(String(200))

    incident: Mapped[Incident] = relationship(lazy="joined", innerjoin=True)
    reporter: Mapped[User] = relationship()

    @property
    def organisation_id(self) -> int:
        return self.incident.organisation_id

    def __repr__(self) -> str:
        return f"<IncidentReport {self.id} of incident {self.incident_id}>"
