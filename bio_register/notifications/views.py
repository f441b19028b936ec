"""The development server's *Verzonden e-mail (ontwikkeling)* page: what the console transport
printed, for the functioneel beheerder. Registered only by the development server
(``bio-register serve`` without SMTP): in production the route does not exist (404)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for

from bio_register.forms import page_arg
from bio_register.notifications import services
from bio_register.permissions import Permission
from bio_register.pipeline import requires

bp = Blueprint("dev_mail", __name__, template_folder="templates")

PER_PAGE = 25


@bp.route("/beheer/verzonden-e-mail")
@requires(Permission.SCHEDULE_MANAGE)
def outbox() -> Any:
    """The e-mail written to the console, newest first, paged."""
    page = services.outbox_page(page_arg(request.args.get("page", 1)), PER_PAGE)

    def page_url(number: int) -> str:
        return url_for("dev_mail.outbox", page=number)

    return render_template("notifications/dev_outbox.html", page=page, page_url=page_url)
