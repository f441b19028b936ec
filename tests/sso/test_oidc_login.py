"""Single sign-on end to end against a real OpenID Connect provider on 127.0.0.1 (tests/sso/idp.py)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bio_register.accounts.models import User
from bio_register.audit.models import AuditEvent
from bio_register.extensions import db
from bio_register.notifications.models import Notice
from bio_register.sso import views as sso_views
from tests import factories
from tests.conftest import csrf_token
from tests.sso.conftest import follow, go_to_provider, logged_in, sso_login
from tests.sso.idp import TestProvider


def last_events(n: int = 5) -> list[AuditEvent]:
    return list(reversed(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(n)).all()))


def changes(event: AuditEvent) -> dict[str, Any]:
    return {k: v["after"] for k, v in json.loads(event.changes).items()}


@pytest.fixture
def begun(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Records every call of begin_session from the SSO callback (and still calls it)."""
    calls: list[dict[str, Any]] = []
    original = sso_views.begin_session

    def recording(user: User, next_url: str, *, mfa_verified: bool = False) -> Any:
        calls.append({"user": user.email, "next_url": next_url, "mfa_verified": mfa_verified})
        return original(user, next_url, mfa_verified=mfa_verified)

    monkeypatch.setattr(sso_views, "begin_session", recording)
    return calls


# -- the happy path -------------------------------------------------------------------------------

def test_login_page_offers_the_provider_button(client: FlaskClient, sso: TestProvider) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert "Inloggen met Microsoft Entra ID" in html
    assert 'name="password"' in html  # local login stays on by default


def test_no_button_and_no_route_without_oidc_settings(client: FlaskClient) -> None:
    assert "Inloggen met" not in client.get("/login").get_data(as_text=True)
    assert client.get("/login/oidc").status_code == 404
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404


def test_whole_flow_logs_a_known_user_in(client: FlaskClient, sso: TestProvider,
                                         begun: list[dict[str, Any]]) -> None:
    user = factories.user([("verbindingsofficier", "DIE")], email="ambtenaar@diemen.nl")
    start = client.get("/login/oidc?next=/incidenten")
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    assert query["redirect_uri"] == ["http://127.0.0.1:5000/login/oidc/callback"]

    answer = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    response = follow(client, answer.headers["Location"])

    assert response.status_code == 302
    assert response.headers["Location"] == "/incidenten"
    assert logged_in(client)
    assert client.get("/").status_code == 200
    # The token request proved PKCE and the client's secret (checked by the provider).
    assert sso.token_requests and sso.token_requests[-1]["code_verifier"]
    assert begun == [{"user": user.email, "next_url": "/incidenten", "mfa_verified": False}]
    link, login = last_events(2)
    assert (link.action, changes(link)["oidc_subject"]) == ("oidc_link", "entra-object-id-0001")
    assert (login.action, login.actor_id, changes(login)["method"]) == ("login", user.id, "oidc")
    db.session.refresh(user)
    assert (user.oidc_issuer, user.oidc_subject) == (sso.issuer, "entra-object-id-0001")


def test_next_must_stay_on_this_site(client: FlaskClient, sso: TestProvider) -> None:
    factories.user(email="ambtenaar@diemen.nl")
    response = sso_login(client, sso, "/login/oidc?next=https://evil.example/")
    assert response.headers["Location"] == "/"
