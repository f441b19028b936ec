"""The import of an existing register in four steps: upload, map columns, preview, import."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from bio_register.errors import DomainError
from bio_register.i18n import gettext as _
from bio_register.imports import engine, services, steps
from bio_register.imports.forms import StepForm, UploadForm
from bio_register.imports.models import PendingImport
from bio_register.incidents.forms import category_choices
from bio_register.incidents.models import Category
from bio_register.loaders import PENDING_IMPORT
from bio_register.permissions import Permission
from bio_register.pipeline import Rejected, flash_committed, requires

bp = Blueprint("imports", __name__, template_folder="templates")


def _upload_page(form: UploadForm, code: int = 200) -> Any:
    return render_template("imports/upload.html", form=form, max_mb=steps.max_mb()), code


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> Any:
    return steps.too_large(Permission.INCIDENT_WRITE, "bio-register import-register", _upload_page)


@bp.route("/incidenten/importeren", methods=["GET", "POST"])
@requires(Permission.INCIDENT_WRITE)
def upload() -> Any:
    return steps.upload(Permission.INCIDENT_WRITE, services.store_upload, "imports.columns", _upload_page)


def _chosen_mapping(sheet: services.Sheet, mapping: services.ColumnMapping,
                    errors: list[str]) -> services.ColumnMapping:
    """The columns and categories chosen on the mapping page; what cannot be chosen goes to ``errors``."""
    chosen = services.ColumnMapping(engine.chosen_columns(sheet, services.FIELDS, request.form, errors))
    categories = dict(mapping.categories)
    valid = {c.value for c in Category} | {""}
    index = 0
    while f"catvalue-{index}" in request.form and index < services.MAX_CATEGORY_VALUES:
        text, value = request.form.get(f"catvalue-{index}", ""), request.form.get(f"cat-{index}", "")
        if value not in valid:
            errors.append(_("Onbekende categorie gekozen voor „%(text)s”.", text=text[:40]))
        else:
            categories[services.normalise(text)] = value
        index += 1
    chosen.categories = categories
    return chosen


@bp.route("/incidenten/importeren/<int:pending_id>/kolommen", methods=["GET", "POST"])
@requires(Permission.INCIDENT_WRITE, load=PENDING_IMPORT)
def columns(pending: PendingImport) -> Any:
    sheet = steps.sheet_of(pending)
    form = StepForm()
    mapping = services.mapping_of(pending, sheet)
    errors: list[str] = []
    if form.validate_on_submit():
        chosen = _chosen_mapping(sheet, mapping, errors)
        if not errors:
            changed_category_column = chosen.columns.get("category") != mapping.columns.get("category")
            services.choose_mapping(current_user, pending, chosen)
            if changed_category_column and sheet.distinct_values(chosen.columns.get("category")):
                flash_committed(_("Kies nu bij elke categorie uit het bestand onze categorie."), "info")
                return redirect(url_for("imports.columns", pending_id=pending.id) + "#categorieen")
            return redirect(url_for("imports.check", pending_id=pending.id))
    elif form.is_submitted():
        errors.extend(e for messages in form.errors.values() for e in messages)
    return render_template(
        "imports/columns.html", form=form, pending=pending, sheet=sheet, mapping=mapping, fields=services.FIELDS,
        category_rows=list(services.category_rows(sheet, mapping)), category_options=category_choices(),
        errors=errors, examples=sheet.examples()), 422 if errors else 200


@bp.route("/incidenten/importeren/<int:pending_id>/controle")
@requires(Permission.INCIDENT_WRITE, load=PENDING_IMPORT)
def check(pending: PendingImport) -> Any:
    sheet = steps.sheet_of(pending)
    preview = services.preview(pending.organisation, sheet, services.mapping_of(pending, sheet))
    return render_template("imports/preview.html", form=StepForm(), pending=pending, preview=preview,
                           fields=services.FIELDS)


def _refused(pending: PendingImport, sheet: services.Sheet, message: str,
             preview: services.Preview | None = None) -> Any:
    """The preview again, with why nothing was imported (rendered after the rollback)."""
    preview = preview or services.preview(pending.organisation, sheet, services.mapping_of(pending, sheet))
    return render_template("imports/preview.html", form=StepForm(), pending=pending, preview=preview,
                           fields=services.FIELDS, error=message)


@bp.route("/incidenten/importeren/<int:pending_id>/importeren", methods=["POST"])
@requires(Permission.INCIDENT_WRITE, load=PENDING_IMPORT)
def run(pending: PendingImport) -> Any:
    sheet = steps.sheet_of(pending)
    form = StepForm()
    if not form.validate_on_submit():
        message = " ".join(e for messages in form.errors.values() for e in messages)
        return Rejected(lambda: _refused(pending, sheet, message), 400)
    try:
        result = services.run_import(current_user, pending.organisation, sheet, services.mapping_of(pending, sheet))
    except DomainError as error:
        # All or nothing: the pipeline rolls back whatever was written, then renders the preview.
        message, refused_preview = error.message, getattr(error, "preview", None)
        return Rejected(lambda: _refused(pending, sheet, message, refused_preview), error.status_code)
    organisation = pending.organisation
    services.finish(pending)
    return render_template("imports/done.html", result=result, organisation=organisation)
