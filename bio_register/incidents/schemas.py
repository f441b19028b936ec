"""API schemas: separate input and output, explicit fields, unknown input refused."""

from __future__ import annotations

import enum

import marshmallow as ma

from bio_register.api.base import Boolean, DateTime, QueryBoolean
from bio_register.incidents.models import Category, EntryKind, Severity, Status
from bio_register.incidents.services import MAX_REPORTER, MAX_TEXT, MAX_TITLE


def _choice(enum_cls: type[enum.Enum]) -> ma.validate.OneOf:
    return ma.validate.OneOf([e.value for e in enum_cls])


class IncidentOut(ma.Schema):
    id = ma.fields.Integer()
    reference = ma.fields.String()
    organisation = ma.fields.Function(lambda i: i.organisation.code)
    title = ma.fields.String()
    description = ma.fields.String()
    category = ma.fields.Function(lambda i: i.category.value if i.category else None, allow_none=True)
    severity = ma.fields.Function(lambda i: i.severity.value if i.severity else None, allow_none=True)
    impact_confidentiality = ma.fields.Boolean()
    impact_integrity = ma.fields.Boolean()
    impact_availability = ma.fields.Boolean()
    occurred_at = ma.fields.AwareDateTime(allow_none=True)
    discovered_at = ma.fields.AwareDateTime()
    reporter = ma.fields.String(allow_none=True)
    is_datalek = ma.fields.Boolean()
    is_significant_cbw = ma.fields.Boolean()
    status = ma.fields.Function(lambda i: i.status.value)
    cause = ma.fields.String(allow_none=True)
    lessons_learned = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    version = ma.fields.Integer(metadata={"description": "Send it back with PATCH (optimistic locking)."})


class _IncidentFields(ma.Schema):
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=MAX_TITLE))
    description = ma.fields.String(validate=ma.validate.Length(min=1, max=MAX_TEXT))
    category = ma.fields.String(allow_none=True, validate=_choice(Category))
    severity = ma.fields.String(allow_none=True, validate=_choice(Severity))
    impact_confidentiality = Boolean()
    impact_integrity = Boolean()
    impact_availability = Boolean()
    occurred_at = DateTime(allow_none=True, metadata={"description": "ISO 8601 with offset"})
    discovered_at = DateTime(metadata={"description": "ISO 8601 with offset"})
    reporter = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_REPORTER))
    is_datalek = Boolean()


class IncidentCreate(_IncidentFields):
    organisation = ma.fields.String(required=True, metadata={"description": "Organisation code, e.g. DIE"})
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=MAX_TITLE))
    description = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=MAX_TEXT))
    discovered_at = DateTime(required=True, metadata={"description": "ISO 8601 with offset"})
    is_datalek = Boolean(required=True)


class IncidentPatch(_IncidentFields):
    version = ma.fields.Integer(required=True, strict=True, metadata={"description": "The version you read"})
    is_significant_cbw = Boolean()
    cause = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    lessons_learned = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))


class StatusChange(ma.Schema):
    status = ma.fields.String(required=True, validate=_choice(Status))
    version = ma.fields.Integer(required=True, strict=True)
    reason = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT),
                              metadata={"description": "Required to withdraw or reopen"})


class IncidentListArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=1_000_000),
                             metadata={"description": "OFFSET paging; at any depth the cursor (next) is as quick"})
    cursor = ma.fields.String(validate=ma.validate.Length(min=1, max=400),
                              metadata={"description": "From the previous page's next_cursor: the page after it "
                                                       "(same sort and order; not with page)"})
    per_page = ma.fields.Integer(load_default=25, validate=ma.validate.Range(min=1, max=100))
    organisation = ma.fields.String(validate=ma.validate.Length(max=10))
    datalek = QueryBoolean()
    status = ma.fields.List(ma.fields.String(validate=_choice(Status)))
    open = QueryBoolean(metadata={"description": "Only nieuw and in_behandeling"})
    category = ma.fields.List(ma.fields.String(validate=_choice(Category)))
    severity = ma.fields.List(ma.fields.String(validate=_choice(Severity)))
    discovered_from = DateTime()
    discovered_until = DateTime(metadata={"description": "Exclusive"})
    q = ma.fields.String(validate=ma.validate.Length(max=200))
    sort = ma.fields.String(load_default="discovered",
                            validate=ma.validate.OneOf(["discovered", "reference", "severity", "status", "title"]))
    order = ma.fields.String(load_default="desc", validate=ma.validate.OneOf(["asc", "desc"]))


class EntryIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=_choice(EntryKind))
    text = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=MAX_TEXT))
    occurred_at = DateTime(allow_none=True)


class TimelineItemOut(ma.Schema):
    at = ma.fields.AwareDateTime()
    kind = ma.fields.String(metadata={"description": "waarneming, actie, besluit, communicatie, "
                                                     "create, update, status, reopen, "
                                                     "attachment_upload, attachment_remove, report, playbook_apply "
                                                     "(a playbook applied) or task (a step of it changed)"})
    actor = ma.fields.String()
    text = ma.fields.String(allow_none=True)
    changes = ma.fields.Dict()
