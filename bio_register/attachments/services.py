"""Attachments: the rules for adding, reading and removing evidence. Never commits.

Who may do what (declared by the routes, see ``attachments/views.py`` and ``attachments/api.py``):

- **read and download**: whoever may read the incident (``incident:read``) or the organisation's
  compliance (``compliance:read``); anyone else gets 404, as for the incident or page itself;
- **add and remove** on an incident: whoever may add to its timeline (``timeline:write``: the
  verbindingsofficier, the FG and the CISO of the organisation) — evidence is part of the record
  of what happened, like a timeline entry; concern control and the functioneel beheerder only read;
- **add and remove** on a control: the CISO of the organisation (``compliance:write``), who keeps
  the assessments.

Removing needs a reason; the bytes go, the record (name, size, SHA-256) and the audit log stay.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bio_register.accounts.models import User
from bio_register.attachments import detect, evidence
from bio_register.attachments.models import Attachment, AttachmentContent
from bio_register.audit import services as audit
from bio_register.compliance.models import Control
from bio_register.database import utcnow
from bio_register.errors import Conflict, DomainError, ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.incidents import services as incidents
from bio_register.incidents.models import Incident
from bio_register.organisations.models import Organisation
from bio_register.validation import Errors

MIB = 1024 * 1024
MAX_REASON = 2000


class TooLarge(DomainError):
    """The file is larger than BIO_REGISTER_MAX_ATTACHMENT_MB: 413."""

    status_code = 413


class Gone(DomainError):
    """The attachment was removed: its record stays, its bytes are gone (410)."""

    status_code = 410


def size_label(size: int) -> str:
    """``812 bytes``, ``14 kB``, ``2,4 MB``, ``20 MB`` (Dutch decimal comma)."""
    if size < 1024:
        return str(_("%(n)d bytes", n=size))
    if size < MIB:
        return f"{round(size / 1024)} kB"
    return f"{size / MIB:.1f}".removesuffix(".0").replace(".", ",") + " MB"


def _refusal_message(refusal: detect.Refusal, name: str) -> str:
    messages = {
        "empty": _("Het bestand %(name)s is leeg.", name=name),
        "markup": _("Het bestand %(name)s bevat HTML, SVG of XML en wordt niet aangenomen: zulke bestanden "
                    "kunnen code bevatten die een browser uitvoert. Sla het op als PDF of maak een "
                    "schermafbeelding.", name=name),
        "macro": _("Het bestand %(name)s bevat macro's en wordt niet aangenomen. Sla het op zonder macro's "
                   "(bijvoorbeeld als docx of xlsx).", name=name),
        "encoding": _("Het bestand %(name)s is tekst, maar niet in UTF-8 (waarschijnlijk Windows-1252, zoals "
                      "Excel een CSV opslaat). Sla het op als „CSV UTF-8” of als xlsx en probeer het opnieuw.",
                      name=name),
        "zipbomb": _("Het bestand %(name)s pakt uit tot meer dan 1 GB of bevat te veel onderdelen en wordt "
                     "niet aangenomen.", name=name),
    }
    return messages.get(refusal.reason) or str(_(
        "Het bestand %(name)s wordt niet aangenomen: het is geen PDF, PNG, JPEG, tekst of CSV, Word-, Excel- "
        "of PowerPoint-bestand (docx, xlsx, pptx), OpenDocument-bestand (odt, ods, odp) of e-mail (.eml). "
        "Het soort bestand wordt bepaald aan de inhoud, niet aan de naam.", name=name))


def _checked(filename: str | None, data: bytes | None, max_bytes: int) -> tuple[str, str]:
    """The cleaned name and the detected content type, or the reason the file is refused."""
    if data is None:
        raise ValidationFailed(_("Kies een bestand."), field="file")
    name = detect.clean_filename(filename)
    if len(data) > max_bytes:
        raise TooLarge(_("Het bestand %(name)s is te groot: bijlagen mogen hoogstens %(max)s zijn.",
                         name=name, max=size_label(max_bytes)), field="file")
    kind = detect.detect(data)
    if isinstance(kind, detect.Refusal):
        raise ValidationFailed(_refusal_message(kind, name), field="file")
    return name, kind


def _store(actor: User | None, organisation_id: int, name: str, kind: str, data: bytes, *,
           incident: Incident | None = None, control: Control | None = None,
           now: dt.datetime | None = None) -> Attachment:
    digest = hashlib.sha256(data).hexdigest()
    attachment = Attachment(organisation_id=organisation_id, incident_id=incident.id if incident else None,
                            control_id=control.id if control else None, filename=name, content_type=kind,
                            size=len(data), sha256=digest, uploaded_by_id=actor.id if actor else None,
                            uploaded_at=now or utcnow())
    attachment.content = AttachmentContent(data=data)
    db.session.add(attachment)
    db.session.flush()
    target = ({"incident": incident.reference} if incident is not None
              else {"control": f"{control.catalog.key} {control.code}"} if control is not None else {})
    audit.record(actor, "attachment", attachment.id, "upload",
                 audit.created({**target, "filename": name, "content_type": kind, "size": len(data),
                                "sha256": digest}),
                 organisation_id=organisation_id)
    return attachment


def add_to_incident(actor: User, incident: Incident, filename: str | None, data: bytes | None, *,
                    max_bytes: int, now: dt.datetime | None = None) -> Attachment:
    """Keep a file as evidence on an incident (its type decided by its content)."""
    name, kind = _checked(filename, data, max_bytes)
    assert data is not None
    return _store(actor, incident.organisation_id, name, kind, data, incident=incident, now=now)


def add_to_control(actor: User, organisation: Organisation, control: Control, filename: str | None,
                   data: bytes | None, *, max_bytes: int, now: dt.datetime | None = None) -> Attachment:
    """Keep a file as evidence for the organisation's assessment of a control."""
    name, kind = _checked(filename, data, max_bytes)
    assert data is not None
    attachment = _store(actor, organisation.id, name, kind, data, control=control, now=now)
    evidence.start_for_attachment(actor, organisation, attachment)
    return attachment


def remove(actor: User, attachment: Attachment, reason: str | None, *, now: dt.datetime | None = None) -> Attachment:
    """Delete the bytes, keep the record with who removed it, when and why (audited)."""
    if attachment.removed:
        raise Conflict(_("De bijlage %(name)s is al verwijderd.", name=attachment.filename))
    errors = Errors()
    clean = errors.text("reason", reason, max_length=MAX_REASON, required=True)
    errors.raise_if_any()
    attachment.removed_at = now or utcnow()
    attachment.removed_by_id = actor.id
    attachment.removal_reason = clean
    attachment.content = None          # delete-orphan: the bytes go
    db.session.flush()
    if attachment.control_id is not None:
        evidence.retire_attachment(attachment, attachment.removed_at)
    audit.record(actor, "attachment", attachment.id, "remove",
                 {"removed_at": {"before": None, "after": audit._jsonable(attachment.removed_at)},
                  "reason": {"before": None, "after": clean},
                  "filename": {"before": attachment.filename, "after": attachment.filename},
                  "sha256": {"before": attachment.sha256, "after": attachment.sha256}},
                 organisation_id=attachment.organisation_id)
    return attachment


def data_of(attachment: Attachment) -> bytes:
    """The bytes, for a download; a removed attachment answers 410."""
    content = attachment.content
    if attachment.removed or content is None:
        raise Gone(_("De bijlage %(name)s is verwijderd; alleen de gegevens erover zijn bewaard.",
                     name=attachment.filename))
    return content.data


# --- lists (the caller loaded the incident or the organisation through its route's loader) -----------

def for_incident(incident: Incident) -> list[Attachment]:
    return list(db.session.scalars(
        select(Attachment).where(Attachment.incident_id == incident.id)
        .options(selectinload(Attachment.evidence_item)).order_by(Attachment.uploaded_at, Attachment.id)))


def for_control(organisation: Organisation, control: Control) -> list[Attachment]:
    """The control's evidence files with their life (owner, date, review date), in two queries."""
    return list(db.session.scalars(
        select(Attachment).where(Attachment.organisation_id == organisation.id, Attachment.control_id == control.id)
        .options(selectinload(Attachment.evidence_item))
        .order_by(Attachment.uploaded_at, Attachment.id)))


# --- the incident timeline -----------------------------------------------------------------------------

def timeline_items(incident: Incident) -> Sequence[incidents.HistoryItem]:
    items = []
    for attachment in for_incident(incident):
        uploader = attachment.uploaded_by.name if attachment.uploaded_by else "—"
        items.append(incidents.HistoryItem(at=attachment.uploaded_at, kind="attachment_upload", actor=uploader,
                                           text=f"{attachment.filename} ({size_label(attachment.size)})"))
        if attachment.removed_at is not None:
            remover = attachment.removed_by.name if attachment.removed_by else "—"
            items.append(incidents.HistoryItem(at=attachment.removed_at, kind="attachment_remove", actor=remover,
                                               text=f"{attachment.filename}: {attachment.removal_reason}"))
    return items

