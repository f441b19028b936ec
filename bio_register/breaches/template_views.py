"""Templates for recurring datalekken: the list, logging a datalek from one, archiving one."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from bio_register.breaches import recurring
from bio_register.breaches.forms import FromTemplateForm
from bio_register.breaches.models import BreachTemplate
from bio_register.database import utcnow
from bio_register.errors import DomainError
from bio_register.forms import SelectChoice, apply_errors, page_arg
from bio_register.i18n import gettext as _
from bio_register.loaders import BREACH_TEMPLATE
from bio_register.permissions import Permission, has_permission, organisation_ids_with, scoped_organisations
from bio_register.pipeline import Rejected, flash_committed, requires

bp = Blueprint("breach_templates", __name__, template_folder="templates")

#: templates per page of the list
PAGE = 50


@bp.route("/datalekken/sjablonen")
@requires(Permission.BREACH_READ)
def index() -> Any:
    """The templates of the caller's organisations, with "nieuw datalek uit sjabloon"."""
    organisations = [SelectChoice(o.code, o.name)
                     for o in scoped_organisations(current_user, Permission.BREACH_READ)]
    code = (request.args.get("organisation") or "").strip().upper()[:20] or None
    archived = request.args.get("gearchiveerd") == "1"
    page = recurring.list_templates(current_user, code, archived=archived,
                                    page=page_arg(request.args.get("page", 1)), per_page=PAGE)
    usable = organisation_ids_with(current_user, Permission.BREACH_TEMPLATE)
    args = {k: v for k, v in request.args.items() if k != "page"}

    def page_url(n: int) -> str:
        return url_for("breach_templates.index") + "?" + urlencode({**args, "page": n})

    def can_use(template: BreachTemplate) -> bool:
        return not isinstance(usable, set) or template.organisation_id in usable

    return render_template("breaches/templates.html", page=page, page_url=page_url, can_use=can_use,
                           organisations=organisations, organisation=code, archived=archived)


def _prefilled(template: BreachTemplate) -> FromTemplateForm:
    form = FromTemplateForm(formdata=None)
    form.title.data = template.title or template.name
    form.description.data = template.description or ""
    form.discovered_at.data = utcnow()
    form.severity.data = template.severity or ""
    return form


@bp.route("/datalekken/sjablonen/<int:template_id>/nieuw", methods=["GET", "POST"])
@requires(Permission.BREACH_TEMPLATE, load=BREACH_TEMPLATE)
def new_datalek(template: BreachTemplate) -> Any:
    """The report form prefilled from the template; saving it logs the datalek and its assessment."""
    if request.method == "GET":
        return render_template("breaches/from_template.html", template=template, form=_prefilled(template))
    form = FromTemplateForm()

    def page(code: int = 200) -> Any:
        return render_template("breaches/from_template.html", template=template, form=form), code

    if not form.validate_on_submit():
        return page(422)
    try:
        incident = recurring.log_from_template(current_user, template, {
            "title": form.title.data, "description": form.description.data, "occurred_at": form.occurred_at.data,
            "discovered_at": form.discovered_at.data, "reporter": form.reporter.data,
            "severity": form.severity.data or None})
    except DomainError as error:
        apply_errors(form, error)
        return Rejected(lambda: page(), 422)
    flash_committed(_("Datalek %(ref)s is vastgelegd uit het sjabloon „%(name)s”.", ref=incident.reference,
                      name=template.name))
    target = "breaches.detail" if has_permission(current_user, Permission.BREACH_READ, incident.organisation_id) \
        else "incidents.detail"
    return redirect(url_for(target, incident_id=incident.id))


@bp.route("/datalekken/sjablonen/<int:template_id>/archiveren", methods=["POST"])
@requires(Permission.BREACH_TEMPLATE, load=BREACH_TEMPLATE)
def archive(template: BreachTemplate) -> Any:
    """Take the template out of use; the datalekken made from it keep their mark."""
    recurring.archive_template(current_user, template)
    flash_committed(_("Het sjabloon „%(name)s” is gearchiveerd.", name=template.name))
    return redirect(url_for("breach_templates.index"))
