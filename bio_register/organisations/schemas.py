from __future__ import annotations

import marshmallow as ma


class OrganisationOut(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    reference_prefix = ma.fields.String()
    parent = ma.fields.Function(lambda org: org.parent.code if org.parent else None, allow_none=True)
