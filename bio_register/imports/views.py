"""The import of an existing register in four steps: upload, map columns, preview, import."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from bio_register.errors import DomainError
from bio_register.extensions import db
from bio_register.forms import choices
from bio_register.i18n import gettext as _
from bio_register.imports import services
from bio_register.imports.forms import StepForm, UploadForm
from bio_register.imports.models import PendingImport
from bio_register.incidents.forms import category_choices
from bio_register.permissions import Permission, scoped_organisations

bp = Blueprint("imports", __name__, template_folder="templates")


def _organisations() -> list[Any]:
    orgs = scoped_organisations(current_user, Permission.INCIDENT_WRITE)
    if not orgs:
        abort(404)
    return orgs


def _upload_page(form: UploadForm, code: int = 200) -> Any:
    return render_template("imports/upload.html", form=form, max_mb=services.max_bytes() // (1024 * 1024)), code


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> Any:
    """The web server's own limit (MAX_CONTENT_LENGTH) was hit before the view could look."""
    orgs = scoped_organisations(current_user, Permission.INCIDENT_WRITE) if current_user.is_authenticated else []
    if not orgs:
        return render_template("errors/error.html", code=413, message=_("Het bestand is te groot.")), 413
    form = UploadForm(formdata=None)
    form.organisation.choices = choices([(o.code, o.name) for o in orgs])
    form.file.errors = [_("Het bestand is te groot om te versturen (meer dan %(max)d MB). Splits het bestand, "
                          "of importeer het met de opdracht bio-register import-register.",
                          max=services.max_bytes() // (1024 * 1024))]
    return _upload_page(form, 413)


@bp.route("/incidenten/importeren", methods=["GET", "POST"])
@login_required
def upload() -> Any:
    orgs = _organisations()
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
                upload.close()  # a large upload sits in a temporary file
            try:
                pending = services.store_upload(current_user, organisation, upload.filename, content)
            except DomainError as error:
                form.file.errors = [error.message]
            else:
                return redirect(url_for("imports.columns", pending_id=pending.id))
    return _upload_page(form, 422 if form.is_submitted() else 200)


def _load(pending_id: int) -> tuple[PendingImport, services.Sheet]:
    pending = services.get_pending(current_user, pending_id)
    try:
        sheet = services.Sheet.read(pending.content, pending.filename)
    except DomainError:  # it was readable at upload; a changed limit can make it too large now
        abort(404)
    return pending, sheet


@bp.route("/incidenten/importeren/<int:pending_id>/kolommen", methods=["GET", "POST"])
@login_required
def columns(pending_id: int) -> Any:
    pending, sheet = _load(pending_id)
    form = StepForm()
    mapping = services.mapping_of(pending, sheet)
    errors: list[str] = []
    if form.validate_on_submit():
        chosen = services.ColumnMapping()
        headers = set(sheet.headers)
        for fld in services.FIELDS:
            value = request.form.get(f"col-{fld.key}", "")
            if value and value not in headers:
                errors.append(_("Kies voor „%(field)s” een kolom uit het bestand.", field=fld.label))
            elif value:
                chosen.columns[fld.key] = value
        categories = dict(mapping.categories)
        valid = {c.value for c in services.Category} | {""}
        index = 0
        while f"catvalue-{index}" in request.form and index < services.MAX_CATEGORY_VALUES:
            text, value = request.form.get(f"catvalue-{index}", ""), request.form.get(f"cat-{index}", "")
            if value not in valid:
                errors.append(_("Onbekende categorie gekozen voor „%(text)s”.", text=text[:40]))
            else:
                categories[services.normalise(text)] = value
            index += 1
        chosen.categories = categories
        if not errors:
            changed_category_column = chosen.columns.get("category") != mapping.columns.get("category")
            services.choose_mapping(current_user, pending, chosen)
            if changed_category_column and sheet.distinct_values(chosen.columns.get("category")):
                flash(_("Kies nu bij elke categorie uit het bestand onze categorie."), "info")
                return redirect(url_for("imports.columns", pending_id=pending.id) + "#categorieen")
            return redirect(url_for("imports.check", pending_id=pending.id))
    elif form.is_submitted():
        errors.extend(e for messages in form.errors.values() for e in messages)
    return render_template(
        "imports/columns.html", form=form, pending=pending, sheet=sheet, mapping=mapping, fields=services.FIELDS,
        category_rows=list(services.category_rows(sheet, mapping)), category_options=category_choices(),
        errors=errors, examples=_examples(sheet)), 422 if errors else 200


def _examples(sheet: services.Sheet) -> dict[str, str]:
    """The first value under each header, to help choose."""
    out: dict[str, str] = {}
    for index, header in enumerate(sheet.headers):
        for _number, cells in sheet.table.body[:20]:
            value = cells[index] if index < len(cells) else None
            text = services.spreadsheet.cell_text(value).strip()
            if text:
                out[header] = text[:60]
                break
    return out


@bp.route("/incidenten/importeren/<int:pending_id>/controle")
@login_required
def check(pending_id: int) -> Any:
    pending, sheet = _load(pending_id)
    preview = services.preview(pending.organisation, sheet, services.mapping_of(pending, sheet))
    return render_template("imports/preview.html", form=StepForm(), pending=pending, preview=preview,
                           fields=services.FIELDS)


@bp.route("/incidenten/importeren/<int:pending_id>/importeren", methods=["POST"])
@login_required
def run(pending_id: int) -> Any:
    pending, sheet = _load(pending_id)
    form = StepForm()
    mapping = services.mapping_of(pending, sheet)
    if not form.validate_on_submit():
        abort(400)
    try:
        result = services.run_import(current_user, pending.organisation, sheet, mapping)
    except DomainError as error:
        db.session.rollback()  # all or nothing: whatever was written goes
        pending, sheet = _load(pending_id)
        preview = getattr(error, "preview", None) or services.preview(pending.organisation, sheet,
                                                                     services.mapping_of(pending, sheet))
        return render_template("imports/preview.html", form=StepForm(), pending=pending, preview=preview,
                               fields=services.FIELDS, error=error.message), error.status_code
    organisation = pending.organisation
    services.finish(pending)
    return render_template("imports/done.html", result=result, organisation=organisation)


