"""Upload, download and remove attachments from the incident page and the control page.

The "Bijlagen" section itself is rendered by those pages (``attachments/_section.html``); these
routes only take the posts and serve the downloads. A refused upload re-renders the page it came
from with the message beside the upload field, with the status of the refusal (413, 422).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from bio_register.attachments import detect, services
from bio_register.attachments.models import Attachment
from bio_register.compliance import views as compliance_views
from bio_register.errors import DomainError
from bio_register.i18n import gettext as _
from bio_register.i18n import lazy_gettext as _l
from bio_register.incidents import views as incident_views
from bio_register.incidents.models import Incident
from bio_register.loaders import (
    CONTROL_ATTACHMENT,
    INCIDENT,
    INCIDENT_ATTACHMENT,
    ORGANISATION_CONTROL,
    OrganisationControl,
)
from bio_register.permissions import Permission
from bio_register.pipeline import Rejected, flash_committed, requires

bp = Blueprint("attachments", __name__, template_folder="templates")

#: a download is never a page: no script, no plug-in, no same-origin access, even if a browser
#: were to render it despite Content-Disposition: attachment and nosniff
DOWNLOAD_CSP = "sandbox; default-src 'none'"


#: the label shown beside each stored type
KIND_LABELS = {
    detect.PDF: "PDF", detect.PNG: "PNG", detect.JPEG: "JPEG", detect.TEXT: _l("tekst"), detect.EML: _l("e-mail"),
    detect.DOCX: "Word", detect.XLSX: "Excel", detect.PPTX: "PowerPoint", detect.ODT: _l("OpenDocument-tekst"),
    detect.ODS: _l("OpenDocument-rekenblad"), detect.ODP: _l("OpenDocument-presentatie"),
}


def max_bytes() -> int:
    return int(current_app.config["MAX_ATTACHMENT_MB"]) * services.MIB


def read_upload(field: str = "file") -> tuple[str | None, bytes | None]:
    """The uploaded file's name and bytes (at most one byte over the limit is read), or (None, None)."""
    storage = request.files.get(field)
    if storage is None or not storage.filename:
        return None, None
    return storage.filename, storage.read(max_bytes() + 1)


def download_response(attachment: Attachment) -> Response:
    """The bytes as a download that no browser renders inline or sniffs into another type."""
    data = services.data_of(attachment)
    content_type = attachment.content_type
    if content_type == detect.TEXT:
        content_type = "text/plain; charset=utf-8"
    response = Response(data, content_type=content_type)
    response.headers["Content-Disposition"] = detect.content_disposition(attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["X-Content-SHA256"] = attachment.sha256
    response.headers["Cache-Control"] = "no-store"
    return response


def _download(attachment: Attachment) -> Any:
    try:
        return download_response(attachment)
    except services.Gone as error:
        return render_template("errors/error.html", code=410, message=error.message), 410


# --- template helpers ------------------------------------------------------------------------------

@bp.app_template_global()
def attachment_url(attachment: Attachment, action: str = "download") -> str:
    """The download (or remove) address of an attachment, on its incident or its control."""
    if attachment.incident_id is not None:
        return url_for(f"attachments.incident_{action}", incident_id=attachment.incident_id,
                       attachment_id=attachment.id)
    control = attachment.control
    assert control is not None
    return url_for(f"attachments.control_{action}", code=attachment.organisation.code, key=control.catalog.key,
                   control_code=control.code, attachment_id=attachment.id)


@bp.app_template_global()
def attachment_kind(content_type: str) -> str:
    return str(KIND_LABELS.get(content_type, content_type))


@bp.app_template_global()
def attachment_size(size: int) -> str:
    return services.size_label(size)


@bp.app_template_global()
def attachment_max() -> str:
    return services.size_label(max_bytes())


# --- on an incident ----------------------------------------------------------------------------------

def _incident_page(incident: Incident, errors: dict[Any, list[str]], status: int) -> Any:
    return incident_views._render_detail(incident, attachment_errors=errors, code=status)


def _to_incident(incident_id: int) -> Any:
    return redirect(url_for("incidents.detail", incident_id=incident_id) + "#bijlagen")


@bp.route("/incidenten/<int:incident_id>/bijlagen", methods=["POST"])
@requires(Permission.TIMELINE_WRITE, load=INCIDENT)
def incident_upload(incident: Incident) -> Any:
    filename, data = read_upload()
    try:
        attachment = services.add_to_incident(current_user, incident, filename, data, max_bytes=max_bytes())
    except DomainError as error:
        errors, status = {"upload": [error.message]}, error.status_code
        return Rejected(lambda: _incident_page(incident, errors, status), status)
    flash_committed(_("Bijlage %(name)s is toegevoegd.", name=attachment.filename))
    return _to_incident(incident.id)


@bp.route("/incidenten/<int:incident_id>/bijlagen/<int:attachment_id>")
@requires(Permission.INCIDENT_READ, load=INCIDENT_ATTACHMENT)
def incident_download(attachment: Attachment) -> Any:
    return _download(attachment)


@bp.route("/incidenten/<int:incident_id>/bijlagen/<int:attachment_id>/verwijderen", methods=["POST"])
@requires(Permission.TIMELINE_WRITE, load=INCIDENT_ATTACHMENT)
def incident_remove(attachment: Attachment) -> Any:
    incident = attachment.incident
    assert incident is not None
    try:
        services.remove(current_user, attachment, request.form.get("reason"))
    except DomainError as error:
        errors, status = {attachment.id: [error.message]}, error.status_code
        return Rejected(lambda: _incident_page(incident, errors, status), status)
    flash_committed(_("Bijlage %(name)s is verwijderd.", name=attachment.filename))
    return _to_incident(incident.id)


# --- on an organisation's control ------------------------------------------------------------------------

_CONTROL = "/compliance/<code>/<key>/<control_code>/bijlagen"


def _control_page(scope: OrganisationControl, errors: dict[Any, list[str]], status: int) -> Any:
    return compliance_views.render_control(*scope, attachment_errors=errors, code=status)


def _to_control(scope: OrganisationControl) -> Any:
    return redirect(url_for("compliance.control", code=scope.organisation.code, key=scope.catalog.key,
                            control_code=scope.control.code) + "#bijlagen")


def _scope_of(attachment: Attachment) -> OrganisationControl:
    control = attachment.control
    assert control is not None
    return OrganisationControl(attachment.organisation, control.catalog, control)


@bp.route(_CONTROL, methods=["POST"])
@requires(Permission.COMPLIANCE_WRITE, load=ORGANISATION_CONTROL)
def control_upload(scope: OrganisationControl) -> Any:
    filename, data = read_upload()
    try:
        attachment = services.add_to_control(current_user, scope.organisation, scope.control, filename, data,
                                             max_bytes=max_bytes())
    except DomainError as error:
        errors, status = {"upload": [error.message]}, error.status_code
        return Rejected(lambda: _control_page(scope, errors, status), status)
    flash_committed(_("Bijlage %(name)s is toegevoegd.", name=attachment.filename))
    return _to_control(scope)


@bp.route(_CONTROL + "/<int:attachment_id>")
@requires(Permission.COMPLIANCE_READ, load=CONTROL_ATTACHMENT)
def control_download(attachment: Attachment) -> Any:
    return _download(attachment)


@bp.route(_CONTROL + "/<int:attachment_id>/verwijderen", methods=["POST"])
@requires(Permission.COMPLIANCE_WRITE, load=CONTROL_ATTACHMENT)
def control_remove(attachment: Attachment) -> Any:
    scope = _scope_of(attachment)
    try:
        services.remove(current_user, attachment, request.form.get("reason"))
    except DomainError as error:
        errors, status = {attachment.id: [error.message]}, error.status_code
        return Rejected(lambda: _control_page(scope, errors, status), status)
    flash_committed(_("Bijlage %(name)s is verwijderd.", name=attachment.filename))
    return _to_control(scope)
