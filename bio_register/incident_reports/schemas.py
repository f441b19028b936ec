"""API schemas of the reporting point: separate input and output, explicit fields, unknown input
refused."""

from __future__ import annotations

import marshmallow as ma

from bio_register.api.base import DateTime, PageArgs
from bio_register.incident_reports.models import PersonalData
from bio_register.incident_reports.services import MAX_CONTACT, MAX_DESCRIPTION


class IncidentReportIn(ma.Schema):
    organisation = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=10),
                                    metadata={"description": "Code of one of the caller's organisations, e.g. DIE"})
    description = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=MAX_DESCRIPTION),
                                   metadata={"description": "What happened, in the reporter's own words"})
    occurred_at = DateTime(allow_none=True, metadata={"description": "When it happened, if known (ISO 8601 "
                                                                     "with offset)"})
    personal_data = ma.fields.String(required=True, validate=ma.validate.OneOf([p.value for p in PersonalData]),
                                     metadata={"description": "May personal data be involved: ja, nee or "
                                                              "weet_niet (ja and weet_niet log a possible "
                                                              "datalek, which the FG hears of at once)"})
    contact = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_CONTACT),
                               metadata={"description": "How to reach the reporter, if not by e-mail"})


class IncidentReportOut(ma.Schema):
    """A report as its reporter sees it: the reference, the status, and what they sent."""

    id = ma.fields.Integer()
    reference = ma.fields.String(metadata={"description": "The incident's reference, e.g. DIE-2026-0007"})
    organisation = ma.fields.String()
    reported_at = ma.fields.AwareDateTime(metadata={"description": "The moment of reporting: when the "
                                                                   "organisation heard of it"})
    status = ma.fields.Function(lambda r: r.status.value,
                                metadata={"description": "nieuw, in_behandeling, afgehandeld or ingetrokken"})
    description = ma.fields.String()
    occurred_at = ma.fields.AwareDateTime(allow_none=True)
    personal_data = ma.fields.Function(lambda r: r.personal_data.value)
    contact = ma.fields.String(allow_none=True)


class IncidentReportSummary(ma.Schema):
    id = ma.fields.Integer()
    reference = ma.fields.String()
    organisation = ma.fields.String()
    reported_at = ma.fields.AwareDateTime()
    status = ma.fields.Function(lambda r: r.status.value,
                                metadata={"description": "nieuw, in_behandeling, afgehandeld or ingetrokken"})


class IncidentReportListArgs(PageArgs):
    pass
