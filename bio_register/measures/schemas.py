"""API schemas: separate input and output, explicit fields, unknown input refused."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app

from bio_register.api.base import QueryBoolean
from bio_register.measures import services
from bio_register.measures.models import Measure, MeasureStatus
from bio_register.measures.services import MAX_ID, MAX_LINKS, MAX_OWNER, MAX_TEXT, MAX_TITLE

STATUSES = ma.validate.OneOf([s.value for s in MeasureStatus])
ID = ma.validate.Range(min=1, max=MAX_ID)


class MeasureIncidentOut(ma.Schema):
    id = ma.fields.Integer()
    reference = ma.fields.String()


class MeasureControlOut(ma.Schema):
    id = ma.fields.Integer()
    catalog = ma.fields.Function(lambda c: c.catalog.key, metadata={"description": "Catalog key, e.g. BIO2-1.3"})
    code = ma.fields.String(metadata={"description": "Control or overheidsmaatregel code in that catalog"})
    title = ma.fields.String(attribute="title_nl")


def _overdue(measure: Measure) -> bool:
    return services.is_overdue(measure, services.local_today(tz=current_app.config["TIMEZONE"]))


class MeasureOut(ma.Schema):
    id = ma.fields.Integer()
    organisation = ma.fields.Function(lambda m: m.organisation.code)
    title = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    owner = ma.fields.String(allow_none=True)
    due_date = ma.fields.Date(allow_none=True)
    status = ma.fields.Function(lambda m: m.status.value)
    overdue = ma.fields.Function(_overdue, metadata={"description": "Open and due before today (Amsterdam)"})
    incidents = ma.fields.List(ma.fields.Nested(MeasureIncidentOut))
    controls = ma.fields.List(ma.fields.Nested(MeasureControlOut))
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    completed_at = ma.fields.AwareDateTime(allow_none=True)
    version = ma.fields.Integer(metadata={"description": "Send it back with PATCH (optimistic locking)."})


class ControlRefIn(ma.Schema):
    catalog = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=30),
                               metadata={"description": "Catalog key, e.g. BIO2-1.3"})
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20),
                            metadata={"description": "e.g. 5.24.03"})


class _MeasureFields(ma.Schema):
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=MAX_TITLE))
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    owner = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_OWNER))
    due_date = ma.fields.Date(allow_none=True, metadata={"description": "YYYY-MM-DD; not before the day of creation"})
    incidents = ma.fields.List(ma.fields.Integer(strict=True, validate=ID), validate=ma.validate.Length(max=MAX_LINKS),
                               metadata={"description": "Ids of incidents of the same organisation"})
    controls = ma.fields.List(ma.fields.Nested(ControlRefIn), validate=ma.validate.Length(max=MAX_LINKS))


class MeasureCreate(_MeasureFields):
    organisation = ma.fields.String(required=True, metadata={"description": "Organisation code, e.g. DIE"})
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=MAX_TITLE))


class MeasurePatch(_MeasureFields):
    version = ma.fields.Integer(required=True, strict=True, metadata={"description": "The version you read"})


class MeasureStatusChange(ma.Schema):
    status = ma.fields.String(required=True, validate=STATUSES)
    version = ma.fields.Integer(required=True, strict=True)
    reason = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))


class MeasureListArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=1_000_000))
    per_page = ma.fields.Integer(load_default=25, validate=ma.validate.Range(min=1, max=100))
    organisation = ma.fields.String(validate=ma.validate.Length(max=10))
    status = ma.fields.List(ma.fields.String(validate=STATUSES))
    open = QueryBoolean(metadata={"description": "Only gepland and in_uitvoering"})
    overdue = QueryBoolean(metadata={"description": "Only open measures due before today (Amsterdam)"})
    incident = ma.fields.Integer(validate=ID, metadata={"description": "Linked to this incident"})
    control = ma.fields.Integer(validate=ID, metadata={"description": "Linked to this control"})
    q = ma.fields.String(validate=ma.validate.Length(max=200))
