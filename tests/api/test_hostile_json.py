"""Hostile JSON (issue 18, item 6): nesting thousands deep, a number of thousands of digits, an
array of a million values. Each is refused with a 422 problem+json naming the limit before it is
parsed — never a 500 from Python's recursion limit or its limit on the digits of an int."""

from __future__ import annotations

import json
import time

import pytest
from flask.testing import FlaskClient

from bio_register.api.base import MAX_JSON_BYTES, MAX_JSON_VALUES, scan_json
from bio_register.incidents.models import Incident
from tests import factories
from tests.api.test_api_base import PROBLEM, bearer
from tests.conftest import csrf_token

DEEP = '{"title": ' + "[" * 5000 + "]" * 5000 + "}"
HUGE_NUMBER = '{"title": "Lek", "version": ' + "9" * 5000 + "}"
HUGE_ARRAY = '{"title": [' + ",".join(["0"] * 1_000_000) + "]}"
MANY_VALUES = '{"title": [' + ",".join(["0"] * (MAX_JSON_VALUES + 1)) + "]}"

SHAPES = {
    "deep": (DEEP, "De JSON is 5.001 lagen diep genest; de grens is 32 lagen"),
    "huge number": (HUGE_NUMBER, "De JSON bevat een getal van meer dan 100 cijfers; de grens is 100 cijfers."),
    "huge array": (HUGE_ARRAY, "De JSON-body is 1.954 KB; de grens is 1.024 KB."),
    "many values": (MANY_VALUES, "De JSON bevat meer dan 10.000 waarden; de grens is 10.000."),
}


@pytest.fixture
def officer() -> tuple[str, Incident]:
    user = factories.user([("verbindingsofficier", "DIE")])
    return factories.token(user), factories.incident("DIE", actor=user)


def _operations(incident: Incident) -> list[tuple[str, str]]:
    return [("POST", "/api/v1/incidents"),
            ("PATCH", f"/api/v1/incidents/{incident.id}"),
            ("POST", f"/api/v1/incidents/{incident.id}/timeline"),
            ("PATCH", "/api/v1/me")]


@pytest.mark.parametrize("shape", list(SHAPES))
def test_hostile_json_is_422_problem_naming_the_limit(client: FlaskClient, officer, shape: str) -> None:
    token, incident = officer
    body, message = SHAPES[shape]
    for method, path in _operations(incident):
        started = time.monotonic()
        response = client.open(path, method=method, data=body, content_type="application/json",
                               headers=bearer(token))
        assert time.monotonic() - started < 2, (method, path)
        assert response.status_code == 422, (method, path, response.status_code)
        assert response.mimetype == PROBLEM
        problem = response.get_json()
        assert problem["status"] == 422 and problem["type"].endswith("/validation")
        assert message in problem["detail"]
        assert problem["errors"] == {"body": [problem["detail"]]}
    assert client.get(f"/api/v1/incidents/{incident.id}", headers=bearer(token)).get_json()["version"] == \
        incident.version  # nothing changed


def test_hostile_json_is_refused_before_authentication_too(client: FlaskClient) -> None:
    """Whoever sends it, nobody's request makes the server parse it."""
    response = client.post("/api/v1/incidents", data=DEEP, content_type="application/json")
    assert response.status_code == 422 and response.mimetype == PROBLEM


def test_hostile_json_to_a_page_is_a_422_page(client: FlaskClient) -> None:
    """The input guard reads a JSON body sent to any page (past the CSRF check), so it is bounded there too."""
    token = csrf_token(client, "/login")
    response = client.post("/login", data=DEEP, content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 422
    assert "lagen diep genest" in response.get_data(as_text=True)


def test_a_declared_length_over_the_limit_is_refused_unread(client: FlaskClient, officer) -> None:
    token, _incident = officer
    response = client.post("/api/v1/incidents", data=b"{}", content_type="application/json", headers=bearer(token),
                           environ_overrides={"CONTENT_LENGTH": str(MAX_JSON_BYTES + 1)})
    assert response.status_code == 422
    assert "de grens is 1.024 KB" in response.get_json()["detail"]


def test_brackets_digits_and_commas_inside_strings_are_text(client: FlaskClient, officer) -> None:
    """Only the structure counts: a description full of brackets, long digit runs, commas and
    escaped quotes is an ordinary string."""
    token, _incident = officer
    text = '[{"\\' * 200 + "1" * 500 + ",," * 300 + '"]]]]'
    body = json.dumps({"organisation": "DIE", "title": "Haakjes", "description": text,
                       "discovered_at": "2026-11-20T09:15:00+01:00", "is_datalek": False})
    assert body.count("[") >= 200 and '\\"' in body
    response = client.post("/api/v1/incidents", data=body, content_type="application/json", headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["description"] == text


@pytest.mark.parametrize("raw", [
    b"[" * MAX_JSON_BYTES,                    # the deepest a body can be
    b'"\\"' * (MAX_JSON_BYTES // 3),         # escaped quotes, never a string's end
    b'"' + b"\\" * (MAX_JSON_BYTES - 1),       # one string, never closed
    b"1," * (MAX_JSON_BYTES // 2),            # numbers and commas
    b"[1]" * (MAX_JSON_BYTES // 3),           # many brackets, shallow
])
def test_the_scan_takes_linear_time(raw: bytes) -> None:
    """A megabyte scans in milliseconds; a quadratic scan would take minutes. CPU time, not the wall
    clock, and a wide bound: other processes on a busy CI machine must not fail it."""
    started = time.process_time()
    scan_json(raw)
    assert time.process_time() - started < 2


def test_ordinary_json_passes_the_scan() -> None:
    assert scan_json(b'{"a": [1, 2.5e10, -3], "b": {"c": [[{"d": null}]]}, "e": "x\\"]]]"}') is None
    assert scan_json(b"[" * 32 + b"]" * 32) is None
    assert scan_json(b"[" * 33 + b"]" * 33) is not None
    assert scan_json(b"9" * 100) is None
    assert scan_json(b"9" * 101) is not None
