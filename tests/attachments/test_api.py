"""Attachments through the JSON API: metadata as JSON, bytes as a download, problems as problem+json."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bio_register.compliance import catalogs as catalog_import
from bio_register.compliance import services as compliance
from bio_register.extensions import db
from tests import factories
from tests.api.test_api_base import assert_problem, bearer
from tests.attachments import samples
from tests.attachments.test_views import multipart


@pytest.fixture
def vo_headers() -> dict[str, str]:
    return bearer(factories.token(factories.user([("verbindingsofficier", "DIE")], name="Vera")))


def post_file(client: FlaskClient, url: str, headers: dict[str, str], data: bytes, name: str):
    body, content_type = multipart({}, data, name)
    return client.post(url, data=body, content_type=content_type, headers=headers)


def test_incident_attachments_round_trip(client: FlaskClient, vo_headers) -> None:
    incident = factories.incident("DIE")
    base = f"/api/v1/incidents/{incident.id}/attachments"
    assert client.get(base, headers=vo_headers).get_json() == []
    workbook = samples.xlsx()
    created = post_file(client, base, vo_headers, workbook, "logboek Ödön.xlsx")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["filename"] == "logboek Ödön.xlsx" and body["organisation"] == "DIE"
    assert body["content_type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert body["incident_id"] == incident.id and body["control"] is None and body["uploaded_by"] == "Vera"
    assert body["removed"] is False and body["content_url"] == f"{base}/{body['id']}/content"
    assert client.get(f"{base}/{body['id']}", headers=vo_headers).get_json() == body
    assert [a["id"] for a in client.get(base, headers=vo_headers).get_json()] == [body["id"]]
    content = client.get(body["content_url"], headers=vo_headers)
    assert content.status_code == 200 and content.data == workbook
    assert content.headers["X-Content-Type-Options"] == "nosniff"
    assert content.headers["Content-Security-Policy"].startswith("sandbox")
    assert "filename*=UTF-8''logboek%20%C3%96d%C3%B6n.xlsx" in content.headers["Content-Disposition"]
    assert content.headers["Content-Disposition"].startswith("attachment;")
    assert content.headers["X-Content-SHA256"] == body["sha256"]

    assert_problem(client.delete(f"{base}/{body['id']}", headers=vo_headers, json={}), 422)
    removed = client.delete(f"{base}/{body['id']}", headers=vo_headers, json={"reason": "Dubbel geüpload"})
    assert removed.status_code == 200
    gone = removed.get_json()
    assert gone["removed"] is True and gone["removal_reason"] == "Dubbel geüpload" and gone["content_url"] is None
    assert gone["sha256"] == body["sha256"] and gone["filename"] == body["filename"]
    assert "verwijderd" in assert_problem(client.get(body["content_url"], headers=vo_headers), 410)["detail"]
    assert_problem(client.delete(f"{base}/{body['id']}", headers=vo_headers, json={"reason": "nogmaals"}), 409)
    timeline = client.get(f"/api/v1/incidents/{incident.id}/timeline", headers=vo_headers).get_json()
    assert [item["kind"] for item in timeline if item["kind"].startswith("attachment")] == [
        "attachment_upload", "attachment_remove"]


def test_refusals_are_problems_naming_the_file(client: FlaskClient, app: Flask, vo_headers,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    incident = factories.incident("DIE")
    base = f"/api/v1/incidents/{incident.id}/attachments"
    problem = assert_problem(post_file(client, base, vo_headers, samples.SVG, "logo.png"), 422)
    assert "logo.png" in problem["detail"] and "file" in problem["errors"]
    excel_csv = "Nr.;Omschrijving\n1;Brief naar verkeerd adres in Diemen, geïnformeerd\n".encode("cp1252")
    windows = assert_problem(post_file(client, base, vo_headers, excel_csv, "register.csv"), 422)
    assert "register.csv" in windows["detail"] and "UTF-8" in windows["detail"]
    missing = assert_problem(client.post(base, headers=vo_headers, json={"file": "x"}), 422)
    assert "file" in missing["errors"]
    monkeypatch.setitem(app.config, "MAX_ATTACHMENT_MB", 1)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    too_large = assert_problem(post_file(client, base, vo_headers, samples.PDF + b"0" * (1024 * 1024), "a.pdf"), 413)
    assert "a.pdf" in too_large["detail"]
    huge = assert_problem(post_file(client, base, vo_headers, samples.PDF + b"0" * (3 * 1024 * 1024), "a.pdf"), 413)
    assert "hoogstens 1 MB" in huge["detail"]
    assert client.get(base, headers=vo_headers).get_json() == []


def test_scoping_and_write_permission(client: FlaskClient) -> None:
    incident = factories.incident("DIE")
    attachment = factories.incident_attachment(incident)
    base = f"/api/v1/incidents/{incident.id}/attachments"
    outsider = bearer(factories.token(factories.user([("verbindingsofficier", "UIT")])))
    assert_problem(client.get(base, headers=outsider), 404)
    assert_problem(client.get(f"{base}/{attachment.id}/content", headers=outsider), 404)
    assert_problem(post_file(client, base, outsider, samples.PDF, "a.pdf"), 404)
    other = factories.incident("UIT")
    assert_problem(client.get(f"/api/v1/incidents/{other.id}/attachments/{attachment.id}", headers=outsider), 404)
    reader = bearer(factories.token(factories.user([("concern_control", "DUO")])))
    assert client.get(f"{base}/{attachment.id}/content", headers=reader).status_code == 200
    assert_problem(post_file(client, base, reader, samples.PDF, "a.pdf"), 403)
    assert_problem(client.delete(f"{base}/{attachment.id}", headers=reader, json={"reason": "weg"}), 403)


def test_control_evidence_in_the_api(client: FlaskClient) -> None:
    catalog_import.import_all(actor_label="test")
    db.session.commit()
    control = compliance.find_control(compliance.get_catalog("BIO2-1.3"), "5.24.01")
    ciso = bearer(factories.token(factories.user([("ciso", "DIE")])))
    base = "/api/v1/organisations/DIE/assessments/BIO2-1.3/5.24.01/attachments"
    document = samples.odt()
    created = post_file(client, base, ciso, document, "beleid.odt")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["catalog"], body["control"], body["incident_id"]) == ("BIO2-1.3", "5.24.01", None)
    assert body["content_type"] == "application/vnd.oasis.opendocument.text"
    assert body["content_url"] == f"{base}/{body['id']}/content"
    assert client.get(body["content_url"], headers=ciso).data == document
    assert [a["id"] for a in client.get(base, headers=ciso).get_json()] == [body["id"]]
    assert [a["id"] for a in compliance_list(client, ciso, "5.24.02")] == []
    assert_problem(client.get("/api/v1/organisations/DIE/assessments/BIO2-1.3/9.99/attachments", headers=ciso), 404)
    assert_problem(client.get("/api/v1/organisations/DIE/assessments/BIO-9/5.24.01/attachments", headers=ciso), 404)
    outsider = bearer(factories.token(factories.user([("ciso", "UIT")])))
    assert_problem(client.get(f"{base}/{body['id']}", headers=outsider), 404)
    assert_problem(client.get(f"/api/v1/organisations/UIT/assessments/BIO2-1.3/5.24.01/attachments/{body['id']}",
                              headers=outsider), 404)
    removed = client.delete(f"{base}/{body['id']}", headers=ciso, json={"reason": "Nieuwe versie van het beleid"})
    assert removed.status_code == 200 and removed.get_json()["removed"] is True
    assert control.id  # the control itself is untouched


def compliance_list(client: FlaskClient, headers: dict[str, str], code: str) -> list[dict]:
    response = client.get(f"/api/v1/organisations/DIE/assessments/BIO2-1.3/{code}/attachments", headers=headers)
    assert response.status_code == 200
    return response.get_json()


def test_openapi_documents_the_attachment_routes(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    upload = paths["/api/v1/incidents/{incident_id}/attachments"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert "413" in upload["responses"]
    assert "delete" in paths["/api/v1/incidents/{incident_id}/attachments/{attachment_id}"]
    assert "/api/v1/incidents/{incident_id}/attachments/{attachment_id}/content" in paths
    control = "/api/v1/organisations/{code}/assessments/{catalog}/{control}/attachments"
    assert {"get", "post"} <= set(paths[control])
    assert f"{control}/{{attachment_id}}/content" in paths


def test_openapi_documents_every_refusal_of_the_attachment_routes(client: FlaskClient) -> None:
    """Removing an attachment twice answers 409 and its content afterwards 410 (see the round trip):
    both are in the document, as problem+json like every error."""
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    control = "/api/v1/organisations/{code}/assessments/{catalog}/{control}/attachments/{attachment_id}"
    for one in ("/api/v1/incidents/{incident_id}/attachments/{attachment_id}", control):
        removal = paths[one]["delete"]["responses"]
        assert {"403", "404", "409", "422"} <= set(removal)
        assert "application/problem+json" in removal["409"]["content"]
        content = paths[f"{one}/content"]["get"]["responses"]
        assert {"404", "410"} <= set(content)
        assert "application/problem+json" in content["410"]["content"]
