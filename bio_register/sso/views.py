"""``/login/oidc`` sends the browser to the provider; ``/login/oidc/callback`` comes back.

A refused callback (forged or replayed state, a token that does not verify, an unknown or
inactive user) renders the login page with a Dutch message, starts no session, and is written
to the audit log and the application log. It answers 200, like a failed password login, and is
not ``Rejected``: the pipeline commits the refusal's audit event.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from bio_register.accounts.forms import LoginForm
from bio_register.accounts.login import begin_session, safe_next
from bio_register.errors import NotFound
from bio_register.i18n import gettext as _
from bio_register.pipeline import public
from bio_register.sso import client, services
from bio_register.sso.client import OidcError

bp = Blueprint("sso", __name__)
log = logging.getLogger(__name__)
PENDING_KEY = "oidc_pending"


def _refused(error: OidcError) -> Any:
    log.warning("OpenID Connect login refused (%s): %s", error.reason, error.detail or error.message)
    services.record_refusal(error)
    return render_template("accounts/login.html", form=LoginForm(), sso_error=error.message)


@bp.route("/login/oidc", methods=["GET"])
@public
def start() -> Any:
    if not client.is_configured(current_app.config):
        raise NotFound()  # no single sign-on configured: the route does not exist
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    try:
        url, pending = client.start(current_app.config, safe_next(request.args.get("next")))
    except OidcError as error:
        return _refused(error)
    session[PENDING_KEY] = pending.as_dict()
    return redirect(url)


@bp.route("/login/oidc/callback", methods=["GET"])
@public
def callback() -> Any:
    if not client.is_configured(current_app.config):
        raise NotFound()
    # One use only: whatever happens next, this state cannot be presented again.
    pending = client.Pending.from_dict(session.pop(PENDING_KEY, None))
    config = current_app.config
    try:
        claims = client.finish(config, pending, request.args)
        issuer = str(claims["iss"])
        login = services.resolve_user(config, issuer, claims)
    except OidcError as error:
        return _refused(error)
    services.record_login(login, issuer, claims)
    assert pending is not None  # finish() refuses a callback without one
    return begin_session(login.user, pending.next_url, mfa_verified=login.mfa_verified)


@bp.app_context_processor
def _login_options() -> dict[str, Any]:
    """For the login page: the SSO button's label (None without SSO) and whether the password form shows."""
    config = current_app.config
    label = (config.get("OIDC_BUTTON_LABEL") or _("uw organisatieaccount")) if client.is_configured(config) else None
    return {
        "sso_button_label": label,
        "local_login": config.get("LOCAL_LOGIN", True),
    }
