"""API schemas: separate input and output, explicit fields, unknown input refused. Codes, prefixes
and names are checked in the service (one set of messages for the page, the API and the CLI)."""

from __future__ import annotations

import marshmallow as ma

from bio_register.api.base import Boolean

#: generous bounds on the raw input; the service says what is wrong with a value within them
_CODE = ma.validate.Length(max=50)
_NAME = ma.validate.Length(max=1000)


class OrganisationOut(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    reference_prefix = ma.fields.String()
    parent = ma.fields.Function(lambda org: org.parent.code if org.parent else None, allow_none=True)
    two_factor_required = ma.fields.Boolean(
        metadata={"description": "Every member logs in with a second factor (always so for fg and beheerder)"})


class OrganisationCreate(ma.Schema):
    code = ma.fields.String(required=True, validate=_CODE,
                            metadata={"description": "2–10 letters (A–Z) and digits, unique; stored in capitals"})
    name = ma.fields.String(required=True, validate=_NAME, metadata={"description": "At most 200 characters"})
    reference_prefix = ma.fields.String(
        validate=_CODE, allow_none=True,
        metadata={"description": "Prefix of its incident numbers: 2–10 letters and digits, unique (default: code)"})
    parent = ma.fields.String(
        required=True, validate=_CODE,
        metadata={"description": "Code of the organisation it falls under: one the caller manages"})


class OrganisationPatch(ma.Schema):
    name = ma.fields.String(validate=_NAME, metadata={"description": "At most 200 characters"})
    two_factor_required = Boolean(
        metadata={"description": "Require a second login factor of every member"})
