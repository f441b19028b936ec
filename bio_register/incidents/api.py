from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import Response, request, url_for

from bio_register.api.base import json_response, page_schema, problem_doc
from bio_register.incidents import services
from bio_register.incidents.models import Incident
from bio_register.incidents.schemas import (
    EntryIn,
    IncidentCreate,
    IncidentListArgs,
    IncidentOut,
    IncidentPatch,
    StatusChange,
    TimelineItemOut,
)
from bio_register.loaders import INCIDENT
from bio_register.permissions import Permission, get_organisation
from bio_register.pipeline import api_blueprint, api_caller, api_user, requires

blp = api_blueprint("incidents_api", __name__, "/incidents",
                    "Het incidentregister: beveiligingsincidenten en datalekken.")

IncidentPage = page_schema(
    IncidentOut, "IncidentPage",
    total=ma.fields.Integer(metadata={"description": (
        "Matching incidents: exact up to 10,000 and on the last page; beyond, the database's "
        "estimate (total_is_estimate), always more than the items up to this page while there is a next page")}),
    total_is_estimate=ma.fields.Boolean(metadata={"description": (
        "total is an estimate (more than 10,000 matches): page with next until it is null, or until a page is empty")}),
    next_cursor=ma.fields.String(allow_none=True, metadata={"description": "Pass as cursor for the next page; "
                                                                           "null on the last"}),
    next=ma.fields.String(allow_none=True, metadata={"description": "The URL of the next page; null on the last"}),
)


@blp.route("")
@blp.arguments(IncidentListArgs, location="query")
@blp.response(200, IncidentPage)
@blp.alt_response(403, **problem_doc("The caller reads incidents in no organisation"))
@requires(Permission.INCIDENT_READ)
def list_incidents(args: dict[str, Any]) -> Response:
    """Incidents of the caller's organisations, filtered, sorted and paginated. Page with ``page``,
    or follow ``next`` (``cursor=next_cursor``: keyset, as quick at any depth) until it is null.
    ``total`` is exact up to 10,000 matches and on the last page; beyond, an estimate with
    ``total_is_estimate: true`` (since 0.2.0; before, always exact)."""
    flt = services.IncidentFilter.build(
        organisation=args.get("organisation"), datalek=args.get("datalek"), status=args.get("status", ()),
        open_only=bool(args.get("open")), category=args.get("category", ()), severity=args.get("severity", ()),
        discovered_from=args.get("discovered_from"), discovered_until=args.get("discovered_until"),
        q=args.get("q"), sort=args["sort"], order=args["order"])
    page = services.list_rows(api_caller(), flt, args["page"], args["per_page"], cursor=args.get("cursor"))
    next_url = None
    if page.next_cursor is not None:
        query = [(k, v) for k, v in request.args.items(multi=True) if k not in {"cursor", "page"}]
        next_url = url_for("incidents_api.list_incidents") + "?" + urlencode([*query, ("cursor", page.next_cursor)])
    # Plain rows, encoded as they are (the same output as IncidentOut, which documents it; a test
    # keeps the two equal): ORM objects and marshmallow took most of the request's time.
    return json_response({"items": page.items, "page": args["page"], "per_page": args["per_page"],
                          "total": page.total, "total_is_estimate": page.total_is_estimate,
                          "next_cursor": page.next_cursor, "next": next_url})


@blp.route("", methods=["POST"])
@blp.arguments(IncidentCreate)
@blp.response(201, IncidentOut)
@blp.alt_response(403, **problem_doc("The caller may not log incidents (in this organisation)"))
@blp.alt_response(404, **problem_doc("Unknown organisation, or one the caller cannot read"))
@requires(Permission.INCIDENT_WRITE)
def create_incident(data: dict[str, Any]) -> Incident:
    """Log an incident; the reference is assigned at once."""
    organisation = get_organisation(api_caller(), data.pop("organisation"), Permission.INCIDENT_READ,
                                    act=Permission.INCIDENT_WRITE)
    return services.create_incident(api_user(), organisation, data)


@blp.route("/<int:incident_id>")
@blp.response(200, IncidentOut)
@requires(Permission.INCIDENT_READ, load=INCIDENT)
def get_incident(incident: Incident) -> Incident:
    return incident


@blp.route("/<int:incident_id>", methods=["PATCH"])
@blp.arguments(IncidentPatch)
@blp.response(200, IncidentOut)
@blp.alt_response(403, **problem_doc("The caller may read this incident but not change it"))
@blp.alt_response(409, **problem_doc("Someone else saved in between: read it again"))
@requires(Permission.INCIDENT_WRITE, load=INCIDENT)
def patch_incident(data: dict[str, Any], incident: Incident) -> Incident:
    """Change fields; send the ``version`` you read. A stale version answers 409."""
    version = data.pop("version")
    return services.update_incident(api_user(), incident, data, version)


@blp.route("/<int:incident_id>/status", methods=["POST"])
@blp.arguments(StatusChange)
@blp.response(200, IncidentOut)
@blp.alt_response(403, **problem_doc("The caller may read this incident but not change it"))
@blp.alt_response(409, **problem_doc("Someone else saved in between: read it again"))
@requires(Permission.INCIDENT_WRITE, load=INCIDENT)
def change_status(data: dict[str, Any], incident: Incident) -> Incident:
    """Move through the workflow: nieuw → in_behandeling → afgehandeld; ingetrokken; reopen."""
    return services.change_status(api_user(), incident, data["status"], data["version"], data.get("reason"))


@blp.route("/<int:incident_id>/timeline")
@blp.response(200, TimelineItemOut(many=True))
@requires(Permission.INCIDENT_READ, load=INCIDENT)
def get_timeline(incident: Incident) -> list[services.HistoryItem]:
    """Timeline entries and the status changes and edits, in time order."""
    return services.history(incident)


@blp.route("/<int:incident_id>/timeline", methods=["POST"])
@blp.arguments(EntryIn)
@blp.response(201, TimelineItemOut)
@blp.alt_response(403, **problem_doc("The caller may read this incident but not add to its timeline"))
@requires(Permission.TIMELINE_WRITE, load=INCIDENT)
def add_timeline_entry(data: dict[str, Any], incident: Incident) -> services.HistoryItem:
    entry = services.add_entry(api_user(), incident, data["kind"], data["text"], data.get("occurred_at"))
    return services.HistoryItem(at=entry.occurred_at, kind=entry.kind.value, actor=api_user().name,
                                text=entry.text)
