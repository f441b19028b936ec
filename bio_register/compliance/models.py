from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bio_register.accounts.models import User
from bio_register.database import UTCDateTime, utcnow, value_enum
from bio_register.extensions import Model


class ControlKind(enum.StrEnum):
    CONTROL = "control"            # an ISO/IEC 27002 control (beheersmaatregel)
    MEASURE = "measure"            # an overheidsmaatregel under a control


class ImplementationStatus(enum.StrEnum):
    NIET = "niet"
    GEDEELTELIJK = "gedeeltelijk"
    VOLLEDIG = "volledig"


class ControlCatalog(Model):
    """A version of a control catalog (BIO 1.04, BIO2 1.3 …); versions live side by side."""

    __tablename__ = "control_catalogs"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(20))
    published: Mapped[dt.date | None] = mapped_column(Date)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Control(Model):
    """A control or an overheidsmaatregel of one catalog version; its id is only meaningful
    together with the catalog (numbers change between BIO2 versions)."""

    __tablename__ = "controls"
    __table_args__ = (UniqueConstraint("catalog_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    catalog_id: Mapped[int] = mapped_column(ForeignKey("control_catalogs.id"))
    code: Mapped[str] = mapped_column(String(20))
    kind: Mapped[ControlKind] = mapped_column(value_enum(ControlKind, "control_kind", 10))
    parent_code: Mapped[str | None] = mapped_column(String(20))
    group_code: Mapped[str] = mapped_column(String(10))
    group_title_nl: Mapped[str] = mapped_column(String(200))
    group_title_en: Mapped[str | None] = mapped_column(String(200))
    objective_code: Mapped[str | None] = mapped_column(String(10))
    objective_title_nl: Mapped[str | None] = mapped_column(String(200))
    title_nl: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    bbn: Mapped[int | None]
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="active")
    moved_to: Mapped[str | None] = mapped_column(String(20))
    sort_key: Mapped[str] = mapped_column(String(40))
    #: the full text from the organisation's own licensed copy (imported; never shipped)
    full_text: Mapped[str | None] = mapped_column(Text)

    catalog: Mapped[ControlCatalog] = relationship(lazy="joined")


class ControlMapping(Model):
    """Correspondence between controls of two catalogs (ISO/IEC 27002:2022 Annex B)."""

    __tablename__ = "control_mappings"
    __table_args__ = (UniqueConstraint("from_control_id", "to_control_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    from_control_id: Mapped[int] = mapped_column(ForeignKey("controls.id"), index=True)
    to_control_id: Mapped[int] = mapped_column(ForeignKey("controls.id"), index=True)
    relation: Mapped[str | None] = mapped_column(String(30))


class ControlAssessment(Model):
    """One state of an organisation's assessment of a control. Append-only: the newest row per
    (organisation, control) is in force; the older ones are its history."""

    __tablename__ = "control_assessments"
    __table_args__ = (Index("ix_control_assessments_org_control", "organisation_id", "control_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    control_id: Mapped[int] = mapped_column(ForeignKey("controls.id"), index=True)
    applicable: Mapped[bool]
    justification: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ImplementationStatus | None] = mapped_column(
        value_enum(ImplementationStatus, "implementation_status", 15))
    evidence: Mapped[str | None] = mapped_column(Text)
    evidence_links: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner: Mapped[str | None] = mapped_column(String(200))
    proposed: Mapped[bool] = mapped_column(default=False)
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    control: Mapped[Control] = relationship(lazy="joined")
    assessed_by: Mapped[User | None] = relationship()
