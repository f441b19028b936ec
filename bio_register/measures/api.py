from __future__ import annotations

from typing import Any

from flask import current_app

from bio_register.api.base import page_schema, problem_doc
from bio_register.loaders import MEASURE
from bio_register.measures import services
from bio_register.measures.models import Measure, MeasureStatus
from bio_register.measures.schemas import (
    MeasureCreate,
    MeasureListArgs,
    MeasureOut,
    MeasurePatch,
    MeasureStatusChange,
)
from bio_register.permissions import Permission, get_organisation
from bio_register.pipeline import api_blueprint, api_caller, api_user, requires

blp = api_blueprint("measures_api", __name__, "/measures",
                    "Maatregelen: eigenaar, termijn en status, gekoppeld aan incidenten en controls.")

MeasurePage = page_schema(MeasureOut, "MeasurePage")


def _links(data: dict[str, Any]) -> dict[str, Any]:
    """Controls as the service takes them: (catalog key, code) pairs."""
    if "controls" in data:
        data["controls"] = [services.ControlRef(c["catalog"], c["code"]) for c in data["controls"]]
    return data


@blp.route("")
@blp.arguments(MeasureListArgs, location="query")
@blp.response(200, MeasurePage)
@blp.alt_response(403, **problem_doc("The caller reads maatregelen in no organisation"))
@requires(Permission.MEASURE_READ)
def list_measures(args: dict[str, Any]) -> dict[str, Any]:
    """Measures of the caller's organisations: open ones first, by due date; filtered and paginated."""
    flt = services.MeasureFilter(
        organisation=args.get("organisation"),
        status=[MeasureStatus(s) for s in args.get("status", [])],
        open_only=bool(args.get("open")),
        overdue_only=bool(args.get("overdue")),
        incident_id=args.get("incident"),
        control_id=args.get("control"),
        q=args.get("q"),
    )
    page = services.list_measures(api_caller(), flt, args["page"], args["per_page"],
                                  today=services.local_today(tz=current_app.config["TIMEZONE"]))
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}


@blp.route("", methods=["POST"])
@blp.arguments(MeasureCreate)
@blp.response(201, MeasureOut)
@blp.alt_response(403, **problem_doc("The caller may not add measures (in this organisation)"))
@blp.alt_response(404, **problem_doc("Unknown organisation, or one the caller cannot read"))
@requires(Permission.MEASURE_WRITE)
def create_measure(data: dict[str, Any]) -> Measure:
    """Create a measure (status gepland), optionally linked to incidents and controls."""
    organisation = get_organisation(api_caller(), data.pop("organisation"), Permission.MEASURE_READ,
                                    act=Permission.MEASURE_WRITE)
    return services.create_measure(api_user(), organisation, _links(data))


@blp.route("/<int:measure_id>")
@blp.response(200, MeasureOut)
@requires(Permission.MEASURE_READ, load=MEASURE)
def get_measure(measure: Measure) -> Measure:
    return measure


@blp.route("/<int:measure_id>", methods=["PATCH"])
@blp.arguments(MeasurePatch)
@blp.response(200, MeasureOut)
@blp.alt_response(403, **problem_doc("The caller may read this measure but not change it"))
@blp.alt_response(409, **problem_doc("Someone else saved in between: read it again"))
@requires(Permission.MEASURE_WRITE, load=MEASURE)
def patch_measure(data: dict[str, Any], measure: Measure) -> Measure:
    """Change fields; ``incidents`` and ``controls``, when given, replace the links. Send the
    ``version`` you read: a stale version answers 409."""
    version = data.pop("version")
    return services.update_measure(api_user(), measure, _links(data), version)


@blp.route("/<int:measure_id>/status", methods=["POST"])
@blp.arguments(MeasureStatusChange)
@blp.response(200, MeasureOut)
@blp.alt_response(403, **problem_doc("The caller may read this measure but not change it"))
@blp.alt_response(409, **problem_doc("Someone else saved in between: read it again"))
@requires(Permission.MEASURE_WRITE, load=MEASURE)
def change_status(data: dict[str, Any], measure: Measure) -> Measure:
    """gepland → in_uitvoering → gereed; gepland or in_uitvoering → vervallen; gereed → in_uitvoering."""
    return services.change_status(api_user(), measure, data["status"], data["version"], data.get("reason"))
