from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

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
from bio_register.errors import DomainError, NotPermitted
from bio_register.extensions import db
from bio_register.forms import apply_errors, page_arg
from bio_register.i18n import gettext as _
from bio_register.incidents import services as incidents
from bio_register.incidents.models import Incident
from bio_register.notifications import services as notifications
from bio_register.permissions import Permission, has_permission

bp = Blueprint("breaches", __name__, template_folder="templates")


def _load(incident_id: int, permission: Permission = Permission.BREACH_READ) -> Incident:
    return incidents.get_incident(current_user, incident_id, permission)


#: datalekken per page of the overview (ordered over all of them by the database)
OVERVIEW_PAGE = 100


@bp.route("/datalekken")
@login_required
def overview() -> Any:
    """The FG's overview: every datalek, open ones first by the time left."""
    if not has_permission(current_user, Permission.BREACH_READ):
        abort(404)
    show_all = request.args.get("alle") == "1"
    page = page_arg(request.args.get("page", 1))
    total = services.count_overview(current_user, include_closed=show_all)
    pages = max(1, -(-total // OVERVIEW_PAGE))
    rows = services.overview(current_user, include_closed=show_all, limit=OVERVIEW_PAGE,
                             offset=(min(page, pages) - 1) * OVERVIEW_PAGE)
    return render_template("breaches/overview.html", rows=rows, show_all=show_all, total=total,
                           page=min(page, pages), pages=pages, state_labels=labels.state_labels())


@bp.route("/datalekken/register.<any(csv, xlsx, pdf):fmt>")
@login_required
def register_export(fmt: str) -> Any:
    """The datalekkenregister (AVG art. 33(5)): every datalek with its facts and reasoning."""
    from bio_register.breaches import export as exporter

    if not has_permission(current_user, Permission.BREACH_READ):
        abort(404)
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


def _render(incident: Incident, code: int = 200, **forms: Any) -> Any:
    assessment = services.assessment_of(incident)
    assessment_form = forms.get("assessment_form")
    if assessment_form is None:
        assessment_form = AssessmentForm(formdata=None, obj=assessment)
        if assessment is None:
            assessment_form.aware_at.data = incident.discovered_at
        else:
            assessment_form.version.data = str(assessment.version)
            assessment_form.enisa_dpc.data = str(assessment.enisa_dpc or "")
            assessment_form.enisa_ei.data = assessment.enisa_ei.value if assessment.enisa_ei else ""
            for part in ("confidentiality", "integrity", "availability"):
                getattr(assessment_form, f"enisa_cb_{part}").data = getattr(assessment, f"enisa_cb_{part}").value
    reports = services.cbw_reports_of(incident)
    return render_template(
        "breaches/datalek.html", incident=incident, assessment=assessment,
        row=services.overview_for([incident])[0],
        decisions=services.decisions_of(incident), ap_notifications=services.notifications_of(incident),
        subject_decisions=services.subject_decisions_of(incident), cbw_reports=reports,
        cbw_clock=services.cbw_clock(incident, assessment, reports) if incident.is_significant_cbw else None,
        can_assess=has_permission(current_user, Permission.BREACH_ASSESS, incident.organisation_id),
        can_decide=has_permission(current_user, Permission.BREACH_DECIDE, incident.organisation_id),
        can_cbw=has_permission(current_user, Permission.CBW_REPORT, incident.organisation_id),
        assessment_form=assessment_form,
        decision_form=forms.get("decision_form") or DecisionForm(formdata=None),
        notification_form=forms.get("notification_form") or NotificationForm(formdata=None),
        subjects_form=forms.get("subjects_form") or SubjectsForm(formdata=None),
        cbw_form=forms.get("cbw_form") or CbwForm(formdata=None, recipient=current_app.config["CBW_RECIPIENT"]),
    ), code


@bp.route("/incidenten/<int:incident_id>/datalek")
@login_required
def detail(incident_id: int) -> Any:
    incident = _load(incident_id)
    if not (incident.is_datalek or incident.is_significant_cbw):
        return redirect(url_for("incidents.detail", incident_id=incident.id))
    return _render(incident)


def _submit(incident_id: int, form_cls: type, name: str, action: Any, message: str) -> Any:
    """Load → check the form → call the service → redirect, or show the page with the errors."""
    incident = _load(incident_id)
    form = form_cls()
    if form.validate_on_submit():
        try:
            action(incident, form)
        except NotPermitted:
            abort(403)
        except DomainError as error:
            apply_errors(form, error)
        else:
            flash(message, "success")
            return redirect(url_for("breaches.detail", incident_id=incident.id) + f"#{name}")
    db.session.rollback()
    return _render(incidents.get_incident(current_user, incident_id), 422, **{f"{name}_form": form})


@bp.route("/incidenten/<int:incident_id>/datalek/beoordeling", methods=["POST"])
@login_required
def save_assessment(incident_id: int) -> Any:
    def action(incident: Incident, form: AssessmentForm) -> None:
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        services.save_assessment(current_user, incident, assessment_data(form), version)

    return _submit(incident_id, AssessmentForm, "assessment", action, _("De beoordeling is opgeslagen."))


@bp.route("/incidenten/<int:incident_id>/datalek/besluit", methods=["POST"])
@login_required
def decide(incident_id: int) -> Any:
    def action(incident: Incident, form: DecisionForm) -> None:
        services.decide(current_user, incident, yes_no(form.notify.data), form.motivation.data)

    return _submit(incident_id, DecisionForm, "decision", action, _("Het besluit over de AP-melding is vastgelegd."))


@bp.route("/incidenten/<int:incident_id>/datalek/ap-melding", methods=["POST"])
@login_required
def record_notification(incident_id: int) -> Any:
    def action(incident: Incident, form: NotificationForm) -> None:
        services.record_notification(current_user, incident, form.kind.data, form.submitted_at.data,
                                     form.meldnummer.data, form.late_reason.data)

    return _submit(incident_id, NotificationForm, "notification", action, _("De AP-melding is vastgelegd."))


@bp.route("/incidenten/<int:incident_id>/datalek/betrokkenen", methods=["POST"])
@login_required
def decide_subjects(incident_id: int) -> Any:
    def action(incident: Incident, form: SubjectsForm) -> None:
        services.decide_data_subjects(current_user, incident, yes_no(form.notify.data), form.ground.data or None,
                                      form.explanation.data, form.notified_at.data, form.channel.data)

    return _submit(incident_id, SubjectsForm, "subjects", action,
                   _("Het besluit over het informeren van betrokkenen is vastgelegd."))


@bp.route("/incidenten/<int:incident_id>/cbw", methods=["POST"])
@login_required
def record_cbw(incident_id: int) -> Any:
    def action(incident: Incident, form: CbwForm) -> None:
        services.record_cbw_report(current_user, incident, form.phase.data, form.submitted_at.data,
                                   form.reference.data, form.summary.data, form.recipient.data)

    return _submit(incident_id, CbwForm, "cbw", action, _("De Cbw-melding is vastgelegd."))


@bp.route("/meldingen", methods=["GET", "POST"])
@login_required
def notices() -> Any:
    """The user's in-app notices; POST marks them read."""
    if request.method == "POST":
        # CSRF is checked by CSRFProtect before we get here
        notifications.mark_read(current_user)
        return redirect(url_for("breaches.notices"))
    return render_template("breaches/notices.html", notices=notifications.recent_notices(current_user))
