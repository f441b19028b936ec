"""API schemas of the audit log: the list's query arguments and an event as the API shows it."""

from __future__ import annotations

import marshmallow as ma

from bio_register.api.base import MAX_PER_PAGE, DateTime
from bio_register.audit.browse import MAX_ACTOR, MAX_ENTITY_ID

CODE = ma.validate.Regexp(r"^[A-Za-z0-9]{2,10}$", error="Een organisatiecode: 2 tot 10 letters en cijfers.")
ENTITY = ma.validate.Regexp(r"^[a-z][a-z_]{0,49}$", error="Kleine letters en _, hoogstens 50 tekens (bv. incident).")


class AuditEventListArgs(ma.Schema):
    organisation = ma.fields.String(validate=CODE, metadata={"description": "Organisation code, e.g. DIE"})
    entity = ma.fields.String(validate=ENTITY, metadata={"description": "incident, measure, control_assessment, "
                                                                         "breach_assessment, user, …"})
    entity_id = ma.fields.String(validate=ma.validate.Length(min=1, max=MAX_ENTITY_ID),
                                 metadata={"description": "The object's id; needs entity"})
    actor = ma.fields.String(validate=ma.validate.Length(min=1, max=MAX_ACTOR),
                             metadata={"description": "Who acted: an e-mail address, or systeem, scheduler, cli"})
    occurred_from = DateTime(data_key="from", metadata={"description": "From this time (inclusive)"})
    occurred_until = DateTime(data_key="until", metadata={"description": "Until this time (exclusive)"})
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=1_000_000),
                             metadata={"description": "OFFSET paging for the first 10,000 events; use cursor beyond"})
    per_page = ma.fields.Integer(load_default=25, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE))
    cursor = ma.fields.String(validate=ma.validate.Length(min=1, max=100),
                              metadata={"description": "From the previous page's next_cursor: the page after it"})


class AuditEventOut(ma.Schema):
    id = ma.fields.Integer()
    seq = ma.fields.Integer(metadata={"description": "Position in the hash chain"})
    occurred_at = ma.fields.AwareDateTime()
    actor = ma.fields.String(metadata={"description": "The e-mail address of who acted, or systeem, scheduler, cli"})
    actor_id = ma.fields.Integer(allow_none=True)
    organisation = ma.fields.String(allow_none=True,
                                    metadata={"description": "Organisation code; null for installation-level events"})
    entity = ma.fields.String()
    entity_id = ma.fields.String()
    action = ma.fields.String()
    changes = ma.fields.Dict(metadata={"description": "{field: {before, after}}"})


class AuditEventPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AuditEventOut))
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer(metadata={"description": "Matching events, counted up to 10,000 (see more)"})
    more = ma.fields.Boolean(metadata={"description": "There are more than total"})
    next_cursor = ma.fields.String(allow_none=True, metadata={"description": "Pass as cursor for the next page"})
    next = ma.fields.String(allow_none=True, metadata={"description": "The URL of the next page; null on the last"})
