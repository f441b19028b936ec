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


# -- matching, linking, creating ------------------------------------------------------------------

def test_after_the_first_login_the_user_is_found_by_subject_not_by_email(client: FlaskClient,
                                                                       sso: TestProvider) -> None:
    user = factories.user(email="ambtenaar@diemen.nl")
    other = factories.user(email="collega@diemen.nl")
    assert sso_login(client, sso).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert not logged_in(client)

    # The provider now sends another person's address for the same account: still the same user.
    sso.user["email"] = other.email
    assert sso_login(client, sso).status_code == 302
    assert last_events(1)[0].actor_id == user.id
    db.session.refresh(other)
    assert other.oidc_subject is None


def test_an_email_already_linked_to_another_provider_account_is_refused(client: FlaskClient,
                                                                       sso: TestProvider) -> None:
    factories.user(email="ambtenaar@diemen.nl")
    assert sso_login(client, sso).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})

    sso.user["sub"] = "someone-else"  # a second provider account claiming the same address
    response = sso_login(client, sso)
    assert response.status_code == 200
    assert "al gekoppeld aan een ander account" in response.get_data(as_text=True)
    assert not logged_in(client)
    assert changes(last_events(1)[0])["reason"] == "linked_elsewhere"


@pytest.mark.parametrize("verified", [False, "false"])
def test_an_unverified_email_links_nobody(client: FlaskClient, sso: TestProvider, verified: Any) -> None:
    user = factories.user(email="ambtenaar@diemen.nl")
    sso.user["email_verified"] = verified
    response = sso_login(client, sso)
    assert "niet is bevestigd" in response.get_data(as_text=True)
    assert not logged_in(client)
    db.session.refresh(user)
    assert user.oidc_subject is None


def test_the_email_claim_is_configurable(client: FlaskClient, sso: TestProvider, app: Flask,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "OIDC_EMAIL_CLAIM", "preferred_username")
    factories.user(email="a.ambtenaar@diemen.nl")
    sso.user.pop("email")
    sso.user["preferred_username"] = "A.Ambtenaar@Diemen.nl"
    assert sso_login(client, sso).status_code == 302


def test_unknown_user_is_refused_without_auto_create(client: FlaskClient, sso: TestProvider) -> None:
    response = sso_login(client, sso)
    assert "Er is geen account voor ambtenaar@diemen.nl" in response.get_data(as_text=True)
    assert not logged_in(client)
    assert db.session.scalar(select(User).where(User.email == "ambtenaar@diemen.nl")) is None
    assert changes(last_events(1)[0])["reason"] == "unknown_user"


def test_auto_create_makes_a_user_without_roles_and_tells_the_beheerders(
        client: FlaskClient, sso: TestProvider, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "OIDC_AUTO_CREATE", True)
    beheerder = factories.user([("beheerder", "DUO")], email="beheer@duoplus.nl")
    response = sso_login(client, sso)
    assert response.status_code == 302 and logged_in(client)

    user = db.session.scalar(select(User).where(User.email == "ambtenaar@diemen.nl"))
    assert user is not None and user.name == "Anna Ambtenaar"
    assert user.memberships == [] and user.password_hash is None
    assert user.oidc_subject == "entra-object-id-0001"
    notice = db.session.scalar(select(Notice).where(Notice.user_id == beheerder.id))
    assert notice is not None and "ambtenaar@diemen.nl" in notice.text
    assert [e.action for e in last_events(3)] == ["create", "oidc_link", "login"]


def test_an_inactive_user_is_refused(client: FlaskClient, sso: TestProvider) -> None:
    user = factories.user(email="ambtenaar@diemen.nl")
    assert sso_login(client, sso).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    user.active = False
    db.session.commit()
    response = sso_login(client, sso)
    assert "uitgeschakeld" in response.get_data(as_text=True)
    assert not logged_in(client)
    event = last_events(1)[0]
    assert (changes(event)["reason"], event.entity_id) == ("inactive", str(user.id))


# -- roles from groups ----------------------------------------------------------------------------

def test_groups_grant_and_revoke_only_the_mapped_roles(client: FlaskClient, sso: TestProvider, app: Flask,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from bio_register.config import parse_group_roles

    monkeypatch.setitem(app.config, "OIDC_GROUP_CLAIM", "groups")
    monkeypatch.setitem(app.config, "OIDC_GROUP_ROLES", parse_group_roles(
        "grp-vo-diemen=DIE:verbindingsofficier;grp-fg=DIE:fg,UIT:fg"))
    factories.organisation("UIT")
    user = factories.user([("ciso", "DIE")], email="ambtenaar@diemen.nl")  # given in the tool

    sso.user["groups"] = ["grp-vo-diemen", "grp-fg", "unrelated"]
    sso.user["amr"] = ["pwd", "mfa"]  # the FG role needs a second factor: done at the provider
    assert sso_login(client, sso).status_code == 302
    db.session.refresh(user)
    held = sorted((m.organisation.code, m.role.value) for m in user.memberships)
    assert held == [("DIE", "ciso"), ("DIE", "fg"), ("DIE", "verbindingsofficier"), ("UIT", "fg")]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})

    sso.user["groups"] = ["grp-fg"]  # left the verbindingsofficieren group
    assert sso_login(client, sso).status_code == 302
    db.session.refresh(user)
    held = sorted((m.organisation.code, m.role.value) for m in user.memberships)
    assert held == [("DIE", "ciso"), ("DIE", "fg"), ("UIT", "fg")]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})

    del sso.user["groups"]  # no claim at all (e.g. Entra ID's group overage): nothing changes
    assert sso_login(client, sso).status_code == 302
    db.session.refresh(user)
    assert len(user.memberships) == 3


# -- the second factor ----------------------------------------------------------------------------

@pytest.mark.parametrize(("amr", "acr", "expected"), [
    (["pwd"], None, False),
    (["pwd", "mfa"], None, True),
    (["hwk"], None, True),
    (["pwd", "otp"], None, False),  # "otp" is not in the default list
    (None, "urn:example:mfa", True),
    (None, "urn:example:password", False),
])
def test_mfa_at_the_provider_is_passed_on(client: FlaskClient, sso: TestProvider, app: Flask,
                                          monkeypatch: pytest.MonkeyPatch, begun: list[dict[str, Any]],
                                          amr: list[str] | None, acr: str | None, expected: bool) -> None:
    monkeypatch.setitem(app.config, "OIDC_MFA_ACR", ["urn:example:mfa"])
    factories.user([("fg", "DIE")], email="ambtenaar@diemen.nl")
    if amr is None:
        del sso.user["amr"]
    else:
        sso.user["amr"] = amr
    if acr is not None:
        sso.user["acr"] = acr
    assert sso_login(client, sso).status_code == 302
    assert [call["mfa_verified"] for call in begun] == [expected]
    assert changes(last_events(1)[0])["mfa_at_provider"] is expected


@pytest.mark.parametrize(("amr", "lands_on"), [(["pwd"], "/login/totp"), (["pwd", "mfa"], "/")])
def test_an_fg_without_mfa_at_the_provider_still_gives_the_tool_s_code(
        client: FlaskClient, sso: TestProvider, amr: list[str], lands_on: str) -> None:
    factories.user([("fg", "DIE")], email="ambtenaar@diemen.nl")  # TOTP switched on (factory default)
    sso.user["amr"] = amr
    response = sso_login(client, sso)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == lands_on
    assert logged_in(client) is (lands_on == "/")


# -- local login switched off ---------------------------------------------------------------------

def test_local_login_off_hides_and_refuses_the_password_form(client: FlaskClient, sso: TestProvider,
                                                             app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    user = factories.user(email="ambtenaar@diemen.nl")
    token = csrf_token(client, "/login")  # a form loaded before the switch, or a handmade POST
    monkeypatch.setitem(app.config, "LOCAL_LOGIN", False)
    html = client.get("/login").get_data(as_text=True)
    assert "Inloggen met Microsoft Entra ID" in html
    assert 'name="password"' not in html
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 403
    assert "Inloggen met een wachtwoord is uitgeschakeld" in response.get_data(as_text=True)
    assert not logged_in(client)
    assert sso_login(client, sso).status_code == 302  # SSO still works



# -- refusals -------------------------------------------------------------------------------------

REFUSED = "Het inloggen via de inlogdienst is geweigerd"


def assert_refused(client: FlaskClient, response: Any, reason: str, caplog: pytest.LogCaptureFixture,
                   message: str = REFUSED) -> None:
    assert response.status_code == 200  # the login page with the message, never a 500
    html = response.get_data(as_text=True)
    assert message in html and "Inloggen is niet gelukt" in html
    assert not logged_in(client)
    assert client.get("/").status_code == 302  # still anonymous
    event = last_events(1)[0]
    assert (event.action, event.actor_id) == ("login_failed", None)
    assert changes(event)["reason"] == reason
    assert any(f"refused ({reason})" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


@pytest.mark.parametrize(("tamper", "reason"), [
    ({"iss": "http://127.0.0.1:1/another-issuer"}, "wrong_issuer"),
    ({"aud": "another-application"}, "wrong_audience"),
    ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired"),
    ({"sign_with_rogue_key": True}, "bad_signature"),
    ({"nonce": None}, "nonce"),
    ({"nonce": "not-the-nonce-we-sent"}, "nonce"),
    ({"sub": None}, "invalid_token"),
], ids=["wrong-issuer", "wrong-audience", "expired", "bad-signature", "missing-nonce", "wrong-nonce", "no-sub"])
def test_a_token_that_does_not_verify_is_refused(client: FlaskClient, sso: TestProvider,
                                                 caplog: pytest.LogCaptureFixture,
                                                 tamper: dict[str, Any], reason: str) -> None:
    user = factories.user([("verbindingsofficier", "DIE")], email="ambtenaar@diemen.nl")
    sso.tamper = tamper
    with caplog.at_level(logging.WARNING):
        response = sso_login(client, sso)
    assert_refused(client, response, reason, caplog)
    db.session.refresh(user)
    assert user.oidc_subject is None  # nothing linked


def test_a_forged_state_is_refused(client: FlaskClient, sso: TestProvider, caplog: pytest.LogCaptureFixture) -> None:
    factories.user(email="ambtenaar@diemen.nl")
    callback = go_to_provider(client, sso)
    parts = urlsplit(callback)
    query = parse_qs(parts.query)
    forged = f"{parts.path}?code={query['code'][0]}&state=forged-by-an-attacker"
    with caplog.at_level(logging.WARNING):
        response = client.get(forged)
    assert_refused(client, response, "state", caplog, "Deze inlogpoging is onbekend of al gebruikt")
    assert sso.token_requests == []  # the code was never even exchanged
    # The real callback after a refusal is refused too: the pending login was used up.
    with caplog.at_level(logging.WARNING):
        assert_refused(client, follow(client, callback), "state", caplog, "Deze inlogpoging is onbekend")


def test_a_callback_nobody_started_is_refused(client: FlaskClient, sso: TestProvider,
                                              caplog: pytest.LogCaptureFixture) -> None:
    """Login CSRF: an attacker's own code and state, sent to the victim's browser."""
    factories.user(email="ambtenaar@diemen.nl")
    callback = go_to_provider(client.application.test_client(), sso)  # the attacker's own browser
    with caplog.at_level(logging.WARNING):
        response = follow(client, callback)
    assert_refused(client, response, "state", caplog, "Deze inlogpoging is onbekend of al gebruikt")


def test_a_replayed_callback_is_refused(client: FlaskClient, sso: TestProvider,
                                        caplog: pytest.LogCaptureFixture) -> None:
    factories.user(email="ambtenaar@diemen.nl")
    callback = go_to_provider(client, sso)
    cookie_before = client.get_cookie("bio_register_session")
    assert follow(client, callback).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})

    # The same callback again in the same browser: the state was used.
    with caplog.at_level(logging.WARNING):
        assert_refused(client, follow(client, callback), "state", caplog, "Deze inlogpoging is onbekend")

    # Even with the session cookie as it was before the first callback, the code works only once.
    client.set_cookie("bio_register_session", cookie_before.value)
    with caplog.at_level(logging.WARNING):
        assert_refused(client, follow(client, callback), "token_refused", caplog)


def test_a_login_that_took_too_long_is_refused(client: FlaskClient, sso: TestProvider,
                                               caplog: pytest.LogCaptureFixture) -> None:
    factories.user(email="ambtenaar@diemen.nl")
    callback = go_to_provider(client, sso)
    with client.session_transaction() as session:
        session[sso_views.PENDING_KEY] = {**session[sso_views.PENDING_KEY], "started_at": time.time() - 3600}
    with caplog.at_level(logging.WARNING):
        assert_refused(client, follow(client, callback), "state", caplog, "duurde te lang")


def test_the_provider_saying_no_is_shown(client: FlaskClient, sso: TestProvider,
                                         caplog: pytest.LogCaptureFixture) -> None:
    callback = go_to_provider(client, sso)
    state = parse_qs(urlsplit(callback).query)["state"][0]
    with caplog.at_level(logging.WARNING):
        response = client.get(f"/login/oidc/callback?error=access_denied&error_description=cancelled&state={state}")
    assert_refused(client, response, "provider_error", caplog, "De inlogdienst heeft het inloggen niet toegestaan")


def test_an_unreachable_provider_gives_a_clear_message(client: FlaskClient, sso: TestProvider, app: Flask,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setitem(app.config, "OIDC_ISSUER", "http://127.0.0.1:9")  # discard port: nothing listens
    with caplog.at_level(logging.WARNING):
        response = client.get("/login/oidc")
    assert_refused(client, response, "provider_unreachable", caplog, "De inlogdienst is nu niet bereikbaar")


def test_rotated_provider_keys_are_fetched_again(client: FlaskClient, sso: TestProvider) -> None:
    factories.user(email="ambtenaar@diemen.nl")
    assert sso_login(client, sso).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    sso.rotate_keys()  # the cached JWKS no longer has the signing key
    assert sso_login(client, sso).status_code == 302
    assert logged_in(client)


def test_an_account_recreated_at_the_provider_is_linked_again_after_unlink_sso(
        client: FlaskClient, sso: TestProvider, app: Flask) -> None:
    user = factories.user(email="ambtenaar@diemen.nl")
    assert sso_login(client, sso).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})

    sso.user["sub"] = "entra-object-id-0002"  # deleted and recreated at the provider: a new subject
    assert "al gekoppeld" in sso_login(client, sso).get_data(as_text=True)

    result = app.test_cli_runner().invoke(args=["bio", "unlink-sso", "--email", user.email])
    assert result.exit_code == 0 and "verwijderd" in result.output
    assert last_events(1)[0].action == "oidc_unlink"
    assert sso_login(client, sso).status_code == 302
    db.session.refresh(user)
    assert user.oidc_subject == "entra-object-id-0002"

    unknown = app.test_cli_runner().invoke(args=["bio", "unlink-sso", "--email", "niemand@example.nl"])
    assert unknown.exit_code != 0 and "Onbekende gebruiker" in unknown.output
