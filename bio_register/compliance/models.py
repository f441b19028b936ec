from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
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


class AspectStatus(enum.StrEnum):
    """The judgement of one of opzet, bestaan and werking (design, existence, operating effectiveness)."""

    VOLDOET = "voldoet"
    VOLDOET_GEDEELTELIJK = "voldoet_gedeeltelijk"
    VOLDOET_NIET = "voldoet_niet"
    NIET_BEOORDEELD = "niet_beoordeeld"


#: the three aspects of an assessment, in the order the BIO names them
ASPECTS = ("opzet", "bestaan", "werking")


@dataclass(frozen=True)
class Aspect:
    """One of opzet, bestaan or werking of an assessment, read from its columns."""

    name: str
    status: AspectStatus
    assessed_on: dt.date | None
    assessed_by: str | None
    evidence: str | None
    attachment_ids: list[int]

    @property
    def assessed(self) -> bool:
        return self.status != AspectStatus.NIET_BEOORDEELD


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
    #: its number in the catalog version before this one, where it moved (``replaces`` in the file)
    replaces: Mapped[str | None] = mapped_column(String(20))
    #: what this version revised in its text: a note from the file (the text itself is never shipped)
    revision: Mapped[str | None] = mapped_column(Text)
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
    (organisation, control) is in force; the older ones are its history. ``in_force`` marks that
    newest row (kept by ``compliance.services``; a unique partial index allows one per organisation
    and control, so two concurrent assessments of one control cannot both be in force: the second
    fails as a conflict)."""

    __tablename__ = "control_assessments"
    __table_args__ = (
        Index("ix_control_assessments_org_control", "organisation_id", "control_id", "id"),
        Index("uq_control_assessments_in_force", "organisation_id", "control_id", unique=True,
              postgresql_where=text("in_force"), sqlite_where=text("in_force")),
    )

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
    # opzet, bestaan and werking (design, existence, operating effectiveness): each a status, the day
    # it was judged, by whom (a name: often an auditor without an account), and the evidence for it
    # (a text and/or the ids of the control's evidence attachments)
    opzet_status: Mapped[AspectStatus] = mapped_column(
        value_enum(AspectStatus, "opzet_status", 20), default=AspectStatus.NIET_BEOORDEELD)
    opzet_assessed_on: Mapped[dt.date | None] = mapped_column(Date)
    opzet_assessed_by: Mapped[str | None] = mapped_column(String(200))
    opzet_evidence: Mapped[str | None] = mapped_column(Text)
    opzet_attachment_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    bestaan_status: Mapped[AspectStatus] = mapped_column(
        value_enum(AspectStatus, "bestaan_status", 20), default=AspectStatus.NIET_BEOORDEELD)
    bestaan_assessed_on: Mapped[dt.date | None] = mapped_column(Date)
    bestaan_assessed_by: Mapped[str | None] = mapped_column(String(200))
    bestaan_evidence: Mapped[str | None] = mapped_column(Text)
    bestaan_attachment_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    werking_status: Mapped[AspectStatus] = mapped_column(
        value_enum(AspectStatus, "werking_status", 20), default=AspectStatus.NIET_BEOORDEELD)
    werking_assessed_on: Mapped[dt.date | None] = mapped_column(Date)
    werking_assessed_by: Mapped[str | None] = mapped_column(String(200))
    werking_evidence: Mapped[str | None] = mapped_column(Text)
    werking_attachment_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the newest row of its (organisation, control): the assessment in force now (the overview of
    #: all organisations counts these rows instead of finding the newest of every history)
    in_force: Mapped[bool] = mapped_column(default=True, server_default=text("true"))

    control: Mapped[Control] = relationship(lazy="joined")
    assessed_by: Mapped[User | None] = relationship()

    def aspect(self, name: str) -> Aspect:
        """Opzet, bestaan or werking of this assessment (``name`` one of :data:`ASPECTS`)."""
        if name not in ASPECTS:
            raise KeyError(name)
        return Aspect(name, getattr(self, f"{name}_status") or AspectStatus.NIET_BEOORDEELD,
                      getattr(self, f"{name}_assessed_on"), getattr(self, f"{name}_assessed_by"),
                      getattr(self, f"{name}_evidence"), list(getattr(self, f"{name}_attachment_ids") or []))

    @property
    def aspects(self) -> list[Aspect]:
        return [self.aspect(name) for name in ASPECTS]

    @property
    def opzet(self) -> Aspect:
        return self.aspect("opzet")

    @property
    def bestaan(self) -> Aspect:
        return self.aspect("bestaan")

    @property
    def werking(self) -> Aspect:
        return self.aspect("werking")
