from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, current_app

from bio_register import loaders
from bio_register.api.base import problem_doc
from bio_register.errors import NotPermitted
from bio_register.loaders import REPORT
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission, has_permission
from bio_register.pipeline import api_blueprint, api_caller, api_user, requires
from bio_register.reporting import ensia, services
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


KINDS = ["quarterly", "monthly", "annual"]


class ReportIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS),
                            metadata={"description": "quarterly, monthly, or annual (the annual accountability of "
                                                     "one organisation, for the collegeverklaring / ICV)"})
    period = ma.fields.String(required=True, validate=ma.validate.Length(max=10),
                              metadata={"description": "2026-Q3, 2026-10 or 2026"})
    scope = ma.fields.String(required=True, validate=ma.validate.Length(max=10),
                             metadata={"description": "DIE, OA, UIT … or all (not for annual)"})


class ReportArgs(ma.Schema):
    kind = ma.fields.String(validate=ma.validate.OneOf(KINDS))


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


# --- accountability: the ENSIA werkbestand and the jaarverslag paragraph -------------------------------------

accountability_blp = api_blueprint("accountability_api", __name__, "/organisations",
                                   "ENSIA-werkbestand en de paragraaf informatieveiligheid voor het jaarverslag.")

YEAR_ERRORS: dict[str, str | list[Any] | dict[Any, Any]] = {"required": "Geef het jaar op, bijvoorbeeld ?year=2026.",
               "invalid": "Geef een jaar als getal, bijvoorbeeld 2026."}


class EnsiaArgs(ma.Schema):
    year = ma.fields.Integer(required=True, strict=False, error_messages=YEAR_ERRORS,
                             validate=ma.validate.Range(min=2000, max=2100, error="Kies een jaar tussen 2000 en 2100."))
    catalog = ma.fields.String(validate=ma.validate.Length(max=30),
                               metadata={"description": "A catalog key (default: the newest BIO2)"})


class EnsiaAspectOut(ma.Schema):
    status = ma.fields.String()
    assessed_on = ma.fields.Date(allow_none=True)
    assessed_by = ma.fields.String(allow_none=True)


class EnsiaEvidenceOut(ma.Schema):
    kind = ma.fields.String(metadata={"description": "bestand, link or tekst"})
    text = ma.fields.String()
    date = ma.fields.Date(allow_none=True, metadata={"description": "The evidence's date, or the assessment's"})
    attachment_id = ma.fields.Integer(allow_none=True)
    owner = ma.fields.String(allow_none=True)
    review_date = ma.fields.Date(allow_none=True)
    valid = ma.fields.Boolean(allow_none=True, metadata={"description": "Not past its review date on the year's "
                                                                        "day; null for the assessment's text"})


class EnsiaFindingOut(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    source = ma.fields.String()
    found_on = ma.fields.Date()
    severity = ma.fields.String()
    status = ma.fields.String()
    retest_on = ma.fields.Date(allow_none=True)


class EnsiaMeasureOut(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    owner = ma.fields.String(allow_none=True)
    due_date = ma.fields.Date(allow_none=True)
    status = ma.fields.String()


class EnsiaRowOut(ma.Schema):
    control = ma.fields.String()
    kind = ma.fields.String()
    theme = ma.fields.String()
    title = ma.fields.String()
    answer = ma.fields.String(metadata={"description": "geïmplementeerd, gedeeltelijk, niet, niet van toepassing "
                                                       "or nog niet beoordeeld (derived from the assessment)"})
    not_applicable_reason = ma.fields.String(allow_none=True)
    opzet = ma.fields.Nested(EnsiaAspectOut, allow_none=True)
    bestaan = ma.fields.Nested(EnsiaAspectOut, allow_none=True)
    werking = ma.fields.Nested(EnsiaAspectOut, allow_none=True)
    explanation = ma.fields.String(allow_none=True)
    owner = ma.fields.String(allow_none=True)
    evidence = ma.fields.List(ma.fields.Nested(EnsiaEvidenceOut))
    open_findings = ma.fields.List(ma.fields.Nested(EnsiaFindingOut))
    measures = ma.fields.List(ma.fields.Nested(EnsiaMeasureOut))
    assessed_at = ma.fields.AwareDateTime(allow_none=True)
    proposed = ma.fields.Boolean()
    warnings = ma.fields.List(ma.fields.String())


class EnsiaOut(ma.Schema):
    organisation = ma.fields.String()
    year = ma.fields.Integer()
    catalog = ma.fields.String()
    as_of = ma.fields.AwareDateTime(metadata={"description": "The moment of the state: the year's end, or now"})
    complete_year = ma.fields.Boolean()
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    rows = ma.fields.List(ma.fields.Nested(EnsiaRowOut))


@accountability_blp.route("/<string:code>/ensia")
@accountability_blp.arguments(EnsiaArgs, location="query")
@accountability_blp.response(200, EnsiaOut)
@requires(Permission.COMPLIANCE_READ, load=loaders.organisation(Permission.COMPLIANCE_READ))
def get_ensia(args: dict[str, Any], organisation: Organisation) -> Any:
    """The ENSIA werkbestand's rows (the XLSX on the compliance page has the same): per BIO measure the
    answer, opzet/bestaan/werking, explanation, evidence, open findings and improvement maatregelen.
    A working file, not an official ENSIA import format."""
    tz = current_app.config["TIMEZONE"]
    book = ensia.werkbestand(organisation, ensia.catalog_named(args.get("catalog")), ensia.year_of(args["year"], tz=tz))
    return ensia.as_data(book)


class ParagraphOut(ma.Schema):
    organisation = ma.fields.Function(lambda j: j.organisation.code)
    year = ma.fields.Integer()
    as_of = ma.fields.AwareDateTime(metadata={"description": "The moment of the state: the year's end, or now"})
    complete_year = ma.fields.Boolean()
    sentence = ma.fields.Function(lambda j: j.figures.sentence,
                                  metadata={"description": "The annual figures' sentence (also in annual-figures)"})
    paragraphs = ma.fields.List(ma.fields.String())
    text = ma.fields.String(metadata={"description": "The paragraphs joined by a blank line"})


@accountability_blp.route("/<string:code>/annual-report-paragraph")
@accountability_blp.arguments(EnsiaArgs(only=["year"]), location="query")
@accountability_blp.response(200, ParagraphOut)
@accountability_blp.alt_response(403, **problem_doc("The caller does not read the compliance, findings and "
                                                    "maatregelen the paragraph tells of"))
@requires(Permission.INCIDENT_READ, load=loaders.organisation(Permission.INCIDENT_READ))
def get_annual_report_paragraph(args: dict[str, Any], organisation: Organisation) -> Any:
    """The draft informatieveiligheid paragraph for the jaarverslag (paragraaf bedrijfsvoering): the annual
    figures' sentence, compliance with the BIO, open findings and the main maatregelen, in Dutch."""
    caller = api_caller()
    if not all(has_permission(caller, p, organisation.id) for p in services.PARAGRAPH_READS):
        raise NotPermitted("U leest niet de compliance, bevindingen en maatregelen van deze organisatie.")
    tz = current_app.config["TIMEZONE"]
    return services.jaarverslag(organisation, ensia.year_of(args["year"], tz=tz), tz)
