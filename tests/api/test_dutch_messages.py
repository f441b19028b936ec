"""Bad input through the API is answered in Dutch, also where marshmallow checks the shape."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests import factories
from tests.api.test_api_base import bearer

ENGLISH = ("Missing data", "Not a valid", "Must be", "Unknown field", "Invalid", "may not be null", "Longer than")


def test_shape_errors_are_dutch_and_name_the_field(client: FlaskClient) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    response = client.post("/api/v1/incidents", headers=bearer(factories.token(vo)), json={
        "organisation": "DIE", "title": 5, "severity": "x", "discovered_at": "2026-11-01T10:00:00",
        "is_datalek": "ja", "extra": 1})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["description"] == ["Dit veld is verplicht."]
    assert errors["severity"] == ["Kies een van: laag, midden, hoog, kritiek."]
    assert errors["title"] == ["Geen geldige tekst."]
    assert errors["extra"] == ["Onbekend veld."]
    assert "tijdzone" in errors["discovered_at"][0]
    assert not [m for ms in errors.values() for m in ms if any(word in m for word in ENGLISH)]


def test_an_unknown_value_inside_a_list_is_refused_in_dutch(client: FlaskClient) -> None:
    fg = factories.user([("fg", "DIE")])
    leak = factories.incident("DIE", is_datalek=True)
    response = client.put(f"/api/v1/incidents/{leak.id}/breach", headers=bearer(factories.token(fg)),
                          json={"aware_at": "2026-11-01T10:00:00+01:00", "data_categories": ["naw", "schoenmaat"]})
    assert response.status_code == 422
    message = response.get_json()["errors"]["data_categories.1"][0]
    assert message.startswith("Kies een van: ") and "Must" not in message
