"""API schemas of the webhooks: separate input and output, explicit fields, unknown input refused.
The secret is in the answer to POST only."""

from __future__ import annotations

import marshmallow as ma

from bio_register.api.base import Boolean, PageArgs
from bio_register.notifications.models import OutboxMessage
from bio_register.webhooks import services
from bio_register.webhooks.sending import MAX_URL

EVENT_CODES = list(services.EVENTS)


class EndpointCreate(ma.Schema):
    url = ma.fields.String(required=True, validate=ma.validate.Length(max=MAX_URL),
                           metadata={"description": "https address of the receiver (public addresses only)"})
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=services.MAX_DESCRIPTION))
    events = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(EVENT_CODES)), required=True,
                            validate=ma.validate.Length(min=1, max=len(EVENT_CODES)),
                            metadata={"description": "Events sent to this endpoint: " + ", ".join(EVENT_CODES)})
    personal_data_allowed = Boolean(load_default=False, metadata={
        "description": "Add titles, descriptions, names and motivations to the payloads (default: ids, references "
                       "and links only)"})


class DeliveryCounts(ma.Schema):
    delivered = ma.fields.Integer()
    pending = ma.fields.Integer()
    failed = ma.fields.Integer()
    last_delivered_at = ma.fields.AwareDateTime(allow_none=True)


class EndpointOut(ma.Schema):
    id = ma.fields.Integer()
    organisation = ma.fields.Function(lambda e: e.organisation.code)
    url = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    events = ma.fields.List(ma.fields.String())
    personal_data_allowed = ma.fields.Boolean()
    active = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()


class EndpointRowOut(ma.Schema):
    """An endpoint in the list, with its deliveries counted."""

    id = ma.fields.Integer(attribute="endpoint.id")
    organisation = ma.fields.Function(lambda r: r.endpoint.organisation.code)
    url = ma.fields.String(attribute="endpoint.url")
    description = ma.fields.String(attribute="endpoint.description", allow_none=True)
    events = ma.fields.List(ma.fields.String(), attribute="endpoint.events")
    personal_data_allowed = ma.fields.Boolean(attribute="endpoint.personal_data_allowed")
    active = ma.fields.Boolean(attribute="endpoint.active")
    created_at = ma.fields.AwareDateTime(attribute="endpoint.created_at")
    deliveries = ma.fields.Function(lambda r: DeliveryCounts().dump(r))


class EndpointCreated(EndpointOut):
    secret = ma.fields.String(metadata={
        "description": "HMAC-SHA256 key of the signatures: shown in this answer only, never again"})


def _status(message: OutboxMessage) -> str:
    return services.delivery_status(message)


class DeliveryOut(ma.Schema):
    id = ma.fields.Integer()
    event = ma.fields.String(attribute="subject")
    status = ma.fields.Function(_status, metadata={
        "description": "afgeleverd (2xx), wachtrij (not tried yet), opnieuw (failed, tried again at "
                       "next_attempt_at), mislukt (given up)"})
    http_status = ma.fields.Integer(allow_none=True)
    attempts = ma.fields.Integer()
    next_attempt_at = ma.fields.AwareDateTime(allow_none=True)
    last_error = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    delivered_at = ma.fields.AwareDateTime(attribute="sent_at", allow_none=True)
    failed_at = ma.fields.AwareDateTime(allow_none=True)


class ListArgs(PageArgs):
    pass
