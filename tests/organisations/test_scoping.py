from __future__ import annotations

from flask.testing import FlaskClient

from tests import factories
from tests.api.test_api_base import assert_problem, bearer
from tests.conftest import login


def test_user_sees_only_their_organisations(client: FlaskClient) -> None:
    for code in ("DUO", "DIE", "OA", "UIT"):
        factories.organisation(code)
    user = factories.user([("verbindingsofficier", "DIE"), ("ciso", "OA")])
    body = client.get("/api/v1/organisations", headers=bearer(factories.token(user))).get_json()
    assert [o["code"] for o in body["items"]] == ["DIE", "OA"]
    assert body["total"] == 2


def test_another_organisation_answers_404_like_an_unknown_one(client: FlaskClient) -> None:
    factories.organisation("UIT")
    user = factories.user([("verbindingsofficier", "DIE")])
    headers = bearer(factories.token(user))
    assert client.get("/api/v1/organisations/DIE", headers=headers).status_code == 200
    other = assert_problem(client.get("/api/v1/organisations/UIT", headers=headers), 404)
    unknown = assert_problem(client.get("/api/v1/organisations/XYZ", headers=headers), 404)
    assert other == unknown

    login(client, user.email, factories.PASSWORD)
    assert client.get("/organisaties/DIE").status_code == 200
    assert client.get("/organisaties/UIT").status_code == 404
    assert client.get("/organisaties/XYZ").status_code == 404
    assert "Gemeente Uithoorn" not in client.get("/organisaties").get_data(as_text=True)


def test_concern_control_reads_every_organisation(client: FlaskClient) -> None:
    for code in ("DUO", "DIE", "OA", "UIT"):
        factories.organisation(code)
    user = factories.user([("concern_control", "DUO")])
    headers = bearer(factories.token(user))
    body = client.get("/api/v1/organisations?per_page=2&page=2", headers=headers).get_json()
    assert body["total"] == 4
    assert [o["code"] for o in body["items"]] == ["OA", "UIT"]
    assert body["page"] == 2 and body["per_page"] == 2


def test_organisation_code_is_case_insensitive_in_the_url(client: FlaskClient) -> None:
    user = factories.user([("fg", "DIE")])
    response = client.get("/api/v1/organisations/die", headers=bearer(factories.token(user)))
    assert response.get_json()["code"] == "DIE"


def test_user_without_roles_sees_nothing(client: FlaskClient) -> None:
    """No role anywhere: the list is refused (403), on the page and in the API alike."""
    factories.organisation("DIE")
    user = factories.user()
    response = client.get("/api/v1/organisations", headers=bearer(factories.token(user)))
    assert response.status_code == 403 and "DIE" not in response.get_data(as_text=True)


def test_start_page_shows_the_organisations_of_ones_roles_and_a_link_for_reading_all(app, client: FlaskClient) -> None:
    for code in ("DUO", "DIE", "OA", "UIT"):
        factories.organisation(code)
    vo = factories.user([("verbindingsofficier", "DIE"), ("ciso", "OA")])
    login(client, vo.email, factories.PASSWORD)
    page = client.get("/").get_data(as_text=True)
    assert "Gemeente Diemen" in page and "Ouder-Amstel" in page and "Gemeente Uithoorn" not in page
    assert "leesrechten in alle organisaties" not in page

    cc = factories.user([("concern_control", "DUO")])
    other = app.test_client()
    login(other, cc.email, factories.PASSWORD)
    page = other.get("/").get_data(as_text=True)
    assert "leesrechten in alle organisaties" in page and 'href="/organisaties"' in page
    # one card, for the organisation of the role; not one for each organisation it may read
    assert page.count('class="card"') == 1 and "Gemeente Diemen" not in page
