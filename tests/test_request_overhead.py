"""What a request does not do when it does not need to (issue 23, item 2): no browser session for
the health checks, ``/metrics`` and API calls with a token; the login limits only on the views they
protect; no transaction for a request that never reached the database."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bio_register.extensions import db, limiter, login_manager
from tests import factories
from tests.conftest import login
from tests.factories import PASSWORD


@pytest.fixture
def loaded_users(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids Flask-Login's user loader is asked for during the test."""
    seen: list[str] = []
    original = login_manager._user_callback
    assert original is not None

    def counting(user_id: str) -> Any:
        seen.append(user_id)
        return original(user_id)

    monkeypatch.setattr(login_manager, "_user_callback", counting)
    return seen


def _signed_in(client: FlaskClient) -> None:
    factories.organisation("DIE", "Diemen")
    user = factories.user([("verbindingsofficier", "DIE")], email="vo@example.nl")
    db.session.flush()
    assert user.id
    assert login(client, "vo@example.nl", PASSWORD).status_code == 302


@pytest.mark.parametrize("path", ["/health", "/health/ready"])
def test_health_checks_neither_read_nor_write_the_browser_session(
        client: FlaskClient, loaded_users: list[str], path: str) -> None:
    _signed_in(client)  # even with a valid session cookie in the jar
    loaded_users.clear()
    response = client.get(path)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert loaded_users == []


def test_an_api_call_with_a_token_loads_no_browser_session(client: FlaskClient, loaded_users: list[str]) -> None:
    _signed_in(client)
    user = factories.user([("verbindingsofficier", "DIE")], email="script@example.nl")
    secret = factories.token(user)
    loaded_users.clear()
    response = client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert loaded_users == []


def test_an_api_call_without_a_token_is_not_let_in_by_the_browser_session(client: FlaskClient) -> None:
    _signed_in(client)
    assert client.get("/api/v1/incidents").status_code == 401


def test_pages_still_use_the_browser_session(client: FlaskClient, loaded_users: list[str]) -> None:
    _signed_in(client)
    loaded_users.clear()
    response = client.get("/incidenten")
    assert response.status_code == 200
    assert len(loaded_users) == 1


def test_the_limiter_checks_only_the_views_it_protects(app: Flask) -> None:
    checks = [f for f in app.before_request_funcs.get(None, []) if getattr(f, "__self__", None) is limiter]
    assert checks == []  # no lookup on every request; the login views carry their own limits


def test_the_login_limit_still_holds(client: FlaskClient) -> None:
    """The decorators on the login view check on their own: the per-account limit still refuses."""
    factories.organisation("DIE", "Diemen")
    factories.user([("verbindingsofficier", "DIE")], email="vo@example.nl")
    db.session.flush()
    statuses = [login(client, "vo@example.nl", "wrong password!").status_code for _ in range(12)]
    assert 429 in statuses


def test_a_request_that_never_reached_the_database_commits_nothing(client: FlaskClient, app: Flask) -> None:
    from sqlalchemy import event

    commits: list[object] = []
    listener = lambda session: commits.append(session)  # noqa: E731
    event.listen(db.session, "after_commit", listener)
    try:
        assert client.get("/health").status_code == 200
    finally:
        event.remove(db.session, "after_commit", listener)
    assert commits == []
