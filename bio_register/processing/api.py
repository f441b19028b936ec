from __future__ import annotations

from typing import Any

from flask import current_app

from bio_register.api.base import page_schema, problem_doc
from bio_register.loaders import API_PROCESSING_ACTIVITY, API_PROCESSOR
from bio_register.loaders import organisation as organisation_loader
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission
from bio_register.pipeline import api_blueprint, api_caller, api_user, requires
from bio_register.processing import services
from bio_register.processing.models import ProcessingActivity, ProcessingStatus, Processor
from bio_register.processing.schemas import (
    ActivityCreate,
    ActivityListArgs,
    ActivityOut,
    ActivityPatch,
    ProcessorCreate,
    ProcessorListArgs,
    ProcessorOut,
    ProcessorPatch,
)

blp = api_blueprint("processing_api", __name__, "/organisations",
                    "Het verwerkingsregister (AVG art. 30) en de verwerkers met hun verwerkersovereenkomst.")

#: the organisation named by ``code`` in the path, for those who read its verwerkingsregister
ORGANISATION = organisation_loader(Permission.PROCESSING_READ)
ActivityPage = page_schema(ActivityOut, "ProcessingActivityPage")
ProcessorPage = page_schema(ProcessorOut, "ProcessorPage")


@blp.route("/<string:code>/processing-activities")
@blp.arguments(ActivityListArgs, location="query")
@blp.response(200, ActivityPage)
@requires(Permission.PROCESSING_READ, load=ORGANISATION)
def list_activities(args: dict[str, Any], organisation: Organisation) -> dict[str, Any]:
    """The verwerkingen of the organisation in the path, by name; filtered and paged."""
    flt = services.ActivityFilter(organisation=organisation.code,
                                  status=[ProcessingStatus(s) for s in args.get("status", [])],
                                  legal_basis=args.get("legal_basis"), q=args.get("q"))
    page = services.list_activities(api_caller(), flt, args["page"], args["per_page"])
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}


@blp.route("/<string:code>/processing-activities", methods=["POST"])
@blp.arguments(ActivityCreate)
@blp.response(201, ActivityOut)
@blp.alt_response(403, **problem_doc("The caller reads the register but may not add to it"))
@requires(Permission.PROCESSING_WRITE, load=ORGANISATION)
def create_activity(data: dict[str, Any], organisation: Organisation) -> ProcessingActivity:
    """Record a verwerking. Special categories need an ``art9_ground``."""
    return services.create_activity(api_user(), organisation, data)


@blp.route("/<string:code>/processing-activities/<int:activity_id>")
@blp.response(200, ActivityOut)
@requires(Permission.PROCESSING_READ, load=API_PROCESSING_ACTIVITY)
def get_activity(activity: ProcessingActivity) -> ProcessingActivity:
    return activity


@blp.route("/<string:code>/processing-activities/<int:activity_id>", methods=["PATCH"])
@blp.arguments(ActivityPatch)
@blp.response(200, ActivityOut)
@blp.alt_response(403, **problem_doc("The caller may read this verwerking but not change it"))
@blp.alt_response(409, **problem_doc("Someone else saved in between: read it again"))
@requires(Permission.PROCESSING_WRITE, load=API_PROCESSING_ACTIVITY)
def patch_activity(data: dict[str, Any], activity: ProcessingActivity) -> ProcessingActivity:
    """Change fields; ``processors``, when given, replaces the links. Send the ``version`` you
    read: a stale version answers 409."""
    version = data.pop("version")
    return services.update_activity(api_user(), activity, data, version)


@blp.route("/<string:code>/processors")
@blp.arguments(ProcessorListArgs, location="query")
@blp.response(200, ProcessorPage)
@requires(Permission.PROCESSING_READ, load=ORGANISATION)
def list_processors(args: dict[str, Any], organisation: Organisation) -> dict[str, Any]:
    """The organisation's verwerkers, by name; ``attention=true``: only agreements that are missing,
    expired or past their review date."""
    page = services.list_processors(api_caller(), organisation.code, args.get("q"), args["page"], args["per_page"],
                                    attention_only=bool(args.get("attention")),
                                    today=services.local_today(tz=current_app.config["TIMEZONE"]))
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}


@blp.route("/<string:code>/processors", methods=["POST"])
@blp.arguments(ProcessorCreate)
@blp.response(201, ProcessorOut)
@blp.alt_response(403, **problem_doc("The caller reads the register but may not add to it"))
@requires(Permission.PROCESSING_WRITE, load=ORGANISATION)
def create_processor(data: dict[str, Any], organisation: Organisation) -> Processor:
    return services.create_processor(api_user(), organisation, data)


@blp.route("/<string:code>/processors/<int:processor_id>")
@blp.response(200, ProcessorOut)
@requires(Permission.PROCESSING_READ, load=API_PROCESSOR)
def get_processor(processor: Processor) -> Processor:
    return processor


@blp.route("/<string:code>/processors/<int:processor_id>", methods=["PATCH"])
@blp.arguments(ProcessorPatch)
@blp.response(200, ProcessorOut)
@blp.alt_response(403, **problem_doc("The caller may read this verwerker but not change it"))
@blp.alt_response(409, **problem_doc("Someone else saved in between: read it again"))
@requires(Permission.PROCESSING_WRITE, load=API_PROCESSOR)
def patch_processor(data: dict[str, Any], processor: Processor) -> Processor:
    version = data.pop("version")
    return services.update_processor(api_user(), processor, data, version)
