"""One-time links ("Wachtwoord vergeten?", invitations) over a real SMTP server, and sessions that
end on the server (logout, deactivation, a password reset)."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bio_register.accounts import services as accounts
from bio_register.accounts.models import AccountLink, LinkPurpose, UserSession
from bio_register.audit.models import AuditEvent
from bio_register.extensions import db
from bio_register.notifications.models import OutboxMessage
from bio_register.notifications.services import SCRUBBED_BODY
from tests import factories
from tests.conftest import csrf_token, login
from tests.mailserver import Collector, link_in

NEW_PASSWORD = "kraanvogel dinsdag roestig pianoles"


def forgot(client: FlaskClient, email: str):
    """Ask for a reset link; the response is closed as a WSGI server does, which sends the e-mail."""
    response = client.post("/wachtwoord-vergeten", data={"email": email,
                                                         "csrf_token": csrf_token(client, "/wachtwoord-vergeten")})
    response.close()
    return response


def choose(client: FlaskClient, path: str, password: str = NEW_PASSWORD, repeat: str | None = None):
    page = client.get(path)  # the link: the token moves into the session
    assert page.status_code == 302 and page.headers["Location"] == "/wachtwoord-instellen"
    token = csrf_token(client, "/wachtwoord-instellen")
    return client.post("/wachtwoord-instellen", data={"password": password, "repeat": repeat or password,
                                                      "csrf_token": token})


def test_forgotten_password_end_to_end_over_smtp(client: FlaskClient, mailbox: Collector,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    user = factories.user([("verbindingsofficier", "DIE")], email="vo@diemen.nl")
    response = forgot(client, "VO@diemen.nl")
    assert response.status_code == 200 and "Als er een account met dit e-mailadres bestaat" in response.text
    [message] = mailbox.take()
    assert message["To"] == "vo@diemen.nl"
    path = link_in(message)
    assert "één uur geldig" in message.get_content()
    # only the hash is stored; the outbox forgot the link once it was sent
    token = path.rsplit("/", 1)[1]
    assert db.session.scalar(select(AccountLink.token_hash).where(AccountLink.user_id == user.id)) != token
    assert all(token not in m.body for m in db.session.scalars(select(OutboxMessage)))
    assert db.session.scalar(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())) == SCRUBBED_BODY

    response = choose(client, path)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert NEW_PASSWORD not in client.get("/login").text
    assert login(client, user.email, NEW_PASSWORD).status_code == 302
    assert client.get("/account").status_code == 200
    # used once: the same link again is a clear page and changes nothing
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    again = client.get(path, follow_redirects=True)
    assert again.status_code == 410 and "verlopen of al gebruikt" in again.text
    events = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "user",
                                                                            AuditEvent.entity_id == str(user.id)))]
    assert "password_reset_link_issued" in events and "password_reset_link_used" in events
    # neither the password nor the link's token in a log line or the audit log
    assert NEW_PASSWORD not in caplog.text and token not in caplog.text
    assert all(NEW_PASSWORD not in e.changes and token not in e.changes for e in db.session.scalars(select(AuditEvent)))


def test_forgotten_password_answers_the_same_for_an_unknown_address(client: FlaskClient, mailbox: Collector) -> None:
    known = factories.user(email="bestaat@diemen.nl")
    answers = [forgot(client, "bestaat@diemen.nl").text, forgot(client, "niemand@diemen.nl").text]
    strip = [re.sub(r'name="csrf_token"[^>]*>', "", a) for a in answers]
    assert strip[0] == strip[1]
    assert [m["To"] for m in mailbox.take()] == [known.email]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "password_reset_requested")).one()
    assert "niemand@diemen.nl" in event.changes


def test_forgotten_password_is_rate_limited_per_account(client: FlaskClient, mailbox: Collector) -> None:
    factories.user(email="vaak@diemen.nl")
    statuses = [forgot(client, "vaak@diemen.nl").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert len(mailbox.take()) == 3
    assert forgot(client, "ander@diemen.nl").status_code == 200  # another account is counted apart


def test_an_expired_link_changes_nothing(client: FlaskClient, mailbox: Collector) -> None:
    user = factories.user(email="laat@diemen.nl")
    before = user.password_hash
    forgot(client, user.email)
    path = link_in(mailbox.take()[0])
    link = db.session.scalars(select(AccountLink).where(AccountLink.user_id == user.id)).one()
    link.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.session.commit()
    client.get(path)
    page = client.get("/wachtwoord-instellen")
    assert page.status_code == 410 and "verlopen of al gebruikt" in page.text
    response = client.post("/wachtwoord-instellen", data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD,
                                                          "csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 410
    db.session.refresh(user)
    assert user.password_hash == before


def test_a_weak_or_different_password_is_refused_and_the_link_still_works(client: FlaskClient,
                                                                         mailbox: Collector) -> None:
    user = factories.user(email="zwak@diemen.nl")
    forgot(client, user.email)
    path = link_in(mailbox.take()[0])
    weak = choose(client, path, "wachtwoord12")
    assert weak.status_code == 422 and "te makkelijk te raden" in weak.text and "wachtwoord12" not in weak.text
    other = choose(client, path, NEW_PASSWORD, "iets heel anders dan dat")
    assert other.status_code == 422 and "niet gelijk" in other.text
    assert choose(client, path).status_code == 302


def test_a_new_link_replaces_the_old_one() -> None:
    user = factories.user()
    first = accounts.issue_link(None, user, LinkPurpose.PASSWORD_RESET, actor_label="test")
    second = accounts.issue_link(None, user, LinkPurpose.PASSWORD_RESET, actor_label="test")
    assert accounts.find_link(first.token) is None and accounts.find_link(second.token) is not None
    assert accounts.find_link("x" * 101) is None and accounts.find_link("") is None


def test_single_sign_on_only_has_no_password_pages(app: Flask, client: FlaskClient) -> None:
    app.config["LOCAL_LOGIN"] = False
    try:
        assert client.get("/wachtwoord-vergeten").status_code == 404
        assert client.get("/wachtwoord-instellen/abc").status_code == 404
    finally:
        app.config["LOCAL_LOGIN"] = True


# --- sessions end on the server ---------------------------------------------------------------------------

COOKIE = "bio_register_session"


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def test_a_copied_session_cookie_is_refused_after_logout(app: Flask, client: FlaskClient) -> None:
    user = factories.user([("verbindingsofficier", "DIE")])
    login(client, user.email, factories.PASSWORD)
    copied = _cookie(client)
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/account")}).status_code == 302
    thief = app.test_client()
    thief.set_cookie(COOKIE, copied)
    response = thief.get("/incidenten")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    # another session of the same user goes on
    other = app.test_client()
    login(other, user.email, factories.PASSWORD)
    assert other.get("/incidenten").status_code == 200


def test_deactivation_ends_sessions_and_tokens_at_once(app: Flask, client: FlaskClient) -> None:
    from bio_register.people import services as people

    beheerder = factories.user([("beheerder", "DIE")])
    user = factories.user([("verbindingsofficier", "DIE")])
    secret = factories.token(user)
    login(client, user.email, factories.PASSWORD)
    assert client.get("/incidenten").status_code == 200
    people.set_active(beheerder, user, False)
    db.session.commit()
    assert client.get("/incidenten").status_code == 302
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert all(t.revoked_at is not None for t in user.tokens)
    assert db.session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                        UserSession.ended_at.is_(None))).all() == []
    assert login(client, user.email, factories.PASSWORD).status_code == 200  # refused, same answer


def test_a_role_taken_away_counts_from_the_next_request(app: Flask, client: FlaskClient) -> None:
    from bio_register.people import services as people

    beheerder = factories.user([("beheerder", "DUO")])
    user = factories.user([("verbindingsofficier", "DIE"), ("verbindingsofficier", "UIT")])
    secret = factories.token(user)
    login(client, user.email, factories.PASSWORD)
    assert client.get("/incidenten/nieuw").status_code == 200
    people.revoke(beheerder, user, "DIE", "verbindingsofficier")
    people.revoke(beheerder, user, "UIT", "verbindingsofficier")
    db.session.commit()
    assert client.get("/incidenten/nieuw").status_code == 403
    assert app.test_client().get("/api/v1/incidents",
                                 headers={"Authorization": f"Bearer {secret}"}).status_code == 403


def test_a_session_from_before_the_upgrade_logs_in_again(app: Flask, client: FlaskClient) -> None:
    user = factories.user([("verbindingsofficier", "DIE")])
    login(client, user.email, factories.PASSWORD)
    with client.session_transaction() as session:
        session.pop("session_key")
    assert client.get("/incidenten").status_code == 302


# --- create-user: the user chooses their own password --------------------------------------------------------

@pytest.fixture
def _no_migrations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bio_register.cli.run_migrations", lambda: None)


def test_create_user_makes_the_user_choose_a_password_and_adds_roles_to_an_existing_one(
        app: Flask, client: FlaskClient) -> None:
    factories.organisation("DIE")
    factories.organisation("UIT")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["bio", "create-user", "--email", "eerste@diemen.nl", "--name", "Eerste Beheerder",
                                 "--role", "verbindingsofficier:DIE"])
    assert result.exit_code == 0, result.output
    password = re.search(r"Wachtwoord: (\S+)", result.output).group(1)
    assert login(client, "eerste@diemen.nl", password).status_code == 302
    response = client.get("/incidenten")
    assert response.status_code == 302 and response.headers["Location"] == "/account/password"
    assert "door iemand anders gekozen" in client.get("/account/password").text
    changed = client.post("/account/password", data={
        "current_password": password, "password": NEW_PASSWORD, "repeat": NEW_PASSWORD,
        "csrf_token": csrf_token(client, "/account/password")})
    assert changed.status_code == 302
    assert client.get("/incidenten").status_code == 200

    again = runner.invoke(args=["bio", "create-user", "--email", "Eerste@diemen.nl", "--name", "X",
                                "--role", "verbindingsofficier:UIT"])
    assert again.exit_code == 0 and "bestond al" in again.output and "Wachtwoord" not in again.output
    user = accounts.find_user_by_email("eerste@diemen.nl")
    assert sorted(m.organisation.code for m in user.memberships) == ["DIE", "UIT"]
    assert user.name == "Eerste Beheerder"
    no_role = runner.invoke(args=["bio", "create-user", "--email", "eerste@diemen.nl", "--name", "X"])
    assert no_role.exit_code != 0 and "--role" in no_role.output


def test_the_reset_mail_goes_out_after_the_answer(client: FlaskClient, mailbox: Collector) -> None:
    """Waiting for the mail server would make the answer slower for an address with an account."""
    factories.user(email="wacht@diemen.nl")
    response = client.post("/wachtwoord-vergeten", data={"email": "wacht@diemen.nl",
                                                         "csrf_token": csrf_token(client, "/wachtwoord-vergeten")})
    assert response.status_code == 200 and mailbox.take() == []
    assert db.session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))).all()
    response.close()  # what the WSGI server does once the answer is out
    assert [m["To"] for m in mailbox.take()] == ["wacht@diemen.nl"]
