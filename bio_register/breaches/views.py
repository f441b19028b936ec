from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.exceptions import HTTPException

from bio_register.attachments import services as attachments
from bio_register.breaches import affected, apform, catalog, cbw, cbwcontent, labels, recurring, services
from bio_register.breaches import export as exporter
from bio_register.breaches.forms import (
    ApFormForm,
    AssessmentForm,
    CbwForm,
    CorrespondenceForm,
    DecisionForm,
    IbdCopyForm,
    LinkForm,
    NotificationForm,
    OverviewFilterForm,
    RegisterForm,
    SaveTemplateForm,
    SignificanceForm,
    SubjectsForm,
    ap_form_data,
    assessment_data,
    cbw_content_data,
    cbw_content_form,
    yes_no,
)
from bio_register.breaches.models import CbwPhase
from bio_register.database import utcnow
from bio_register.errors import DomainError
from bio_register.forms import SelectChoice, apply_errors, page_arg
from bio_register.i18n import gettext as _
from bio_register.i18n import lazy_gettext as _l
from bio_register.incident_reports import services as incident_reports
from bio_register.incidents.models import Incident
from bio_register.loaders import DATALEK, INCIDENT
from bio_register.notifications import services as notifications
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission, has_permission, scoped_organisations
from bio_register.pipeline import Rejected, flash_committed, requires, signed_in
from bio_register.processing import services as processing
from bio_register.timeutil import to_local, to_utc
from reports import ap_form as ap_form_renderer

bp = Blueprint("breaches", __name__, template_folder="templates")

#: datalekken per page of the overview (ordered over all of them by the database)
OVERVIEW_PAGE = 50
#: "read the posted form" (a form built for the page passes ``formdata=None``)
_UNSET: Any = object()


def _local_day(value: str | None, *, end: bool = False) -> dt.datetime | None:
    """The start of a local day (``end``: of the day after) in UTC; None when empty; 400 when no date."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        abort(400)
    if not 1970 <= day.year < 2100:
        abort(400)
    if end:
        day += dt.timedelta(days=1)
    return to_utc(dt.datetime(day.year, day.month, day.day), current_app.config["TIMEZONE"])


def _day_or_error(form: FlaskForm, name: str, *, end: bool = False) -> dt.datetime | None:
    field = getattr(form, name)
    if not field.data or field.errors:
        return None
    try:
        return _local_day(field.data, end=end)
    except HTTPException:
        field.errors = [*list(field.errors), _("Geen geldige datum.")]
        return None


def _overview_filter(form: OverviewFilterForm) -> services.BreachFilter:
    def ok(field: Any) -> Any:
        return None if field.errors else (field.data or None)

    state = request.args.get("stand", "open" if request.args.get("alle") != "1" else "")
    if state and state not in services.FILTER_STATES:
        state = "open"  # an unknown state (an old or mistyped link): the working list
    return services.BreachFilter(
        organisation=ok(form.organisation), state=state or None,
        discovered_from=_day_or_error(form, "period_from"),
        discovered_until=_day_or_error(form, "period_until", end=True),
        q=ok(form.q), sort=ok(form.sort) or "termijn", descending=ok(form.order) == "desc")


def _organisation_choices() -> list[SelectChoice]:
    return [SelectChoice(o.code, o.name) for o in scoped_organisations(current_user, Permission.BREACH_READ)]


def _year_choices() -> list[SelectChoice]:
    this_year = to_local(utcnow(), current_app.config["TIMEZONE"]).year
    return [SelectChoice("", _l("alle jaren")),
            *(SelectChoice(str(year), str(year)) for year in range(this_year, this_year - 8, -1))]


@bp.route("/datalekken")
@requires(Permission.BREACH_READ)
def overview() -> Any:
    """The FG's overview: filtered by organisation, state, period and words; open ones first by the
    time left unless another order is chosen; with the register per organisation and period."""
    organisations = _organisation_choices()
    form = OverviewFilterForm(request.args)
    form.organisation.choices = [SelectChoice("", _l("alle")), *organisations]
    if "stand" not in request.args:
        form.stand.data = "open" if request.args.get("alle") != "1" else ""
    form.validate()
    flt = _overview_filter(form)
    page = services.list_overview(current_user, flt, page_arg(request.args.get("page", 1)), OVERVIEW_PAGE)
    args = {k: v for k, v in request.args.items() if k not in ("page", "alle")}
    args.setdefault("stand", flt.state or "")

    def page_url(n: int) -> str:
        return url_for("breaches.overview") + "?" + urlencode({**args, "page": n})

    def sort_url(key: str) -> str:
        same = flt.sort == key
        order = "desc" if same and not flt.descending else "asc"
        return url_for("breaches.overview") + "?" + urlencode({**args, "sort": key, "order": order})

    register = RegisterForm(formdata=None, prefix="register")
    register.organisation.choices = organisations
    register.organisation.data = (flt.organisation or "").upper() or (organisations[0].value if organisations else None)
    register.year.choices = _year_choices()
    return render_template("breaches/overview.html", form=form, page=page, page_url=page_url, sort_url=sort_url,
                           flt=flt, register_form=register, state_labels=labels.state_labels(),
                           open_at_ap=apform.count_open_at_ap(current_user))


def _arg(name: str) -> str:
    """A register argument, plain (``?organisation=DIE``) or as the overview's form names it."""
    return (request.args.get(name) or request.args.get(f"register-{name}") or "").strip()


def _register_scope() -> tuple[Organisation, dt.datetime | None, dt.datetime | None, str]:
    """The register's organisation (one the user may read, else 404; the first when none is named)
    and period (a year, or from–to dates, or all), with the period as a file name part."""
    code = _arg("organisation").upper()
    readable = scoped_organisations(current_user, Permission.BREACH_READ)
    organisation = next((o for o in readable if o.code == code), None) if code else (readable[0] if readable else None)
    if organisation is None:
        abort(404)
    year = _arg("year")
    if year:
        if not (year.isdigit() and 1970 <= int(year) < 2100):
            abort(400)
        tz = current_app.config["TIMEZONE"]
        return (organisation, to_utc(dt.datetime(int(year), 1, 1), tz), to_utc(dt.datetime(int(year) + 1, 1, 1), tz),
                year)
    parts = [_arg("period_from"), _arg("period_until")]
    start = _local_day(parts[0])
    end = _local_day(parts[1], end=True)
    label = "-tot-".join(p for p in parts if p) if any(parts) else "alle-jaren"
    if start is not None and end is None:
        label = f"vanaf-{parts[0]}"
    elif end is not None and start is None:
        label = f"tot-en-met-{parts[1]}"
    return organisation, start, end, label


def _period_words(start: dt.datetime | None, end: dt.datetime | None, label: str) -> str:
    if label.isdigit():
        return label
    if start is None and end is None:
        return _("alle jaren")
    tz = current_app.config["TIMEZONE"]
    first = to_local(start, tz).strftime("%d-%m-%Y") if start else None
    last = to_local(end - dt.timedelta(days=1), tz).strftime("%d-%m-%Y") if end else None
    if first and last:
        return _("%(a)s tot en met %(b)s", a=first, b=last)
    return _("vanaf %(a)s", a=first) if first else _("tot en met %(b)s", b=last)


@bp.route("/datalekken/register.<any(csv, xlsx, pdf):fmt>")
@requires(Permission.BREACH_READ)
def register_export(fmt: str) -> Any:
    """The datalekkenregister (AVG art. 33(5)) of one controller: the datalekken of one organisation
    (``organisation``, the first the user may read by default) discovered in a period (``year``, or
    ``period_from``/``period_until``), with their facts and reasoning."""
    organisation, start, end, label = _register_scope()
    rows = exporter.register_rows(services.register_datalekken(current_user, organisation.id, start, end),
                                  current_app.config["TIMEZONE"])
    stamp = utcnow()
    if fmt == "csv":
        body, mimetype = exporter.to_csv(rows), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body, mimetype = exporter.to_xlsx(rows), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = exporter.to_pdf(rows, organisation_label=f"{organisation.name}, {_period_words(start, end, label)}",
                               generated_at=stamp, tz=current_app.config["TIMEZONE"])
        mimetype = "application/pdf"
    local = to_local(stamp, current_app.config["TIMEZONE"])
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="datalekkenregister-{organisation.code}-{label}-{local:%Y%m%d-%H%M}.{fmt}"')
    return response


def _assessment_form(incident: Incident, assessment: Any, proposal: affected.Proposal) -> AssessmentForm:
    """The assessment as stored; with the proposal of the linked verwerkingen taken over when asked
    (``?voorstel=overnemen``) or when nothing is assessed yet: added to what is filled in, never
    replacing it, and saved only when the FG saves the form."""
    form = AssessmentForm(formdata=None, obj=assessment)
    if proposal.activities and (assessment is None or request.args.get("voorstel") == "overnemen"):
        current = {name: getattr(form, name).data for name in (
            "data_categories", "special_categories", "subject_categories", "legal_bases", "art9_grounds", "bsn",
            "processor_involved", "processor_name")}
        for name, value in affected.merge(current, proposal).items():
            getattr(form, name).data = value
    if assessment is None:
        form.aware_at.data = incident.discovered_at
    else:
        form.version.data = str(assessment.version)
        form.enisa_dpc.data = str(assessment.enisa_dpc or "")
        form.enisa_ei.data = assessment.enisa_ei.value if assessment.enisa_ei else ""
        for part in ("confidentiality", "integrity", "availability"):
            getattr(form, f"enisa_cb_{part}").data = getattr(assessment, f"enisa_cb_{part}").value
    return form


def _link_form(incident: Incident, form: LinkForm | None = None) -> LinkForm:
    """The verwerkingen of the datalek's organisation to choose from, the linked ones ticked."""
    link_form = form or LinkForm(formdata=None)
    offered = processing.all_activities(
        current_user, processing.ActivityFilter(organisation=incident.organisation.code), limit=500)
    link_form.activities.choices = [SelectChoice(a.id, a.name) for a in offered]
    return link_form


def _render(incident: Incident, code: int = 200, **forms: Any) -> Any:
    assessment = services.assessment_of(incident)
    linked = affected.linked(incident) if incident.is_datalek else []
    proposal = affected.propose(linked)
    can_link = has_permission(current_user, Permission.BREACH_LINK, incident.organisation_id)
    link_form = forms.get("link_form")
    if can_link and incident.is_datalek:
        link_form = _link_form(incident, link_form)
        if forms.get("link_form") is None:
            link_form.activities.data = [a.id for a in linked]
    config = current_app.config
    cbw_file = cbw.cbw_file(incident, config["CBW_NOTIFICATION_ANCHOR"])
    reports = list(cbw_file.reports)
    cbw_clock = cbw_file.clock if incident.is_significant_cbw else None
    content_forms = {state.phase: forms.get(f"cbw_{state.phase.value}_form") or cbw_content_form(
        state.phase, data=state.answers, handled_at=cbw_file.handled_at) for state in cbw_file.phases}
    correspondence = apform.correspondence_of(incident) if incident.is_datalek else []
    return render_template(
        "breaches/datalek.html", incident=incident, assessment=assessment,
        employee_report=incident_reports.report_of(incident),
        row=services.overview_for([incident])[0],
        decisions=services.ap_rulings(incident), ap_notifications=services.notifications_of(incident),
        subject_decisions=services.subject_rulings(incident), cbw_reports=reports, cbw_clock=cbw_clock,
        can_assess=has_permission(current_user, Permission.BREACH_ASSESS, incident.organisation_id),
        can_decide=has_permission(current_user, Permission.BREACH_DECIDE, incident.organisation_id),
        can_cbw=has_permission(current_user, Permission.CBW_REPORT, incident.organisation_id),
        linked=linked, proposal=proposal, proposal_adds=proposal.adds_to(assessment) if linked else {},
        can_link=can_link, link_form=link_form,
        can_template=has_permission(current_user, Permission.BREACH_TEMPLATE, incident.organisation_id),
        template_form=forms.get("template_form") or SaveTemplateForm(formdata=None),
        template_names=recurring.names_of({incident.breach_template_id} if incident.breach_template_id else set()),
        assessment_form=forms.get("assessment_form") or _assessment_form(incident, assessment, proposal),
        decision_form=forms.get("decision_form") or DecisionForm(formdata=None),
        notification_form=forms.get("notification_form") or NotificationForm(formdata=None),
        subjects_form=forms.get("subjects_form") or SubjectsForm(formdata=None),
        combined_decision_form=forms.get("combined_decision_form") or _combined_forms()[0],
        combined_subjects_form=forms.get("combined_subjects_form") or _combined_forms()[1],
        cbw_form=forms.get("cbw_form") or CbwForm(formdata=None, recipient=config["CBW_RECIPIENT"]),
        cbw_file=cbw_file, cbw_content_forms=content_forms, cbw_slugs=cbwcontent.SLUGS,
        ibd_form=forms.get("ibd_form") or IbdCopyForm(formdata=None),
        ap_view=apform.ap_form_view(incident) if incident.is_datalek else None,
        ap_form=forms.get("ap_form") or _ap_form(incident),
        correspondence=correspondence,
        open_at_ap=incident.is_datalek and apform.file_open_at_ap(incident, correspondence),
        correspondence_form=forms.get("correspondence_form") or _correspondence_form(incident, formdata=None),
    ), code


def _ap_form(incident: Incident) -> ApFormForm:
    stored = apform.ap_form_of(incident)
    form = ApFormForm(formdata=None, obj=stored, prefix="ap")
    if stored is not None:
        form.version.data = str(stored.version)
        form.own_severity.data = stored.own_severity.value if stored.own_severity else ""
    return form


def _correspondence_form(incident: Incident, formdata: Any = _UNSET) -> CorrespondenceForm:
    form = (CorrespondenceForm(prefix="corr") if formdata is _UNSET
            else CorrespondenceForm(formdata=formdata, prefix="corr"))
    form.existing.choices = [SelectChoice(str(a.id), a.filename) for a in attachments.for_incident(incident)
                             if not a.removed]
    return form


@bp.route("/incidenten/<int:incident_id>/datalek")
@requires(Permission.BREACH_READ, load=INCIDENT)
def detail(incident: Incident) -> Any:
    if not (incident.is_datalek or incident.is_significant_cbw):
        return redirect(url_for("incidents.detail", incident_id=incident.id))
    return _render(incident)


def _submit(incident: Incident, form: FlaskForm, name: str, action: Callable[[Any], object], message: str) -> Any:
    """Check the form → call the service → redirect; or show the page with the errors (after the
    pipeline rolled back what the service may have written)."""
    if not form.validate_on_submit():
        return _render(incident, 422, **{f"{name}_form": form})
    try:
        action(form)
    except DomainError as error:
        apply_errors(form, error)
        return Rejected(lambda: _render(incident, **{f"{name}_form": form}), error.status_code)
    flash_committed(message)
    return redirect(url_for("breaches.detail", incident_id=incident.id) + f"#{name}")


@bp.route("/incidenten/<int:incident_id>/datalek/beoordeling", methods=["POST"])
@requires(Permission.BREACH_ASSESS, load=DATALEK)
def save_assessment(incident: Incident) -> Any:
    def action(form: AssessmentForm) -> None:
        read = form.version.data or ""
        version = int(read) if read.isdigit() else None  # none yet: a first assessment
        services.save_assessment(current_user, incident, assessment_data(form), version)

    return _submit(incident, AssessmentForm(), "assessment", action, _("De beoordeling is opgeslagen."))


@bp.route("/incidenten/<int:incident_id>/datalek/verwerkingen", methods=["POST"])
@requires(Permission.BREACH_LINK, load=DATALEK)
def link_activities(incident: Incident) -> Any:
    """Link the datalek to the verwerkingen it affected (of its own organisation only)."""
    form = _link_form(incident, LinkForm())
    if not form.validate_on_submit():
        return _render(incident, 422, link_form=form)
    try:
        affected.set_links(current_user, incident, form.activities.data or [])
    except DomainError as error:
        apply_errors(form, error)
        return Rejected(lambda: _render(incident, link_form=form), 422)
    flash_committed(_("De getroffen verwerkingen zijn opgeslagen."))
    return redirect(url_for("breaches.detail", incident_id=incident.id) + "#verwerkingen")


@bp.route("/incidenten/<int:incident_id>/datalek/sjabloon", methods=["POST"])
@requires(Permission.BREACH_TEMPLATE, load=DATALEK)
def save_template(incident: Incident) -> Any:
    """Save the datalek as a template for the next one like it."""
    form = SaveTemplateForm()
    if not form.validate_on_submit():
        return _render(incident, 422, template_form=form)
    try:
        template = recurring.template_from_datalek(current_user, incident, form.name.data)
    except DomainError as error:
        apply_errors(form, error)
        return Rejected(lambda: _render(incident, template_form=form), 422)
    flash_committed(_("Het sjabloon „%(name)s” is opgeslagen.", name=template.name))
    return redirect(url_for("breach_templates.index"))


#: the prefixes of the decision (art. 33) and the data subjects (art. 34) in the combined form
DECISION_PREFIX, SUBJECTS_PREFIX = "besluit", "art34"


def _combined_forms(formdata: Any = None) -> tuple[DecisionForm, SubjectsForm]:
    """The decision and art. 34 parts of the FG's one form (the assessment form's CSRF token covers
    the whole post)."""
    kwargs: dict[str, Any] = {"meta": {"csrf": False}, "formdata": formdata}
    forms = (DecisionForm(prefix=DECISION_PREFIX, **kwargs), SubjectsForm(prefix=SUBJECTS_PREFIX, **kwargs))
    for form in forms:
        for item in form:
            item.flags.required = False  # each part is optional here: left empty, it records nothing
    return forms


def _given(form: FlaskForm, *names: str) -> bool:
    """Whether the user filled in any of these fields: an empty part records nothing."""
    return any((getattr(form, name).data or "") not in ("", None) and str(getattr(form, name).data).strip()
               for name in names)


@bp.route("/incidenten/<int:incident_id>/datalek/vastleggen", methods=["POST"])
@requires(Permission.BREACH_ASSESS, load=DATALEK)
def save_all(incident: Incident) -> Any:
    """The FG's one form: the assessment, and when filled in the decision on the AP melding
    (art. 33) and on informing the data subjects (art. 34). Each part goes through its own service
    and audit event; all of it is kept, or (any error) none of it, with every error shown at once."""
    assessment_form = AssessmentForm()
    decision_form, subjects_form = _combined_forms(request.form)
    decide_now = _given(decision_form, "notify", "motivation")
    subjects_now = _given(subjects_form, "notify", "ground", "explanation", "notified_at", "channel")
    if (decide_now or subjects_now) and not has_permission(current_user, Permission.BREACH_DECIDE,
                                                           incident.organisation_id):
        abort(403)

    def page(code: int) -> Any:
        return _render(incident, code, assessment_form=assessment_form, combined_decision_form=decision_form,
                       combined_subjects_form=subjects_form)

    valid = assessment_form.validate_on_submit()
    valid = (decision_form.validate() if decide_now else True) and valid
    valid = (subjects_form.validate() if subjects_now else True) and valid
    if not valid:
        return page(422)
    failed: DomainError | None = None
    try:
        read = assessment_form.version.data or ""
        services.save_assessment(current_user, incident, assessment_data(assessment_form),
                                 int(read) if read.isdigit() else None)
    except DomainError as error:
        apply_errors(assessment_form, error)
        failed = error
    if decide_now and (failed is None or services.assessment_of(incident) is not None):
        try:
            services.decide(current_user, incident, yes_no(decision_form.notify.data), decision_form.motivation.data)
        except DomainError as error:
            apply_errors(decision_form, error)
            failed = failed or error
    if subjects_now:
        try:
            services.decide_data_subjects(current_user, incident, yes_no(subjects_form.notify.data),
                                          subjects_form.ground.data or None, subjects_form.explanation.data,
                                          subjects_form.notified_at.data, subjects_form.channel.data)
        except DomainError as error:
            apply_errors(subjects_form, error)
            failed = failed or error
    if failed is not None:
        return Rejected(lambda: page(200), failed.status_code)
    flash_committed(_("De beoordeling is opgeslagen."))
    if decide_now:
        flash_committed(_("Het besluit over de AP-melding is vastgelegd."))
    if subjects_now:
        flash_committed(_("Het besluit over het informeren van betrokkenen is vastgelegd."))
    return redirect(url_for("breaches.detail", incident_id=incident.id) + "#assessment")


@bp.route("/incidenten/<int:incident_id>/datalek/besluit", methods=["POST"])
@requires(Permission.BREACH_DECIDE, load=DATALEK)
def decide(incident: Incident) -> Any:
    def action(form: DecisionForm) -> None:
        services.decide(current_user, incident, yes_no(form.notify.data), form.motivation.data)

    return _submit(incident, DecisionForm(), "decision", action,
                   _("Het besluit over de AP-melding is vastgelegd."))


@bp.route("/incidenten/<int:incident_id>/datalek/ap-melding", methods=["POST"])
@requires(Permission.BREACH_DECIDE, load=DATALEK)
def record_notification(incident: Incident) -> Any:
    def action(form: NotificationForm) -> None:
        services.record_notification(current_user, incident, form.kind.data, form.submitted_at.data,
                                     form.meldnummer.data, form.late_reason.data)

    return _submit(incident, NotificationForm(), "notification", action, _("De AP-melding is vastgelegd."))


@bp.route("/incidenten/<int:incident_id>/datalek/betrokkenen", methods=["POST"])
@requires(Permission.BREACH_DECIDE, load=DATALEK)
def decide_subjects(incident: Incident) -> Any:
    def action(form: SubjectsForm) -> None:
        services.decide_data_subjects(current_user, incident, yes_no(form.notify.data), form.ground.data or None,
                                      form.explanation.data, form.notified_at.data, form.channel.data)

    return _submit(incident, SubjectsForm(), "subjects", action,
                   _("Het besluit over het informeren van betrokkenen is vastgelegd."))


@bp.route("/incidenten/<int:incident_id>/cbw", methods=["POST"])
@requires(Permission.CBW_REPORT, load=INCIDENT)
def record_cbw(incident: Incident) -> Any:
    def action(form: CbwForm) -> None:
        services.record_cbw_report(current_user, incident, form.phase.data, form.submitted_at.data,
                                   form.reference.data, form.summary.data, form.recipient.data,
                                   default_recipient=current_app.config["CBW_RECIPIENT"])

    return _submit(incident, CbwForm(), "cbw", action, _("De Cbw-melding is vastgelegd."))


_PHASE_SLUG = '<any("vroegtijdige-waarschuwing", "incidentmelding", "tussentijds-verslag", "eindverslag"):slug>'


@bp.route(f"/incidenten/<int:incident_id>/cbw/inhoud/{_PHASE_SLUG}", methods=["POST"])
@requires(Permission.CBW_REPORT, load=INCIDENT)
def save_cbw_content(incident: Incident, slug: str) -> Any:
    """The content of one phase's report (NIS2 art. 23(4)), prepared before it is sent."""
    phase = cbwcontent.BY_SLUG[slug]
    form = cbw_content_form(phase, formdata=request.form)

    def action(form: Any) -> None:
        kwargs = {"handled_at": form.handled_at.data} if hasattr(form, "handled_at") else {}
        cbw.save_phase_content(current_user, incident, phase, cbw_content_data(phase, form), **kwargs)

    return _submit(incident, form, f"cbw_{phase.value}", action, _("De inhoud van de Cbw-melding is opgeslagen."))


@bp.route("/incidenten/<int:incident_id>/cbw/ibd", methods=["POST"])
@requires(Permission.CBW_REPORT, load=INCIDENT)
def record_ibd_copy(incident: Incident) -> Any:
    """An informative copy to the IBD (not the legal notification)."""
    def action(form: IbdCopyForm) -> None:
        cbw.record_ibd_copy(current_user, incident, form.sent_at.data, form.phase.data or None,
                            form.reference.data, form.note.data)

    return _submit(incident, IbdCopyForm(), "ibd", action, _("De kopie aan de IBD is vastgelegd."))


def _significance_page(incident: Incident, form: SignificanceForm, answers: dict[str, Any], code: int = 200) -> Any:
    criteria = cbw.criteria_in_use()
    return render_template(
        "breaches/cbw_significance.html", incident=incident, criteria=criteria, form=form, answers=answers,
        current=cbw.significance_of(incident),
        can_assess=has_permission(current_user, Permission.CBW_REPORT, incident.organisation_id)), code


def _posted_answers(criteria: Any) -> dict[str, Any]:
    """The answers per question as posted: ja/nee → true/false, a number → int or float, else as given
    (the service refuses what is not an answer)."""
    answers: dict[str, Any] = {}
    for question in criteria.questions:
        raw = request.form.get(f"q-{question['id']}", "").strip()
        if question["kind"] == "yes_no":
            answers[question["id"]] = yes_no(raw)
        elif raw:
            number = raw.replace(".", "").replace(",", ".")
            try:
                answers[question["id"]] = int(number) if number.isdigit() else float(number)
            except ValueError:
                answers[question["id"]] = raw
    return answers


@bp.route("/incidenten/<int:incident_id>/cbw/significantie", methods=["GET", "POST"])
@requires(Permission.BREACH_READ, load=INCIDENT)
def cbw_significance(incident: Incident) -> Any:
    """Is this incident significant under the Cbw? The questions of the criteria version in use,
    the advice with its reasoning, and the earlier advice on record. Answering needs cbw:report."""
    if request.method == "GET":
        current = cbw.significance_of(incident)
        return _significance_page(incident, SignificanceForm(formdata=None), dict(current.answers) if current else {})
    if not has_permission(current_user, Permission.CBW_REPORT, incident.organisation_id):
        abort(403)
    form = SignificanceForm()
    answers = _posted_answers(cbw.criteria_in_use())
    if not form.validate_on_submit():
        return _significance_page(incident, form, answers, 422)
    try:
        cbw.assess_significance(current_user, incident, answers, form.motivation.data)
    except DomainError as error:
        apply_errors(form, error)
        return Rejected(lambda: _significance_page(incident, form, answers), error.status_code)
    flash_committed(_("Het advies over de significantie is vastgelegd."))
    return redirect(url_for("breaches.cbw_significance", incident_id=incident.id))


def _cbw_copy(incident: Incident, slug: str) -> tuple[CbwPhase, list[apform.Section]]:
    phase = cbwcontent.BY_SLUG[slug]
    file = cbw.cbw_file(incident, current_app.config["CBW_NOTIFICATION_ANCHOR"])
    return phase, cbw.copy_sections(file, phase, current_app.config["CBW_RECIPIENT"])


@bp.route(f"/incidenten/<int:incident_id>/cbw/{_PHASE_SLUG}")
@requires(Permission.BREACH_READ, load=INCIDENT)
def cbw_copy(incident: Incident, slug: str) -> Any:
    """"Kopie voor de CSIRT": one phase's report in the order of NIS2 art. 23(4), each answer with a
    copy button (static/js/ap-copy.js, shared with the AP form's copy)."""
    phase, sections = _cbw_copy(incident, slug)
    return render_template("breaches/cbw_copy.html", incident=incident, phase=phase, slug=slug, sections=sections,
                           complete=all(s.complete for s in sections))


@bp.route(f"/incidenten/<int:incident_id>/cbw/{_PHASE_SLUG}.pdf")
@requires(Permission.BREACH_READ, load=INCIDENT)
def cbw_copy_pdf(incident: Incident, slug: str) -> Any:
    """The same as a PDF (A4)."""
    phase, sections = _cbw_copy(incident, slug)
    stamp = utcnow()
    tz = current_app.config["TIMEZONE"]
    body = ap_form_renderer.to_pdf(
        sections, title=f"Kopie voor de CSIRT: {catalog.PHASE_LABELS[phase]} — {incident.reference}",
        subtitle=f"{incident.organisation.name}: {incident.title}",
        generated=to_local(stamp, tz).strftime("%d-%m-%Y %H:%M"),
        intro="De inhoud van deze melding aan de CSIRT (Cyberbeveiligingswet) in de volgorde van NIS2 art. 23(4), "
              "om over te nemen.")
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="cbw-{slug}-{incident.reference}-{to_local(stamp, tz):%Y%m%d-%H%M}.pdf"')
    return response


@bp.route("/meldingen", methods=["GET", "POST"])
@signed_in
def notices() -> Any:
    """The user's in-app notices, and for the FG (who decides on AP meldingen) the datalekken past the AP deadline.

    Viewing the page marks the notices it shows as read: a deliberate, documented side effect of
    this GET (committed by the pipeline like any request), so the counter in the menu clears once
    they have been seen. It is not audited: it changes only the user's own inbox, never the
    register, and viewing twice changes nothing more. The notices that were unread keep their
    "nieuw" mark on this one view. POST marks every notice read (the older form, kept for clients
    that use it)."""
    if request.method == "POST":
        # CSRF is checked by CSRFProtect before we get here
        notifications.mark_read(current_user)
        return redirect(url_for("breaches.notices"))
    shown = notifications.recent_notices(current_user)
    new = {notice.id for notice in shown if notice.read_at is None}
    if new and request.method == "GET":
        notifications.mark_read(current_user, new)
    overdue = services.overdue(current_user) if has_permission(current_user, Permission.BREACH_DECIDE) else None
    return render_template("breaches/notices.html", notices=shown, new=new, overdue=overdue,
                           state_labels=labels.state_labels())


# --- the AP meldformulier and the correspondence with the AP -------------------------------------------------

@bp.route("/incidenten/<int:incident_id>/datalek/ap-antwoorden", methods=["POST"])
@requires(Permission.BREACH_ASSESS, load=DATALEK)
def save_ap_form(incident: Incident) -> Any:
    """The AP meldformulier's own answers: one form, one save (audited)."""
    def action(form: ApFormForm) -> None:
        read = form.version.data or ""
        apform.save_ap_form(current_user, incident, ap_form_data(form), int(read) if read.isdigit() else None)

    return _submit(incident, ApFormForm(prefix="ap"), "ap", action, _("De antwoorden voor het AP-meldformulier zijn "
                                                                     "opgeslagen."))


@bp.route("/incidenten/<int:incident_id>/datalek/ap-correspondentie", methods=["POST"])
@requires(Permission.BREACH_DECIDE, load=DATALEK)
def record_correspondence(incident: Incident) -> Any:
    """A question from the AP, an answer, a document (as an attachment of the incident) or the AP
    closing its file."""
    def action(form: CorrespondenceForm) -> None:
        chosen = [int(v) for v in form.existing.data or [] if str(v).isdigit()]
        linked = apform.attachments_by_id(incident, chosen)
        storage = request.files.get("corr-file")
        if storage is not None and storage.filename:
            limit = int(current_app.config["MAX_ATTACHMENT_MB"]) * attachments.MIB
            linked.append(attachments.add_to_incident(current_user, incident, storage.filename,
                                                      storage.read(limit + 1), max_bytes=limit))
        apform.record_correspondence(current_user, incident, form.kind.data, form.occurred_at.data, form.text.data,
                                     form.ap_reference.data, linked)

    return _submit(incident, _correspondence_form(incident), "correspondence", action,
                   _("De correspondentie met de AP is vastgelegd."))


def _copy_view(incident: Incident) -> apform.ApFormView:
    return apform.ap_form_view(incident)


@bp.route("/incidenten/<int:incident_id>/datalek/ap-formulier")
@requires(Permission.BREACH_READ, load=DATALEK)
def ap_form_copy(incident: Incident) -> Any:
    """"Kopie voor het AP-meldformulier": every answer in the AP form's section order, each in a
    block of its own with a copy button (static/js/ap-copy.js; without script: select and copy)."""
    return render_template("breaches/ap_form.html", incident=incident, view=_copy_view(incident))


@bp.route("/incidenten/<int:incident_id>/datalek/ap-formulier.pdf")
@requires(Permission.BREACH_READ, load=DATALEK)
def ap_form_pdf(incident: Incident) -> Any:
    """The same as a PDF (A4), for the file and for copying on another machine."""
    stamp = utcnow()
    tz = current_app.config["TIMEZONE"]
    body = ap_form_renderer.to_pdf(
        _copy_view(incident).sections, title=f"Kopie voor het AP-meldformulier — {incident.reference}",
        subtitle=f"{incident.organisation.name}: {incident.title}",
        generated=to_local(stamp, tz).strftime("%d-%m-%Y %H:%M"))
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="ap-meldformulier-{incident.reference}-{to_local(stamp, tz):%Y%m%d-%H%M}.pdf"')
    return response
