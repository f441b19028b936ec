from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from bio_register import forms
from bio_register.errors import Conflict, DomainError, NotFound
from bio_register.forms import SelectChoice, choices, differences, expected_version, page_arg
from bio_register.i18n import gettext as _
from bio_register.i18n import lazy_gettext as _l
from bio_register.incidents import services as incidents
from bio_register.incidents.models import Incident
from bio_register.loaders import MEASURE
from bio_register.measures import labels, services
from bio_register.measures.forms import (
    FilterForm,
    LinkControlForm,
    MeasureCreateForm,
    MeasureEditForm,
    StatusForm,
    control_refs,
    measure_data,
    split_codes,
)
from bio_register.measures.models import Measure, MeasureStatus
from bio_register.permissions import Permission, authorise, has_permission, scoped_organisations
from bio_register.pipeline import Rejected, flash_committed, requires

bp = Blueprint("measures", __name__, template_folder="templates")

PER_PAGE = 25
#: where a service's link errors are shown on the forms
ERROR_FIELDS = {"incidents": "add_incidents", "controls": "control_codes"}


def apply_errors(form: Any, error: DomainError) -> None:
    """Put a service's field errors on the form's fields (the link errors on the fields they were
    typed in), or on the form itself."""
    renamed = DomainError(error.message, errors={ERROR_FIELDS.get(name, name): messages
                                                 for name, messages in error.errors.items()})
    forms.apply_errors(form, renamed)


def _today() -> Any:
    return services.local_today(tz=current_app.config["TIMEZONE"])


def _catalog_choices(form: Any) -> None:
    form.control_catalog.choices = [SelectChoice("", _l("— kies een catalogus —")),
                                    *(SelectChoice(c.key, f"{c.key} · {c.name}") for c in services.catalogs())]


# --- list -------------------------------------------------------------------------------------------

def _filter_form() -> FilterForm:
    form = FilterForm(request.args)
    orgs = scoped_organisations(current_user, Permission.MEASURE_READ)
    form.organisation.choices = [SelectChoice("", _l("alle")), *(SelectChoice(o.code, o.name) for o in orgs)]
    form.status.choices = choices([("", _l("alle")), ("open", _l("open (gepland of in uitvoering)")),
                                   *((s.value, labels.STATUS[s]) for s in MeasureStatus)])
    form.validate()
    return form


def filter_from_form(form: FilterForm) -> services.MeasureFilter:
    def ok(field: Any) -> Any:
        return None if field.errors else (field.data or None)

    def number(field: Any) -> int | None:
        value = ok(field) or ""
        if not value:
            return None
        return int(value) if value.isdigit() and len(value) < 12 else 0   # 0: matches nothing

    status = ok(form.status)
    return services.MeasureFilter(
        organisation=ok(form.organisation),
        status=[MeasureStatus(status)] if status and status != "open" else [],
        open_only=status == "open",
        overdue_only=ok(form.overdue) == "ja",
        incident_id=number(form.incident),
        control_id=number(form.control),
        q=ok(form.q),
    )


@bp.route("/maatregelen")
@requires(Permission.MEASURE_READ)
def index() -> Any:
    form = _filter_form()
    flt = filter_from_form(form)
    page_number = page_arg(request.args.get("page", 1))
    page = services.list_measures(current_user, flt, page_number, PER_PAGE, today=_today())
    args = {k: v for k, v in request.args.items() if k != "page" and v}

    def page_url(n: int) -> str:
        return url_for("measures.index") + "?" + urlencode({**args, "page": n})

    return render_template("measures/index.html", form=form, page=page, page_url=page_url,
                           filtered_by_link=flt.incident_id is not None or flt.control_id is not None,
                           can_create=has_permission(current_user, Permission.MEASURE_WRITE))


# --- create -----------------------------------------------------------------------------------------

def _preselected_incident() -> Incident | None:
    """The incident of ``?incident=ID``: one the user reads (else 404) in an organisation where they
    may add measures (else 403)."""
    value = request.args.get("incident", "")
    if not value:
        return None
    if not value.isdigit() or not 0 < int(value) <= services.MAX_ID:
        raise NotFound()
    incident = incidents.get_incident(current_user, int(value))
    authorise(current_user, Permission.MEASURE_WRITE, incident.organisation_id)
    return incident


@bp.route("/maatregelen/nieuw", methods=["GET", "POST"])
@requires(Permission.MEASURE_WRITE)
def create() -> Any:
    """A new measure; ``?incident=ID`` links it to that incident (the "measure taken")."""
    incident = _preselected_incident()
    orgs = scoped_organisations(current_user, Permission.MEASURE_WRITE)
    if incident is not None:
        orgs = [o for o in orgs if o.id == incident.organisation_id]
    form = MeasureCreateForm()
    form.organisation.choices = choices([(o.code, o.name) for o in orgs])
    _catalog_choices(form)
    if request.method == "GET" and len(orgs) == 1:
        form.organisation.data = orgs[0].code
    if form.validate_on_submit():
        organisation = next(o for o in orgs if o.code == form.organisation.data)
        data = {**measure_data(form), "incidents": [incident.id] if incident else [],
                "controls": control_refs(form)}
        try:
            measure = services.create_measure(current_user, organisation, data)
        except DomainError as error:
            apply_errors(form, error)
            return Rejected(lambda: render_template("measures/create.html", form=form, incident=incident),
                            error.status_code)
        flash_committed(_("Maatregel „%(title)s” is vastgelegd.", title=measure.title))
        return redirect(url_for("measures.detail", measure_id=measure.id))
    status = 422 if form.is_submitted() else 200
    return render_template("measures/create.html", form=form, incident=incident), status


# --- detail ------------------------------------------------------------------------------------------

@bp.route("/maatregelen/<int:measure_id>")
@requires(Permission.MEASURE_READ, load=MEASURE)
def detail(measure: Measure) -> Any:
    return _render_detail(measure)


def _render_detail(measure: Measure, *, status_form: StatusForm | None = None, code: int = 200,
                   link_error: str | None = None) -> Any:
    status_form = status_form or StatusForm(formdata=None, version=measure.version)
    can_edit = services.can_edit(current_user, measure)
    query = " ".join(request.args.get("zoek", "").split())[:100]
    found = (services.controls_to_link(measure, query) if can_edit and query else [])
    return render_template(
        "measures/detail.html", measure=measure, history=services.history(measure), status_form=status_form,
        transitions=services.allowed_transitions(measure), can_edit=can_edit,
        overdue=services.is_overdue(measure, _today()), link_query=query, found_controls=found,
        link_error=link_error, link_form=LinkControlForm(formdata=None),
    ), code


@bp.route("/maatregelen/<int:measure_id>/koppelen", methods=["POST"])
@requires(Permission.MEASURE_WRITE, load=MEASURE)
def link_control(measure: Measure) -> Any:
    """Link the beheersmaatregel or overheidsmaatregel chosen from the search on the measure's page."""
    form = LinkControlForm()
    if form.validate_on_submit():
        try:
            control = int(form.control.data or "")
        except ValueError:
            control = 0
        try:
            expected = expected_version(form.version)
            services.link_control(current_user, measure, control, expected_version=expected)
        except DomainError as error:
            message = error.errors.get("controls", [error.message])[0] if error.errors else error.message
            status = error.status_code
            return Rejected(lambda: _render_detail(measure, code=status, link_error=message), status)
        linked = next((c for c in measure.controls if c.id == control), None)
        flash_committed(_("%(code)s is gekoppeld aan „%(title)s”.",
                          code=services.control_label(linked) if linked else "", title=measure.title))
        back = form.back.data or ""
        if _is_control_page(back):
            return redirect(back + "#maatregelen")
        return redirect(url_for("measures.detail", measure_id=measure.id) + "#koppelingen")
    return _render_detail(measure, code=422, link_error=_("Kies een beheersmaatregel of overheidsmaatregel."))


def _is_control_page(path: str) -> bool:
    """A path of this application's compliance pages, nothing else (no open redirect)."""
    return (path.startswith("/compliance/") and "//" not in path and "\\" not in path
            and "#" not in path and all(ch.isprintable() and not ch.isspace() for ch in path))


# --- edit --------------------------------------------------------------------------------------------

def _link_choices(form: MeasureEditForm, measure: Measure) -> None:
    form.keep_incidents.choices = [(str(i.id), f"{i.reference} — {i.title}") for i in measure.incidents]
    form.keep_controls.choices = [(str(c.id), f"{services.control_label(c)} — {c.title_nl}")
                                  for c in measure.controls]


def _edit_data(form: MeasureEditForm, measure: Measure) -> dict[str, Any]:
    """Fields plus the links: the kept ones (only those linked now) and the ones typed."""
    linked_incidents = {i.id for i in measure.incidents}
    linked_controls = {c.id for c in measure.controls}
    keep_incidents = [int(v) for v in form.keep_incidents.data or [] if v.isdigit() and int(v) in linked_incidents]
    keep_controls = [int(v) for v in form.keep_controls.data or [] if v.isdigit() and int(v) in linked_controls]
    return {**measure_data(form),
            "incidents": [*keep_incidents, *split_codes(form.add_incidents.data)],
            "controls": [*keep_controls, *control_refs(form)]}


@bp.route("/maatregelen/<int:measure_id>/bewerken", methods=["GET", "POST"])
@requires(Permission.MEASURE_WRITE, load=MEASURE)
def edit(measure: Measure) -> Any:
    form = MeasureEditForm(obj=None if request.method == "POST" else measure)
    _link_choices(form, measure)
    _catalog_choices(form)
    if request.method == "GET":
        form.version.data = str(measure.version)
        form.keep_incidents.data = [str(i.id) for i in measure.incidents]
        form.keep_controls.data = [str(c.id) for c in measure.controls]
    if form.validate_on_submit():
        try:
            expected = expected_version(form.version)
            services.update_measure(current_user, measure, _edit_data(form, measure), expected)
        except Conflict as error:
            form.form_errors.append(error.message)
            return Rejected(lambda: _edit_conflict(form, measure), 409)
        except DomainError as error:
            apply_errors(form, error)
            return Rejected(lambda: render_template("measures/edit.html", form=form, measure=measure, conflict=None),
                            error.status_code)
        flash_committed(_("Wijzigingen in „%(title)s” zijn opgeslagen.", title=measure.title))
        return redirect(url_for("measures.detail", measure_id=measure.id))
    status = 422 if form.is_submitted() else 200
    return render_template("measures/edit.html", form=form, measure=measure, conflict=None), status


def _edit_conflict(form: MeasureEditForm, measure: Measure) -> Any:
    """After the rollback: keep what the user typed, show what differs from the stored version, and
    let a second save (after review) go through against the current version."""
    conflict = differences(services.FIELDS, labels.FIELD, services.snapshot(measure), measure_data(form))
    _link_choices(form, measure)
    form.version.data = str(measure.version)
    return render_template("measures/edit.html", form=form, measure=measure, conflict=conflict)


@bp.route("/maatregelen/<int:measure_id>/status", methods=["POST"])
@requires(Permission.MEASURE_WRITE, load=MEASURE)
def change_status(measure: Measure) -> Any:
    form = StatusForm()
    if form.validate_on_submit():
        try:
            expected = expected_version(form.version)
            services.change_status(current_user, measure, form.status.data or "", expected, form.reason.data)
        except DomainError as error:
            apply_errors(form, error)
            form.form_errors.extend(form.errors.get("status", []))
            return Rejected(lambda: _render_detail(measure, status_form=form), error.status_code)
        flash_committed(_("Status van „%(title)s”: %(status)s.", title=measure.title,
                          status=labels.STATUS[measure.status]))
        return redirect(url_for("measures.detail", measure_id=measure.id))
    return _render_detail(measure, status_form=form, code=422)
