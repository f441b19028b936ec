from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response

from bio_register import loaders
from bio_register.api.base import problem_doc
from bio_register.loaders import REPORT
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission
from bio_register.pipeline import api_blueprint, api_caller, api_user, requires
from bio_register.reporting import services
from bio_register.reporting.models import Report, ReportKind

blp = api_blueprint("reports_api", __name__, "/reports", "Het archief van rapportages (PDF, onveranderlijk).")
figures_blp = api_blueprint("annual_figures_api", __name__, "/organisations", "Jaarcijfers voor de jaarrekening.")


class ReportOut(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.Function(lambda r: r.kind.value)
    period = ma.fields.String()
    scope = ma.fields.String(metadata={"description": "An organisation code, or 'all' for Duo+ as a whole"})
    version = ma.fields.Integer()
    generated_at = ma.fields.AwareDateTime()
    generated_by = ma.fields.String(attribute="generated_by_label")
    sha256 = ma.fields.String()
    size = ma.fields.Integer()


class ReportIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["quarterly", "monthly"]))
    period = ma.fields.String(required=True, validate=ma.validate.Length(max=10),
                              metadata={"description": "2026-Q3 or 2026-10"})
    scope = ma.fields.String(required=True, validate=ma.validate.Length(max=10),
                             metadata={"description": "DIE, OA, UIT … or all"})


class ReportArgs(ma.Schema):
    kind = ma.fields.String(validate=ma.validate.OneOf(["quarterly", "monthly"]))


class AnnualArgs(ma.Schema):
    year = ma.fields.Integer(required=True, validate=ma.validate.Range(min=2000, max=2100))


class AnnualOut(ma.Schema):
    organisation = ma.fields.String()
    year = ma.fields.Integer()
    security_incidents = ma.fields.Integer()
    datalekken = ma.fields.Integer()
    ap_meldingen = ma.fields.Integer()
    sentence = ma.fields.String()


@blp.route("")
@blp.arguments(ReportArgs, location="query")
@blp.response(200, ReportOut(many=True))
@blp.alt_response(403, **problem_doc("The caller reads reports in no organisation"))
@requires(Permission.REPORT_READ)
def list_reports(args: dict[str, Any]) -> list[Report]:
    """The reports the caller may read, newest first."""
    kind = ReportKind(args["kind"]) if args.get("kind") else None
    return services.reports_for(api_caller(), kind=kind)


@blp.route("", methods=["POST"])
@blp.arguments(ReportIn)
@blp.response(201, ReportOut)
@blp.alt_response(403, **problem_doc("Only concern control generates reports; for 'all' only one covering "
                                     "every organisation"))
@requires(Permission.REPORT_GENERATE)
def create_report(data: dict[str, Any]) -> Report:
    """Generate a report for a past period (concern control); again makes a new version."""
    return services.generate(data["kind"], data["period"], data["scope"], actor=api_user())


@blp.route("/<int:report_id>")
@blp.response(200, ReportOut)
@requires(Permission.REPORT_READ, load=REPORT)
def get_report(report: Report) -> Report:
    """One report's metadata. A report for Duo+ as a whole is read only by those who read the
    reports of every organisation."""
    return report


@blp.route("/<int:report_id>/pdf")
@blp.response(200, description="The PDF (application/pdf)")
@requires(Permission.REPORT_READ, load=REPORT)
def get_report_pdf(report: Report) -> Response:
    response = Response(report.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{services.file_name(report)}"'
    response.headers["X-Content-SHA256"] = report.sha256
    return response


@figures_blp.route("/<string:code>/annual-figures")
@figures_blp.arguments(AnnualArgs, location="query")
@figures_blp.response(200, AnnualOut)
@requires(Permission.INCIDENT_READ, load=loaders.organisation(Permission.INCIDENT_READ))
def annual_figures(args: dict[str, Any], organisation: Organisation) -> Any:
    """The year's beveiligingsincidenten, datalekken and AP meldingen, and the sentence for the annual accounts."""
    return services.annual_figures(organisation, args["year"])
