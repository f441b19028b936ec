from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from bio_register import forms
from bio_register.breaches import affected
from bio_register.database import utcnow
from bio_register.errors import Conflict, DomainError
from bio_register.forms import SelectChoice, page_arg
from bio_register.i18n import gettext as _
from bio_register.i18n import lazy_gettext as _l
from bio_register.loaders import PROCESSING_ACTIVITY, PROCESSOR
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission, has_permission, scoped_organisations
from bio_register.pipeline import Rejected, flash_committed, requires
from bio_register.processing import export, labels, services
from bio_register.processing.forms import ActivityForm, FilterForm, ProcessorForm, activity_data, processor_data
from bio_register.processing.models import ProcessingActivity, ProcessingStatus, Processor
from bio_register.timeutil import to_local

bp = Blueprint("processing", __name__, template_folder="templates")

PER_PAGE = 25
#: agreements needing attention shown above the list; more: the list filtered on them
ATTENTION_SHOWN = 20


def _today() -> Any:
    return services.local_today(tz=current_app.config["TIMEZONE"])


def _date(value: Any) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


def _render(template: str, code: int = 200, **context: Any) -> Any:
    return render_template(template, labels=labels, date=_date, **context), code


# --- verwerkingen: list and export ------------------------------------------------------------------

def _filter() -> tuple[FilterForm, services.ActivityFilter]:
    form = FilterForm(request.args)
    orgs = scoped_organisations(current_user, Permission.PROCESSING_READ)
    form.organisation.choices = [SelectChoice("", _l("alle")), *(SelectChoice(o.code, o.name) for o in orgs)]
    form.validate()

    def ok(field: Any) -> Any:
        return None if field.errors else (field.data or None)

    status = ok(form.status)
    return form, services.ActivityFilter(organisation=ok(form.organisation),
                                         status=[ProcessingStatus(status)] if status else [],
                                         legal_basis=ok(form.legal_basis), q=ok(form.q))


@bp.route("/verwerkingen")
@requires(Permission.PROCESSING_READ)
def index() -> Any:
    form, flt = _filter()
    page = services.list_activities(current_user, flt, page_arg(request.args.get("page", 1)), PER_PAGE)
    args = {k: v for k, v in request.args.items() if k != "page" and v}

    def page_url(n: int) -> str:
        return url_for("processing.index") + "?" + urlencode({**args, "page": n})

    return _render("processing/index.html", form=form, page=page, page_url=page_url,
                   export_query=urlencode(args),
                   can_create=has_permission(current_user, Permission.PROCESSING_WRITE))


@bp.route("/verwerkingen/export.<any(csv, xlsx):fmt>")
@requires(Permission.PROCESSING_READ)
def export_register(fmt: str) -> Any:
    """The verwerkingsregister the user reads, with the list's filters, as CSV or XLSX."""
    _form, flt = _filter()
    activities = services.all_activities(current_user, flt)
    if fmt == "csv":
        body, mimetype = export.to_csv(activities), "text/csv; charset=utf-8"
    else:
        body = export.to_xlsx(activities)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    local = to_local(utcnow(), current_app.config["TIMEZONE"])
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="verwerkingsregister-{local:%Y%m%d-%H%M}.{fmt}"'
    return response


# --- verwerkingen: create, detail, edit --------------------------------------------------------------

def _processor_choices(form: ActivityForm, organisation_ids: list[int], *, with_code: bool) -> set[int]:
    processors = [p for org_id in organisation_ids for p in services.processors_of(org_id)]
    form.processors.choices = forms.choices([(str(p.id), f"{p.name} ({p.organisation.code})" if with_code
                                              else p.name) for p in processors])
    return {p.id for p in processors}


@bp.route("/verwerkingen/nieuw", methods=["GET", "POST"])
@requires(Permission.PROCESSING_WRITE)
def create() -> Any:
    orgs = scoped_organisations(current_user, Permission.PROCESSING_WRITE)
    form = ActivityForm()
    form.organisation.choices = forms.choices([(o.code, o.name) for o in orgs])
    offered = _processor_choices(form, [o.id for o in orgs], with_code=len(orgs) > 1)
    if request.method == "GET" and len(orgs) == 1:
        form.organisation.data = orgs[0].code
    if form.validate_on_submit():
        organisation = next((o for o in orgs if o.code == form.organisation.data), None)
        if organisation is None:
            form.organisation.errors = [_("Kies een organisatie.")]
            return _render("processing/form.html", 422, form=form, activity=None)
        try:
            activity = services.create_activity(current_user, organisation, activity_data(form, offered))
        except DomainError as error:
            forms.apply_errors(form, error)
            return Rejected(lambda: _render("processing/form.html", form=form, activity=None), error.status_code)
        flash_committed(_("Verwerking „%(name)s” is vastgelegd.", name=activity.name))
        return redirect(url_for("processing.detail", activity_id=activity.id))
    return _render("processing/form.html", 422 if form.is_submitted() else 200, form=form, activity=None)


@bp.route("/verwerkingen/<int:activity_id>")
@requires(Permission.PROCESSING_READ, load=PROCESSING_ACTIVITY)
def detail(activity: ProcessingActivity) -> Any:
    return _render("processing/detail.html", activity=activity,
                   history=services.history("processing_activity", activity.id),
                   datalekken=affected.datalekken_of(current_user, activity),
                   can_edit=services.can_edit(current_user, activity))


@bp.route("/verwerkingen/<int:activity_id>/bewerken", methods=["GET", "POST"])
@requires(Permission.PROCESSING_WRITE, load=PROCESSING_ACTIVITY)
def edit(activity: ProcessingActivity) -> Any:
    form = ActivityForm(obj=None if request.method == "POST" else activity)
    offered = _processor_choices(form, [activity.organisation_id], with_code=False)
    if request.method == "GET":
        form.version.data = str(activity.version)
        form.status.data = activity.status.value
        form.legal_basis.data = activity.legal_basis
        form.art9_ground.data = activity.art9_ground or ""
        form.processors.data = [str(p.id) for p in activity.processors]
    if form.validate_on_submit():
        try:
            expected = forms.expected_version(form.version)
            services.update_activity(current_user, activity, activity_data(form, offered), expected)
        except Conflict as error:
            form.form_errors.append(error.message)
            form.version.data = str(activity.version)
            return Rejected(lambda: _edit_again(form, activity), 409)
        except DomainError as error:
            forms.apply_errors(form, error)
            return Rejected(lambda: _render("processing/form.html", form=form, activity=activity), error.status_code)
        flash_committed(_("Wijzigingen in „%(name)s” zijn opgeslagen.", name=activity.name))
        return redirect(url_for("processing.detail", activity_id=activity.id))
    return _render("processing/form.html", 422 if form.is_submitted() else 200, form=form, activity=activity)


def _edit_again(form: ActivityForm, activity: ProcessingActivity) -> Any:
    """After the rollback: what the user typed stays; a second save goes against the current version."""
    form.version.data = str(activity.version)
    return _render("processing/form.html", form=form, activity=activity)


# --- verwerkers -------------------------------------------------------------------------------------------

@bp.route("/verwerkers")
@requires(Permission.PROCESSING_READ)
def processors() -> Any:
    """The verwerkers, and first those whose verwerkersovereenkomst asks for attention."""
    q = " ".join(request.args.get("q", "").split())[:200] or None
    attention_only = request.args.get("aandacht") == "ja"
    today = _today()
    page = services.list_processors(current_user, q=q, page=page_arg(request.args.get("page", 1)),
                                    per_page=PER_PAGE, attention_only=attention_only, today=today)
    attention = services.needing_attention(current_user, today, limit=ATTENTION_SHOWN + 1)
    args = {**({"q": q} if q else {}), **({"aandacht": "ja"} if attention_only else {})}

    def page_url(n: int) -> str:
        return url_for("processing.processors") + "?" + urlencode({**args, "page": n})

    return _render("processing/processors.html", page=page, page_url=page_url, q=q or "", today=today,
                   attention=[(p, services.attention(p, today)) for p in attention[:ATTENTION_SHOWN]],
                   more_attention=len(attention) > ATTENTION_SHOWN, attention_only=attention_only,
                   can_create=has_permission(current_user, Permission.PROCESSING_WRITE))


@bp.route("/verwerkers/nieuw", methods=["GET", "POST"])
@requires(Permission.PROCESSING_WRITE)
def create_processor() -> Any:
    orgs = scoped_organisations(current_user, Permission.PROCESSING_WRITE)
    form = ProcessorForm()
    form.organisation.choices = forms.choices([(o.code, o.name) for o in orgs])
    if request.method == "GET" and len(orgs) == 1:
        form.organisation.data = orgs[0].code
    if form.validate_on_submit():
        organisation: Organisation | None = next((o for o in orgs if o.code == form.organisation.data), None)
        if organisation is None:
            form.organisation.errors = [_("Kies een organisatie.")]
            return _render("processing/processor_form.html", 422, form=form, processor=None)
        try:
            processor = services.create_processor(current_user, organisation, processor_data(form))
        except DomainError as error:
            forms.apply_errors(form, error)
            return Rejected(lambda: _render("processing/processor_form.html", form=form, processor=None),
                            error.status_code)
        flash_committed(_("Verwerker „%(name)s” is vastgelegd.", name=processor.name))
        return redirect(url_for("processing.processor_detail", processor_id=processor.id))
    return _render("processing/processor_form.html", 422 if form.is_submitted() else 200, form=form, processor=None)


@bp.route("/verwerkers/<int:processor_id>")
@requires(Permission.PROCESSING_READ, load=PROCESSOR)
def processor_detail(processor: Processor) -> Any:
    return _render("processing/processor_detail.html", processor=processor,
                   reasons=services.attention(processor, _today()),
                   history=services.history("processor", processor.id),
                   can_edit=services.can_edit(current_user, processor))


@bp.route("/verwerkers/<int:processor_id>/bewerken", methods=["GET", "POST"])
@requires(Permission.PROCESSING_WRITE, load=PROCESSOR)
def edit_processor(processor: Processor) -> Any:
    form = ProcessorForm(obj=None if request.method == "POST" else processor)
    if request.method == "GET":
        form.version.data = str(processor.version)
    if form.validate_on_submit():
        try:
            expected = forms.expected_version(form.version)
            services.update_processor(current_user, processor, processor_data(form), expected)
        except Conflict as error:
            form.form_errors.append(error.message)
            return Rejected(lambda: _processor_again(form, processor), 409)
        except DomainError as error:
            forms.apply_errors(form, error)
            return Rejected(lambda: _render("processing/processor_form.html", form=form, processor=processor),
                            error.status_code)
        flash_committed(_("Wijzigingen in „%(name)s” zijn opgeslagen.", name=processor.name))
        return redirect(url_for("processing.processor_detail", processor_id=processor.id))
    return _render("processing/processor_form.html", 422 if form.is_submitted() else 200, form=form,
                   processor=processor)


def _processor_again(form: ProcessorForm, processor: Processor) -> Any:
    form.version.data = str(processor.version)
    return _render("processing/processor_form.html", form=form, processor=processor)
