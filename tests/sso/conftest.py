from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from bio_register.sso import client as oidc_client
from tests.sso.idp import TestProvider


@pytest.fixture(scope="session")
def idp() -> Iterator[TestProvider]:
    provider = TestProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def sso(app: Flask, idp: TestProvider, monkeypatch: pytest.MonkeyPatch) -> TestProvider:
    """The application configured for the test provider, with the provider reset."""
    idp.reset()
    oidc_client._cache.clear()
    for key, value in {
        "OIDC_ISSUER": idp.issuer, "OIDC_CLIENT_ID": idp.client_id, "OIDC_CLIENT_SECRET": idp.client_secret,
        "OIDC_SCOPES": "openid email profile", "OIDC_BUTTON_LABEL": "Microsoft Entra ID",
        "OIDC_EMAIL_CLAIM": "email", "OIDC_AUTO_CREATE": False, "OIDC_GROUP_CLAIM": "", "OIDC_GROUP_ROLES": {},
        "OIDC_MFA_AMR": ["mfa", "ngcmfa", "hwk", "fido", "sc"], "OIDC_MFA_ACR": [], "LOCAL_LOGIN": True,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    return idp


def go_to_provider(client: FlaskClient, idp: TestProvider, path: str = "/login/oidc") -> str:
    """Start the login and let the provider answer (real HTTP); the callback URL it redirects to."""
    start = client.get(path)
    assert start.status_code == 302, start.get_data(as_text=True)
    location = start.headers["Location"]
    assert location.startswith(idp.issuer + "/authorize?")
    answer = requests.get(location, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def follow(client: FlaskClient, url: str) -> Any:
    """The browser following a redirect back to the application."""
    parts = urlsplit(url)
    assert parts.path == "/login/oidc/callback"
    return client.get(f"{parts.path}?{parts.query}")


def sso_login(client: FlaskClient, idp: TestProvider, path: str = "/login/oidc") -> Any:
    return follow(client, go_to_provider(client, idp, path))


def logged_in(client: FlaskClient) -> bool:
    with client.session_transaction() as session:
        return bool(session.get("_user_id"))
