"""The users API's input and output. Unknown input fields are refused (marshmallow's default)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from bio_register.accounts.schemas import MembershipOut
from bio_register.api.base import Boolean, PageArgs
from bio_register.permissions import Role

ROLES = [role.value for role in Role]
CODE = ma.validate.Regexp(r"^[A-Za-z0-9]{2,10}$", error="Een organisatiecode is 2 tot 10 letters of cijfers.")


class MembershipIn(ma.Schema):
    organisation = ma.fields.String(required=True, validate=CODE, metadata={"example": "DIE"})
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES),
                            metadata={"example": "verbindingsofficier"})


class UserOut(ma.Schema):
    """A user as a manager sees it: the roles within the manager's scope only."""

    id = ma.fields.Integer(attribute="user.id")
    email = ma.fields.String(attribute="user.email")
    name = ma.fields.String(attribute="user.name")
    active = ma.fields.Boolean(attribute="user.active")
    two_factor = ma.fields.Boolean(attribute="user.totp_enabled")
    last_login_at = ma.fields.DateTime(attribute="user.last_login_at", allow_none=True)
    sso = ma.fields.Boolean(metadata={"description": "Logs in with single sign-on (a linked provider account)"})
    invitation_open = ma.fields.Boolean(metadata={"description": "Invited, no password chosen yet"})
    memberships = ma.fields.List(ma.fields.Nested(MembershipOut))


class InvitedOut(UserOut):
    created = ma.fields.Boolean(metadata={"description": "False: the address had an account; roles were added"})
    roles_added = ma.fields.List(ma.fields.Nested(MembershipOut))


class InvitationIn(ma.Schema):
    email = ma.fields.String(required=True, validate=ma.validate.Length(min=3, max=254))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    memberships = ma.fields.List(ma.fields.Nested(MembershipIn), required=True,
                                 validate=ma.validate.Length(min=1, max=50))


class UserPatch(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    active = Boolean(metadata={"description": "false: deactivate (sessions and API tokens end at once)"})

    @ma.validates_schema
    def _not_empty(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not data:
            raise ma.ValidationError("Geef name of active.", field_name="body")


class UserListArgs(PageArgs):
    q = ma.fields.String(validate=ma.validate.Length(max=200),
                         metadata={"description": "Part of the name or e-mail address"})
