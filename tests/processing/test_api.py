from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests import factories
from tests.api.test_api_base import assert_problem, bearer

BASE = "/api/v1/organisations/DIE/processing-activities"
NEW = {"name": "Parkeervergunningen", "purpose": "Vergunningen voor parkeren verlenen",
       "legal_basis": "algemeen_belang", "data_categories": ["naw", "contact"]}


@pytest.fixture
def ciso_headers() -> dict[str, str]:
    return bearer(factories.token(factories.user([("ciso", "DIE")])))


def test_create_read_patch_and_list(client: FlaskClient, ciso_headers) -> None:
    processor = factories.processor()
    created = client.post(BASE, json={**NEW, "processors": [processor.id]}, headers=ciso_headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["organisation"] == "DIE" and body["status"] == "concept" and body["version"] == 1
    assert body["processors"] == [{"id": processor.id, "name": "Centric"}]
    url = f"{BASE}/{body['id']}"
    assert client.get(url, headers=ciso_headers).get_json()["name"] == "Parkeervergunningen"
    patched = client.patch(url, json={"version": 1, "status": "actief"}, headers=ciso_headers)
    assert patched.status_code == 200 and patched.get_json()["version"] == 2
    listed = client.get(f"{BASE}?status=actief&legal_basis=algemeen_belang&q=parkeer", headers=ciso_headers)
    assert listed.status_code == 200
    page = listed.get_json()
    assert page["total"] == 1 and page["items"][0]["id"] == body["id"]
    assert client.get(f"{BASE}?status=beeindigd", headers=ciso_headers).get_json()["total"] == 0
    processors = client.get("/api/v1/organisations/DIE/processors", headers=ciso_headers).get_json()
    assert processors["items"][0]["processing_activities"][0]["name"] == "Parkeervergunningen"


def test_stale_version_answers_409(client: FlaskClient, ciso_headers) -> None:
    activity = factories.processing_activity()
    url = f"{BASE}/{activity.id}"
    assert client.patch(url, json={"version": 1, "owner": "A"}, headers=ciso_headers).status_code == 200
    body = assert_problem(client.patch(url, json={"version": 1, "owner": "B"}, headers=ciso_headers), 409)
    assert "intussen opgeslagen" in body["detail"]


def test_missing_purpose_and_art9_ground_answer_422_in_dutch(client: FlaskClient, ciso_headers) -> None:
    body = assert_problem(client.post(BASE, json={"name": "X"}, headers=ciso_headers), 422)
    assert body["errors"]["purpose"] == ["Dit veld is verplicht."]
    assert body["errors"]["legal_basis"] == ["Kies de grondslag (art. 6 lid 1 AVG)."]
    activity = factories.processing_activity()
    body = assert_problem(client.patch(f"{BASE}/{activity.id}", json={"version": 1, "purpose": ""},
                                       headers=ciso_headers), 422)
    assert body["errors"]["purpose"] == ["Dit veld is verplicht."]
    body = assert_problem(client.post(BASE, json={**NEW, "special_categories": ["gezondheid"]},
                                      headers=ciso_headers), 422)
    assert "uitzonderingsgrond uit art. 9 lid 2" in str(body)
    body = assert_problem(client.post(BASE, json={**NEW, "processors": [factories.processor("UIT").id]},
                                      headers=ciso_headers), 422)
    assert "hoort niet bij deze organisatie" in str(body)


def test_outside_scope_is_404(client: FlaskClient, ciso_headers) -> None:
    other = factories.processing_activity("UIT")
    assert_problem(client.get(f"/api/v1/organisations/UIT/processing-activities/{other.id}", headers=ciso_headers), 404)
    assert_problem(client.get(f"{BASE}/{other.id}", headers=ciso_headers), 404)
    assert_problem(client.get("/api/v1/organisations/UIT/processors", headers=ciso_headers), 404)


def test_a_role_above_covers_the_organisations_below(client: FlaskClient) -> None:
    factories.organisation("DUO")
    factories.organisation("WIJK", parent="DIE")
    activity = factories.processing_activity("WIJK", name="Wijkteam")
    headers = bearer(factories.token(factories.user([("fg", "DIE")])))
    assert client.get(f"/api/v1/organisations/WIJK/processing-activities/{activity.id}",
                      headers=headers).status_code == 200
    page = client.get(BASE, headers=headers).get_json()
    assert [item["name"] for item in page["items"]] == []   # the list is of the organisation in the path


def test_processor_api_and_attention(client: FlaskClient, ciso_headers) -> None:
    url = "/api/v1/organisations/DIE/processors"
    created = client.post(url, json={"name": "Cloudleverancier", "country": "Verenigde Staten",
                                     "inside_eea": False}, headers=ciso_headers)
    assert created.status_code == 201
    body = created.get_json()
    assert body["attention"] == ["missing"]
    assert client.get(f"{url}?attention=true", headers=ciso_headers).get_json()["total"] == 1
    patched = client.patch(f"{url}/{body['id']}", json={"version": 1, "agreement_signed": True,
                                                        "agreement_signed_on": "2026-01-15"}, headers=ciso_headers)
    assert patched.status_code == 200 and patched.get_json()["attention"] == []
    assert client.get(f"{url}?attention=true", headers=ciso_headers).get_json()["total"] == 0
    assert_problem(client.patch(f"{url}/{body['id']}", json={"version": 1, "name": "Oud"}, headers=ciso_headers), 409)


def test_api_lists_issue_a_fixed_number_of_queries(client: FlaskClient, ciso_headers, count_queries) -> None:
    factories.processing_activity(processors=[factories.processor().id])
    client.get("/api/v1/me", headers=ciso_headers)   # the token's first use is recorded once
    client.get(BASE, headers=ciso_headers)   # and the organisation tree is read once (permissions.adopt_tree)
    with count_queries() as few:
        assert client.get(BASE, headers=ciso_headers).status_code == 200
    with count_queries() as few_processors:
        assert client.get("/api/v1/organisations/DIE/processors", headers=ciso_headers).status_code == 200
    for i in range(10):
        p = factories.processor(name=f"Verwerker {i}")
        factories.processing_activity(name=f"Verwerking {i}", processors=[p.id])
    with count_queries() as many:
        assert client.get(BASE, headers=ciso_headers).status_code == 200
    with count_queries() as many_processors:
        assert client.get("/api/v1/organisations/DIE/processors", headers=ciso_headers).status_code == 200
    assert many.count == few.count, many.statements
    assert many_processors.count == few_processors.count, many_processors.statements
