"""``/api/v1/users``: invitations end to end over SMTP, roles, deactivation, and bad input (422 naming
the field, 404 outside the scope)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bio_register.accounts import services as accounts
from tests import factories
from tests.accounts.test_account_links import NEW_PASSWORD, choose
from tests.conftest import login
from tests.mailserver import Collector, link_in

INVITATION = {"email": "nieuw@diemen.nl", "name": "Nieuwe Collega",
              "memberships": [{"organisation": "DIE", "role": "verbindingsofficier"}]}


@pytest.fixture
def auth() -> dict[str, str]:
    beheerder = factories.user([("beheerder", "DIE")], name="Bea Beheerder")
    return {"Authorization": f"Bearer {factories.token(beheerder)}"}


def test_invite_over_the_api_end_to_end(app: Flask, client: FlaskClient, auth: dict, mailbox: Collector) -> None:
    response = client.post("/api/v1/users", json=INVITATION, headers=auth)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["created"] is True and body["invitation_open"] is True and body["sso"] is False
    assert body["memberships"] == [{"organisation": "DIE", "role": "verbindingsofficier"}]
    assert "password" not in response.text
    [message] = mailbox.take()
    assert choose(app.test_client(), link_in(message)).status_code == 302
    person = app.test_client()
    assert login(person, "nieuw@diemen.nl", NEW_PASSWORD).status_code == 302

    listed = client.get("/api/v1/users?q=nieuw", headers=auth).get_json()
    assert listed["total"] == 1 and listed["items"][0]["last_login_at"] is not None
    again = client.post("/api/v1/users", json={**INVITATION, "memberships": [{"organisation": "DIE", "role": "fg"}]},
                        headers=auth)
    assert again.status_code == 200 and again.get_json()["created"] is False
    assert again.get_json()["roles_added"] == [{"organisation": "DIE", "role": "fg"}]
    same = client.post("/api/v1/users", json=INVITATION, headers=auth)
    assert same.status_code == 422 and "email" in same.get_json()["errors"]


@pytest.mark.parametrize(("body", "field"), [
    ({**INVITATION, "admin": True}, "admin"),
    ({**INVITATION, "name": "x" * 201}, "name"),
    ({**INVITATION, "email": "geen-adres"}, "email"),
    ({**INVITATION, "memberships": []}, "memberships"),
    ({**INVITATION, "memberships": [{"organisation": "DIE", "role": "koning"}]}, "memberships.0.role"),
    ({**INVITATION, "memberships": [{"organisation": "D!E", "role": "fg"}]}, "memberships.0.organisation"),
])
def test_bad_invitations_name_the_field(client: FlaskClient, auth: dict, body: dict, field: str) -> None:
    response = client.post("/api/v1/users", json=body, headers=auth)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert accounts.find_user_by_email("nieuw@diemen.nl") is None


def test_an_unknown_organisation_answers_404(client: FlaskClient, auth: dict) -> None:
    body = {**INVITATION, "memberships": [{"organisation": "XYZ", "role": "fg"}]}
    assert client.post("/api/v1/users", json=body, headers=auth).status_code == 404


def test_roles_and_deactivation_over_the_api(app: Flask, client: FlaskClient, auth: dict) -> None:
    user = factories.user([("verbindingsofficier", "DIE")])
    secret = factories.token(user)
    base = f"/api/v1/users/{user.id}"
    assert client.post(f"{base}/memberships", json={"organisation": "DIE", "role": "ciso"},
                       headers=auth).status_code == 201
    assert client.post(f"{base}/memberships", json={"organisation": "DIE", "role": "ciso", "x": 1},
                       headers=auth).status_code == 422
    assert client.delete(f"{base}/memberships/DIE/ciso", headers=auth).status_code == 204
    assert client.delete(f"{base}/memberships/DIE/ciso", headers=auth).status_code == 404
    assert client.delete(f"{base}/memberships/DIE/koning", headers=auth).status_code == 422
    assert client.get(base, headers=auth).get_json()["memberships"] == [
        {"organisation": "DIE", "role": "verbindingsofficier"}]
    patched = client.patch(base, json={"active": False, "name": "Weg Gebruiker"}, headers=auth)
    assert patched.status_code == 200 and patched.get_json()["active"] is False
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert client.patch(base, json={}, headers=auth).status_code == 422
    assert client.patch(base, json={"name": "x" * 201}, headers=auth).get_json()["errors"].keys() == {"name"}
    assert client.post(f"{base}/password-reset", headers=auth).status_code == 422  # deactivated


def test_the_last_beheerder_keeps_the_role_over_the_api(client: FlaskClient) -> None:
    beheerder = factories.user([("beheerder", "DUO")])
    auth = {"Authorization": f"Bearer {factories.token(beheerder)}"}
    response = client.delete(f"/api/v1/users/{beheerder.id}/memberships/DUO/beheerder", headers=auth)
    assert response.status_code == 422 and "laatste functioneel beheerder" in response.get_json()["detail"]
    assert client.patch(f"/api/v1/users/{beheerder.id}", json={"active": False}, headers=auth).status_code == 422


def test_a_beheerder_of_diemen_gets_404_for_ouder_amstel_over_the_api(client: FlaskClient, auth: dict) -> None:
    outsider = factories.user([("verbindingsofficier", "OA")])
    assert client.get(f"/api/v1/users/{outsider.id}", headers=auth).status_code == 404
    body = {**INVITATION, "memberships": [{"organisation": "OA", "role": "fg"}]}
    assert client.post("/api/v1/users", json=body, headers=auth).status_code == 404


def test_two_invitations_to_one_new_address_at_once_answer_409_not_500(
        client: FlaskClient, auth: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    # the other invitation committed the address just after this one looked for it
    first = factories.user([("fg", "DIE")], email="nieuw@diemen.nl")
    monkeypatch.setattr(accounts, "find_user_by_email", lambda email: None)
    response = client.post("/api/v1/users", json=INVITATION, headers=auth)
    assert response.status_code == 409
    assert "Iemand anders legde zojuist hetzelfde vast" in response.get_json()["detail"]
    monkeypatch.undo()
    assert accounts.find_user_by_email("nieuw@diemen.nl") is first
    assert [(m.organisation.code, m.role) for m in first.memberships] == [("DIE", "fg")]   # nothing of it kept


def test_the_users_list_does_not_query_per_user(client: FlaskClient, auth: dict, count_queries) -> None:
    for n in range(3):
        factories.user([("verbindingsofficier", "DIE"), ("fg", "DIE")], email=f"a{n}@diemen.nl")
    client.get("/api/v1/users", headers=auth)
    with count_queries() as few:
        assert client.get("/api/v1/users", headers=auth).status_code == 200
    for n in range(10):
        factories.user([("verbindingsofficier", "DIE"), ("ciso", "DIE")], email=f"b{n}@diemen.nl")
    with count_queries() as many:
        body = client.get("/api/v1/users", headers=auth).get_json()
    assert body["total"] == 14 and all(item["memberships"] for item in body["items"])
    assert many.count == few.count, (few.count, many.count)
