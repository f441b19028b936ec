from __future__ import annotations

from typing import Any

from flask import current_app

from bio_register.api.base import page_schema, problem_doc
from bio_register.findings import services
from bio_register.findings.models import Finding, FindingSource, FindingStatus
from bio_register.findings.schemas import FindingCreate, FindingListArgs, FindingOut, FindingPatch
from bio_register.incidents.models import Severity
from bio_register.loaders import FINDING
from bio_register.loaders import organisation as organisation_loader
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission
from bio_register.pipeline import api_blueprint, api_caller, api_user, requires

blp = api_blueprint("findings_api", __name__, "",
                    "Bevindingen uit ENSIA-assessments, audits, penetratietests en incidentevaluaties, met hun "
                    "opvolging.")

#: the organisation named by ``code`` in the path, for those who read its findings
ORGANISATION = organisation_loader(Permission.FINDING_READ)
FindingPage = page_schema(FindingOut, "FindingPage")


def _tz() -> str:
    return str(current_app.config["TIMEZONE"])


@blp.route("/organisations/<string:code>/findings")
@blp.arguments(FindingListArgs, location="query")
@blp.response(200, FindingPage)
@requires(Permission.FINDING_READ, load=ORGANISATION)
def list_findings(args: dict[str, Any], organisation: Organisation) -> dict[str, Any]:
    """The findings of the organisation in the path: open ones first, by re-test date; filtered and paged."""
    flt = services.FindingFilter(organisation=organisation.code,
                                 status=[FindingStatus(s) for s in args.get("status", [])],
                                 source=[FindingSource(s) for s in args.get("source", [])],
                                 severity=[Severity(s) for s in args.get("severity", [])],
                                 open_only=bool(args.get("open")), overdue_only=bool(args.get("overdue")),
                                 control_id=args.get("control"), q=args.get("q"))
    page = services.list_findings(api_caller(), flt, args["page"], args["per_page"],
                                  today=services.local_today(tz=_tz()))
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}


@blp.route("/organisations/<string:code>/findings", methods=["POST"])
@blp.arguments(FindingCreate)
@blp.response(201, FindingOut)
@blp.alt_response(403, **problem_doc("The caller reads findings but may not record them"))
@requires(Permission.FINDING_WRITE, load=ORGANISATION)
def create_finding(data: dict[str, Any], organisation: Organisation) -> Finding:
    """Record a finding. ``status`` geaccepteerd without a ``motivation`` answers 422."""
    return services.create_finding(api_user(), organisation, data, tz=_tz())


@blp.route("/findings/<int:finding_id>")
@blp.response(200, FindingOut)
@requires(Permission.FINDING_READ, load=FINDING)
def get_finding(finding: Finding) -> Finding:
    return finding


@blp.route("/findings/<int:finding_id>", methods=["PATCH"])
@blp.arguments(FindingPatch)
@blp.response(200, FindingOut)
@blp.alt_response(403, **problem_doc("The caller may read this finding but not change it"))
@blp.alt_response(409, **problem_doc("Someone else saved in between: read it again"))
@requires(Permission.FINDING_WRITE, load=FINDING)
def patch_finding(data: dict[str, Any], finding: Finding) -> Finding:
    """Change fields; ``controls`` and ``measures``, when given, replace the links. Send the ``version``
    you read: a stale version answers 409. Geaccepteerd without a motivation answers 422."""
    version = data.pop("version")
    return services.update_finding(api_user(), finding, data, version, tz=_tz())
