"""``/api/v1/users``: the functioneel beheerder's people, as on the pages (``people/views.py``)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from bio_register.accounts import links
from bio_register.accounts.models import User
from bio_register.accounts.schemas import MembershipOut
from bio_register.api.base import page_schema, problem_doc
from bio_register.loaders import MANAGED_USER
from bio_register.people import services
from bio_register.people.schemas import (
    InvitationIn,
    InvitedOut,
    MembershipIn,
    UserListArgs,
    UserOut,
    UserPatch,
)
from bio_register.permissions import Permission
from bio_register.pipeline import api_blueprint, api_caller, api_user, requires

blp = api_blueprint("users_api", __name__, "/users",
                    "Gebruikers en hun rollen, voor de functioneel beheerder (binnen de eigen organisaties).")

UserPage = page_schema(UserOut, "UserPage")
NOT_MANAGER = "The caller manages the users of no organisation"


def _mail() -> services.Mail:
    return services.Mail(links.for_app(current_app), local_login=current_app.config.get("LOCAL_LOGIN", True))


@blp.route("")
@blp.arguments(UserListArgs, location="query")
@blp.response(200, UserPage)
@blp.alt_response(403, **problem_doc(NOT_MANAGER))
@requires(Permission.USER_MANAGE)
def list_users(args: dict[str, Any]) -> dict[str, Any]:
    """The users the caller manages, by name; ``q`` searches name and e-mail. Only the roles in the
    caller's organisations are shown."""
    page = services.list_users(api_caller(), args.get("q"), args["page"], args["per_page"])
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}


@blp.route("", methods=["POST"])
@blp.arguments(InvitationIn)
@blp.response(201, InvitedOut)
@blp.alt_response(200, schema=InvitedOut, description="The address had an account: the missing roles were added")
@blp.alt_response(403, **problem_doc(NOT_MANAGER))
@blp.alt_response(404, **problem_doc("An organisation that does not exist or whose users the caller does not manage"))
@requires(Permission.USER_MANAGE)
def invite_user(data: dict[str, Any]) -> Any:
    """Invite a person by e-mail: a one-time link (7 days) to choose a password, or with single
    sign-on only a message. An existing address gets the roles it lacks (200); one that has them
    all is refused (422)."""
    user = api_user()
    invited = services.invite(user, data["email"], data["name"],
                              [(m["organisation"], m["role"]) for m in data["memberships"]], _mail())
    row = services.row(user, invited.user)
    body = {"user": invited.user, "sso": row.sso, "invitation_open": row.invitation_open,
            "memberships": row.memberships, "created": invited.created, "roles_added": invited.added}
    return body, 201 if invited.created else 200


def _out(user: User) -> services.UserRow:
    return services.row(api_user(), user)


@blp.route("/<int:user_id>")
@blp.response(200, UserOut)
@blp.alt_response(404, **problem_doc("Unknown, or not a user the caller manages"))
@requires(Permission.USER_MANAGE, load=MANAGED_USER)
def get_user(user: User) -> services.UserRow:
    return _out(user)


@blp.route("/<int:user_id>", methods=["PATCH"])
@blp.arguments(UserPatch)
@blp.response(200, UserOut)
@blp.alt_response(404, **problem_doc("Unknown, or not a user the caller manages"))
@requires(Permission.USER_MANAGE, load=MANAGED_USER)
def patch_user(data: dict[str, Any], user: User) -> services.UserRow:
    """Rename, deactivate (every session and API token ends at once) or reactivate. The last
    beheerder of a top-level organisation cannot be deactivated (422)."""
    if "name" in data:
        services.rename(api_user(), user, data["name"])
    if "active" in data:
        services.set_active(api_user(), user, data["active"])
    return _out(user)


@blp.route("/<int:user_id>/memberships", methods=["POST"])
@blp.arguments(MembershipIn)
@blp.response(201, MembershipOut)
@blp.alt_response(404, **problem_doc("Unknown user, or an organisation whose users the caller does not manage"))
@requires(Permission.USER_MANAGE, load=MANAGED_USER)
def add_membership(data: dict[str, Any], user: User) -> Any:
    """Give a role in an organisation the caller manages. ``fg`` and ``beheerder`` require
    two-factor authentication from the user's next request on."""
    return services.grant(api_user(), user, data["organisation"], data["role"])


@blp.route("/<int:user_id>/memberships/<string:organisation>/<string:role>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(404, **problem_doc("Unknown user, role not held, or an organisation the caller does not manage"))
@blp.alt_response(422, **problem_doc("An unknown role, or the last beheerder of a top-level organisation"))
@requires(Permission.USER_MANAGE, load=MANAGED_USER)
def remove_membership(user: User, organisation: str, role: str) -> None:
    """Take a role; it counts from the user's next request. The last beheerder of a top-level
    organisation keeps the role (422)."""
    services.revoke(api_user(), user, organisation, role)


@blp.route("/<int:user_id>/password-reset", methods=["POST"])
@blp.response(202)
@blp.alt_response(404, **problem_doc("Unknown, or not a user the caller manages"))
@blp.alt_response(422, **problem_doc("Password login is switched off, or the user is deactivated"))
@requires(Permission.USER_MANAGE, load=MANAGED_USER)
def reset_password(user: User) -> None:
    """A suspected compromise: the password stops working, sessions and API tokens end, and the user
    gets an e-mail with a link (1 hour) to choose a new one. No password is ever returned."""
    services.reset_password(api_user(), user, _mail())
