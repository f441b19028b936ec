"""The import of an existing verwerkingsregister in four steps: upload, map columns, preview, import.

The same steps as the incident register import (:mod:`bio_register.imports.views`), on the same
engine; only what the rows mean differs (:mod:`bio_register.processing.importing`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from bio_register.errors import DomainError
from bio_register.i18n import gettext as _
from bio_register.imports import engine, steps
from bio_register.imports.forms import StepForm, UploadForm
from bio_register.imports.models import PendingImport
from bio_register.loaders import PENDING_PROCESSING_IMPORT
from bio_register.permissions import Permission
from bio_register.pipeline import Rejected, requires
from bio_register.processing import importing, labels

bp = Blueprint("processing_import", __name__, template_folder="templates")


def _upload_page(form: UploadForm, code: int = 200) -> Any:
    form.file.description = _("De eerste regel met tekst is de kopregel; elke volgende regel is een verwerking.")
    return render_template("processing/import_upload.html", form=form, max_mb=steps.max_mb()), code


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> Any:
    return steps.too_large(Permission.PROCESSING_WRITE, "bio-register import-processing", _upload_page)


@bp.route("/verwerkingen/importeren", methods=["GET", "POST"])
@requires(Permission.PROCESSING_WRITE)
def upload() -> Any:
    return steps.upload(Permission.PROCESSING_WRITE, importing.store_upload, "processing_import.columns",
                        _upload_page)


@bp.route("/verwerkingen/importeren/<int:pending_id>/kolommen", methods=["GET", "POST"])
@requires(Permission.PROCESSING_WRITE, load=PENDING_PROCESSING_IMPORT)
def columns(pending: PendingImport) -> Any:
    sheet = steps.sheet_of(pending)
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
    sheet = steps.sheet_of(pending)
    return _preview_page(pending, importing.preview(pending.organisation, sheet, importing.mapping_of(pending, sheet)))


def _refused(pending: PendingImport, sheet: engine.Sheet, message: str) -> Any:
    """The preview again, with why nothing was imported (rendered after the rollback)."""
    checked = importing.preview(pending.organisation, sheet, importing.mapping_of(pending, sheet))
    return _preview_page(pending, checked, message)


@bp.route("/verwerkingen/importeren/<int:pending_id>/importeren", methods=["POST"])
@requires(Permission.PROCESSING_WRITE, load=PENDING_PROCESSING_IMPORT)
def run(pending: PendingImport) -> Any:
    sheet = steps.sheet_of(pending)
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
