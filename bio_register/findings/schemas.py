"""API schemas: separate input and output, explicit fields, unknown input refused."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app

from bio_register.api.base import PageArgs, QueryBoolean
from bio_register.findings import services
from bio_register.findings.models import Finding, FindingSource, FindingStatus
from bio_register.findings.services import MAX_ID, MAX_LINKS, MAX_TEXT, MAX_TITLE
from bio_register.incidents.models import Severity

SOURCES = ma.validate.OneOf([s.value for s in FindingSource])
STATUSES = ma.validate.OneOf([s.value for s in FindingStatus])
SEVERITIES = ma.validate.OneOf([s.value for s in Severity])
ID = ma.validate.Range(min=1, max=MAX_ID)


class FindingControlOut(ma.Schema):
    id = ma.fields.Integer()
    catalog = ma.fields.Function(lambda c: c.catalog.key, metadata={"description": "Catalog key, e.g. BIO2-1.3"})
    code = ma.fields.String(metadata={"description": "Control or overheidsmaatregel code in that catalog"})
    title = ma.fields.String(attribute="title_nl")


class FindingMeasureOut(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    status = ma.fields.Function(lambda m: m.status.value)


def _overdue(finding: Finding) -> bool:
    return services.is_overdue(finding, services.local_today(tz=current_app.config["TIMEZONE"]))


class FindingOut(ma.Schema):
    id = ma.fields.Integer()
    organisation = ma.fields.Function(lambda f: f.organisation.code)
    source = ma.fields.Function(lambda f: f.source.value,
                                metadata={"description": ", ".join(s.value for s in FindingSource)})
    found_on = ma.fields.Date()
    title = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    severity = ma.fields.Function(lambda f: f.severity.value)
    status = ma.fields.Function(lambda f: f.status.value)
    motivation = ma.fields.String(allow_none=True, metadata={"description": "Why the risk is accepted"})
    retest_on = ma.fields.Date(allow_none=True)
    overdue = ma.fields.Function(_overdue, metadata={
        "description": "Re-test date passed (Amsterdam) and neither opgelost nor geaccepteerd"})
    controls = ma.fields.List(ma.fields.Nested(FindingControlOut))
    measures = ma.fields.List(ma.fields.Nested(FindingMeasureOut))
    closed_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "When last resolved or accepted"})
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer(metadata={"description": "Send it back with PATCH (optimistic locking)."})


class FindingControlIn(ma.Schema):
    catalog = ma.fields.String(validate=ma.validate.Length(min=1, max=30), metadata={
        "description": "Catalog key, e.g. BIO2-1.3; left out: the newest catalog the organisation uses "
                       "that has the code"})
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20),
                            metadata={"description": "e.g. 5.24.03"})


def _controls(data: list[dict[str, str]]) -> list[object]:
    """As the service takes them: (catalog, code) pairs, or a code alone."""
    return [(c["catalog"], c["code"]) if c.get("catalog") else c["code"] for c in data]


class _FindingFields(ma.Schema):
    source = ma.fields.String(validate=SOURCES)
    found_on = ma.fields.Date(metadata={"description": "YYYY-MM-DD; not in the future"})
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=MAX_TITLE))
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    severity = ma.fields.String(validate=SEVERITIES)
    status = ma.fields.String(validate=STATUSES, metadata={"description": "geaccepteerd requires a motivation"})
    motivation = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT), metadata={
        "description": f"Required (at least {services.MIN_MOTIVATION} characters) when status is geaccepteerd"})
    retest_on = ma.fields.Date(allow_none=True, metadata={"description": "YYYY-MM-DD; not before found_on"})
    controls = ma.fields.List(ma.fields.Nested(FindingControlIn), validate=ma.validate.Length(max=MAX_LINKS),
                              metadata={"description": "Controls of the catalogs the organisation uses"})
    measures = ma.fields.List(ma.fields.Integer(strict=True, validate=ID), validate=ma.validate.Length(max=MAX_LINKS),
                              metadata={"description": "Ids of maatregelen of the same organisation"})

    @ma.post_load
    def _links(self, data: dict[str, object], **_kwargs: object) -> dict[str, object]:
        if "controls" in data:
            data["controls"] = _controls(data["controls"])  # type: ignore[arg-type]
        return data


class FindingCreate(_FindingFields):
    """``source``, ``found_on``, ``title`` and ``severity`` are required: the service says so in Dutch,
    naming the field."""


class FindingPatch(_FindingFields):
    version = ma.fields.Integer(required=True, strict=True, metadata={"description": "The version you read"})


class FindingListArgs(PageArgs):
    status = ma.fields.List(ma.fields.String(validate=STATUSES))
    source = ma.fields.List(ma.fields.String(validate=SOURCES))
    severity = ma.fields.List(ma.fields.String(validate=SEVERITIES))
    open = QueryBoolean(metadata={"description": "Only open and in_behandeling"})
    overdue = QueryBoolean(metadata={"description": "Only open findings whose re-test date has passed (Amsterdam)"})
    control = ma.fields.Integer(validate=ID, metadata={"description": "Concerning this control (id)"})
    q = ma.fields.String(validate=ma.validate.Length(max=200))
