from __future__ import annotations

import marshmallow as ma
from flask import current_app

from bio_register.api.base import Boolean
from bio_register.attachments import evidence as evidence_life
from bio_register.compliance import services
from bio_register.compliance.models import AspectStatus

ASPECT_STATUSES = [s.value for s in AspectStatus]


class CatalogOut(ma.Schema):
    key = ma.fields.String()
    name = ma.fields.String()
    version = ma.fields.String()
    published = ma.fields.Date(allow_none=True)


class ControlOut(ma.Schema):
    code = ma.fields.String()
    kind = ma.fields.Function(lambda c: c.kind.value)
    parent_code = ma.fields.String(allow_none=True)
    group_code = ma.fields.String()
    group_title_nl = ma.fields.String()
    group_title_en = ma.fields.String(allow_none=True)
    objective_code = ma.fields.String(allow_none=True)
    title_nl = ma.fields.String()
    title_en = ma.fields.String(allow_none=True)
    bbn = ma.fields.Integer(allow_none=True)
    categories = ma.fields.List(ma.fields.String())
    status = ma.fields.String()
    moved_to = ma.fields.String(allow_none=True)
    replaces = ma.fields.String(allow_none=True, metadata={"description": "Its number in the previous version"})
    revision = ma.fields.String(allow_none=True, metadata={"description": "What this version revised in its text"})


class CatalogDiffArgs(ma.Schema):
    from_ = ma.fields.String(data_key="from", validate=ma.validate.Length(min=1, max=30), metadata={
        "description": "The earlier version (a catalog key); default: the newest version before this one"})
    kind = ma.fields.String(validate=ma.validate.OneOf(["added", "changed", "moved", "withdrawn"]))


class CatalogChangeOut(ma.Schema):
    kind = ma.fields.String(metadata={"enum": ["added", "changed", "moved", "withdrawn"]})
    code = ma.fields.String(metadata={"description": "The number in the new version (withdrawn: the old one)"})
    previous_code = ma.fields.String(allow_none=True, metadata={"description": "The number in the earlier version"})
    item = ma.fields.Function(lambda c: "measure" if c.is_measure else "control", metadata={
        "enum": ["control", "measure"]})
    title_nl = ma.fields.String(attribute="title")
    previous_title_nl = ma.fields.Function(lambda c: c.previous.title_nl if c.previous is not None else None,
                                           allow_none=True)
    changed_fields = ma.fields.List(ma.fields.String(), attribute="fields", data_key="fields", metadata={
        "description": "What changed besides the number: title_nl, title_en, categories, bbn, parent_code, "
                       "full_text, revision"})
    revision = ma.fields.String(allow_none=True)


class CatalogDiffCounts(ma.Schema):
    added = ma.fields.Integer()
    changed = ma.fields.Integer()
    moved = ma.fields.Integer()
    withdrawn = ma.fields.Integer()
    unchanged = ma.fields.Integer()


class CatalogDiffOut(ma.Schema):
    from_ = ma.fields.Function(lambda d: d.old.key, data_key="from")
    to = ma.fields.Function(lambda d: d.new.key)
    counts = ma.fields.Function(lambda d: {**d.counts, "unchanged": d.unchanged})
    changes = ma.fields.List(ma.fields.Nested(CatalogChangeOut), attribute="shown")


class ControlArgs(ma.Schema):
    kind = ma.fields.String(validate=ma.validate.OneOf(["control", "measure"]))


def _expired(item: object) -> bool:
    return bool(item.expired_on(evidence_life.local_today(tz=current_app.config["TIMEZONE"])))  # type: ignore[attr-defined]


class EvidenceItemOut(ma.Schema):
    """The life of one piece of a control's evidence: an evidence attachment or an evidence link."""

    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": ["attachment", "link"]})
    attachment_id = ma.fields.Integer(allow_none=True)
    filename = ma.fields.Function(lambda i: i.attachment.filename if i.attachment else None, allow_none=True)
    link = ma.fields.String(allow_none=True)
    owner_id = ma.fields.Integer(allow_none=True, metadata={"description": "The owner, a user of the organisation"})
    owner_name = ma.fields.String(allow_none=True, metadata={"description": "The owner's name, without an account"})
    owner = ma.fields.Function(lambda i: i.owner_label, allow_none=True,
                               metadata={"description": "Who owns it, as shown (the user's name or the name)"})
    evidence_date = ma.fields.Date()
    review_date = ma.fields.Date(metadata={"description": "Valid up to and including this day"})
    expired = ma.fields.Function(_expired, metadata={
        "description": "Past its review date today (Europe/Amsterdam): no longer shows that the control works"})


class EvidenceItemIn(ma.Schema):
    owner_id = ma.fields.Integer(allow_none=True, metadata={"description": "A user of the organisation"})
    owner_name = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200),
                                  metadata={"description": "Or a name (not both)"})
    evidence_date = ma.fields.Date(metadata={"description": "Not in the future"})
    review_date = ma.fields.Date(metadata={
        "description": "Left out with a new evidence_date: that date plus the organisation's default period"})


class AspectOut(ma.Schema):
    status = ma.fields.Function(lambda a: a.status.value, metadata={"enum": ASPECT_STATUSES})
    assessed_on = ma.fields.Date(allow_none=True, metadata={"description": "The day it was judged"})
    assessed_by = ma.fields.String(allow_none=True, metadata={"description": "Who judged it (a name)"})
    evidence = ma.fields.String(allow_none=True)
    attachments = ma.fields.List(ma.fields.Integer(), attribute="attachment_ids",
                                 metadata={"description": "Ids of the control's evidence attachments"})


class ControlAssessmentOut(ma.Schema):
    catalog = ma.fields.Function(lambda a: a.control.catalog.key)
    control = ma.fields.Function(lambda a: a.control.code)
    applicable = ma.fields.Boolean()
    status = ma.fields.Function(lambda a: a.status.value if a.status else None, allow_none=True)
    justification = ma.fields.String(allow_none=True)
    evidence = ma.fields.String(allow_none=True)
    evidence_links = ma.fields.List(ma.fields.String())
    owner = ma.fields.String(allow_none=True)
    proposed = ma.fields.Boolean()
    opzet = ma.fields.Nested(AspectOut, metadata={"description": "Opzet (design)"})
    bestaan = ma.fields.Nested(AspectOut, metadata={"description": "Bestaan (existence)"})
    werking = ma.fields.Nested(AspectOut, metadata={"description": "Werking (operating effectiveness)"})
    contradictions = ma.fields.Function(
        lambda a: services.contradictions(a),
        metadata={"description": "Where the implementation level and opzet, bestaan and werking contradict "
                                 "each other (Dutch text; empty when they agree)"})
    assessed_at = ma.fields.AwareDateTime()
    assessed_by = ma.fields.Function(lambda a: a.assessed_by.name if a.assessed_by else None, allow_none=True)
    evidence_items = ma.fields.List(ma.fields.Nested(EvidenceItemOut), metadata={
        "description": "The control's evidence in force now (files and links), each with its owner, date and "
                       "review date (the same on every row of a control's history)"})
    werking_shown = ma.fields.Boolean(metadata={
        "description": "Werking voldoet with valid evidence (counted as 'werking aangetoond')"})


class ControlAssessmentArgs(ma.Schema):
    catalog = ma.fields.String(required=True)
    control = ma.fields.String(metadata={"description": "Only this control (and its history)"})


class AspectIn(ma.Schema):
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(ASPECT_STATUSES))
    assessed_on = ma.fields.Date(allow_none=True, metadata={"description": "Default: today (not in the future)"})
    assessed_by = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200),
                                   metadata={"description": "Default: the caller's name"})
    evidence = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=20_000))
    attachments = ma.fields.List(ma.fields.Integer(), load_default=list,
                                 metadata={"description": "Ids of the control's evidence attachments"})


class ControlAssessmentIn(ma.Schema):
    catalog = ma.fields.String(required=True, metadata={"description": "e.g. BIO2-1.3"})
    control = ma.fields.String(required=True, metadata={"description": "e.g. 5.24.03"})
    applicable = Boolean(required=True)
    status = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(["niet", "gedeeltelijk", "volledig"]))
    justification = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=20_000))
    evidence = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=20_000))
    evidence_links = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=500)), load_default=list)
    owner = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    opzet = ma.fields.Nested(AspectIn, metadata={"description": "Left out: kept as it is"})
    bestaan = ma.fields.Nested(AspectIn, metadata={"description": "Left out: kept as it is"})
    werking = ma.fields.Nested(AspectIn, metadata={
        "description": "Left out: kept as it is. Status voldoet needs evidence (a text or an attachment)"})


class CarryOverIn(ma.Schema):
    from_ = ma.fields.String(data_key="from", required=True, validate=ma.validate.Length(min=1, max=30),
                             metadata={"description": "The earlier version, e.g. BIO2-1.3"})
    to = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=30),
                          metadata={"description": "The new version the proposals are made in"})


class SkippedOut(ma.Schema):
    control = ma.fields.Function(lambda s: s[0])
    reason = ma.fields.Function(lambda s: s[1])


class CarryOverOut(ma.Schema):
    created = ma.fields.List(ma.fields.Nested(ControlAssessmentOut), metadata={
        "description": "The proposals made (proposed: true), to be confirmed or rejected one by one"})
    skipped = ma.fields.List(ma.fields.Nested(SkippedOut), metadata={
        "description": "Assessments that no longer pass today's checks, with the reason: not carried"})


class ProposalDecisionIn(ma.Schema):
    catalog = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=30))
    control = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20))
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(["confirm", "reject"]))


class ProposalDecisionOut(ma.Schema):
    decision = ma.fields.String()
    assessment = ma.fields.Nested(ControlAssessmentOut, allow_none=True, metadata={
        "description": "The assessment in force now: the confirmed one, or after a rejection the one before "
                       "the proposal (null when there was none)"})


class GroupOut(ma.Schema):
    code = ma.fields.String()
    title = ma.fields.String()
    total = ma.fields.Integer()
    assessed = ma.fields.Integer()
    applicable = ma.fields.Integer()
    volledig = ma.fields.Integer()
    gedeeltelijk = ma.fields.Integer()
    niet = ma.fields.Integer()
    percentage = ma.fields.Float(allow_none=True)
    opzet_voldoet = ma.fields.Integer()
    bestaan_voldoet = ma.fields.Integer()
    werking_voldoet = ma.fields.Integer(metadata={"description": "Applicable, with werking shown (voldoet)"})
    werking_percentage = ma.fields.Float(allow_none=True, metadata={
        "description": "Share of the applicable ones with werking shown"})
    werking_expired = ma.fields.Integer(metadata={
        "description": "Applicable, werking voldoet, but all its evidence files expired: not counted as shown"})


class GapOut(ma.Schema):
    control = ma.fields.Function(lambda g: g.control.code)
    title = ma.fields.Function(lambda g: g.control.title_nl)
    status = ma.fields.Function(lambda g: g.assessment.status.value)
    incidents_12m = ma.fields.Integer()
    open_measures = ma.fields.Function(lambda g: [m.id for m in g.open_measures])


class ComplianceOut(ma.Schema):
    organisation = ma.fields.Function(lambda c: c.organisation.code)
    catalog = ma.fields.Function(lambda c: c.catalog.key)
    total = ma.fields.Nested(GroupOut)
    groups = ma.fields.List(ma.fields.Nested(GroupOut))
    unassessed = ma.fields.Function(lambda c: [x.code for x in c.unassessed])
    gaps = ma.fields.List(ma.fields.Nested(GapOut))
    proposed = ma.fields.Integer()
    contradictions = ma.fields.Integer(metadata={
        "description": "Applicable assessments whose implementation level contradicts opzet, bestaan, werking"})


class ComplianceArgs(ma.Schema):
    catalog = ma.fields.String(required=True)
