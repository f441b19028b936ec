from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from bio_register.accounts.models import User
from bio_register.database import UTCDateTime, utcnow, value_enum
from bio_register.extensions import Model
from bio_register.organisations.models import Organisation


class Category(enum.StrEnum):
    """What kind of incident: everyday municipal causes first, then the RSIT classes."""

    # everyday municipal causes (most datalekken)
    WRONG_RECIPIENT_EMAIL = "email_verkeerde_ontvanger"
    WRONG_RECIPIENT_POST = "post_verkeerde_ontvanger"
    LOST_STOLEN_DEVICE = "apparaat_verloren_gestolen"
    LOST_STOLEN_PAPER = "papier_verloren_gestolen"
    PUBLISHED_BY_MISTAKE = "per_ongeluk_gepubliceerd"
    EXCESSIVE_ACCESS = "te_ruime_toegang"
    PHISHING = "phishing"
    MALWARE_RANSOMWARE = "malware_ransomware"
    UNAVAILABILITY = "onbeschikbaarheid"
    # ENISA / TF-CSIRT Reference Security Incident Taxonomy classes
    ABUSIVE_CONTENT = "abusive-content"
    MALICIOUS_CODE = "malicious-code"
    INFORMATION_GATHERING = "information-gathering"
    INTRUSION_ATTEMPTS = "intrusion-attempts"
    INTRUSIONS = "intrusions"
    AVAILABILITY = "availability"
    INFORMATION_CONTENT_SECURITY = "information-content-security"
    FRAUD = "fraud"
    VULNERABLE = "vulnerable"
    OTHER = "other"
    TEST = "test"


EVERYDAY_CATEGORIES = tuple(list(Category)[:9])
RSIT_CATEGORIES = tuple(list(Category)[9:])


class Severity(enum.StrEnum):
    LAAG = "laag"
    MIDDEN = "midden"
    HOOG = "hoog"
    KRITIEK = "kritiek"


SEVERITY_ORDER = {s: i for i, s in enumerate(Severity)}


class Status(enum.StrEnum):
    NIEUW = "nieuw"
    IN_BEHANDELING = "in_behandeling"
    AFGEHANDELD = "afgehandeld"
    INGETROKKEN = "ingetrokken"


OPEN_STATUSES = (Status.NIEUW, Status.IN_BEHANDELING)
CLOSED_STATUSES = (Status.AFGEHANDELD, Status.INGETROKKEN)
#: the open statuses as SQL, for partial indexes over open incidents (a query proves such an index's
#: predicate with ``status.in_(OPEN_STATUSES)``)
_OPEN_SQL = "(" + ", ".join(f"'{s.value}'" for s in OPEN_STATUSES) + ")"


class EntryKind(enum.StrEnum):
    OBSERVATION = "waarneming"
    ACTION = "actie"
    DECISION = "besluit"
    COMMUNICATION = "communicatie"


class ReferenceCounter(Model):
    """The last reference number handed out per organisation and year (never reused)."""

    __tablename__ = "reference_counters"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class Incident(Model):
    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("organisation_id", "year", "number"),
        # an imported incident keeps the number it had in the old register, once per organisation
        UniqueConstraint("organisation_id", "original_reference"),
        Index("ix_incidents_organisation_id_discovered_at_id", "organisation_id", "discovered_at", "id"),
        Index("ix_incidents_status_discovered_at", "status", "discovered_at"),
        # performance (migration 0008): the list by date across organisations and per organisation
        # and status, keyset pagination on (discovered_at, id), and free-text search; the columns
        # included (0011, PostgreSQL) let counts per period across organisations read the index alone
        Index("ix_incidents_discovered_at_id", "discovered_at", "id",
              postgresql_include=["is_datalek", "status", "organisation_id"]),
        Index("ix_incidents_organisation_id_status_discovered_at", "organisation_id", "status", "discovered_at"),
        # open datalekken (the AP clocks on the start page and the FG's overview)
        Index("ix_incidents_is_datalek_status_discovered_at", "is_datalek", "status", "discovered_at"),
        # the datalekken whose file is open at the AP, per organisation ("Dossiers open bij de AP")
        Index("ix_incidents_ap_file_open", "organisation_id",
              postgresql_where=text("ap_file_open AND is_datalek"), sqlite_where=text("ap_file_open AND is_datalek")),
        # the FG's working order of the open datalekken per organisation (``breaches.services``): running AP
        # clocks first, by the moment the 72 hours count from, then the newest; an index range, not a sort
        Index("ix_incidents_ap_clock", "organisation_id", text("ap_clock_running DESC"),
              text("coalesce(ap_aware_at, discovered_at)"), text("discovered_at DESC"), text("id DESC"),
              postgresql_include=["ap_aware_at"],  # the overdue ones counted from the index alone
              postgresql_where=text(f"is_datalek AND status IN {_OPEN_SQL}"),
              sqlite_where=text(f"is_datalek AND status IN {_OPEN_SQL}")),
        # PostgreSQL only (pg_trgm): substring search with ILIKE '%word%' uses these
        *(Index(f"ix_incidents_{column}_trgm", column, postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"}) for column in ("title", "description", "reference")),
        CheckConstraint("occurred_at IS NULL OR occurred_at <= discovered_at", name="occurred_before_discovered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    reference: Mapped[str] = mapped_column(String(30), unique=True)
    year: Mapped[int]
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[Category | None] = mapped_column(value_enum(Category, "category"))
    severity: Mapped[Severity | None] = mapped_column(value_enum(Severity, "severity", 10))
    impact_confidentiality: Mapped[bool] = mapped_column(default=False)
    impact_integrity: Mapped[bool] = mapped_column(default=False)
    impact_availability: Mapped[bool] = mapped_column(default=False)
    occurred_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    discovered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reporter: Mapped[str | None] = mapped_column(String(200))
    is_datalek: Mapped[bool]
    is_significant_cbw: Mapped[bool] = mapped_column(default=False)
    #: the datalek's file is open at the AP: its initial melding is recorded and the AP has not
    #: closed it. Derived (``breaches.services.refresh_ap_state``, set where meldingen and the AP's
    #: closure are recorded) so that counting the open files reads a small partial index.
    ap_file_open: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    #: the AP clock of art. 33(1) runs: no initial AP melding, and no decision in force not to notify
    #: (whatever the status). Derived like ``ap_file_open`` (``breaches.services.refresh_ap_state``, set
    #: where assessments, decisions and meldingen are recorded), with the two below, so that the FG's
    #: working order and the overdue datalekken are an index range (``ix_incidents_ap_clock``)
    ap_clock_running: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    #: the assessment's moment of awareness (None until assessed): the 72 hours count from
    #: ``coalesce(ap_aware_at, discovered_at)``, elapsed hours in UTC
    ap_aware_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: when the initial AP melding was made (None without one)
    ap_notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[Status] = mapped_column(value_enum(Status, "status", 20), default=Status.NIEUW)
    cause: Mapped[str | None] = mapped_column(Text)
    lessons_learned: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)
    #: the number in the spreadsheet register it was imported from (None: logged here)
    original_reference: Mapped[str | None] = mapped_column(String(60))
    #: the template (``breach_templates``) this datalek was logged from, if any
    breach_template_id: Mapped[int | None] = mapped_column(
        ForeignKey("breach_templates.id", ondelete="SET NULL"), index=True)

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    created_by: Mapped[User | None] = relationship()
    entries: Mapped[list[TimelineEntry]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="TimelineEntry.occurred_at",
    )

    #: past its target handling time (``incidents.sla``): set only where a list query asks for it
    sla_overdue: Mapped[bool | None] = query_expression()

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<Incident {self.reference}>"


class TimelineEntry(Model):
    __tablename__ = "timeline_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EntryKind] = mapped_column(value_enum(EntryKind, "entry_kind", 20))
    text: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="entries")
    author: Mapped[User | None] = relationship(lazy="joined")


class HandlingTarget(Model):
    """An organisation's target handling time for one severity, in whole days (24 elapsed hours
    each). An organisation has a row for every severity or none: then it inherits (``incidents.sla``)."""

    __tablename__ = "handling_targets"
    __table_args__ = (CheckConstraint("days BETWEEN 1 AND 365", name="days_range"),)

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    severity: Mapped[Severity] = mapped_column(value_enum(Severity, "severity", 10), primary_key=True)
    days: Mapped[int]


class TaskState(enum.StrEnum):
    """A step of a playbook applied to an incident (``incident_tasks``)."""

    OPEN = "open"
    DONE = "gedaan"
    NOT_APPLICABLE = "niet_van_toepassing"


class IncidentTask(Model):
    """One step of a playbook (``bio_register.playbooks``) applied to an incident: its text as it
    was when applied, its state, and who last changed it when. Every change is audited on the
    incident (``playbook_apply``, ``task``), so it shows in the incident's timeline."""

    __tablename__ = "incident_tasks"
    __table_args__ = (
        UniqueConstraint("incident_id", "position"),
        # the open steps of open incidents (the incident page, the weekly digest)
        Index("ix_incident_tasks_state_incident_id", "state", "incident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    #: the category whose playbook the step came from (applying it again is refused)
    playbook_category: Mapped[Category] = mapped_column(value_enum(Category, "playbook_category"))
    state: Mapped[TaskState] = mapped_column(value_enum(TaskState, "task_state", 20), default=TaskState.OPEN)
    note: Mapped[str | None] = mapped_column(String(500))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    changed_by: Mapped[User | None] = relationship(lazy="joined")
