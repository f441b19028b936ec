from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from bio_register.permissions import Permission, scoped_organisations

bp = Blueprint("main", __name__, template_folder="templates")


@bp.route("/")
@login_required
def home() -> Any:
    organisations = scoped_organisations(current_user, Permission.ORGANISATION_READ)
    return render_template("main/home.html", organisations=organisations)


@bp.route("/health")
def health() -> Any:
    """For the load balancer: the process answers (no database round trip)."""
    return {"status": "ok"}
