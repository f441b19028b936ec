from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from bio_register.breaches import export as exporter
from bio_register.breaches import labels, services
from bio_register.breaches.forms import (
    AssessmentForm,
    CbwForm,
    DecisionForm,
    NotificationForm,
    SubjectsForm,
    assessment_data,
    yes_no,
)
from bio_register.errors import DomainError
from bio_register.forms import apply_errors, page_arg
from bio_register.i18n import gettext as _
from bio_register.incident_reports import services as incident_reports
from bio_register.incidents.models import Incident
from bio_register.loaders import DATALEK, INCIDENT
from bio_register.notifications import services as notifications
from bio_register.permissions import Permission, has_permission
from bio_register.pipeline import Rejected, flash_committed, requires, signed_in

bp = Blueprint("breaches", __name__, template_folder="templates")

#: datalekken per page of the overview (ordered over all of them by the database)
OVERVIEW_PAGE = 100


@bp.route("/datalekken")
@requires(Permission.BREACH_READ)
def overview() -> Any:
    """The FG's overview: every datalek, open ones first by the time left."""
    show_all = request.args.get("alle") == "1"
    page = page_arg(request.args.get("page", 1))
    total = services.count_overview(current_user, include_closed=show_all)
    pages = max(1, -(-total // OVERVIEW_PAGE))
    rows = services.overview(current_user, include_closed=show_all, limit=OVERVIEW_PAGE,
                             offset=(min(page, pages) - 1) * OVERVIEW_PAGE)
    return render_template("breaches/overview.html", rows=rows, show_all=show_all, total=total,
                           page=min(page, pages), pages=pages, state_labels=labels.state_labels())


@bp.route("/datalekken/register.<any(csv, xlsx, pdf):fmt>")
@requires(Permission.BREACH_READ)
def register_export(fmt: str) -> Any:
    """The datalekkenregister (AVG art. 33(5)): every datalek with its facts and reasoning."""
    rows = exporter.register_rows(services.all_datalekken(current_user))
    stamp = dt.datetime.now(dt.UTC)
    if fmt == "csv":
        body, mimetype = exporter.to_csv(rows), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body, mimetype = exporter.to_xlsx(rows), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        orgs = sorted({row.organisation for row in rows}) or [_("geen organisaties")]
        body = exporter.to_pdf(rows, organisation_label=", ".join(orgs), generated_at=stamp)
        mimetype = "application/pdf"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="datalekkenregister-{stamp:%Y%m%d-%H%M}.{fmt}"')
    return response


def _assessment_form(incident: Incident, assessment: Any) -> AssessmentForm:
    form = AssessmentForm(formdata=None, obj=assessment)
    if assessment is None:
        form.aware_at.data = incident.discovered_at
    else:
        form.version.data = str(assessment.version)
        form.enisa_dpc.data = str(assessment.enisa_dpc or "")
        form.enisa_ei.data = assessment.enisa_ei.value if assessment.enisa_ei else ""
        for part in ("confidentiality", "integrity", "availability"):
            getattr(form, f"enisa_cb_{part}").data = getattr(assessment, f"enisa_cb_{part}").value
    return form


def _render(incident: Incident, code: int = 200, **forms: Any) -> Any:
    assessment = services.assessment_of(incident)
    reports = services.cbw_reports_of(incident)
    config = current_app.config
    cbw_clock = (services.cbw_clock(incident, assessment, reports, config["CBW_NOTIFICATION_ANCHOR"])
                 if incident.is_significant_cbw else None)
    return render_template(
        "breaches/datalek.html", incident=incident, assessment=assessment,
        employee_report=incident_reports.report_of(incident),
        row=services.overview_for([incident])[0],
        decisions=services.ap_rulings(incident), ap_notifications=services.notifications_of(incident),
        subject_decisions=services.subject_rulings(incident), cbw_reports=reports, cbw_clock=cbw_clock,
        can_assess=has_permission(current_user, Permission.BREACH_ASSESS, incident.organisation_id),
        can_decide=has_permission(current_user, Permission.BREACH_DECIDE, incident.organisation_id),
        can_cbw=has_permission(current_user, Permission.CBW_REPORT, incident.organisation_id),
        assessment_form=forms.get("assessment_form") or _assessment_form(incident, assessment),
        decision_form=forms.get("decision_form") or DecisionForm(formdata=None),
        notification_form=forms.get("notification_form") or NotificationForm(formdata=None),
        subjects_form=forms.get("subjects_form") or SubjectsForm(formdata=None),
        cbw_form=forms.get("cbw_form") or CbwForm(formdata=None, recipient=config["CBW_RECIPIENT"]),
    ), code


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


@bp.route("/meldingen", methods=["GET", "POST"])
@signed_in
def notices() -> Any:
    """The user's in-app notices; POST marks them read."""
    if request.method == "POST":
        # CSRF is checked by CSRFProtect before we get here
        notifications.mark_read(current_user)
        return redirect(url_for("breaches.notices"))
    return render_template("breaches/notices.html", notices=notifications.recent_notices(current_user))
