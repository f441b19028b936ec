"""Playbooks: the list per organisation, editing one (beheerder, CISO), and on the incident page
applying one and ticking its steps."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from bio_register.errors import DomainError, NotFound
from bio_register.i18n import gettext as _
from bio_register.incidents import labels
from bio_register.incidents.models import Category, Incident
from bio_register.incidents.views import render_detail
from bio_register.loaders import INCIDENT
from bio_register.loaders import organisation as organisation_loader
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission, has_permission, scoped_organisations
from bio_register.pipeline import Rejected, flash_committed, requires
from bio_register.playbooks import services

bp = Blueprint("playbooks", __name__, template_folder="templates")

#: the organisation in the URL, for those who read its incidents
ORGANISATION = organisation_loader(Permission.INCIDENT_READ)
#: empty rows under the steps for new ones
NEW_ROWS = 3


def _category(value: str) -> Category:
    try:
        return Category(value)
    except ValueError:
        raise NotFound() from None


@bp.route("/draaiboeken")
@requires(Permission.INCIDENT_READ)
def index() -> Any:
    """The playbooks that apply in one organisation, per category (all categories, those without
    one too, so a beheerder can write one)."""
    organisations = scoped_organisations(current_user, Permission.INCIDENT_READ)
    code = (request.args.get("organisation") or "").strip().upper()[:20]
    chosen = next((o for o in organisations if o.code == code), organisations[0] if organisations else None)
    found = {view.category: view for view in services.list_playbooks(chosen)} if chosen else {}
    rows = [(category, found.get(category)) for category in Category]
    may_edit = chosen is not None and has_permission(current_user, Permission.PLAYBOOK_MANAGE, chosen.id)
    return render_template("playbooks/index.html", organisations=organisations, organisation=chosen, rows=rows,
                           may_edit=may_edit)


def _render_edit(organisation: Organisation, category: Category, steps: list[str], *,
                 errors: dict[str, list[str]] | None = None, version: int | None = None, code: int = 200) -> Any:
    view = services.playbook_for(organisation.id, category)
    return render_template("playbooks/edit.html", organisation=organisation, category=category, view=view,
                           steps=[*steps, *([""] * NEW_ROWS)], errors=errors or {}, version=version,
                           form=FlaskForm()), code


@bp.route("/draaiboeken/<string:code>/<string:category>", methods=["GET", "POST"])
@requires(Permission.PLAYBOOK_MANAGE, load=ORGANISATION)
def edit(organisation: Organisation, category: str) -> Any:
    """Edit the organisation's playbook for a category; the first save makes its own copy."""
    cat = _category(category)
    if request.method == "GET":
        view = services.playbook_for(organisation.id, cat)
        return _render_edit(organisation, cat, view.steps if view else [], version=view.version if view else None)
    form = FlaskForm()
    values = request.form.getlist("step")
    removed = {value for value in request.form.getlist("remove")}
    steps = [value for index, value in enumerate(values) if str(index) not in removed]
    while steps and not steps[-1].strip():
        steps.pop()  # the empty rows for new steps
    version_text = request.form.get("version", "")
    version = int(version_text) if version_text.isdigit() else None
    if not form.validate_on_submit():
        return _render_edit(organisation, cat, steps, version=version,
                            errors={"": [_("Het formulier is verlopen. Probeer het opnieuw.")]}, code=422)
    try:
        services.save_playbook(current_user, organisation, cat, steps, version=version)
    except DomainError as error:
        found = error.errors or {"": [error.message]}
        return Rejected(lambda: _render_edit(organisation, cat, steps, version=version, errors=found),
                        error.status_code)
    flash_committed(_("Het draaiboek „%(name)s” van %(org)s is opgeslagen.", name=labels.category_label(cat),
                      org=organisation.name))
    return redirect(url_for("playbooks.index", organisation=organisation.code))


@bp.route("/draaiboeken/<string:code>/<string:category>/standaard", methods=["POST"])
@requires(Permission.PLAYBOOK_MANAGE, load=ORGANISATION)
def reset(organisation: Organisation, category: str) -> Any:
    """Remove the organisation's own playbook: the inherited or shipped one applies again."""
    cat = _category(category)
    form = FlaskForm()
    if form.validate_on_submit() and services.reset_playbook(current_user, organisation, cat):
        flash_committed(_("Het eigen draaiboek „%(name)s” is verwijderd; het standaarddraaiboek geldt weer.",
                          name=labels.category_label(cat)))
    return redirect(url_for("playbooks.index", organisation=organisation.code))


# --- on the incident page --------------------------------------------------------------------------

def _back(incident: Incident) -> Any:
    return redirect(url_for("incidents.detail", incident_id=incident.id) + "#draaiboek")


def _failed(incident: Incident, error: DomainError) -> Rejected:
    message = error.message
    return Rejected(lambda: render_detail(incident, task_error=message), error.status_code)


@bp.route("/incidenten/<int:incident_id>/draaiboek", methods=["POST"])
@requires(Permission.INCIDENT_TASKS, load=INCIDENT)
def apply(incident: Incident) -> Any:
    """Draaiboek toepassen: the steps of the category's playbook become open tasks."""
    form = FlaskForm()
    if not form.validate_on_submit():
        return _back(incident)
    try:
        services.apply_playbook(current_user, incident, request.form.get("category") or None)
    except DomainError as error:
        return _failed(incident, error)
    flash_committed(_("Het draaiboek is toegepast: de stappen staan bij het incident."))
    return _back(incident)


@bp.route("/incidenten/<int:incident_id>/stappen/<int:task_id>", methods=["POST"])
@requires(Permission.INCIDENT_TASKS, load=INCIDENT)
def set_state(incident: Incident, task_id: int) -> Any:
    """Mark a step gedaan, niet van toepassing, or open again."""
    form = FlaskForm()
    if not form.validate_on_submit():
        return _back(incident)
    change: dict[str, Any] = {"id": task_id, "state": request.form.get("state", "")}
    if "note" in request.form:
        change["note"] = request.form.get("note")
    try:
        services.update_tasks(current_user, incident, [change])
    except DomainError as error:
        return _failed(incident, error)
    flash_committed(_("Stap bijgewerkt."))
    return _back(incident)

