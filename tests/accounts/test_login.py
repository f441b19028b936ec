from __future__ import annotations

import json

from flask.testing import FlaskClient
from sqlalchemy import select

from bio_register.audit.models import AuditEvent
from bio_register.extensions import db
from tests import factories
from tests.conftest import csrf_token, login

UNKNOWN = "Deze combinatie van e-mailadres en wachtwoord is onbekend."


def test_login_with_right_password_opens_the_start_page(client: FlaskClient) -> None:
    user = factories.user([("verbindingsofficier", "DIE")], name="Vera de Vries")
    response = login(client, user.email, factories.PASSWORD)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Welkom, Vera de Vries" in page
    assert "Gemeente Diemen" in page


def test_wrong_password_and_unknown_account_get_the_same_answer(client: FlaskClient) -> None:
    user = factories.user()
    wrong = login(client, user.email, "not the password at all")
    unknown = login(client, "nobody@example.nl", "not the password at all")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert UNKNOWN in response.get_data(as_text=True)
    # neither attempt left a session behind
    assert client.get("/").status_code == 302
    assert client.get("/").headers["Location"].startswith("/login")


def test_failed_and_successful_logins_are_audited(client: FlaskClient) -> None:
    user = factories.user()
    login(client, user.email, "wrong password here")
    login(client, user.email, factories.PASSWORD)
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity == "user", AuditEvent.entity_id == str(user.id))
        .order_by(AuditEvent.seq)
    ).all()
    assert actions[-2:] == ["login_failed", "login"]


def test_failed_login_does_not_echo_the_password(client: FlaskClient) -> None:
    response = login(client, "x@example.nl", "my-secret-attempt-123")
    assert "my-secret-attempt-123" not in response.get_data(as_text=True)


def test_inactive_user_cannot_log_in(client: FlaskClient) -> None:
    user = factories.user()
    user.active = False
    db.session.commit()
    assert UNKNOWN in login(client, user.email, factories.PASSWORD).get_data(as_text=True)


def test_empty_login_form_names_the_missing_fields(client: FlaskClient) -> None:
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": "", "password": "", "csrf_token": token})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Vul uw e-mailadres in." in html and "Vul uw wachtwoord in." in html


def test_login_form_without_csrf_token_is_refused(client: FlaskClient) -> None:
    user = factories.user()
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "Het formulier is verlopen" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not logged in


def test_login_redirects_only_to_local_pages(client: FlaskClient) -> None:
    user = factories.user()
    token = csrf_token(client, "/login")
    response = client.post("/login?next=https://evil.example/phish",
                           data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_login_follows_a_local_next(client: FlaskClient) -> None:
    user = factories.user()
    token = csrf_token(client, "/login")
    response = client.post("/login?next=/account",
                           data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/account"


def test_logout_needs_post_with_csrf_and_ends_the_session(client: FlaskClient) -> None:
    user = factories.user()
    login(client, user.email, factories.PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert client.get("/").status_code == 200
    token = csrf_token(client, "/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client: FlaskClient) -> None:
    user = factories.user()
    response = login(client, user.email, factories.PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_audit_records_no_password(client: FlaskClient) -> None:
    user = factories.user()
    login(client, user.email, "wrong password here")
    for changes in db.session.scalars(select(AuditEvent.changes)):
        assert factories.PASSWORD not in changes
        assert "wrong password here" not in json.loads(changes).__repr__()


def test_failed_logins_are_limited_per_account_with_the_same_answer(client: FlaskClient) -> None:
    user = factories.user()
    for attempt in range(5):
        assert login(client, user.email, f"wrong password {attempt}").status_code == 200
    blocked = login(client, user.email, factories.PASSWORD)      # even the right password waits now
    assert blocked.status_code == 429
    assert "Te veel mislukte inlogpogingen" in blocked.get_data(as_text=True)
    assert client.get("/").status_code == 302
    for attempt in range(5):
        login(client, "nobody@example.nl", f"wrong password {attempt}")
    assert login(client, "nobody@example.nl", "anything at all 1").status_code == 429   # same for unknown
    other = factories.user()
    assert login(client, other.email, factories.PASSWORD).status_code == 302          # others unaffected


def test_successful_logins_do_not_count(client: FlaskClient) -> None:
    user = factories.user()
    for _ in range(8):
        assert login(client, user.email, factories.PASSWORD).status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_idle_and_absolute_session_timeouts(client: FlaskClient) -> None:
    import time

    user = factories.user()
    login(client, user.email, factories.PASSWORD)
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 29 * 60          # quiet for 29 minutes: still fine
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 31 * 60          # 31 minutes: ended
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "Uw sessie is verlopen" in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302

    login(client, user.email, factories.PASSWORD)
    with client.session_transaction() as session:
        session["started_at"] = time.time() - 13 * 3600     # active all along, but logged in 13 hours ago
        session["seen_at"] = time.time()
    assert client.get("/").status_code == 302


def test_logout_without_a_session_says_so_too(client: FlaskClient) -> None:
    """An expired session's logout button: the same answer, not a login prompt back to /logout."""
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "U bent uitgelogd." in client.get("/login").get_data(as_text=True)
