from __future__ import annotations

from flask.testing import FlaskClient

from bio_register.accounts import services as accounts
from bio_register.extensions import db
from tests import factories
from tests.api.test_api_base import bearer
from tests.conftest import IsolatedClient, csrf_token, login

NEW_PASSWORD = "een nieuw en lang wachtwoord"


def test_change_password_ends_other_sessions(app, client: FlaskClient) -> None:
    user = factories.user()
    other = IsolatedClient(app, app.response_class, use_cookies=True)
    login(client, user.email, factories.PASSWORD)
    login(other, user.email, factories.PASSWORD)
    token = csrf_token(client, "/account/password")
    response = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "password": NEW_PASSWORD, "repeat": NEW_PASSWORD,
        "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 200            # this session goes on
    assert other.get("/").status_code == 302             # the other one has ended
    db.session.expire_all()  # the request changed the user in its own session
    assert accounts.authenticate(user.email, NEW_PASSWORD) is not None
    assert accounts.authenticate(user.email, factories.PASSWORD) is None


def test_change_password_errors_are_shown_and_nothing_changes(client: FlaskClient) -> None:
    user = factories.user()
    login(client, user.email, factories.PASSWORD)
    cases = [
        ({"current_password": "fout wachtwoord 123", "password": NEW_PASSWORD, "repeat": NEW_PASSWORD},
         "Het huidige wachtwoord klopt niet."),
        ({"current_password": factories.PASSWORD, "password": "kort", "repeat": "kort"},
         "minstens 12 tekens"),
        ({"current_password": factories.PASSWORD, "password": NEW_PASSWORD, "repeat": NEW_PASSWORD + "x"},
         "niet gelijk"),
    ]
    for data, message in cases:
        token = csrf_token(client, "/account/password")
        response = client.post("/account/password", data={**data, "csrf_token": token})
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert accounts.authenticate(user.email, factories.PASSWORD) is not None


def test_profile_form_saves_name_and_language(client: FlaskClient) -> None:
    user = factories.user(name="Oude Naam")
    login(client, user.email, factories.PASSWORD)
    token = csrf_token(client, "/account")
    response = client.post("/account", data={"name": "Nieuwe Naam", "locale": "nl", "csrf_token": token})
    assert response.status_code == 302
    assert "Nieuwe Naam" in client.get("/account").get_data(as_text=True)


def test_profile_form_keeps_what_was_typed_on_error(client: FlaskClient) -> None:
    user = factories.user(name="Oude Naam")
    login(client, user.email, factories.PASSWORD)
    token = csrf_token(client, "/account")
    response = client.post("/account", data={"name": "x" * 250, "locale": "nl", "csrf_token": token})
    assert response.status_code == 422
    assert "x" * 250 in response.get_data(as_text=True)
    db.session.expire_all()
    assert accounts.find_user_by_email(user.email).name == "Oude Naam"


def test_token_page_creates_a_token_shown_once_and_revokes_it(client: FlaskClient) -> None:
    user = factories.user([("ciso", "DIE")])
    login(client, user.email, factories.PASSWORD)
    token = csrf_token(client, "/account/tokens")
    page = client.post("/account/tokens", data={"name": "ENSIA-export", "days": "30", "csrf_token": token})
    html = page.get_data(as_text=True)
    import re

    secret = re.search(r'<code class="secret">(bior_[^<]+)</code>', html).group(1)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "ENSIA-export" in listing and secret not in listing

    token_id = db.session.scalars(db.select(accounts.ApiToken.id).where(
        accounts.ApiToken.user_id == user.id)).one()
    revoke = client.post(f"/account/tokens/{token_id}/revoke",
                         data={"csrf_token": csrf_token(client, "/account/tokens")})
    assert revoke.status_code == 302
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_token_of_another_user_cannot_be_revoked(client: FlaskClient) -> None:
    owner = factories.user()
    factories.token(owner)
    intruder = factories.user()
    login(client, intruder.email, factories.PASSWORD)
    token_id = owner.tokens[0].id
    response = client.post(f"/account/tokens/{token_id}/revoke",
                           data={"csrf_token": csrf_token(client, "/account/tokens")})
    assert response.status_code == 404


def test_token_form_rejects_bad_lifetime(client: FlaskClient) -> None:
    user = factories.user()
    login(client, user.email, factories.PASSWORD)
    token = csrf_token(client, "/account/tokens")
    response = client.post("/account/tokens", data={"name": "x", "days": "9999", "csrf_token": token})
    assert response.status_code == 422
    assert "bior_" not in response.get_data(as_text=True)


def test_pages_answer_in_english_when_asked(client: FlaskClient) -> None:
    html = client.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert '<html lang="nl">' in client.get("/login?lang=nl").get_data(as_text=True)


def test_error_pages_are_html_in_the_site_style(client: FlaskClient) -> None:
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Niet gevonden" in html and 'class="site-header"' in html


def test_pages_carry_security_headers(client: FlaskClient) -> None:
    for path in ("/login", "/api/v1/openapi.json", "/bestaat-niet"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
