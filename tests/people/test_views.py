"""The beheerder's pages: invite a person who chooses a password through the link, give and take
roles, deactivate, reset a password; bad input and another scope."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from bio_register.accounts import services as accounts
from bio_register.extensions import db
from tests import factories
from tests.accounts.test_account_links import NEW_PASSWORD, choose
from tests.conftest import csrf_token, login
from tests.mailserver import Collector, link_in


def as_beheerder(client: FlaskClient, code: str = "DIE"):
    beheerder = factories.user([("beheerder", code)], name="Bea Beheerder")
    login(client, beheerder.email, factories.PASSWORD)
    return beheerder


def post(client: FlaskClient, path: str, data: dict | None = None):
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, "/account")})


def test_invite_then_the_person_chooses_a_password_and_logs_in(app, client: FlaskClient, mailbox: Collector) -> None:
    as_beheerder(client)
    page = client.get("/gebruikers/uitnodigen")
    assert page.status_code == 200 and "Gemeente Diemen (DIE)" in page.text
    response = client.post("/gebruikers/uitnodigen", data={
        "email": "nieuw@diemen.nl", "name": "Nieuwe Collega", "organisation": "DIE", "role": "verbindingsofficier",
        "csrf_token": csrf_token(client, "/gebruikers/uitnodigen")})
    assert response.status_code == 302
    detail = client.get(response.headers["Location"])
    assert "is uitgenodigd" in detail.text and "uitgenodigd, nog geen wachtwoord gekozen" in detail.text
    [message] = mailbox.take()
    assert message["To"] == "nieuw@diemen.nl" and "zeven dagen" in message.get_content()
    listing = client.get("/gebruikers?q=nieuw")
    assert "Nieuwe Collega" in listing.text and "uitgenodigd" in listing.text

    person = app.test_client()
    assert choose(person, link_in(message)).status_code == 302
    assert login(person, "nieuw@diemen.nl", NEW_PASSWORD).status_code == 302
    assert person.get("/incidenten/nieuw").status_code == 200
    assert NEW_PASSWORD not in client.get("/gebruikers").text


def test_invite_to_an_existing_address_adds_the_role_and_says_so(client: FlaskClient, mailbox: Collector) -> None:
    as_beheerder(client)
    existing = factories.user([("verbindingsofficier", "DIE")], email="bestaat@diemen.nl")
    response = client.post("/gebruikers/uitnodigen", data={
        "email": "bestaat@diemen.nl", "name": "X", "organisation": "DIE", "role": "ciso",
        "csrf_token": csrf_token(client, "/gebruikers/uitnodigen")}, follow_redirects=True)
    assert "Er bestond al een account" in response.text
    db.session.refresh(existing)
    assert sorted(m.role for m in existing.memberships) == ["ciso", "verbindingsofficier"]
    again = client.post("/gebruikers/uitnodigen", data={
        "email": "bestaat@diemen.nl", "name": "X", "organisation": "DIE", "role": "ciso",
        "csrf_token": csrf_token(client, "/gebruikers/uitnodigen")})
    assert again.status_code == 422 and "met deze rollen" in again.text


@pytest.mark.parametrize(("data", "message"), [
    ({"email": "geen-adres", "name": "Naam"}, "Geen geldig e-mailadres"),
    ({"email": "a@b.nl", "name": "x" * 201}, "200"),
    ({"email": "a@b.nl", "name": "Naam", "role": "koning"}, "Not a valid choice"),
    ({"email": "a@b.nl", "name": "Naam", "organisation": "UIT"}, "Not a valid choice"),
])
def test_bad_invitations_are_refused_with_a_message(client: FlaskClient, data: dict, message: str) -> None:
    as_beheerder(client)
    form = {"organisation": "DIE", "role": "fg", **data, "csrf_token": csrf_token(client, "/gebruikers/uitnodigen")}
    response = client.post("/gebruikers/uitnodigen", data=form)
    assert response.status_code == 422
    assert accounts.find_user_by_email("a@b.nl") is None


def test_roles_deactivation_and_password_reset_from_the_user_page(app, client: FlaskClient,
                                                                 mailbox: Collector) -> None:
    as_beheerder(client)
    user = factories.user([("verbindingsofficier", "DIE")], name="Vera Officier")
    base = f"/gebruikers/{user.id}"
    assert "Vera Officier" in client.get(base).text
    granted = post(client, f"{base}/rollen", {"organisation": "DIE", "role": "fg"})
    assert granted.status_code == 302
    assert "tweestapsverificatie in" in client.get(base).text
    assert post(client, f"{base}/rollen/DIE/fg/intrekken").status_code == 302
    assert post(client, f"{base}/rollen/DIE/koning/intrekken").status_code == 422
    assert post(client, f"{base}", {"name": "Vera de Officier"}).status_code == 302

    session = app.test_client()
    login(session, user.email, factories.PASSWORD)
    assert post(client, f"{base}/wachtwoord-herstellen").status_code == 302
    assert session.get("/incidenten").status_code == 302  # the reset ended the session
    [message] = mailbox.take()
    assert factories.PASSWORD not in message.get_content()
    assert choose(app.test_client(), link_in(message)).status_code == 302

    assert post(client, f"{base}/deactiveren").status_code == 302
    assert "gedeactiveerd" in client.get(base).text
    assert post(client, f"{base}/activeren").status_code == 302
    db.session.refresh(user)
    assert user.active and user.name == "Vera de Officier"


def test_the_last_beheerder_cannot_remove_themself(client: FlaskClient) -> None:
    beheerder = as_beheerder(client, "DUO")
    response = post(client, f"/gebruikers/{beheerder.id}/rollen/DUO/beheerder/intrekken")
    assert response.status_code == 422 and "laatste functioneel beheerder" in response.text
    response = post(client, f"/gebruikers/{beheerder.id}/deactiveren")
    assert response.status_code == 422 and "laatste functioneel beheerder" in response.text


def test_a_beheerder_of_diemen_gets_404_for_a_user_of_ouder_amstel(client: FlaskClient) -> None:
    as_beheerder(client, "DIE")
    outsider = factories.user([("verbindingsofficier", "OA")])
    assert client.get(f"/gebruikers/{outsider.id}").status_code == 404
    assert post(client, f"/gebruikers/{outsider.id}/deactiveren").status_code == 404


def test_the_users_page_does_not_query_per_user(client: FlaskClient, count_queries) -> None:
    as_beheerder(client)
    for n in range(3):
        factories.user([("verbindingsofficier", "DIE"), ("fg", "DIE")], email=f"a{n}@diemen.nl")
    client.get("/gebruikers")
    with count_queries() as few:
        assert client.get("/gebruikers").status_code == 200
    for n in range(10):
        factories.user([("verbindingsofficier", "DIE"), ("ciso", "DIE")], email=f"b{n}@diemen.nl")
    with count_queries() as many:
        assert client.get("/gebruikers").status_code == 200
    assert many.count == few.count
