from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from bio_register import forms
from bio_register.errors import Conflict, DomainError
from bio_register.findings import labels, services
from bio_register.findings.forms import FilterForm, FindingForm, finding_data
from bio_register.findings.models import OPEN_FINDING_STATUSES, Finding, FindingSource, FindingStatus
from bio_register.forms import SelectChoice, page_arg
from bio_register.i18n import gettext as _
from bio_register.i18n import lazy_gettext as _l
from bio_register.loaders import FINDING
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission, has_permission, scoped_organisations
from bio_register.pipeline import Rejected, flash_committed, requires

bp = Blueprint("findings", __name__, template_folder="templates")

PER_PAGE = 25


def _today() -> Any:
    return services.local_today(tz=current_app.config["TIMEZONE"])


def _date(value: Any) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


def _render(template: str, code: int = 200, **context: Any) -> Any:
    today = _today()
    return render_template(template, labels=labels, date=_date, today=today,
                           overdue=lambda f: services.is_overdue(f, today), **context), code


# --- list ------------------------------------------------------------------------------------------------

def _filter() -> tuple[FilterForm, services.FindingFilter]:
    form = FilterForm(request.args)
    orgs = scoped_organisations(current_user, Permission.FINDING_READ)
    form.organisation.choices = [SelectChoice("", _l("alle")), *(SelectChoice(o.code, o.name) for o in orgs)]
    form.validate()

    def ok(field: Any) -> Any:
        return None if field.errors else (field.data or None)

    status, source = ok(form.status), ok(form.source)
    return form, services.FindingFilter(
        organisation=ok(form.organisation),
        status=[FindingStatus(status)] if status and status != "openstaand" else [],
        open_only=status == "openstaand",
        source=[FindingSource(source)] if source else [],
        overdue_only=bool(ok(form.overdue)), q=ok(form.q))


@bp.route("/bevindingen")
@requires(Permission.FINDING_READ)
def index() -> Any:
    form, flt = _filter()
    page = services.list_findings(current_user, flt, page_arg(request.args.get("page", 1)), PER_PAGE,
                                  today=_today())
    args = {k: v for k, v in request.args.items() if k != "page" and v}

    def page_url(n: int) -> str:
        return url_for("findings.index") + "?" + urlencode({**args, "page": n})

    return _render("findings/index.html", form=form, page=page, page_url=page_url,
                   can_create=has_permission(current_user, Permission.FINDING_WRITE))


# --- create, detail, edit ----------------------------------------------------------------------------------

def _measure_choices(form: FindingForm, organisation_ids: list[int], *, with_code: bool) -> set[int]:
    measures = services.measures_of(organisation_ids)
    form.measures.choices = forms.choices([(str(m.id), f"{m.title} ({m.organisation.code})" if with_code
                                            else m.title) for m in measures])
    return {m.id for m in measures}


@bp.route("/bevindingen/nieuw", methods=["GET", "POST"])
@requires(Permission.FINDING_WRITE)
def create() -> Any:
    orgs = scoped_organisations(current_user, Permission.FINDING_WRITE)
    form = FindingForm()
    form.organisation.choices = forms.choices([(o.code, o.name) for o in orgs])
    offered = _measure_choices(form, [o.id for o in orgs], with_code=len(orgs) > 1)
    if request.method == "GET":
        if len(orgs) == 1:
            form.organisation.data = orgs[0].code
        form.found_on.data = _today()
    if form.validate_on_submit():
        organisation: Organisation | None = next((o for o in orgs if o.code == form.organisation.data), None)
        if organisation is None:
            form.organisation.errors = [_("Kies een organisatie.")]
            return _render("findings/form.html", 422, form=form, finding=None)
        try:
            finding = services.create_finding(current_user, organisation, finding_data(form, offered),
                                              tz=current_app.config["TIMEZONE"])
        except DomainError as error:
            forms.apply_errors(form, error)
            return Rejected(lambda: _render("findings/form.html", form=form, finding=None), error.status_code)
        flash_committed(_("Bevinding „%(title)s” is vastgelegd.", title=finding.title))
        return redirect(url_for("findings.detail", finding_id=finding.id))
    return _render("findings/form.html", 422 if form.is_submitted() else 200, form=form, finding=None)


@bp.route("/bevindingen/<int:finding_id>")
@requires(Permission.FINDING_READ, load=FINDING)
def detail(finding: Finding) -> Any:
    can_read_measures = has_permission(current_user, Permission.MEASURE_READ, finding.organisation_id)
    can_read_compliance = has_permission(current_user, Permission.COMPLIANCE_READ, finding.organisation_id)
    return _render("findings/detail.html", finding=finding, history=services.history(finding),
                   can_edit=services.can_edit(current_user, finding), can_read_measures=can_read_measures,
                   can_read_compliance=can_read_compliance, is_open=finding.status in OPEN_FINDING_STATUSES)


def _controls_text(finding: Finding) -> str:
    return ", ".join(services.control_label(c) for c in finding.controls)


@bp.route("/bevindingen/<int:finding_id>/bewerken", methods=["GET", "POST"])
@requires(Permission.FINDING_WRITE, load=FINDING)
def edit(finding: Finding) -> Any:
    form = FindingForm(obj=None if request.method == "POST" else finding)
    offered = _measure_choices(form, [finding.organisation_id], with_code=False)
    if request.method == "GET":
        form.version.data = str(finding.version)
        form.source.data = finding.source.value
        form.severity.data = finding.severity.value
        form.status.data = finding.status.value
        form.controls.data = _controls_text(finding)
        form.measures.data = [str(m.id) for m in finding.measures]
    if form.validate_on_submit():
        try:
            expected = forms.expected_version(form.version)
            services.update_finding(current_user, finding, finding_data(form, offered), expected,
                                    tz=current_app.config["TIMEZONE"])
        except Conflict as error:
            form.form_errors.append(error.message)
            return Rejected(lambda: _edit_again(form, finding), 409)
        except DomainError as error:
            forms.apply_errors(form, error)
            return Rejected(lambda: _render("findings/form.html", form=form, finding=finding), error.status_code)
        flash_committed(_("Wijzigingen in „%(title)s” zijn opgeslagen.", title=finding.title))
        return redirect(url_for("findings.detail", finding_id=finding.id))
    return _render("findings/form.html", 422 if form.is_submitted() else 200, form=form, finding=finding)


def _edit_again(form: FindingForm, finding: Finding) -> Any:
    """After the rollback: what the user typed stays; a second save goes against the current version."""
    form.version.data = str(finding.version)
    return _render("findings/form.html", form=form, finding=finding)
