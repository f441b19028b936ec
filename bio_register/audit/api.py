"""GET /api/v1/audit-events: the audit log, filtered, newest first, with keyset pagination."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Response, request, url_for

from bio_register.api.base import json_response, problem_doc
from bio_register.audit import browse
from bio_register.audit.schemas import AuditEventListArgs, AuditEventPage
from bio_register.permissions import Permission, get_organisation
from bio_register.pipeline import api_blueprint, api_caller, requires

blp = api_blueprint("audit_api", __name__, "/audit-events",
                    "Het auditlog: wie deed wat, wanneer, met de velden ervoor en erna (alleen lezen).")


def event_json(row: browse.EventRow) -> dict[str, Any]:
    return {"id": row.id, "seq": row.seq, "occurred_at": row.occurred_at, "actor": row.actor,
            "actor_id": row.actor_id, "organisation": row.organisation, "entity": row.entity,
            "entity_id": row.entity_id, "action": row.action, "changes": row.changes}


@blp.route("")
@blp.arguments(AuditEventListArgs, location="query")
@blp.response(200, AuditEventPage)
@blp.alt_response(403, **problem_doc("The caller reads the audit log in no organisation"))
@blp.alt_response(404, **problem_doc("Unknown organisation, or one whose audit log the caller cannot read"))
@requires(Permission.AUDIT_READ)
def list_events(args: dict[str, Any]) -> Response:
    """Events in the caller's scope, newest first (by occurred_at, then id). The first pages take
    ``page``; ``next`` (or ``cursor=next_cursor``) continues from the last row at any depth.
    Events without an organisation (logins, users, API tokens) only for a beheerder of a top-level
    organisation."""
    caller = api_caller()
    organisation_id = None
    if args.get("organisation"):
        organisation_id = get_organisation(caller, args["organisation"], Permission.AUDIT_READ).id
    flt = browse.AuditFilter.build(
        organisation_id=organisation_id, entity=args.get("entity"), entity_id=args.get("entity_id"),
        actor=args.get("actor"), occurred_from=args.get("occurred_from"), occurred_until=args.get("occurred_until"))
    cursor = browse.Cursor.decode(args["cursor"]) if args.get("cursor") else None
    page = browse.list_events(caller, flt, per_page=args["per_page"], page=args["page"], cursor=cursor)
    next_cursor = page.next_cursor.encode() if page.next_cursor else None
    next_url = None
    if next_cursor is not None:
        query = {k: v for k, v in request.args.items(multi=True) if k not in {"cursor", "page"}}
        next_url = url_for("audit_api.list_events") + "?" + urlencode({**query, "cursor": next_cursor})
    return json_response({"items": [event_json(r) for r in page.items], "page": page.page,
                          "per_page": page.per_page, "total": page.total, "more": page.more,
                          "next_cursor": next_cursor, "next": next_url})
