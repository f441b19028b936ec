"""The import of an existing verwerkingsregister in four steps: upload, map columns, preview, import.

The same steps as the incident register import (:mod:`bio_register.imports.views`), on the same
engine; only what the rows mean differs (:mod:`bio_register.processing.importing`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from bio_register.errors import DomainError, NotFound
from bio_register.forms import choices
from bio_register.i18n import gettext as _
from bio_register.imports import engine
from bio_register.imports.forms import StepForm, UploadForm
from bio_register.imports.models import PendingImport
from bio_register.loaders import PENDING_PROCESSING_IMPORT
from bio_register.permissions import Permission, scoped_organisations
from bio_register.pipeline import Rejected, requires
from bio_register.processing import importing, labels

bp = Blueprint("processing_import", __name__, template_folder="templates")


def _max_bytes() -> int:
    return engine.max_bytes(current_app.config)


def _upload_page(form: UploadForm, code: int = 200) -> Any:
    form.file.description = _("De eerste regel met tekst is de kopregel; elke volgende regel is een verwerking.")
    return render_template("processing/import_upload.html", form=form, max_mb=_max_bytes() // engine.MIB), code


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> Any:
    """The web server's own limit (MAX_CONTENT_LENGTH) was hit before the view could look."""
    orgs = scoped_organisations(current_user, Permission.PROCESSING_WRITE) if current_user.is_authenticated else []
    if not orgs:
        return render_template("errors/error.html", code=413, message=_("Het bestand is te groot.")), 413
    form = UploadForm(formdata=None)
    form.organisation.choices = choices([(o.code, o.name) for o in orgs])
    form.file.errors = [_("Het bestand is te groot om te versturen (meer dan %(max)d MB). Splits het bestand, "
                          "of importeer het met de opdracht bio-register import-processing.",
                          max=_max_bytes() // engine.MIB)]
    return _upload_page(form, 413)


@bp.route("/verwerkingen/importeren", methods=["GET", "POST"])
@requires(Permission.PROCESSING_WRITE)
def upload() -> Any:
    orgs = scoped_organisations(current_user, Permission.PROCESSING_WRITE)
    form = UploadForm()
    form.organisation.choices = choices([(o.code, o.name) for o in orgs])
    if request.method == "GET" and len(orgs) == 1:
        form.organisation.data = orgs[0].code
    if form.validate_on_submit():
        organisation = next(o for o in orgs if o.code == form.organisation.data)
        upload = request.files.get(form.file.name)
        if upload is None or not upload.filename:
            form.file.errors = [_("Kies een bestand.")]
        else:
            try:
                content = upload.read()
            finally:
                upload.close()
            try:
                pending = importing.store_upload(current_user, organisation, upload.filename, content,
                                                 max_bytes=_max_bytes())
            except DomainError as error:
                form.file.errors = [error.message]
                return Rejected(lambda: _upload_page(form), 422)
            return redirect(url_for("processing_import.columns", pending_id=pending.id))
    return _upload_page(form, 422 if form.is_submitted() else 200)


def _sheet(pending: PendingImport) -> engine.Sheet:
    try:
        return engine.Sheet.read(pending.content, pending.filename, max_bytes=_max_bytes())
    except DomainError:  # it was readable at upload; a changed limit can make it too large now
        raise NotFound() from None


@bp.route("/verwerkingen/importeren/<int:pending_id>/kolommen", methods=["GET", "POST"])
@requires(Permission.PROCESSING_WRITE, load=PENDING_PROCESSING_IMPORT)
def columns(pending: PendingImport) -> Any:
    sheet = _sheet(pending)
    form = StepForm()
    mapping = importing.mapping_of(pending, sheet)
    errors: list[str] = []
    if form.validate_on_submit():
        chosen = engine.ColumnMapping(engine.chosen_columns(sheet, importing.FIELDS, request.form, errors))
        if not errors:
            importing.choose_mapping(pending, chosen)
            return redirect(url_for("processing_import.check", pending_id=pending.id))
    elif form.is_submitted():
        errors.extend(e for messages in form.errors.values() for e in messages)
    return render_template("processing/import_columns.html", form=form, pending=pending, sheet=sheet,
                           mapping=mapping, fields=importing.FIELDS, errors=errors,
                           examples=sheet.examples()), 422 if errors else 200


def _preview_page(pending: PendingImport, checked: importing.ImportPreview, error: str | None = None) -> Any:
    return render_template("processing/import_preview.html", form=StepForm(), pending=pending, checked=checked,
                           preview=checked.preview, labels=labels, error=error)


@bp.route("/verwerkingen/importeren/<int:pending_id>/controle")
@requires(Permission.PROCESSING_WRITE, load=PENDING_PROCESSING_IMPORT)
def check(pending: PendingImport) -> Any:
    sheet = _sheet(pending)
    return _preview_page(pending, importing.preview(pending.organisation, sheet, importing.mapping_of(pending, sheet)))


def _refused(pending: PendingImport, sheet: engine.Sheet, message: str) -> Any:
    """The preview again, with why nothing was imported (rendered after the rollback)."""
    checked = importing.preview(pending.organisation, sheet, importing.mapping_of(pending, sheet))
    return _preview_page(pending, checked, message)


@bp.route("/verwerkingen/importeren/<int:pending_id>/importeren", methods=["POST"])
@requires(Permission.PROCESSING_WRITE, load=PENDING_PROCESSING_IMPORT)
def run(pending: PendingImport) -> Any:
    sheet = _sheet(pending)
    form = StepForm()
    if not form.validate_on_submit():
        message = " ".join(e for messages in form.errors.values() for e in messages)
        return Rejected(lambda: _refused(pending, sheet, message), 400)
    try:
        result = importing.run_import(current_user, pending.organisation, sheet, importing.mapping_of(pending, sheet))
    except DomainError as error:
        # All or nothing: the pipeline rolls back whatever was written, then renders the preview.
        message = error.message
        return Rejected(lambda: _refused(pending, sheet, message), error.status_code)
    organisation = pending.organisation
    engine.finish(pending)
    return render_template("processing/import_done.html", result=result, organisation=organisation)
