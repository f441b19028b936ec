"""Attachments: evidence on incidents and on an organisation's assessment of a control.

The bytes live in the database, in a table of their own (``attachment_contents``), like the report
archive keeps its PDFs: outside the web root by construction, in every database backup, and never
loaded by a list or a metadata query — only by a download.

Evidence for compliance hangs on (organisation, control), not on a ``control_assessments`` row:
those rows are append-only versions (every save makes a new one), and evidence such as a signed
policy stays evidence when the CISO changes the status or the owner. A control belongs to one
catalog version, so (organisation, control) is (organisation, catalog, control); evidence for BIO
1.04 stays with the 1.04 control and is not carried to BIO2 by the correspondence.

Removing an attachment deletes its bytes but keeps this record (name, size, SHA-256, who uploaded
and who removed it, and why), so the register still shows what was there.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bio_register.accounts.models import User
from bio_register.compliance.models import Control
from bio_register.database import UTCDateTime, utcnow
from bio_register.extensions import Model
from bio_register.incidents.models import Incident
from bio_register.organisations.models import Organisation


class Attachment(Model):
    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint("(incident_id IS NULL) <> (control_id IS NULL)", name="one_target"),
        Index("ix_attachments_organisation_id_control_id", "organisation_id", "control_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    #: an incident's evidence; deleted with the incident when the retention purge removes it
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    #: evidence for the organisation's assessment of this control (of one catalog version)
    control_id: Mapped[int | None] = mapped_column(ForeignKey("controls.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removal_reason: Mapped[str | None] = mapped_column(Text)

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
    incident: Mapped[Incident | None] = relationship()
    control: Mapped[Control | None] = relationship()
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id], lazy="joined")
    removed_by: Mapped[User | None] = relationship(foreign_keys=[removed_by_id], lazy="joined")
    #: loaded only when asked for (a download); setting it to None deletes the bytes
    content: Mapped[AttachmentContent | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="select", uselist=False)
    #: the life of a control's evidence (owner, date, review date); none for an incident's attachment
    evidence_item: Mapped[EvidenceItem | None] = relationship(back_populates="attachment", uselist=False,
                                                              lazy="select")

    @property
    def removed(self) -> bool:
        return self.removed_at is not None


class AttachmentContent(Model):
    """The bytes of an attachment, one row per attachment that still has them."""

    __tablename__ = "attachment_contents"

    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id", ondelete="CASCADE"),
                                               primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class EvidenceItem(Model):
    """The life of one piece of evidence for an organisation's assessment of a control: an evidence
    attachment or an evidence link (issue 21, item 2). Who owns it (a user of the organisation, or
    a name), its date, and the day by which it must be reviewed; past that day (a local,
    Europe/Amsterdam, calendar day) it is *expired* and no longer shows that a control works.

    Like the attachments, it hangs on (organisation, control), not on an assessment row. A link's
    item is keyed by its address: it lives as long as the assessment in force lists the link
    (``retired_at`` is set when it is dropped, cleared when it comes back); an attachment's item
    is retired when the attachment is removed.
    """

    __tablename__ = "evidence_items"
    __table_args__ = (
        CheckConstraint("(attachment_id IS NULL) <> (link IS NULL)", name="one_kind"),
        UniqueConstraint("organisation_id", "control_id", "link"),
        Index("ix_evidence_items_organisation_id_control_id", "organisation_id", "control_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    control_id: Mapped[int] = mapped_column(ForeignKey("controls.id"))
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id", ondelete="CASCADE"),
                                                      unique=True)
    link: Mapped[str | None] = mapped_column(String(500))
    #: the owner: a user (of the organisation) or, for someone without an account, a name
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    owner_name: Mapped[str | None] = mapped_column(String(200))
    evidence_date: Mapped[dt.date] = mapped_column(Date)
    review_date: Mapped[dt.date] = mapped_column(Date, index=True)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    attachment: Mapped[Attachment | None] = relationship(back_populates="evidence_item")
    owner: Mapped[User | None] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship()
    control: Mapped[Control] = relationship()

    @property
    def kind(self) -> str:
        return "attachment" if self.attachment_id is not None else "link"

    @property
    def owner_label(self) -> str | None:
        """Who owns it, as shown: the user's name, else the name given."""
        return self.owner.name if self.owner is not None else self.owner_name

    def expired_on(self, today: dt.date) -> bool:
        """Past its review date on the local calendar day ``today`` (valid up to and including the
        review date itself)."""
        return self.review_date < today


class EvidenceReminder(Model):
    """A reminder sent to an evidence item's owner for a threshold before its review date: the
    unique key makes each one go out once (as ``deadline_warnings`` does for the AP clocks). The
    review date is part of the key: a new review date gets its own reminders."""

    __tablename__ = "evidence_reminders"
    __table_args__ = (UniqueConstraint("evidence_item_id", "review_date", "threshold"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id", ondelete="CASCADE"))
    review_date: Mapped[dt.date] = mapped_column(Date)
    threshold: Mapped[str] = mapped_column(String(10))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
