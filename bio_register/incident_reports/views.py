"""The reporting point's pages: report, what to report and why, and one's own reports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from bio_register.errors import DomainError
from bio_register.forms import SelectChoice, apply_errors, page_arg
from bio_register.i18n import gettext as _
from bio_register.incident_reports import links, services
from bio_register.incident_reports.forms import ReportForm
from bio_register.incident_reports.models import IncidentReport
from bio_register.loaders import OWN_INCIDENT_REPORT
from bio_register.permissions import Permission, scoped_organisations
from bio_register.pipeline import Rejected, flash_committed, requires, signed_in

bp = Blueprint("incident_reports", __name__, template_folder="templates")

PER_PAGE = 25


def _render_form(form: ReportForm, status: int = 200) -> Any:
    return render_template("incident_reports/report.html", form=form,
                           recent=services.recent_own(current_user.id)), status


@bp.route("/melden", methods=["GET", "POST"])
@requires(Permission.INCIDENT_REPORT)
def report() -> Any:
    """The reporting point: one short form for every employee."""
    orgs = scoped_organisations(current_user, Permission.INCIDENT_REPORT)
    form = ReportForm()
    form.organisation.choices = [SelectChoice(o.code, o.name) for o in orgs]
    if request.method == "GET" and len(orgs) == 1:
        form.organisation.data = orgs[0].code
    if form.validate_on_submit():
        organisation = next(o for o in orgs if o.code == form.organisation.data)
        data = {"description": form.description.data, "occurred_at": form.occurred_at.data,
                "personal_data": form.personal_data.data, "contact": form.contact.data}
        try:
            item = services.report(current_user, organisation, data, links=links.for_app(current_app))
        except DomainError as error:
            apply_errors(form, error)
            return Rejected(lambda: _render_form(form), error.status_code)
        flash_committed(_("Dank u wel. Uw melding is ontvangen onder nummer %(ref)s; de verbindingsofficier "
                          "bekijkt haar zo snel mogelijk.", ref=item.incident.reference))
        return redirect(url_for("incident_reports.detail", report_id=item.id))
    return _render_form(form, 422 if form.is_submitted() else 200)


@bp.route("/melden/wat-en-waarom")
@signed_in  # everyone should know what to report: the page explains, it shows no data
def about() -> Any:
    return render_template("incident_reports/about.html")


@bp.route("/melden/mijn-meldingen")
@requires(Permission.INCIDENT_REPORT)
def mine() -> Any:
    page = services.own_reports(current_user.id, page_arg(request.args.get("page", 1)), PER_PAGE)
    return render_template("incident_reports/mine.html", page=page)


@bp.route("/melden/mijn-meldingen/<int:report_id>")
@requires(Permission.INCIDENT_REPORT, load=OWN_INCIDENT_REPORT)
def detail(report: IncidentReport) -> Any:
    return render_template("incident_reports/detail.html", item=services.view_of(report))
