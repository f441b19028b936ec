from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from bio_register.organisations import services
from bio_register.permissions import (
    Permission,
    get_organisation,
    has_permission,
    roles_in,
    scoped_organisations,
)

bp = Blueprint("organisations", __name__, template_folder="templates")


@bp.route("/organisaties")
@login_required
def index() -> Any:
    organisations = scoped_organisations(current_user, Permission.ORGANISATION_READ)
    return render_template("organisations/index.html", organisations=organisations)


@bp.route("/organisaties/<code>")
@login_required
def detail(code: str) -> Any:
    organisation = get_organisation(current_user, code, Permission.ORGANISATION_READ)
    members = (
        services.members_of(organisation)
        if has_permission(current_user, Permission.USER_MANAGE, organisation.id)
        else []
    )
    return render_template("organisations/detail.html", organisation=organisation,
                           my_roles=list(roles_in(current_user, organisation.id)), members=members)
