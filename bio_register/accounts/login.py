"""Starting a browser session after a user proved who they are.

Every way of logging in (the local password form, OpenID Connect) ends here, so the session rules
live in one place: a fresh session id, the idle/absolute timestamps, and the second factor.

A user who has TOTP switched on, or who must use it (``two_factor.required_for``), is not logged
in after the first step: the session holds only a short-lived *pending* state (user id, auth
version, where to go next, when) and the browser goes to the code page (``/login/totp``) or, for a
required user without TOTP, to the enrolment page (``/login/totp/instellen``). Only when the code
is right does :func:`complete_login` start the real session. A pending state reaches no other page:
Flask-Login does not know the user until then.

This is the web layer's session module (it knows Flask's ``session`` and Flask-Login); the rules
it applies (:mod:`bio_register.accounts.two_factor`, :mod:`bio_register.accounts.services`) do not.
It never commits: the request pipeline commits the login's audit events when the view returns,
before the response (and its session cookie) leaves.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from flask import redirect, session, url_for
from flask_login import login_user

from bio_register.accounts import services, two_factor
from bio_register.accounts.models import User
from bio_register.extensions import db

PENDING_KEY = "mfa_pending"
#: the random key of the server-side session row (:class:`~bio_register.accounts.models.UserSession`)
SESSION_KEY = "session_key"
#: How long the second step may take after the password.
PENDING_SECONDS = 5 * 60


def safe_next(target: str | None) -> str:
    """Where to go after logging in: only a path on this site (never an open redirect), else the
    start page."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("main.home")


def _fresh_session() -> None:
    lang = session.get("lang")
    session.clear()  # a fresh session at login (and at the password step)
    if lang:
        session["lang"] = lang


def begin_session(user: User, next_url: str, *, mfa_verified: bool = False) -> Any:
    """Log ``user`` in and redirect to ``next_url`` (already checked to be a path on this site).

    ``mfa_verified`` says the user already passed a second factor (for instance at an identity
    provider that reported it); otherwise the second factor is asked here when the user has TOTP
    switched on or must use it.
    """
    if not mfa_verified and (user.totp_enabled or two_factor.required_for(user)):
        _fresh_session()
        session[PENDING_KEY] = {"user_id": user.id, "auth_version": user.auth_version,
                                "next": next_url, "at": time.time()}
        if user.totp_enabled:
            return redirect(url_for("accounts.login_totp"))
        return redirect(url_for("accounts.login_enrol"))
    complete_login(user, mfa=mfa_verified)
    return redirect(next_url)


def complete_login(user: User, *, mfa: bool) -> None:
    """The real login: a fresh session known on the server, Flask-Login, the timeout timestamps."""
    _fresh_session()
    session[SESSION_KEY] = services.start_session(user)
    login_user(user)
    session["started_at"] = session["seen_at"] = time.time()
    if mfa:
        session["mfa"] = True


def pending_user(now: float | None = None) -> tuple[User, str] | None:
    """The user half-way through a login and where they go next, or None (none, expired, changed)."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    now = time.time() if now is None else now
    started = pending.get("at")
    if not isinstance(started, int | float) or not 0 <= now - started <= PENDING_SECONDS:
        return None
    user_id = pending.get("user_id")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    # A password change or a reset of the second factor in the meantime ends the attempt too.
    if user is None or not user.active or user.auth_version != pending.get("auth_version"):
        return None
    return user, str(pending.get("next") or "/")


def clear_pending() -> None:
    session.pop(PENDING_KEY, None)


def end_session() -> None:
    """Logout: the server forgets this session (a copied cookie opens nothing), the cookie is cleared."""
    key = session.get(SESSION_KEY)
    services.end_session(key if isinstance(key, str) else None)
    session.clear()
