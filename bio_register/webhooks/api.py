"""The webhooks of an organisation in the API: list, register (the answer holds the secret, once),
and an endpoint's delivery log. The functioneel beheerder only (``organisation:manage``)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from bio_register.api.base import page_schema, problem_doc
from bio_register.loaders import WEBHOOK
from bio_register.loaders import organisation as organisation_loader
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission
from bio_register.pipeline import api_blueprint, api_user, requires
from bio_register.webhooks import services
from bio_register.webhooks.models import WebhookEndpoint
from bio_register.webhooks.schemas import DeliveryOut, EndpointCreate, EndpointCreated, EndpointRowOut, ListArgs

blp = api_blueprint("webhooks_api", __name__, "/organisations",
                    "Outgoing webhooks: signed HTTPS messages to other systems when something happens in the register.")

#: the organisation named by ``code`` in the path, for those who read it (managing it: 403 otherwise)
ORGANISATION = organisation_loader(Permission.ORGANISATION_READ)
EndpointPage = page_schema(EndpointRowOut, "WebhookPage")
DeliveryPage = page_schema(DeliveryOut, "WebhookDeliveryPage")


@blp.route("/<string:code>/webhooks")
@blp.arguments(ListArgs, location="query")
@blp.response(200, EndpointPage)
@blp.alt_response(403, **problem_doc("The caller does not manage this organisation"))
@requires(Permission.ORGANISATION_MANAGE, load=ORGANISATION)
def list_webhooks(args: dict[str, Any], organisation: Organisation) -> dict[str, Any]:
    """The organisation's webhooks with their deliveries counted (never their secrets)."""
    page = services.list_endpoints(organisation, args["page"], args["per_page"])
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}


@blp.route("/<string:code>/webhooks", methods=["POST"])
@blp.arguments(EndpointCreate)
@blp.response(201, EndpointCreated)
@blp.alt_response(403, **problem_doc("The caller does not manage this organisation"))
@requires(Permission.ORGANISATION_MANAGE, load=ORGANISATION)
def create_webhook(data: dict[str, Any], organisation: Organisation) -> WebhookEndpoint:
    """Register an endpoint. The address must be https and resolve to public addresses only (422
    naming ``url`` with the reason otherwise). The answer holds the ``secret``: keep it, it is
    never shown again."""
    return services.create_endpoint(api_user(), organisation, data,
                                    allow_loopback=bool(current_app.config.get("WEBHOOKS_ALLOW_LOOPBACK")))


@blp.route("/<string:code>/webhooks/<int:webhook_id>/deliveries")
@blp.arguments(ListArgs, location="query")
@blp.response(200, DeliveryPage)
@blp.alt_response(403, **problem_doc("The caller does not manage this organisation"))
@requires(Permission.ORGANISATION_MANAGE, load=WEBHOOK)
def list_deliveries(args: dict[str, Any], endpoint: WebhookEndpoint) -> dict[str, Any]:
    """The endpoint's delivery log, newest first: status, HTTP status, attempts, next attempt."""
    page = services.deliveries(endpoint, args["page"], args["per_page"])
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}
