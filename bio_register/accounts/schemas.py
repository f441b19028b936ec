from __future__ import annotations

import marshmallow as ma

from bio_register.accounts.services import LOCALES


class MembershipOut(ma.Schema):
    organisation = ma.fields.Function(lambda m: m.organisation.code)
    role = ma.fields.Function(lambda m: str(m.role))


class MeOut(ma.Schema):
    id = ma.fields.Integer()
    email = ma.fields.String()
    name = ma.fields.String()
    locale = ma.fields.String(allow_none=True)
    memberships = ma.fields.List(ma.fields.Nested(MembershipOut))


class MePatch(ma.Schema):
    """The caller's own profile. Unknown fields are refused (marshmallow's default)."""

    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    locale = ma.fields.String(validate=ma.validate.OneOf(LOCALES))
