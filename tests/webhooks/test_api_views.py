"""The webhooks' API and pages: registering (the secret once), the lists and the delivery log,
refusals with their reason, and lists whose query count does not grow with the data."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bio_register.extensions import db
from bio_register.notifications.models import OutboxMessage
from bio_register.scheduler import deliver_webhooks
from bio_register.webhooks import services as webhooks
from tests import factories
from tests.api.test_api_base import assert_problem, bearer
from tests.conftest import csrf_token, login

BASE = "/api/v1/organisations/DIE/webhooks"


@pytest.fixture
def beheerder():
    factories.organisation("DIE")
    return factories.user([("beheerder", "DUO")])


@pytest.fixture
def headers(beheerder) -> dict[str, str]:
    return bearer(factories.token(beheerder))


def test_register_list_and_read_the_delivery_log(app: Flask, client: FlaskClient, headers, receiver, loopback) -> None:
    created = client.post(BASE, json={"url": receiver.url, "events": ["incident.logged", "datalek.logged"],
                                      "description": "TOPdesk"}, headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["secret"].startswith("whsec_") and body["personal_data_allowed"] is False and body["active"] is True
    receiver.secret = body["secret"]
    listed = client.get(BASE, headers=headers).get_json()
    assert listed["total"] == 1 and "secret" not in listed["items"][0]
    assert body["secret"] not in client.get(BASE, headers=headers).get_data(as_text=True)
    factories.incident("DIE", is_datalek=True)
    deliver_webhooks(app)
    log = client.get(f"{BASE}/{body['id']}/deliveries", headers=headers).get_json()
    assert log["total"] == 2
    assert {(d["event"], d["status"], d["http_status"], d["attempts"]) for d in log["items"]} == {
        ("incident.logged", "afgeleverd", 204, 1), ("datalek.logged", "afgeleverd", 204, 1)}
    counts = client.get(BASE, headers=headers).get_json()["items"][0]["deliveries"]
    assert counts["delivered"] == 2 and counts["pending"] == counts["failed"] == 0


@pytest.mark.parametrize(("payload", "field", "text"), [
    ({"url": "http://93.184.216.34/bio", "events": ["incident.logged"]}, "url", "Alleen https"),
    ({"url": "https://10.1.1.1/bio", "events": ["incident.logged"]}, "url", "intern, lokaal of gereserveerd"),
    ({"url": "https://93.184.216.34/bio", "events": []}, "events", None),
    ({"url": "https://93.184.216.34/bio", "events": ["alles"]}, "events", None),
    ({"url": "https://93.184.216.34/bio"}, "events", None),
])
def test_bad_input_answers_422_naming_the_field(client: FlaskClient, headers, payload, field, text) -> None:
    problem = assert_problem(client.post(BASE, json=payload, headers=headers), 422)
    assert any(key.split(".")[0] == field for key in problem["errors"]), problem
    if text:
        assert text in " ".join(problem["errors"][field])


def test_another_organisations_webhook_is_not_found(client: FlaskClient, headers) -> None:
    endpoint = factories.webhook("UIT")
    assert_problem(client.get(f"{BASE}/{endpoint.id}/deliveries", headers=headers), 404)
    own = client.get(f"/api/v1/organisations/UIT/webhooks/{endpoint.id}/deliveries", headers=headers)
    assert own.status_code == 200  # the beheerder of DUO manages UIT as well


def test_the_pages_register_show_the_secret_once_and_send_a_test(
        app: Flask, client: FlaskClient, beheerder, receiver, loopback) -> None:
    login(client, beheerder.email, factories.PASSWORD)
    page = client.get("/organisaties/DIE/webhooks")
    assert page.status_code == 200 and "Nog geen webhooks" in page.get_data(as_text=True)
    refused = client.post("/organisaties/DIE/webhooks", data={
        "csrf_token": csrf_token(client, "/organisaties/DIE/webhooks"), "url": "https://192.168.2.3/hook",
        "events": ["incident.logged"]})
    assert refused.status_code == 422 and "intern, lokaal of gereserveerd" in refused.get_data(as_text=True)
    created = client.post("/organisaties/DIE/webhooks", data={
        "csrf_token": csrf_token(client, "/organisaties/DIE/webhooks"), "url": receiver.url,
        "description": "Teams-kanaal", "events": ["incident.logged", "maatregel.overdue"]})
    assert created.status_code == 200
    [endpoint] = db.session.query(webhooks.WebhookEndpoint).all()
    html = created.get_data(as_text=True)
    assert endpoint.secret in html and "niet opnieuw getoond" in html
    detail_url = f"/organisaties/DIE/webhooks/{endpoint.id}"
    detail = client.get(detail_url).get_data(as_text=True)
    assert endpoint.secret not in detail and "Teams-kanaal" in detail
    assert endpoint.secret not in client.get("/organisaties/DIE/webhooks").get_data(as_text=True)
    receiver.secret = endpoint.secret
    sent = client.post(f"{detail_url}/test", data={"csrf_token": csrf_token(client, detail_url)})
    assert sent.status_code == 302
    assert "wachtrij" in client.get(detail_url).get_data(as_text=True)
    deliver_webhooks(app)
    assert receiver.received[0].verified and receiver.received[0].json["event"] == "webhook.test"
    assert "afgeleverd" in client.get(detail_url).get_data(as_text=True)
    saved = client.post(detail_url, data={"csrf_token": csrf_token(client, detail_url), "url": receiver.url,
                                          "events": ["datalek.logged"], "personal_data_allowed": "y"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert endpoint.events == ["datalek.logged"] and endpoint.personal_data_allowed and not endpoint.active
    removed = client.post(f"{detail_url}/verwijderen", data={"csrf_token": csrf_token(client, detail_url)})
    assert removed.status_code == 302
    assert client.get(detail_url).status_code == 404
    assert db.session.query(OutboxMessage).filter(OutboxMessage.webhook_endpoint_id == endpoint.id).count() == 0


def test_lists_issue_a_fixed_number_of_queries(client: FlaskClient, beheerder, headers, count_queries) -> None:
    first = factories.webhook("DIE")
    _deliveries(first, 1)
    client.get("/api/v1/me", headers=headers)  # the token's first use is recorded once
    client.get(BASE, headers=headers)  # and the organisation tree is read once (permissions.adopt_tree)
    login(client, beheerder.email, factories.PASSWORD)
    urls = [BASE, f"{BASE}/{first.id}/deliveries", "/organisaties/DIE/webhooks",
            f"/organisaties/DIE/webhooks/{first.id}"]

    def counts() -> list[int]:
        found = []
        for url in urls:
            with count_queries() as counter:
                assert client.get(url, headers=headers if url.startswith("/api") else {}).status_code == 200
            found.append(counter.count)
        return found

    few = counts()
    for i in range(8):
        _deliveries(factories.webhook("DIE", url=f"https://hooks{i}.example.nl/bio"), 3)
    _deliveries(first, 12)
    assert counts() == few


def _deliveries(endpoint, n: int) -> None:
    for i in range(n):
        db.session.add(OutboxMessage(kind="webhook", webhook_endpoint_id=endpoint.id, recipient="hooks.example.nl",
                                     subject="incident.logged", body="{}", attempts=i % 3,
                                     http_status=503 if i % 3 else None))
    db.session.commit()
