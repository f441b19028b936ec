"""Attachments in the API: evidence on incidents and on an organisation's assessment of a control.

Upload as ``multipart/form-data`` with one part ``file``; the type is decided by the content (see
``attachments/detect.py``). Metadata is JSON; ``…/content`` answers the bytes as a download.
Removing (``DELETE`` with a ``reason``) deletes the bytes and keeps the record.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, request, url_for
from flask_smorest.fields import Upload

from bio_register.api.base import problem_doc
from bio_register.attachments import services
from bio_register.attachments.models import Attachment
from bio_register.attachments.views import download_response, max_bytes
from bio_register.compliance.schemas import EvidenceItemOut
from bio_register.errors import ValidationFailed
from bio_register.incidents.models import Incident
from bio_register.loaders import (
    API_CONTROL_ATTACHMENT,
    API_ORGANISATION_CONTROL,
    INCIDENT,
    INCIDENT_ATTACHMENT,
    OrganisationControl,
)
from bio_register.permissions import Permission
from bio_register.pipeline import api_blueprint, api_user, requires

incident_blp = api_blueprint("incident_attachments_api", __name__, "/incidents",
                             "Bijlagen bij incidenten (bewijsstukken), met type bepaald aan de inhoud.")
control_blp = api_blueprint("control_attachments_api", __name__, "/organisations",
                            "Bewijsstukken bij de beoordeling van een maatregel door een organisatie.")

ALREADY_REMOVED = "The attachment was already removed"

_ONE = "/<int:attachment_id>"
_CONTROL = "/<string:code>/assessments/<string:catalog>/<string:control>/attachments"


def _content_url(attachment: Attachment) -> str | None:
    if attachment.removed:
        return None
    if attachment.incident_id is not None:
        return url_for("incident_attachments_api.incident_attachment_content", incident_id=attachment.incident_id,
                       attachment_id=attachment.id)
    control = attachment.control
    assert control is not None
    return url_for("control_attachments_api.control_attachment_content", code=attachment.organisation.code,
                   catalog=control.catalog.key, control=control.code, attachment_id=attachment.id)


class AttachmentOut(ma.Schema):
    id = ma.fields.Integer()
    organisation = ma.fields.Function(lambda a: a.organisation.code)
    incident_id = ma.fields.Integer(allow_none=True)
    catalog = ma.fields.Function(lambda a: a.control.catalog.key if a.control else None, allow_none=True)
    control = ma.fields.Function(lambda a: a.control.code if a.control else None, allow_none=True)
    filename = ma.fields.String()
    content_type = ma.fields.String(metadata={"description": "Detected from the content, not from the name"})
    size = ma.fields.Integer(metadata={"description": "Bytes"})
    sha256 = ma.fields.String()
    uploaded_by = ma.fields.Function(lambda a: a.uploaded_by.name if a.uploaded_by else None, allow_none=True)
    uploaded_at = ma.fields.AwareDateTime()
    removed = ma.fields.Boolean()
    removed_at = ma.fields.AwareDateTime(allow_none=True)
    removed_by = ma.fields.Function(lambda a: a.removed_by.name if a.removed_by else None, allow_none=True)
    removal_reason = ma.fields.String(allow_none=True)
    evidence = ma.fields.Nested(EvidenceItemOut, attribute="evidence_item", allow_none=True, metadata={
        "description": "A control's evidence file: its owner, date and review date (none on an incident's)"})
    content_url = ma.fields.Function(_content_url, allow_none=True,
                                     metadata={"description": "Where to download the bytes; null once removed"})


class UploadIn(ma.Schema):
    file = Upload(required=True, metadata={
        "description": "PDF, PNG, JPEG, text/CSV, docx/xlsx/pptx, odt/ods/odp or .eml; "
                       "at most BIO_REGISTER_MAX_ATTACHMENT_MB"})


class RemoveIn(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=services.MAX_REASON))


def _upload(data: dict[str, Any]) -> tuple[str | None, bytes | None]:
    unknown = [name for name in request.form if name != "file"]
    if unknown:  # only the one file part: other parts are refused like unknown JSON fields
        raise ValidationFailed("De invoer is niet geldig: zie errors per veld.",
                               errors={name: ["Onbekend veld."] for name in unknown})
    storage = data["file"]
    return storage.filename, storage.read(max_bytes() + 1)


# --- incidents ----------------------------------------------------------------------------------------

@incident_blp.route("/<int:incident_id>/attachments")
@incident_blp.response(200, AttachmentOut(many=True))
@requires(Permission.INCIDENT_READ, load=INCIDENT)
def list_incident_attachments(incident: Incident) -> list[Attachment]:
    """The incident's attachments, removed ones included (without their bytes), oldest first."""
    return services.for_incident(incident)


@incident_blp.route("/<int:incident_id>/attachments", methods=["POST"])
@incident_blp.arguments(UploadIn, location="files")
@incident_blp.response(201, AttachmentOut)
@incident_blp.alt_response(403, **problem_doc("The caller may read this incident but not add evidence to it"))
@incident_blp.alt_response(413, **problem_doc("Larger than BIO_REGISTER_MAX_ATTACHMENT_MB"))
@requires(Permission.TIMELINE_WRITE, load=INCIDENT)
def upload_incident_attachment(data: dict[str, Any], incident: Incident) -> Attachment:
    """Add evidence (verbindingsofficier, FG or CISO of the organisation)."""
    filename, content = _upload(data)
    return services.add_to_incident(api_user(), incident, filename, content, max_bytes=max_bytes())


@incident_blp.route("/<int:incident_id>/attachments" + _ONE)
@incident_blp.response(200, AttachmentOut)
@requires(Permission.INCIDENT_READ, load=INCIDENT_ATTACHMENT)
def get_incident_attachment(attachment: Attachment) -> Attachment:
    return attachment


@incident_blp.route("/<int:incident_id>/attachments" + _ONE + "/content")
@incident_blp.response(200, description="The file, as a download with its detected Content-Type",
                       content_type="application/octet-stream")
@incident_blp.alt_response(410, **problem_doc("The attachment was removed: its record stays, its bytes are gone"))
@requires(Permission.INCIDENT_READ, load=INCIDENT_ATTACHMENT)
def incident_attachment_content(attachment: Attachment) -> Response:
    return download_response(attachment)


@incident_blp.route("/<int:incident_id>/attachments" + _ONE, methods=["DELETE"])
@incident_blp.arguments(RemoveIn)
@incident_blp.response(200, AttachmentOut)
@incident_blp.alt_response(403, **problem_doc("The caller may read this incident but not remove its evidence"))
@incident_blp.alt_response(409, **problem_doc(ALREADY_REMOVED))
@requires(Permission.TIMELINE_WRITE, load=INCIDENT_ATTACHMENT)
def remove_incident_attachment(data: dict[str, Any], attachment: Attachment) -> Attachment:
    """Remove with a reason: the bytes are deleted, the record and the audit log stay."""
    return services.remove(api_user(), attachment, data["reason"])


# --- an organisation's control ------------------------------------------------------------------------------

@control_blp.route(_CONTROL)
@control_blp.response(200, AttachmentOut(many=True))
@requires(Permission.COMPLIANCE_READ, load=API_ORGANISATION_CONTROL)
def list_control_attachments(scope: OrganisationControl) -> list[Attachment]:
    """The evidence for the organisation's assessment of this control (across its versions)."""
    return services.for_control(scope.organisation, scope.control)


@control_blp.route(_CONTROL, methods=["POST"])
@control_blp.arguments(UploadIn, location="files")
@control_blp.response(201, AttachmentOut)
@control_blp.alt_response(403, **problem_doc("Only the organisation's CISO adds evidence"))
@control_blp.alt_response(413, **problem_doc("Larger than BIO_REGISTER_MAX_ATTACHMENT_MB"))
@requires(Permission.COMPLIANCE_WRITE, load=API_ORGANISATION_CONTROL)
def upload_control_attachment(data: dict[str, Any], scope: OrganisationControl) -> Attachment:
    """Add evidence (the CISO of the organisation)."""
    filename, content = _upload(data)
    return services.add_to_control(api_user(), scope.organisation, scope.control, filename, content,
                                   max_bytes=max_bytes())


@control_blp.route(_CONTROL + _ONE)
@control_blp.response(200, AttachmentOut)
@requires(Permission.COMPLIANCE_READ, load=API_CONTROL_ATTACHMENT)
def get_control_attachment(attachment: Attachment) -> Attachment:
    return attachment


@control_blp.route(_CONTROL + _ONE + "/content")
@control_blp.response(200, description="The file, as a download with its detected Content-Type",
                      content_type="application/octet-stream")
@control_blp.alt_response(410, **problem_doc("The attachment was removed: its record stays, its bytes are gone"))
@requires(Permission.COMPLIANCE_READ, load=API_CONTROL_ATTACHMENT)
def control_attachment_content(attachment: Attachment) -> Response:
    return download_response(attachment)


@control_blp.route(_CONTROL + _ONE, methods=["DELETE"])
@control_blp.arguments(RemoveIn)
@control_blp.response(200, AttachmentOut)
@control_blp.alt_response(403, **problem_doc("Only the organisation's CISO removes evidence"))
@control_blp.alt_response(409, **problem_doc(ALREADY_REMOVED))
@requires(Permission.COMPLIANCE_WRITE, load=API_CONTROL_ATTACHMENT)
def remove_control_attachment(data: dict[str, Any], attachment: Attachment) -> Attachment:
    """Remove with a reason (the CISO): the bytes are deleted, the record and the audit log stay."""
    return services.remove(api_user(), attachment, data["reason"])
