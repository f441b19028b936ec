from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bio_register.api.base import PageArgs, page_schema, problem_doc
from bio_register.extensions import db
from bio_register.loaders import organisation as organisation_loader
from bio_register.organisations.models import Organisation
from bio_register.organisations.schemas import OrganisationOut
from bio_register.permissions import Permission, organisation_scope
from bio_register.pipeline import api_blueprint, api_caller, requires

blp = api_blueprint("organisations_api", __name__, "/organisations",
                    "Organisaties waarin de gebruiker iets mag zien.")

OrganisationPage = page_schema(OrganisationOut, "OrganisationPage")
ORGANISATION = organisation_loader(Permission.ORGANISATION_READ)


@blp.route("")
@blp.arguments(PageArgs, location="query")
@blp.response(200, OrganisationPage)
@requires(None)  # a caller without roles gets an empty page, as documented
def list_organisations(args: dict[str, Any]) -> dict[str, Any]:
    """The organisations the caller may read, ordered by code."""
    stmt = (
        select(Organisation)
        .where(organisation_scope(api_caller(), Permission.ORGANISATION_READ, Organisation.id))
        .order_by(Organisation.code)
    )
    page = db.paginate(stmt, page=args["page"], per_page=args["per_page"], error_out=False)
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}


@blp.route("/<string:code>")
@blp.response(200, OrganisationOut)
@blp.alt_response(404, **problem_doc("Unknown, or outside the caller's organisations"))
@requires(Permission.ORGANISATION_READ, load=ORGANISATION)
def get_organisation_by_code(organisation: Organisation) -> Organisation:
    """One organisation by its code (DIE, OA, UIT, DUO)."""
    return organisation
