from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from bio_register.attachments import services as attachments
from bio_register.breaches import cbw
from bio_register.breaches import services as breaches
from bio_register.errors import Conflict, DomainError
from bio_register.extensions import db
from bio_register.forms import SelectChoice, apply_errors, choices, differences, expected_version, page_arg
from bio_register.i18n import gettext as _
from bio_register.i18n import lazy_gettext as _l
from bio_register.incidents import export as exporter
from bio_register.incidents import labels, services, timeline
from bio_register.incidents.forms import (
    EntryForm,
    FilterForm,
    IncidentCreateForm,
    IncidentEditForm,
    StatusForm,
    form_data,
)
from bio_register.incidents.models import Category, Incident, Severity, Status, TaskState
from bio_register.loaders import INCIDENT
from bio_register.measures import services as measures
from bio_register.permissions import Permission, has_permission, scoped_organisations
from bio_register.pipeline import Rejected, flash_committed, requires
from bio_register.playbooks import services as playbooks
from bio_register.timeutil import to_local, to_utc

bp = Blueprint("incidents", __name__, template_folder="templates")

CREATE_FIELDS = ("title", "description", "discovered_at", "is_datalek", "category", "severity",
                 "occurred_at", "reporter", "impact_confidentiality", "impact_integrity", "impact_availability")
EDIT_FIELDS = (*CREATE_FIELDS, "is_significant_cbw", "cause", "lessons_learned")
PER_PAGE = 25
EXPORT_LIMIT = 100_000


# --- list -------------------------------------------------------------------------------------------

def _filter_form() -> FilterForm:
    form = FilterForm(request.args)
    orgs = scoped_organisations(current_user, Permission.INCIDENT_READ)
    form.organisation.choices = [SelectChoice("", _l("alle")), *(SelectChoice(o.code, o.name) for o in orgs)]
    form.status.choices = choices([("", _l("alle")), ("open", _l("open (nieuw of in behandeling)")),
                                   *((s.value, labels.STATUS[s]) for s in Status)])
    form.category.choices = choices([("", _l("alle")), *((c.value, labels.CATEGORY[c]) for c in Category)])
    form.severity.choices = choices([("", _l("alle")), *((s.value, labels.SEVERITY[s]) for s in Severity)])
    form.validate()
    return form


def _local_date(value: str | None, field: Any, *, end: bool = False) -> dt.datetime | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        field.errors = [*list(field.errors), _("Geen geldige datum.")]
        return None
    if not 1970 <= day.year < 2100:
        field.errors = [*list(field.errors), _("Kies een datum tussen 1970 en 2100.")]
        return None
    if end:
        day += dt.timedelta(days=1)
    return to_utc(dt.datetime(day.year, day.month, day.day), current_app.config["TIMEZONE"])


def filter_from_form(form: FilterForm) -> services.IncidentFilter:
    def ok(field: Any) -> Any:
        return None if field.errors else (field.data or None)

    status = ok(form.status)
    return services.IncidentFilter.build(
        organisation=ok(form.organisation),
        datalek={"ja": True, "nee": False}.get(ok(form.datalek) or ""),
        status=[status] if status and status != "open" else [],
        open_only=status == "open",
        category=[c] if (c := ok(form.category)) else [],
        severity=[s] if (s := ok(form.severity)) else [],
        discovered_from=_local_date(ok(form.period_from), form.period_from),
        discovered_until=_local_date(ok(form.period_until), form.period_until, end=True),
        q=ok(form.q),
        sort=ok(form.sort),
        order=ok(form.order),
    )


@bp.route("/incidenten")
@requires(Permission.INCIDENT_READ)
def index() -> Any:
    """The register, filtered and sorted, 25 at a time. The pager's links carry a cursor (keyset: as
    quick a hundred pages deep as on the first); ``page=N`` keeps working for links made before."""
    form = _filter_form()
    flt = filter_from_form(form)
    page_number = page_arg(request.args.get("page", 1))
    keyset, cursor_error = None, None
    if request.args.get("cursor"):
        try:
            keyset = services.web_keyset(flt, request.args["cursor"])
        except DomainError:  # a crafted or mangled link, or one of another sort: the first page, and why
            cursor_error = _("Deze paginalink is niet geldig (meer): u ziet de eerste pagina.")
            page_number = 1
    # a search says "more than 1,000" (or, over a wide scope, PostgreSQL's estimate: "ongeveer 45.000")
    # rather than rechecking the text of every match for an exact total
    page = services.list_incidents(current_user, flt, page_number, PER_PAGE,
                                   count_limit=services.SEARCH_COUNT_LIMIT if flt.q else None, keyset=keyset)
    args = {k: v for k, v in request.args.items() if k not in ("page", "cursor") and v}
    base = url_for("incidents.index")

    def page_url(n: int) -> str:
        return base + "?" + urlencode({**args, "page": n}) if n > 1 else base + ("?" + urlencode(args) if args else "")

    def cursor_url(cursor: str) -> str:
        return base + "?" + urlencode({**args, "cursor": cursor})

    def sort_url(key: str) -> str:
        same = (form.sort.data or "discovered") == key
        order = "asc" if same and (form.order.data or "desc") == "desc" else "desc"
        return base + "?" + urlencode({**args, "sort": key, "order": order})

    export_query = urlencode(args)
    return render_template("incidents/index.html", form=form, page=page, page_url=page_url, cursor_url=cursor_url,
                           sort_url=sort_url, export_query=export_query, cursor_error=cursor_error,
                           can_create=has_permission(current_user, Permission.INCIDENT_WRITE)), (
        422 if cursor_error else 200)


@bp.route("/incidenten/export.<any(csv, xlsx):fmt>")
@requires(Permission.INCIDENT_READ)
def export(fmt: str) -> Any:
    form = _filter_form()
    stmt = services.filtered(current_user, filter_from_form(form)).limit(EXPORT_LIMIT)
    incidents = db.session.scalars(stmt).all()
    stamp = to_local(dt.datetime.now(dt.UTC), current_app.config["TIMEZONE"]).strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        body, mimetype = exporter.to_csv(incidents), "text/csv; charset=utf-8"
    else:
        body = exporter.to_xlsx(incidents)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="incidentregister-{stamp}.{fmt}"'
    return response


# --- create -----------------------------------------------------------------------------------------

@bp.route("/incidenten/nieuw", methods=["GET", "POST"])
@requires(Permission.INCIDENT_WRITE)
def create() -> Any:
    orgs = scoped_organisations(current_user, Permission.INCIDENT_WRITE)
    form = IncidentCreateForm()
    form.organisation.choices = choices([(o.code, o.name) for o in orgs])
    if request.method == "GET":
        form.discovered_at.data = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
        if len(orgs) == 1:
            form.organisation.data = orgs[0].code
    if form.validate_on_submit():
        organisation = next(o for o in orgs if o.code == form.organisation.data)
        try:
            incident = services.create_incident(current_user, organisation, form_data(form, CREATE_FIELDS))
        except DomainError as error:
            apply_errors(form, error)
            return Rejected(lambda: render_template("incidents/create.html", form=form), error.status_code)
        flash_committed(_("Incident %(ref)s is vastgelegd.", ref=incident.reference))
        if playbooks.playbook_for(incident.organisation_id, incident.category) is not None:
            # the proposal: the page shows the playbook with "Draaiboek toepassen"
            flash_committed(_("Voor deze categorie is een draaiboek: pas het toe onder „Draaiboek” om de stappen "
                              "als taken bij het incident te zetten."), "info")
            return redirect(url_for("incidents.detail", incident_id=incident.id) + "#draaiboek")
        return redirect(url_for("incidents.detail", incident_id=incident.id))
    status = 422 if form.is_submitted() else 200
    return render_template("incidents/create.html", form=form), status


# --- detail ------------------------------------------------------------------------------------------

@bp.route("/incidenten/<int:incident_id>")
@requires(Permission.INCIDENT_READ, load=INCIDENT)
def detail(incident: Incident) -> Any:
    return _render_detail(incident)


def _render_detail(incident: Incident, *, status_form: StatusForm | None = None,
                   entry_form: EntryForm | None = None, code: int = 200,
                   attachment_errors: dict[Any, list[str]] | None = None, task_error: str | None = None) -> Any:
    status_form = status_form or StatusForm(formdata=None, version=incident.version)
    entry_form = entry_form or EntryForm(formdata=None)
    transitions = services.allowed_transitions(incident)
    # a close that cannot succeed is not offered; the page says why instead
    close_blocked = services.close_blocker(incident) if Status.AFGEHANDELD in transitions else None
    if close_blocked:
        transitions = [t for t in transitions if t != Status.AFGEHANDELD]
    return render_template(
        "incidents/detail.html", incident=incident, timeline=timeline.timeline(current_user, incident),
        status_form=status_form, entry_form=entry_form,
        transitions=transitions, close_blocked=close_blocked,
        can_edit=services.can_edit(current_user, incident),
        can_write_timeline=has_permission(current_user, Permission.TIMELINE_WRITE, incident.organisation_id),
        breach=breaches.overview_for([incident])[0] if incident.is_datalek else None,
        obligations=cbw.obligations(incident, anchor=current_app.config["CBW_NOTIFICATION_ANCHOR"]),
        measures=measures.for_incident(current_user, incident),
        attachments=attachments.for_incident(incident), attachment_errors=attachment_errors or {},
        playbook=_playbook_panel(incident), task_error=task_error,
    ), code


#: the incident page, for the routes of other areas that act on an incident (playbook steps)
render_detail = _render_detail


@dataclass(frozen=True)
class PlaybookPanel:
    """The steps of the playbooks applied to the incident, and the one that could be applied."""

    tasks: list[Any]
    open: int
    #: the playbook of the incident's category when it has not been applied yet
    proposal: playbooks.PlaybookView | None
    may_handle: bool


def _playbook_panel(incident: Incident) -> PlaybookPanel:
    tasks = playbooks.tasks_of(incident)
    proposal = None
    if incident.category is not None and incident.category not in playbooks.applied_categories(tasks) \
            and incident.is_open:
        proposal = playbooks.playbook_for(incident.organisation_id, incident.category)
    return PlaybookPanel(tasks, sum(1 for t in tasks if t.state == TaskState.OPEN), proposal,
                         playbooks.may_handle(current_user, incident))


@bp.route("/incidenten/<int:incident_id>/bewerken", methods=["GET", "POST"])
@requires(Permission.INCIDENT_WRITE, load=INCIDENT)
def edit(incident: Incident) -> Any:
    form = IncidentEditForm(obj=None if request.method == "POST" else incident)
    if request.method == "GET":
        form.is_datalek.data = "ja" if incident.is_datalek else "nee"
        form.category.data = incident.category.value if incident.category else ""
        form.severity.data = incident.severity.value if incident.severity else ""
        form.version.data = str(incident.version)
    if form.validate_on_submit():
        try:
            expected = expected_version(form.version)
            services.update_incident(current_user, incident, form_data(form, EDIT_FIELDS), expected)
        except Conflict as error:
            form.form_errors.append(error.message)
            return Rejected(lambda: _edit_conflict(form, incident), 409)
        except DomainError as error:
            apply_errors(form, error)
            return Rejected(lambda: render_template("incidents/edit.html", form=form, incident=incident,
                                                    conflict=None), error.status_code)
        flash_committed(_("Wijzigingen in %(ref)s zijn opgeslagen.", ref=incident.reference))
        return redirect(url_for("incidents.detail", incident_id=incident.id))
    status = 422 if form.is_submitted() else 200
    return render_template("incidents/edit.html", form=form, incident=incident, conflict=None), status


def _edit_conflict(form: IncidentEditForm, incident: Incident) -> Any:
    """After the rollback: keep what the user typed, show what differs from the stored version, and
    let a second save (after review) go through against the current version."""
    conflict = differences(EDIT_FIELDS, labels.FIELD, services.snapshot(incident), form_data(form, EDIT_FIELDS))
    form.version.data = str(incident.version)
    return render_template("incidents/edit.html", form=form, incident=incident, conflict=conflict)


@bp.route("/incidenten/<int:incident_id>/status", methods=["POST"])
@requires(Permission.INCIDENT_WRITE, load=INCIDENT)
def change_status(incident: Incident) -> Any:
    form = StatusForm()
    if form.validate_on_submit():
        try:
            expected = expected_version(form.version)
            services.change_status(current_user, incident, form.status.data or "", expected, form.reason.data)
        except DomainError as error:
            apply_errors(form, error)
            # the status is chosen with a button, not a field: its errors head the form, once
            form.form_errors.extend(form.status.errors)
            form.status.errors = []
            return Rejected(lambda: _render_detail(incident, status_form=form), error.status_code)
        flash_committed(_("Status van %(ref)s: %(status)s.", ref=incident.reference,
                          status=labels.STATUS[incident.status]))
        return redirect(url_for("incidents.detail", incident_id=incident.id))
    return _render_detail(incident, status_form=form, code=422)


@bp.route("/incidenten/<int:incident_id>/tijdlijn", methods=["POST"])
@requires(Permission.TIMELINE_WRITE, load=INCIDENT)
def add_entry(incident: Incident) -> Any:
    form = EntryForm()
    if form.validate_on_submit():
        try:
            services.add_entry(current_user, incident, form.kind.data or "", form.text.data,
                               form.occurred_at.data)
        except DomainError as error:
            apply_errors(form, error)
            return Rejected(lambda: _render_detail(incident, entry_form=form), error.status_code)
        flash_committed(_("Toegevoegd aan de tijdlijn."))
        return redirect(url_for("incidents.detail", incident_id=incident.id) + "#tijdlijn")
    return _render_detail(incident, entry_form=form, code=422)
