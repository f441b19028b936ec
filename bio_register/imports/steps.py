"""The web steps every import shares (the incident register's and the verwerkingsregister's):
choosing and storing the file, the web server's size refusal, and reading the stored file again.

Each import's views (:mod:`bio_register.imports.views`, :mod:`bio_register.processing.import_views`)
say only what differs: the permission, how the file is stored, where the next step is and how
the upload page reads. Their templates extend ``imports/_upload.html`` and ``imports/_columns.html``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user

from bio_register.accounts.models import User
from bio_register.errors import DomainError, NotFound
from bio_register.forms import choices
from bio_register.i18n import gettext as _
from bio_register.imports import engine
from bio_register.imports.forms import UploadForm
from bio_register.imports.models import PendingImport
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission, scoped_organisations
from bio_register.pipeline import Rejected

#: stores an upload: (actor, organisation, filename, content, max_bytes=…) → the pending import
Store = Callable[..., PendingImport]
#: renders the upload page: (form, status) → response
Render = Callable[[UploadForm, int], Any]


def max_bytes() -> int:
    return engine.max_bytes(current_app.config)


def max_mb() -> int:
    return max_bytes() // engine.MIB


def _with_organisations(form: UploadForm, orgs: list[Organisation]) -> UploadForm:
    form.organisation.choices = choices([(o.code, o.name) for o in orgs])
    return form


def too_large(permission: Permission, command: str, render: Render) -> Any:
    """The web server's own limit (MAX_CONTENT_LENGTH) was hit before the view could look."""
    orgs = scoped_organisations(current_user, permission) if current_user.is_authenticated else []
    if not orgs:
        return render_template("errors/error.html", code=413, message=_("Het bestand is te groot.")), 413
    form = _with_organisations(UploadForm(formdata=None), orgs)
    form.file.errors = [_("Het bestand is te groot om te versturen (meer dan %(max)d MB). Splits het bestand, "
                          "of importeer het met de opdracht %(command)s.", max=max_mb(), command=command)]
    return render(form, 413)


def upload(permission: Permission, store: Store, columns_endpoint: str, render: Render) -> Any:
    """Step 1: the organisation and the file; stored, then on to the columns."""
    actor: User = current_user
    orgs = scoped_organisations(actor, permission)
    form = _with_organisations(UploadForm(), orgs)
    if request.method == "GET" and len(orgs) == 1:
        form.organisation.data = orgs[0].code
    if form.validate_on_submit():
        organisation = next(o for o in orgs if o.code == form.organisation.data)
        file = request.files.get(form.file.name)
        if file is None or not file.filename:
            form.file.errors = [_("Kies een bestand.")]
        else:
            try:
                content = file.read()
            finally:
                file.close()  # a large upload sits in a temporary file
            try:
                pending = store(actor, organisation, file.filename, content, max_bytes=max_bytes())
            except DomainError as error:
                form.file.errors = [error.message]
                return Rejected(lambda: render(form, 422), 422)
            return redirect(url_for(columns_endpoint, pending_id=pending.id))
    return render(form, 422 if form.is_submitted() else 200)


def sheet_of(pending: PendingImport) -> engine.Sheet:
    """The stored file read again (404 if it no longer can be: a lowered limit)."""
    try:
        return engine.Sheet.read(pending.content, pending.filename, max_bytes=max_bytes())
    except DomainError:  # it was readable at upload; a changed limit can make it too large now
        raise NotFound() from None
