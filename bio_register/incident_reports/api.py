from __future__ import annotations

from typing import Any

from flask import current_app

from bio_register.api.base import page_schema, problem_doc
from bio_register.incident_reports import links, services
from bio_register.incident_reports.models import IncidentReport
from bio_register.incident_reports.schemas import (
    IncidentReportIn,
    IncidentReportListArgs,
    IncidentReportOut,
    IncidentReportSummary,
)
from bio_register.loaders import OWN_INCIDENT_REPORT
from bio_register.paging import Page
from bio_register.permissions import Permission, get_organisation
from bio_register.pipeline import api_blueprint, api_caller, api_user, requires

blp = api_blueprint("incident_reports_api", __name__, "/incident-reports",
                    "Het meldpunt: iedere medewerker meldt een (vermoedelijk) incident en volgt de eigen "
                    "meldingen (voor intranetformulieren).")

ReportPage = page_schema(IncidentReportSummary, "IncidentReportPage")


@blp.route("")
@blp.arguments(IncidentReportListArgs, location="query")
@blp.response(200, ReportPage)
@blp.alt_response(403, **problem_doc("The caller may report in no organisation"))
@requires(Permission.INCIDENT_REPORT)
def list_reports(args: dict[str, Any]) -> Page[services.ReportView]:
    """The caller's own reports, newest first, with their status (nobody else's)."""
    return services.own_reports(api_caller().user_id, args["page"], args["per_page"])


@blp.route("", methods=["POST"])
@blp.arguments(IncidentReportIn)
@blp.response(201, IncidentReportOut)
@blp.alt_response(403, **problem_doc("The caller may not report (in this organisation)"))
@blp.alt_response(404, **problem_doc("Unknown organisation, or not one of the caller's"))
@requires(Permission.INCIDENT_REPORT)
def create_report(data: dict[str, Any]) -> services.ReportView:
    """Report a suspected incident; answers the report with its reference. It lands as a new
    incident of the organisation for its verbindingsofficieren to triage; the moment of reporting
    is when the organisation heard of it."""
    organisation = get_organisation(api_caller(), data.pop("organisation"), Permission.INCIDENT_REPORT,
                                    act=Permission.INCIDENT_REPORT)
    item = services.report(api_user(), organisation, data, links=links.for_app(current_app))
    return services.view_of(item)


@blp.route("/<int:report_id>")
@blp.response(200, IncidentReportOut)
@blp.alt_response(403, **problem_doc("The caller may report in no organisation"))
@requires(Permission.INCIDENT_REPORT, load=OWN_INCIDENT_REPORT)
def get_report(report: IncidentReport) -> services.ReportView:
    """One of the caller's own reports (anyone else's answers 404)."""
    return services.view_of(report)
