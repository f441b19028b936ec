"""API schemas for playbooks and the steps on incidents: separate input and output, unknown input refused."""

from __future__ import annotations

import marshmallow as ma

from bio_register.incidents.models import Category, TaskState
from bio_register.playbooks.services import MAX_NOTE, MAX_STEP, MAX_STEPS

CATEGORIES = ma.validate.OneOf([c.value for c in Category])
STATES = ma.validate.OneOf([s.value for s in TaskState])


class PlaybookOut(ma.Schema):
    category = ma.fields.Function(lambda p: p.category.value, metadata={"description": "The incident category"})
    label = ma.fields.String(metadata={"description": "The category as the user reads it"})
    steps = ma.fields.List(ma.fields.String(), metadata={"description": "The steps, in order"})
    source = ma.fields.String(metadata={"description": (
        "eigen (the organisation's own), overgenomen (of an organisation above it: source_organisation) "
        "or standaard (shipped with BIO-register)")})
    source_organisation = ma.fields.String(allow_none=True)
    version = ma.fields.Integer(allow_none=True, metadata={"description": (
        "The organisation's own copy's version (null: it has none); send it back when saving")})
    updated_at = ma.fields.AwareDateTime(allow_none=True)


class PlaybookListOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PlaybookOut))
    total = ma.fields.Integer(metadata={"description": "One playbook per category at most: never paged"})


class PlaybookIn(ma.Schema):
    steps = ma.fields.List(ma.fields.Raw(), required=True, validate=ma.validate.Length(max=MAX_STEPS * 2),
                           metadata={"description": f"The steps in order: 1 to {MAX_STEPS} texts of at most "
                                                    f"{MAX_STEP} characters; an empty step answers 422 "
                                                    "naming steps.<n>"})
    version = ma.fields.Integer(allow_none=True, metadata={"description": (
        "The version of the organisation's own copy as read (null or absent: no check)")})


class ApplyIn(ma.Schema):
    category = ma.fields.String(allow_none=True, validate=CATEGORIES, metadata={"description": (
        "Whose playbook to apply; default the incident's category")})


class TaskOut(ma.Schema):
    id = ma.fields.Integer()
    position = ma.fields.Integer()
    text = ma.fields.String()
    playbook = ma.fields.Function(lambda t: t.playbook_category.value,
                                  metadata={"description": "The category whose playbook the step came from"})
    state = ma.fields.Function(lambda t: t.state.value, metadata={"description": "open, gedaan or "
                                                                                 "niet_van_toepassing"})
    note = ma.fields.String(allow_none=True)
    changed_by = ma.fields.Function(lambda t: t.changed_by.name if t.changed_by else None)
    changed_at = ma.fields.AwareDateTime(allow_none=True)


class TaskListOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TaskOut))
    open = ma.fields.Integer(metadata={"description": "How many steps are still open"})


class TaskChangeIn(ma.Schema):
    id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=2**31 - 1))
    state = ma.fields.String(required=True, validate=STATES)
    note = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=MAX_NOTE))


class TasksPatch(ma.Schema):
    tasks = ma.fields.List(ma.fields.Nested(TaskChangeIn), required=True,
                           validate=ma.validate.Length(min=1, max=200))
