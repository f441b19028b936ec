from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import JSON, Column, ForeignKey, Index, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bio_register.accounts.models import User
from bio_register.attachments.models import Attachment
from bio_register.breaches.enisa import Band, EaseOfIdentification, Loss
from bio_register.database import UTCDateTime, utcnow, value_enum
from bio_register.extensions import Model, db
from bio_register.incidents.models import Incident
from bio_register.organisations.models import Organisation
from bio_register.processing.models import ProcessingActivity


class NotificationKind(enum.StrEnum):
    INITIAL = "initial"
    FOLLOW_UP = "follow_up"
    WITHDRAWAL = "withdrawal"


class NoNotifyGround(enum.StrEnum):
    """Why data subjects are not informed: no high risk (art. 34(1) only asks it then), or one of
    the exemptions of art. 34(3)."""

    NO_HIGH_RISK = "no_high_risk"
    UNINTELLIGIBLE = "unintelligible"
    RISK_REMOVED = "risk_removed"
    DISPROPORTIONATE_EFFORT = "disproportionate_effort"


class CbwPhase(enum.StrEnum):
    """The phases of a report to the CSIRT (NIS2 art. 23(4)), in their order: an interim
    (progress) report replaces the final report when the incident is still ongoing after a month."""

    EARLY_WARNING = "early_warning"
    NOTIFICATION = "notification"
    INTERIM = "interim"
    FINAL = "final"


class BreachAssessment(Model):
    """The FG's assessment of a datalek: what the AP's meldformulier asks, and the ENISA inputs."""

    __tablename__ = "breach_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    aware_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    data_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    special_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    bsn: Mapped[bool] = mapped_column(default=False)
    criminal_data: Mapped[bool] = mapped_column(default=False)
    subject_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the legal context, proposed from the linked verwerkingen: AVG art. 6 bases and art. 9 grounds
    legal_bases: Mapped[list[str]] = mapped_column(JSON, default=list)
    art9_grounds: Mapped[list[str]] = mapped_column(JSON, default=list)
    subjects_count: Mapped[int | None]
    records_count: Mapped[int | None]
    nature_confidentiality: Mapped[bool] = mapped_column(default=False)
    nature_integrity: Mapped[bool] = mapped_column(default=False)
    nature_availability: Mapped[bool] = mapped_column(default=False)
    unintelligible: Mapped[bool] = mapped_column(default=False)
    processor_involved: Mapped[bool] = mapped_column(default=False)
    processor_name: Mapped[str | None] = mapped_column(String(200))
    cross_border: Mapped[bool] = mapped_column(default=False)
    ongoing: Mapped[bool] = mapped_column(default=False)
    likely_consequences: Mapped[str | None] = mapped_column(Text)
    measures_taken: Mapped[str | None] = mapped_column(Text)
    enisa_dpc: Mapped[int | None]
    enisa_ei: Mapped[EaseOfIdentification | None] = mapped_column(value_enum(EaseOfIdentification, "enisa_ei", 5))
    enisa_cb_confidentiality: Mapped[Loss] = mapped_column(value_enum(Loss, "enisa_cb_confidentiality", 5),
                                                           default=Loss.NONE)
    enisa_cb_integrity: Mapped[Loss] = mapped_column(value_enum(Loss, "enisa_cb_integrity", 5), default=Loss.NONE)
    enisa_cb_availability: Mapped[Loss] = mapped_column(value_enum(Loss, "enisa_cb_availability", 5),
                                                        default=Loss.NONE)
    enisa_cb_malicious: Mapped[bool] = mapped_column(default=False)
    enisa_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    enisa_band: Mapped[Band | None] = mapped_column(value_enum(Band, "enisa_band", 10))
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    incident: Mapped[Incident] = relationship()
    assessed_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class ApDecision(Model):
    """The decision on the AP-melding. A newer one supersedes the older; both stay."""

    __tablename__ = "ap_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    notify: Mapped[bool]
    motivation: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    decided_by: Mapped[User] = relationship(lazy="joined")


class ApNotification(Model):
    __tablename__ = "ap_notifications"
    __table_args__ = (Index("ix_ap_notifications_submitted_at", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(value_enum(NotificationKind, "notification_kind", 20))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    meldnummer: Mapped[str] = mapped_column(String(50))
    late_reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by: Mapped[User] = relationship(lazy="joined")


class DataSubjectDecision(Model):
    """AVG art. 34: are the data subjects informed? A newer row supersedes the older."""

    __tablename__ = "data_subject_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    notify: Mapped[bool]
    ground: Mapped[NoNotifyGround | None] = mapped_column(value_enum(NoNotifyGround, "no_notify_ground", 30))
    explanation: Mapped[str | None] = mapped_column(Text)
    notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    channel: Mapped[str | None] = mapped_column(String(200))
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    decided_by: Mapped[User] = relationship(lazy="joined")


class CbwReport(Model):
    """A report to the CSIRT under the Cyberbeveiligingswet."""

    __tablename__ = "cbw_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    phase: Mapped[CbwPhase] = mapped_column(value_enum(CbwPhase, "cbw_phase", 20))
    recipient: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reference: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str | None] = mapped_column(Text)
    #: what the report held (NIS2 art. 23(4)) when it was recorded as sent; None before issue 22
    content: Mapped[dict[str, object] | None] = mapped_column(JSON)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by: Mapped[User] = relationship(lazy="joined")


class CbwCriteriaSet(Model):
    """A version of the questions and thresholds that advise whether an incident is significant
    under the Cbw. Loaded as a whole (a data file); a new version never changes an older one."""

    __tablename__ = "cbw_criteria_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    #: where the questions come from, shown beside the advice
    basis: Mapped[str] = mapped_column(Text)
    questions: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CbwSignificance(Model):
    """The answers to a criteria set for an incident, and the advice with its reasoning. The
    newest is in force; the older ones stay on record."""

    __tablename__ = "cbw_significance"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    criteria_set_id: Mapped[int] = mapped_column(ForeignKey("cbw_criteria_sets.id"))
    answers: Mapped[dict[str, object]] = mapped_column(JSON)
    significant: Mapped[bool]
    reasoning: Mapped[list[str]] = mapped_column(JSON)
    motivation: Mapped[str | None] = mapped_column(Text)
    assessed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    criteria_set: Mapped[CbwCriteriaSet] = relationship(lazy="joined")
    assessed_by: Mapped[User] = relationship(lazy="joined")


class CbwCase(Model):
    """The Cbw file of an incident: the content prepared per phase (before and after it is sent)
    and when the incident was handled (the final report is due a month later after an interim report)."""

    __tablename__ = "cbw_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    #: phase value → {item: answer}
    contents: Mapped[dict[str, dict[str, object]]] = mapped_column(JSON, default=dict)
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CbwIbdCopy(Model):
    """An informative copy to the IBD (VNG's CERT): support, not the legal notification."""

    __tablename__ = "cbw_ibd_copies"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    #: the report it copied, if any
    phase: Mapped[CbwPhase | None] = mapped_column(value_enum(CbwPhase, "cbw_ibd_phase", 20))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reference: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by: Mapped[User] = relationship(lazy="joined")


class DeadlineWarning(Model):
    """A warning sent for a clock and threshold: the unique key makes each one go out once."""

    __tablename__ = "deadline_warnings"
    __table_args__ = (UniqueConstraint("incident_id", "clock", "threshold"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    clock: Mapped[str] = mapped_column(String(30))
    threshold: Mapped[str] = mapped_column(String(10))
    deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class OwnSeverity(enum.StrEnum):
    """The reporter's own estimate of the severity, as the AP's meldformulier asks it (the ENISA
    score stays advice beside it)."""

    LAAG = "laag"
    GEMIDDELD = "gemiddeld"
    HOOG = "hoog"
    ZEER_HOOG = "zeer_hoog"


class BreachApForm(Model):
    """The AP meldformulier's questions that the assessment does not answer, one row per datalek.

    What the assessment, the incident and the art. 34 decision already hold (categories, counts,
    C/I/A, the verwerker, consequences, measures taken, cross-border, ongoing, informing the data
    subjects) is read from there, not copied here."""

    __tablename__ = "breach_ap_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    discovery: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    subjects_min: Mapped[int | None]
    subjects_max: Mapped[int | None]
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_function: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(50))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    own_severity: Mapped[OwnSeverity | None] = mapped_column(value_enum(OwnSeverity, "own_severity", 20))
    own_severity_explanation: Mapped[str | None] = mapped_column(Text)
    other_organisations: Mapped[str | None] = mapped_column(Text)
    #: the finer nature of the breach (catalog.BREACH_KINDS), beyond confidentiality/integrity/availability
    breach_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    breach_kind_other: Mapped[str | None] = mapped_column(String(500))
    prior_measures: Mapped[str | None] = mapped_column(Text)
    subjects_message: Mapped[str | None] = mapped_column(Text)
    measures_planned: Mapped[str | None] = mapped_column(Text)
    other_authorities: Mapped[str | None] = mapped_column(Text)
    other_information: Mapped[str | None] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    updated_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class CorrespondenceKind(enum.StrEnum):
    VRAAG_AP = "vraag_ap"
    ANTWOORD_AAN_AP = "antwoord_aan_ap"
    DOCUMENT = "document"
    DOSSIER_GESLOTEN = "dossier_gesloten"


ap_correspondence_attachments = Table(
    "ap_correspondence_attachments", Model.metadata,
    Column("correspondence_id", ForeignKey("ap_correspondence.id", ondelete="CASCADE"), primary_key=True),
    Column("attachment_id", ForeignKey("attachments.id", ondelete="CASCADE"), primary_key=True),
)


class ApCorrespondence(Model):
    """A letter, question, answer or document exchanged with the AP after the melding, or the AP
    closing its file (with its reference)."""

    __tablename__ = "ap_correspondence"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[CorrespondenceKind] = mapped_column(value_enum(CorrespondenceKind, "correspondence_kind", 20))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    text: Mapped[str | None] = mapped_column(Text)
    ap_reference: Mapped[str | None] = mapped_column(String(100))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")
    attachments: Mapped[list[Attachment]] = relationship(secondary=ap_correspondence_attachments,
                                                         order_by="Attachment.id")


#: the verwerkingen a datalek affected (of the datalek's own organisation)
breach_processing_activities = Table(
    "breach_processing_activities", db.metadata,
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("activity_id", ForeignKey("processing_activities.id", ondelete="CASCADE"), primary_key=True, index=True),
)

#: the verwerkingen a template links the datalekken made from it to
breach_template_activities = Table(
    "breach_template_activities", db.metadata,
    Column("template_id", ForeignKey("breach_templates.id", ondelete="CASCADE"), primary_key=True),
    Column("activity_id", ForeignKey("processing_activities.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class BreachTemplate(Model):
    """A recurring datalek of one organisation (a letter to the wrong address, again): what is the
    same each time, from which the next one is logged in seconds. Archived, never deleted: the
    datalekken made from it keep pointing at it (``incidents.breach_template_id``)."""

    __tablename__ = "breach_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(40))
    severity: Mapped[str | None] = mapped_column(String(10))
    data_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    special_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    subject_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    bsn: Mapped[bool] = mapped_column(default=False)
    criminal_data: Mapped[bool] = mapped_column(default=False)
    nature_confidentiality: Mapped[bool] = mapped_column(default=False)
    nature_integrity: Mapped[bool] = mapped_column(default=False)
    nature_availability: Mapped[bool] = mapped_column(default=False)
    processor_involved: Mapped[bool] = mapped_column(default=False)
    processor_name: Mapped[str | None] = mapped_column(String(200))
    legal_bases: Mapped[list[str]] = mapped_column(JSON, default=list)
    art9_grounds: Mapped[list[str]] = mapped_column(JSON, default=list)
    likely_consequences: Mapped[str | None] = mapped_column(Text)
    measures_taken: Mapped[str | None] = mapped_column(Text)
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    activities: Mapped[list[ProcessingActivity]] = relationship(
        secondary=breach_template_activities, order_by=ProcessingActivity.name)
