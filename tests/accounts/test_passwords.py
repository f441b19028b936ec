"""Password strength: at least 12 characters and not easy to guess (zxcvbn score 3 or more)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from zxcvbn import zxcvbn

from bio_register.accounts import services as accounts
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from tests import factories
from tests.conftest import csrf_token, login

TOO_EASY = "Dit wachtwoord is te makkelijk te raden."
HINT = "wachtzin van een paar ongewone woorden"


@pytest.mark.parametrize(("password", "warning"), [
    ("wachtwoord123", "Dit lijkt op een veelgebruikt wachtwoord."),
    ("aaaaaaaaaaaaaa", "Herhalingen zoals „aaa” zijn makkelijk te raden."),
    ("abcdefghijklmn", "Reeksen zoals „abc” of „6543” zijn makkelijk te raden."),
])
def test_weak_password_is_refused_with_a_dutch_explanation(app_ctx: None, password: str, warning: str) -> None:
    user = factories.user()
    with pytest.raises(ValidationFailed) as caught:
        accounts.set_password(None, user, password, actor_label="test")
    message = caught.value.message
    assert caught.value.field == "password"
    assert TOO_EASY in message and warning in message and HINT in message
    assert "guess" not in message                      # nothing left in English


def test_the_users_own_email_and_name_count_as_easy_to_guess(app_ctx: None) -> None:
    password = "piet.jansen@diemen.nl"
    assert zxcvbn(password)["score"] >= 3               # strong enough for a stranger …
    with pytest.raises(ValidationFailed) as caught:     # … but not as the password of Piet Jansen
        accounts.create_user(None, "piet.jansen@diemen.nl", "Piet Jansen", password, actor_label="test")
    assert TOO_EASY in caught.value.message


def test_strong_passphrase_and_minimum_length(app_ctx: None) -> None:
    user = factories.user()
    accounts.set_password(None, user, "kraanvogel dinsdag roestig", actor_label="test")
    with pytest.raises(ValidationFailed, match="minstens 12 tekens"):
        accounts.set_password(None, user, "Kx9#mQ2$vL", actor_label="test")


def test_the_factory_bypasses_the_check_only_when_asked(app_ctx: None) -> None:
    with pytest.raises(ValidationFailed):
        factories.user(password="wachtwoord123")
    old = factories.weak_password_user("oud@example.nl", "Oud Account", "wachtwoord123")
    assert accounts.authenticate(old.email, "wachtwoord123") is not None


def test_change_password_page_shows_why_a_password_is_weak(client: FlaskClient) -> None:
    user = factories.user()
    login(client, user.email, factories.PASSWORD)
    response = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "password": "wachtwoord123", "repeat": "wachtwoord123",
        "csrf_token": csrf_token(client, "/account/password")})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert TOO_EASY in html and HINT in html
    db.session.expire_all()
    assert accounts.authenticate(user.email, factories.PASSWORD) is not None


def test_cli_create_user_refuses_a_weak_password(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["bio", "create-user", "--email", "zwak@example.nl",
                                                "--name", "Zwak", "--password", "wachtwoord123"])
    assert result.exit_code != 0
    assert TOO_EASY in result.output
    with app.app_context():
        assert accounts.find_user_by_email("zwak@example.nl") is None


def test_the_factories_password_passes_the_policy(app_ctx: None) -> None:
    """tests/factories.py skips the strength estimate for its PASSWORD: it must pass it."""
    accounts.check_password_policy(factories.PASSWORD, ["user1@example.nl", "Test Gebruiker"])
