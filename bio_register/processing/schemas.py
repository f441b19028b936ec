"""API schemas: separate input and output, explicit fields, unknown input refused."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app

from bio_register.api.base import Boolean, PageArgs
from bio_register.processing import services
from bio_register.processing.labels import (
    ART9_GROUNDS,
    DATA_CATEGORIES,
    LEGAL_BASES,
    SPECIAL_CATEGORIES,
    SUBJECT_CATEGORIES,
)
from bio_register.processing.models import ProcessingStatus, Processor
from bio_register.processing.services import MAX_ID, MAX_LINKS, MAX_NAME, MAX_SHORT, MAX_TEXT

STATUSES = ma.validate.OneOf([s.value for s in ProcessingStatus])
ID = ma.validate.Range(min=1, max=MAX_ID)


def _one_of(choices: dict[str, object]) -> ma.validate.OneOf:
    return ma.validate.OneOf(list(choices))


class ProcessorRefOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class ActivityRefOut(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    status = ma.fields.Function(lambda a: a.status.value)


class ActivityOut(ma.Schema):
    id = ma.fields.Integer()
    organisation = ma.fields.Function(lambda a: a.organisation.code)
    name = ma.fields.String()
    purpose = ma.fields.String()
    legal_basis = ma.fields.String(metadata={"description": "AVG art. 6(1) a–f: " + ", ".join(LEGAL_BASES)})
    art9_ground = ma.fields.String(allow_none=True,
                                   metadata={"description": "AVG art. 9(2) a–j: " + ", ".join(ART9_GROUNDS)})
    subject_categories = ma.fields.List(ma.fields.String())
    data_categories = ma.fields.List(ma.fields.String())
    special_categories = ma.fields.List(ma.fields.String())
    bsn = ma.fields.Boolean()
    recipients = ma.fields.String(allow_none=True)
    processors = ma.fields.List(ma.fields.Nested(ProcessorRefOut))
    outside_eea = ma.fields.Boolean()
    outside_eea_details = ma.fields.String(allow_none=True)
    retention = ma.fields.String(allow_none=True)
    security_measures = ma.fields.String(allow_none=True)
    dpia_required = ma.fields.Boolean()
    dpia_done = ma.fields.Boolean()
    dpia_date = ma.fields.Date(allow_none=True)
    dpia_link = ma.fields.String(allow_none=True)
    owner = ma.fields.String(allow_none=True)
    status = ma.fields.Function(lambda a: a.status.value)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer(metadata={"description": "Send it back with PATCH (optimistic locking)."})


class _ActivityFields(ma.Schema):
    name = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_NAME))
    purpose = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    legal_basis = ma.fields.String(allow_none=True, validate=_one_of(LEGAL_BASES))
    art9_ground = ma.fields.String(allow_none=True, validate=_one_of(ART9_GROUNDS),
                                   metadata={"description": "Required when special_categories is not empty"})
    subject_categories = ma.fields.List(ma.fields.String(validate=_one_of(SUBJECT_CATEGORIES)))
    data_categories = ma.fields.List(ma.fields.String(validate=_one_of(DATA_CATEGORIES)))
    special_categories = ma.fields.List(ma.fields.String(validate=_one_of(SPECIAL_CATEGORIES)))
    bsn = Boolean()
    recipients = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    processors = ma.fields.List(ma.fields.Integer(strict=True, validate=ID), validate=ma.validate.Length(max=MAX_LINKS),
                                metadata={"description": "Ids of verwerkers of the same organisation"})
    outside_eea = Boolean()
    outside_eea_details = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    retention = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_SHORT))
    security_measures = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    dpia_required = Boolean()
    dpia_done = Boolean()
    dpia_date = ma.fields.Date(allow_none=True)
    dpia_link = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_SHORT))
    owner = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_NAME))
    status = ma.fields.String(validate=STATUSES)


class ActivityCreate(_ActivityFields):
    """``name``, ``purpose`` and ``legal_basis`` are required: the service says so in Dutch, naming the field."""


class ActivityPatch(_ActivityFields):
    version = ma.fields.Integer(required=True, strict=True, metadata={"description": "The version you read"})


class ActivityListArgs(PageArgs):
    status = ma.fields.List(ma.fields.String(validate=STATUSES))
    legal_basis = ma.fields.String(validate=_one_of(LEGAL_BASES))
    q = ma.fields.String(validate=ma.validate.Length(max=200))


class ProcessorOut(ma.Schema):
    id = ma.fields.Integer()
    organisation = ma.fields.Function(lambda p: p.organisation.code)
    name = ma.fields.String()
    contact = ma.fields.String(allow_none=True)
    country = ma.fields.String(allow_none=True)
    inside_eea = ma.fields.Boolean()
    agreement_signed = ma.fields.Boolean()
    agreement_signed_on = ma.fields.Date(allow_none=True)
    agreement_expires_on = ma.fields.Date(allow_none=True)
    agreement_review_on = ma.fields.Date(allow_none=True)
    attention = ma.fields.Method("_attention", metadata={
        "description": "Why the agreement needs attention: missing, expired, review (past its review date)"})
    processing_activities = ma.fields.List(ma.fields.Nested(ActivityRefOut), attribute="activities")
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()

    def _attention(self, processor: Processor) -> list[str]:
        return services.attention(processor, services.local_today(tz=current_app.config["TIMEZONE"]))


class _ProcessorFields(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=MAX_NAME))
    contact = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_SHORT))
    country = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=100))
    inside_eea = Boolean()
    agreement_signed = Boolean()
    agreement_signed_on = ma.fields.Date(allow_none=True)
    agreement_expires_on = ma.fields.Date(allow_none=True)
    agreement_review_on = ma.fields.Date(allow_none=True)


class ProcessorCreate(_ProcessorFields):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=MAX_NAME))


class ProcessorPatch(_ProcessorFields):
    version = ma.fields.Integer(required=True, strict=True, metadata={"description": "The version you read"})


class ProcessorListArgs(PageArgs):
    q = ma.fields.String(validate=ma.validate.Length(max=200))
    attention = ma.fields.Boolean(truthy={"true"}, falsy={"false"},
                                  metadata={"description": "Only agreements missing, expired or past review"})
