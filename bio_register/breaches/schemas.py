from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import marshmallow as ma

from bio_register.api.base import Boolean, DateTime, PageArgs
from bio_register.breaches import catalog, cbwcontent
from bio_register.breaches.enisa import EaseOfIdentification, Loss
from bio_register.breaches.models import CbwPhase, CorrespondenceKind, NoNotifyGround, NotificationKind, OwnSeverity
from bio_register.processing.labels import ART9_GROUNDS, LEGAL_BASES

MAX_TEXT = 20_000
#: the largest id the database holds (a 32-bit integer)
MAX_ID = 2**31 - 1


def _one_of(values: Iterable[str]) -> ma.validate.OneOf:
    return ma.validate.OneOf(list(values))


def _enum_value(attr: str) -> ma.fields.Function:
    return ma.fields.Function(lambda obj: getattr(obj, attr).value if getattr(obj, attr) is not None else None,
                              allow_none=True)


class AssessmentIn(ma.Schema):
    """The whole assessment (PUT replaces it). Unknown fields are refused."""

    version = ma.fields.Integer(allow_none=True, strict=True,
                                metadata={"description": "The version you read (optional)"})
    aware_at = DateTime(required=True)
    data_categories = ma.fields.List(ma.fields.String(validate=_one_of(catalog.DATA_CATEGORIES)), load_default=list)
    special_categories = ma.fields.List(ma.fields.String(validate=_one_of(catalog.SPECIAL_CATEGORIES)),
                                        load_default=list)
    subject_categories = ma.fields.List(ma.fields.String(validate=_one_of(catalog.SUBJECT_CATEGORIES)),
                                        load_default=list)
    legal_bases = ma.fields.List(ma.fields.String(validate=_one_of(LEGAL_BASES)), load_default=list,
                                 metadata={"description": "AVG art. 6 lid 1 bases (proposed from the verwerkingen)"})
    art9_grounds = ma.fields.List(ma.fields.String(validate=_one_of(ART9_GROUNDS)), load_default=list,
                                  metadata={"description": "AVG art. 9 lid 2 grounds"})
    processing_activity_ids = ma.fields.List(
        ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_ID)),
        validate=ma.validate.Length(max=50),
        metadata={"description": "The verwerkingen the datalek affected, of its own organisation (another's: "
                                 "404); left out: the links stay as they are"})
    bsn = Boolean(load_default=False)
    criminal_data = Boolean(load_default=False)
    subjects_count = ma.fields.Integer(allow_none=True, strict=True, validate=ma.validate.Range(min=0, max=100_000_000))
    records_count = ma.fields.Integer(allow_none=True, strict=True, validate=ma.validate.Range(min=0, max=100_000_000))
    nature_confidentiality = Boolean(load_default=False)
    nature_integrity = Boolean(load_default=False)
    nature_availability = Boolean(load_default=False)
    unintelligible = Boolean(load_default=False)
    processor_involved = Boolean(load_default=False)
    processor_name = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    cross_border = Boolean(load_default=False)
    ongoing = Boolean(load_default=False)
    likely_consequences = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    measures_taken = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    enisa_dpc = ma.fields.Integer(allow_none=True, strict=True, validate=ma.validate.Range(min=1, max=4))
    enisa_ei = ma.fields.String(allow_none=True, validate=_one_of(e.value for e in EaseOfIdentification))
    enisa_cb_confidentiality = ma.fields.String(load_default="0", validate=_one_of(e.value for e in Loss))
    enisa_cb_integrity = ma.fields.String(load_default="0", validate=_one_of(e.value for e in Loss))
    enisa_cb_availability = ma.fields.String(load_default="0", validate=_one_of(e.value for e in Loss))
    enisa_cb_malicious = Boolean(load_default=False)


class AssessmentOut(ma.Schema):
    aware_at = ma.fields.AwareDateTime()
    ap_deadline = ma.fields.AwareDateTime()
    hours_left = ma.fields.Float()
    state = ma.fields.String()
    data_categories = ma.fields.List(ma.fields.String())
    special_categories = ma.fields.List(ma.fields.String())
    subject_categories = ma.fields.List(ma.fields.String())
    legal_bases = ma.fields.List(ma.fields.String())
    art9_grounds = ma.fields.List(ma.fields.String())
    processing_activity_ids = ma.fields.List(ma.fields.Integer())
    bsn = ma.fields.Boolean()
    criminal_data = ma.fields.Boolean()
    subjects_count = ma.fields.Integer(allow_none=True)
    records_count = ma.fields.Integer(allow_none=True)
    nature_confidentiality = ma.fields.Boolean()
    nature_integrity = ma.fields.Boolean()
    nature_availability = ma.fields.Boolean()
    unintelligible = ma.fields.Boolean()
    processor_involved = ma.fields.Boolean()
    processor_name = ma.fields.String(allow_none=True)
    cross_border = ma.fields.Boolean()
    ongoing = ma.fields.Boolean()
    likely_consequences = ma.fields.String(allow_none=True)
    measures_taken = ma.fields.String(allow_none=True)
    enisa_dpc = ma.fields.Integer(allow_none=True)
    enisa_ei = ma.fields.String(allow_none=True)
    enisa_cb_confidentiality = ma.fields.String()
    enisa_cb_integrity = ma.fields.String()
    enisa_cb_availability = ma.fields.String()
    enisa_cb_malicious = ma.fields.Boolean()
    #: a JSON number (two decimals, e.g. 4.25), as the document says; null without DPC and EI
    enisa_score = ma.fields.Float(allow_none=True, metadata={"description": "ENISA severity score, two decimals"})
    enisa_band = ma.fields.String(allow_none=True)
    assessed_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()


class DecisionIn(ma.Schema):
    notify = Boolean(required=True)
    #: shape only: how much motivation a decision needs is the service's rule (422 with its message)
    motivation = ma.fields.String(required=True, validate=ma.validate.Length(max=MAX_TEXT), metadata={
        "description": "Why (art. 33(5) AVG): a few words, at least 10 characters, also for not notifying"})


class DecisionOut(ma.Schema):
    """A :class:`~bio_register.breaches.services.Ruling` of an AP decision."""

    id = ma.fields.Integer(attribute="decision.id")
    notify = ma.fields.Boolean(attribute="decision.notify")
    motivation = ma.fields.String(attribute="decision.motivation")
    decided_by = ma.fields.Function(lambda r: r.decision.decided_by.name)
    decided_at = ma.fields.AwareDateTime(attribute="decision.decided_at")
    in_force = ma.fields.Boolean()


class ApNotificationIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=_one_of(k.value for k in NotificationKind))
    submitted_at = DateTime(required=True)
    meldnummer = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=50))
    late_reason = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))


class ApNotificationOut(ma.Schema):
    id = ma.fields.Integer()
    kind = _enum_value("kind")
    submitted_at = ma.fields.AwareDateTime()
    meldnummer = ma.fields.String()
    late_reason = ma.fields.String(allow_none=True)
    recorded_by = ma.fields.Function(lambda n: n.recorded_by.name)


class SubjectDecisionIn(ma.Schema):
    notify = Boolean(required=True)
    ground = ma.fields.String(allow_none=True, validate=_one_of(g.value for g in NoNotifyGround))
    explanation = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    notified_at = DateTime(allow_none=True)
    channel = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))


class SubjectDecisionOut(ma.Schema):
    """A :class:`~bio_register.breaches.services.Ruling` of an art. 34 decision."""

    id = ma.fields.Integer(attribute="decision.id")
    notify = ma.fields.Boolean(attribute="decision.notify")
    ground = ma.fields.Function(lambda r: r.decision.ground.value if r.decision.ground is not None else None,
                                allow_none=True)
    explanation = ma.fields.String(allow_none=True, attribute="decision.explanation")
    notified_at = ma.fields.AwareDateTime(allow_none=True, attribute="decision.notified_at")
    channel = ma.fields.String(allow_none=True, attribute="decision.channel")
    decided_by = ma.fields.Function(lambda r: r.decision.decided_by.name)
    decided_at = ma.fields.AwareDateTime(attribute="decision.decided_at")
    in_force = ma.fields.Boolean()


def _content_fields() -> dict[str, ma.fields.Field[Any]]:
    """The items of NIS2 art. 23(4) as flat fields (each belongs to one or more phases)."""
    fields: dict[str, ma.fields.Field[Any]] = {}
    for items in cbwcontent.PHASE_ITEMS.values():
        for item in items:
            if item.key in fields:
                continue
            phases = ", ".join(p.value for p, its in cbwcontent.PHASE_ITEMS.items()
                               if any(i.key == item.key for i in its))
            doc = {"description": f"{item.label} (phase: {phases})"}
            fields[item.key] = (Boolean(allow_none=True, metadata=doc) if item.kind == cbwcontent.YES_NO else
                                ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT),
                                                 metadata=doc))
    return fields


def content_of(data: dict[str, object]) -> dict[str, object]:
    """The content items given in a request body."""
    return {key: data[key] for key in cbwcontent.ALL_KEYS if key in data}


CbwReportIn = ma.Schema.from_dict({
    "phase": ma.fields.String(required=True, validate=_one_of(p.value for p in CbwPhase)),
    "submitted_at": DateTime(required=True),
    "recipient": ma.fields.String(allow_none=True, validate=ma.validate.Length(max=100)),
    "reference": ma.fields.String(allow_none=True, validate=ma.validate.Length(max=100)),
    "summary": ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT)),
    **_content_fields(),
}, name="CbwReportIn")

CbwContentIn = ma.Schema.from_dict({
    "handled_at": DateTime(allow_none=True, metadata={
        "description": "When the incident was handled: after an interim report the final report is due a month later"}),
    **_content_fields(),
}, name="CbwContentIn")


class CbwReportOut(ma.Schema):
    id = ma.fields.Integer()
    phase = _enum_value("phase")
    recipient = ma.fields.String()
    submitted_at = ma.fields.AwareDateTime()
    reference = ma.fields.String(allow_none=True)
    summary = ma.fields.String(allow_none=True)
    content = ma.fields.Dict(allow_none=True, metadata={"description": "What the report held (NIS2 art. 23(4))"})


class CbwDeadlinesOut(ma.Schema):
    early_warning = ma.fields.AwareDateTime()
    notification = ma.fields.AwareDateTime()
    final = ma.fields.AwareDateTime(allow_none=True, metadata={
        "description": "None after an interim report until the incident is handled"})
    final_provisional = ma.fields.Boolean()
    interim = ma.fields.AwareDateTime(allow_none=True, metadata={
        "description": "An interim report instead of the final report when the incident is still ongoing"})
    after_interim = ma.fields.Boolean()


class CbwPhaseOut(ma.Schema):
    phase = _enum_value("phase")
    answers = ma.fields.Dict()
    complete = ma.fields.Boolean()
    missing = ma.fields.Function(lambda state: [item.key for item in state.missing])
    sent = ma.fields.Function(lambda state: bool(state.sent))
    deadline = ma.fields.AwareDateTime(allow_none=True)


class SignificanceOut(ma.Schema):
    id = ma.fields.Integer()
    criteria_version = ma.fields.Function(lambda row: row.criteria_set.version)
    answers = ma.fields.Dict()
    significant = ma.fields.Boolean(metadata={"description": "The advice (the incident's flag is the decision)"})
    reasoning = ma.fields.List(ma.fields.String())
    motivation = ma.fields.String(allow_none=True)
    assessed_by = ma.fields.Function(lambda row: row.assessed_by.name)
    assessed_at = ma.fields.AwareDateTime()


class SignificanceIn(ma.Schema):
    answers = ma.fields.Dict(required=True, keys=ma.fields.String(validate=ma.validate.Length(max=60)),
                             metadata={"description": "Question id → true/false (yes_no) or a number"})
    motivation = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))


class CriteriaOut(ma.Schema):
    version = ma.fields.String()
    title = ma.fields.String()
    basis = ma.fields.String()
    questions = ma.fields.List(ma.fields.Dict())


class IbdCopyIn(ma.Schema):
    sent_at = DateTime(required=True)
    phase = ma.fields.String(allow_none=True, validate=_one_of(p.value for p in CbwPhase))
    reference = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=100))
    note = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))


class IbdCopyOut(ma.Schema):
    id = ma.fields.Integer()
    phase = _enum_value("phase")
    sent_at = ma.fields.AwareDateTime()
    reference = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)


class CbwOut(ma.Schema):
    deadlines = ma.fields.Nested(CbwDeadlinesOut)
    reports = ma.fields.List(ma.fields.Nested(CbwReportOut))
    recipient_default = ma.fields.String()
    handled_at = ma.fields.AwareDateTime(allow_none=True)
    phases = ma.fields.List(ma.fields.Nested(CbwPhaseOut))
    significance = ma.fields.Nested(SignificanceOut, allow_none=True)
    criteria = ma.fields.Nested(CriteriaOut, metadata={"description": "The significance criteria in use"})
    ibd_copies = ma.fields.List(ma.fields.Nested(IbdCopyOut), metadata={
        "description": "Informative copies to the IBD (not the legal notification)"})


class ApFormIn(ma.Schema):
    """The AP meldformulier's own answers (PUT: all of them, a field left out is emptied; PATCH:
    only those given). The rest of the form comes from the assessment and the decisions."""

    version = ma.fields.Integer(allow_none=True, strict=True,
                                metadata={"description": "The version you read (optional)"})
    discovery = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT),
                                 metadata={"description": "How the breach was discovered"})
    ended_at = DateTime(allow_none=True, metadata={"description": "When it ended (empty while it is ongoing)"})
    subjects_min = ma.fields.Integer(allow_none=True, strict=True,
                                     validate=ma.validate.Range(min=0, max=100_000_000))
    subjects_max = ma.fields.Integer(allow_none=True, strict=True,
                                     validate=ma.validate.Range(min=0, max=100_000_000))
    contact_name = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    contact_function = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    contact_phone = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=50))
    contact_email = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=254))
    own_severity = ma.fields.String(allow_none=True, validate=_one_of(s.value for s in OwnSeverity),
                                    metadata={"description": "The reporter's own estimate (ENISA is advice)"})
    own_severity_explanation = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    other_organisations = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    breach_kinds = ma.fields.List(ma.fields.String(validate=_one_of(catalog.BREACH_KINDS)), allow_none=True)
    breach_kind_other = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=500))
    prior_measures = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    subjects_message = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    measures_planned = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    other_authorities = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    other_information = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))


class ApFormPatch(ApFormIn):
    """Only the answers given are set; the others stay."""


class ApQuestionOut(ma.Schema):
    key = ma.fields.String()
    label = ma.fields.String()
    answer = ma.fields.String(metadata={"description": "As copied into the AP's form; empty when not answered"})


class ApSectionOut(ma.Schema):
    key = ma.fields.String()
    title = ma.fields.String()
    complete = ma.fields.Boolean()
    missing = ma.fields.List(ma.fields.String())
    questions = ma.fields.List(ma.fields.Nested(ApQuestionOut))


class ApFormOut(ma.Schema):
    """The AP meldformulier in its section order: every question with its answer, and per section
    whether it is complete and what is missing."""

    complete = ma.fields.Boolean()
    version = ma.fields.Integer(allow_none=True, metadata={"description": "Of the stored answers; null: none yet"})
    answers = ma.fields.Dict(metadata={"description": "The AP form's own answers as stored (the PUT body)"})
    sections = ma.fields.List(ma.fields.Nested(ApSectionOut))


class ApCorrespondenceIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=_one_of(k.value for k in CorrespondenceKind))
    occurred_at = DateTime(required=True, metadata={"description": "The date of the letter, answer or closure"})
    text = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    ap_reference = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=100),
                                    metadata={"description": "The AP's reference; required to close the file"})
    attachment_ids = ma.fields.List(ma.fields.Integer(strict=True), load_default=list, metadata={
        "description": "Attachments of this incident (upload them first: POST /incidents/{id}/attachments)"})


class ApAttachmentOut(ma.Schema):
    id = ma.fields.Integer()
    filename = ma.fields.String()
    removed = ma.fields.Boolean()


class ApCorrespondenceOut(ma.Schema):
    id = ma.fields.Integer()
    kind = _enum_value("kind")
    occurred_at = ma.fields.AwareDateTime()
    text = ma.fields.String(allow_none=True)
    ap_reference = ma.fields.String(allow_none=True)
    author = ma.fields.Function(lambda c: c.author.name)
    recorded_at = ma.fields.AwareDateTime()
    attachments = ma.fields.List(ma.fields.Nested(ApAttachmentOut))


class ApCorrespondenceListOut(ma.Schema):
    open_at_ap = ma.fields.Boolean(metadata={"description": "Melding made and the file not closed by the AP"})
    items = ma.fields.List(ma.fields.Nested(ApCorrespondenceOut))


# --- the verwerkingen a datalek affected, the proposal, templates (issue 20) --------------------------------

ACTIVITY_IDS = ma.fields.List(
    ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_ID)), validate=ma.validate.Length(max=50),
    metadata={"description": "Ids of verwerkingen of the datalek's own organisation (another's: 404)"})


class ActivityRef(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class ProposalOut(ma.Schema):
    """What the linked verwerkingen propose for the assessment (the FG adjusts it)."""

    processing_activities = ma.fields.List(ma.fields.Nested(ActivityRef), attribute="activities")
    processing_activity_ids = ma.fields.List(ma.fields.Integer())
    data_categories = ma.fields.List(ma.fields.String())
    special_categories = ma.fields.List(ma.fields.String())
    subject_categories = ma.fields.List(ma.fields.String())
    bsn = ma.fields.Boolean()
    processor_involved = ma.fields.Boolean()
    processor_name = ma.fields.String(allow_none=True)
    processors = ma.fields.List(ma.fields.String())
    legal_bases = ma.fields.List(ma.fields.String())
    art9_grounds = ma.fields.List(ma.fields.String())
    adds = ma.fields.Dict(metadata={"description": "What taking the proposal over would add to the assessment"})


class TemplateIn(ma.Schema):
    """A template; ``name`` is required (the service says so in Dutch, naming the field)."""

    name = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    title = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    category = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=40))
    severity = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=10))
    data_categories = ma.fields.List(ma.fields.String(validate=_one_of(catalog.DATA_CATEGORIES)))
    special_categories = ma.fields.List(ma.fields.String(validate=_one_of(catalog.SPECIAL_CATEGORIES)))
    subject_categories = ma.fields.List(ma.fields.String(validate=_one_of(catalog.SUBJECT_CATEGORIES)))
    bsn = Boolean()
    criminal_data = Boolean()
    nature_confidentiality = Boolean()
    nature_integrity = Boolean()
    nature_availability = Boolean()
    processor_involved = Boolean()
    processor_name = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    legal_bases = ma.fields.List(ma.fields.String(validate=_one_of(LEGAL_BASES)))
    art9_grounds = ma.fields.List(ma.fields.String(validate=_one_of(ART9_GROUNDS)))
    likely_consequences = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    measures_taken = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    processing_activity_ids = ACTIVITY_IDS


class TemplateOut(ma.Schema):
    id = ma.fields.Integer()
    organisation = ma.fields.Function(lambda t: t.organisation.code)
    name = ma.fields.String()
    title = ma.fields.String(allow_none=True)
    description = ma.fields.String(allow_none=True)
    category = ma.fields.String(allow_none=True)
    severity = ma.fields.String(allow_none=True)
    data_categories = ma.fields.List(ma.fields.String())
    special_categories = ma.fields.List(ma.fields.String())
    subject_categories = ma.fields.List(ma.fields.String())
    bsn = ma.fields.Boolean()
    criminal_data = ma.fields.Boolean()
    nature_confidentiality = ma.fields.Boolean()
    nature_integrity = ma.fields.Boolean()
    nature_availability = ma.fields.Boolean()
    processor_involved = ma.fields.Boolean()
    processor_name = ma.fields.String(allow_none=True)
    legal_bases = ma.fields.List(ma.fields.String())
    art9_grounds = ma.fields.List(ma.fields.String())
    likely_consequences = ma.fields.String(allow_none=True)
    measures_taken = ma.fields.String(allow_none=True)
    processing_activities = ma.fields.List(ma.fields.Nested(ActivityRef), attribute="activities")
    archived_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class TemplateRowOut(TemplateOut):
    used = ma.fields.Integer(metadata={"description": "How many datalekken were logged from it"})
    last_used = ma.fields.AwareDateTime(allow_none=True)


class TemplateListArgs(PageArgs):
    archived = ma.fields.Boolean(load_default=False, truthy={"true"}, falsy={"false"},
                                 metadata={"description": "Include archived templates"})


class FromTemplateIn(ma.Schema):
    """The datalek logged from a template: what differs each time (all optional; discovered now)."""

    title = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    description = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    occurred_at = DateTime(allow_none=True)
    discovered_at = DateTime(allow_none=True)
    reporter = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    severity = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=10))
