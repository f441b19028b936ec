from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app

from bio_register.api.base import problem_doc
from bio_register.attachments import evidence as evidence_life
from bio_register.attachments.models import EvidenceItem
from bio_register.compliance import services, updates
from bio_register.compliance.models import Control, ControlAssessment, ControlCatalog, ControlKind
from bio_register.compliance.schemas import (
    CarryOverIn,
    CarryOverOut,
    CatalogDiffArgs,
    CatalogDiffOut,
    CatalogOut,
    ComplianceArgs,
    ComplianceOut,
    ControlArgs,
    ControlAssessmentArgs,
    ControlAssessmentIn,
    ControlAssessmentOut,
    ControlOut,
    EvidenceItemIn,
    EvidenceItemOut,
    ProposalDecisionIn,
    ProposalDecisionOut,
)
from bio_register.database import utcnow
from bio_register.errors import NotFound, ValidationFailed
from bio_register.loaders import API_CONTROL_EVIDENCE
from bio_register.loaders import organisation as organisation_loader
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission
from bio_register.pipeline import api_blueprint, api_user, requires
from bio_register.timeutil import to_local

catalogs_blp = api_blueprint("catalogs_api", __name__, "/catalogs", "BIO-catalogi: BIO 1.04 en BIO2.")
compliance_blp = api_blueprint("compliance_api", __name__, "/organisations",
                               "Beoordelingen (Verklaring van Toepasselijkheid) en compliance per organisatie.")

#: the organisation named by ``code`` in the path, for those who read its compliance
ORGANISATION = organisation_loader(Permission.COMPLIANCE_READ)


def _body_catalog(key: str, field: str) -> ControlCatalog:
    """A catalog named in a request body: unknown → 422 naming the field."""
    catalog = services.get_catalog(key)
    if catalog is None:
        raise ValidationFailed(f"Onbekende catalogus: {key[:40]}", field=field)
    return catalog


def _catalog(key: str) -> ControlCatalog:
    catalog = services.get_catalog(key)
    if catalog is None:
        raise NotFound(f"Onbekende catalogus: {key[:40]}")
    return catalog


@catalogs_blp.route("")
@catalogs_blp.response(200, CatalogOut(many=True))
@requires(None)
def list_catalogs() -> list[ControlCatalog]:
    return services.catalogs()


@catalogs_blp.route("/<string:catalog>/controls")
@catalogs_blp.arguments(ControlArgs, location="query")
@catalogs_blp.response(200, ControlOut(many=True))
@requires(None)
def list_controls(args: dict[str, Any], catalog: str) -> list[Control]:
    """Controls and overheidsmaatregelen with numbers and titles (never the normative text)."""
    kind = ControlKind(args["kind"]) if args.get("kind") else None
    return services.controls_of(_catalog(catalog), kind=kind)


@catalogs_blp.route("/<string:catalog>/diff")
@catalogs_blp.arguments(CatalogDiffArgs, location="query")
@catalogs_blp.response(200, CatalogDiffOut)
@catalogs_blp.alt_response(403, **problem_doc("Only those who read compliance in an organisation"))
@catalogs_blp.alt_response(422, **problem_doc("An unknown earlier version, or one of another catalog"))
@requires(Permission.COMPLIANCE_READ)
def catalog_diff(args: dict[str, Any], catalog: str) -> Any:
    """What changed from an earlier version of the catalog to this one: added, changed, moved and
    withdrawn controls and overheidsmaatregelen, with the counts."""
    new = _catalog(catalog)
    key = args.get("from_")
    earlier = updates.earlier_versions(new)
    old = next((c for c in earlier if c.key == key), None) if key else (earlier[0] if earlier else None)
    if old is None:
        raise ValidationFailed(f"Geen eerdere versie {key[:30]} van {new.key}." if key
                               else f"{new.key} heeft geen eerdere versie om mee te vergelijken.", field="from")
    result = updates.diff(old, new)
    result.shown = result.of_kind(args.get("kind"))
    return result


@compliance_blp.route("/<string:code>/assessments")
@compliance_blp.arguments(ControlAssessmentArgs, location="query")
@compliance_blp.response(200, ControlAssessmentOut(many=True))
@requires(Permission.COMPLIANCE_READ, load=ORGANISATION)
def list_assessments(args: dict[str, Any], organisation: Organisation) -> list[Any]:
    """The assessments in force for a catalog, or one control's history (newest first)."""
    catalog = _catalog(args["catalog"])
    if args.get("control"):
        control = services.find_control(catalog, args["control"])
        if control is None:
            raise NotFound("Onbekend nummer in deze catalogus.")
        return services.with_evidence(organisation, services.assessment_history(organisation, control), _today())
    current = services.current_assessments(organisation, catalog)
    return services.with_evidence(organisation, sorted(current.values(), key=lambda a: a.control.sort_key),
                                  _today())


def _today() -> dt.date:
    return evidence_life.local_today(utcnow(), current_app.config["TIMEZONE"])


@compliance_blp.route("/<string:code>/assessments", methods=["POST"])
@compliance_blp.arguments(ControlAssessmentIn)
@compliance_blp.response(201, ControlAssessmentOut)
@compliance_blp.alt_response(403, **problem_doc("Only the organisation's CISO assesses controls"))
@requires(Permission.COMPLIANCE_WRITE, load=ORGANISATION)
def create_assessment(data: dict[str, Any], organisation: Organisation) -> Any:
    """Record an assessment (the CISO of the organisation); the previous one stays as history."""
    catalog = _catalog(data.pop("catalog"))
    control_code = data.pop("control")
    control = services.find_control(catalog, control_code)
    if control is None:
        raise ValidationFailed(f"Onbekend nummer {control_code[:20]} in {catalog.key}.", field="control")
    today = to_local(utcnow(), current_app.config["TIMEZONE"]).date()
    row = services.assess(api_user(), organisation, control, data, today=today)
    return services.with_evidence(organisation, [row], today)[0]


@compliance_blp.route("/<string:code>/assessments/<string:catalog>/<string:control>/evidence/<int:evidence_id>",
                      methods=["PATCH"])
@compliance_blp.arguments(EvidenceItemIn)
@compliance_blp.response(200, EvidenceItemOut)
@compliance_blp.alt_response(403, **problem_doc("Only the organisation's CISO sets the life of its evidence"))
@requires(Permission.COMPLIANCE_WRITE, load=API_CONTROL_EVIDENCE)
def update_evidence(data: dict[str, Any], item: EvidenceItem) -> EvidenceItem:
    """Set the owner (a user of the organisation or a name), the date and the review date of one
    piece of a control's evidence (an attachment or a link; its id in the assessment's
    ``evidence_items``). Past its review date (Europe/Amsterdam) it is expired."""
    return evidence_life.update_item(api_user(), item.organisation, item, data, today=_today())


@compliance_blp.route("/<string:code>/carry-over", methods=["POST"])
@compliance_blp.arguments(CarryOverIn)
@compliance_blp.response(201, CarryOverOut)
@compliance_blp.alt_response(403, **problem_doc("Only the organisation's CISO carries assessments over"))
@requires(Permission.COMPLIANCE_WRITE, load=ORGANISATION)
def carry_over(data: dict[str, Any], organisation: Organisation) -> Any:
    """Carry the organisation's confirmed assessments of an earlier catalog version over to a new one,
    as proposals ("Catalogus bijwerken"): the same, changed and moved measures; never withdrawn or
    added ones, never what already has an assessment in the new version."""
    new = _body_catalog(data["to"], "to")
    old = next((c for c in updates.earlier_versions(new) if c.key == data["from_"]), None)
    if old is None:
        raise ValidationFailed(f"Geen eerdere versie {data['from_'][:30]} van {new.key}.", field="from")
    today = to_local(utcnow(), current_app.config["TIMEZONE"]).date()
    return updates.carry_over(api_user(), organisation, old, new, today=today)


@compliance_blp.route("/<string:code>/proposals", methods=["POST"])
@compliance_blp.arguments(ProposalDecisionIn)
@compliance_blp.response(200, ProposalDecisionOut)
@compliance_blp.alt_response(403, **problem_doc("Only the organisation's CISO confirms or rejects proposals"))
@compliance_blp.alt_response(409, **problem_doc("The control has no proposal in force"))
@requires(Permission.COMPLIANCE_WRITE, load=ORGANISATION)
def decide_proposal(data: dict[str, Any], organisation: Organisation) -> Any:
    """Confirm or reject the proposal in force for one control (from BIO 1.04 or an earlier version)."""
    catalog = _body_catalog(data["catalog"], "catalog")
    control = services.find_control(catalog, data["control"])
    if control is None:
        raise ValidationFailed(f"Onbekend nummer {data['control'][:20]} in {catalog.key}.", field="control")
    assessment: ControlAssessment | None
    if data["decision"] == "confirm":
        assessment = services.confirm_proposal(api_user(), organisation, control)
    else:
        assessment = services.reject_proposal(api_user(), organisation, control)
    return {"decision": data["decision"], "assessment": assessment}


@compliance_blp.route("/<string:code>/compliance")
@compliance_blp.arguments(ComplianceArgs, location="query")
@compliance_blp.response(200, ComplianceOut)
@requires(Permission.COMPLIANCE_READ, load=ORGANISATION)
def get_compliance(args: dict[str, Any], organisation: Organisation) -> Any:
    """Implementation per theme or chapter, the unassessed controls and the gaps."""
    return services.compliance(organisation, _catalog(args["catalog"]))
