from __future__ import annotations

from typing import Any

from bio_register.api.base import PageArgs, page_schema, problem_doc
from bio_register.loaders import organisation as organisation_loader
from bio_register.organisations import services
from bio_register.organisations.models import Organisation
from bio_register.organisations.schemas import OrganisationCreate, OrganisationOut, OrganisationPatch
from bio_register.permissions import Permission, get_organisation
from bio_register.pipeline import api_blueprint, api_caller, api_user, requires

blp = api_blueprint("organisations_api", __name__, "/organisations",
                    "Organisaties waarin de gebruiker iets mag zien.")

OrganisationPage = page_schema(OrganisationOut, "OrganisationPage")
ORGANISATION = organisation_loader(Permission.ORGANISATION_READ)


@blp.route("")
@blp.arguments(PageArgs, location="query")
@blp.response(200, OrganisationPage)
@blp.alt_response(403, **problem_doc("The caller holds no role in any organisation"))
@requires(Permission.ORGANISATION_READ)
def list_organisations(args: dict[str, Any]) -> dict[str, Any]:
    """The organisations the caller may read, ordered by code."""
    page = services.list_organisations(api_caller(), args["page"], args["per_page"])
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}


@blp.route("/<string:code>")
@blp.response(200, OrganisationOut)
@blp.alt_response(404, **problem_doc("Unknown, or outside the caller's organisations"))
@requires(Permission.ORGANISATION_READ, load=ORGANISATION)
def get_organisation_by_code(organisation: Organisation) -> Organisation:
    """One organisation by its code (DIE, OA, UIT, DUO)."""
    return organisation


@blp.route("", methods=["POST"])
@blp.arguments(OrganisationCreate)
@blp.response(201, OrganisationOut)
@blp.alt_response(403, **problem_doc("The caller manages no organisation, or not the parent"))
@blp.alt_response(404, **problem_doc("Unknown parent, or one outside the caller's organisations"))
@requires(Permission.ORGANISATION_MANAGE)
def create_organisation(data: dict[str, Any]) -> Organisation:
    """A new organisation below one the caller manages (top-level ones are made with the CLI)."""
    parent = get_organisation(api_caller(), data["parent"], Permission.ORGANISATION_READ,
                              act=Permission.ORGANISATION_MANAGE)
    return services.create_organisation(api_user(), data["code"], data["name"],
                                        reference_prefix=data.get("reference_prefix"), parent=parent)


@blp.route("/<string:code>", methods=["PATCH"])
@blp.arguments(OrganisationPatch)
@blp.response(200, OrganisationOut)
@blp.alt_response(403, **problem_doc("The caller may read this organisation but not manage it"))
@requires(Permission.ORGANISATION_MANAGE, load=ORGANISATION)
def patch_organisation(data: dict[str, Any], organisation: Organisation) -> Organisation:
    """Change the name or the settings (the fields sent)."""
    return services.update_organisation(api_user(), organisation, name=data.get("name"),
                                        two_factor_required=data.get("two_factor_required"))
