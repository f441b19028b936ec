from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bio_register.breaches import services as breaches
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.incidents import services as incidents
from tests import factories
from tests.api.test_api_base import assert_problem, bearer
from tests.conftest import login


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def test_fg_assesses_decides_and_notifies_through_the_api(client: FlaskClient) -> None:
    fg = factories.user([("fg", "DIE")], name="Fenna")
    headers = bearer(factories.token(fg))
    leak = factories.incident(is_datalek=True, discovered_at=utcnow() - dt.timedelta(hours=10))
    base = f"/api/v1/incidents/{leak.id}"
    assert_problem(client.get(f"{base}/breach", headers=headers), 404)
    aware = utcnow() - dt.timedelta(hours=9)
    response = client.put(f"{base}/breach", headers=headers, json={
        "aware_at": _iso(aware), "data_categories": ["naw", "financieel"], "special_categories": ["gezondheid"],
        "bsn": True, "subjects_count": 120, "records_count": 120, "nature_confidentiality": True,
        "enisa_dpc": 4, "enisa_ei": "0.75", "enisa_cb_confidentiality": "0.5", "enisa_cb_malicious": True})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["enisa_score"] == 4.0 and body["enisa_band"] == "zeer hoog"   # 4 × 0.75 + 0.5 + 0.5
    assert body["state"] == "te_beoordelen" and 62.9 < body["hours_left"] < 63.1
    assert body["ap_deadline"] == _iso((aware + dt.timedelta(hours=72)).astimezone(dt.UTC))

    decision = client.post(f"{base}/ap-decisions", headers=headers,
                           json={"notify": True, "motivation": "Gezondheidsgegevens van 120 inwoners gelekt."})
    assert decision.status_code == 201 and decision.get_json()["in_force"] is True
    note = client.post(f"{base}/ap-notifications", headers=headers,
                       json={"kind": "initial", "submitted_at": _iso(utcnow()), "meldnummer": "M-77"})
    assert note.status_code == 201, note.get_json()
    assert client.get(f"{base}/breach", headers=headers).get_json()["state"] == "gemeld"
    subjects = client.post(f"{base}/data-subject-notification", headers=headers,
                           json={"notify": False, "ground": "disproportionate_effort",
                                 "explanation": "Bericht op de gemeentewebsite", "channel": "website"})
    assert subjects.status_code == 201


def test_the_enisa_score_is_a_json_number_as_documented(client: FlaskClient) -> None:
    """It was the string "4.25" (a Decimal written as text) where the OpenAPI document says number."""
    fg = factories.user([("fg", "DIE")])
    leak = factories.incident(is_datalek=True)
    factories.assess(leak, fg=fg, enisa_dpc=4, enisa_ei="1", enisa_cb_confidentiality="0.25")
    response = client.get(f"/api/v1/incidents/{leak.id}/breach", headers=bearer(factories.token(fg)))
    assert response.status_code == 200
    assert response.get_json()["enisa_score"] == 4.25  # a float: "4.25" != 4.25
    assert b'"enisa_score":4.25' in response.data.replace(b" ", b"")
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["components"]["schemas"]["AssessmentOut"]["properties"]["enisa_score"]["type"] == "number"


@pytest.mark.parametrize(("field", "value"), [("bsn", "yes"), ("bsn", "on"), ("bsn", "0"), ("bsn", 1),
                                               ("enisa_dpc", "4"), ("version", "1")])
def test_assessment_fields_take_only_their_json_type(client: FlaskClient, field: str, value: object) -> None:
    fg = factories.user([("fg", "DIE")])
    leak = factories.incident(is_datalek=True)
    problem = assert_problem(client.put(f"/api/v1/incidents/{leak.id}/breach", headers=bearer(factories.token(fg)),
                                        json={"aware_at": _iso(leak.discovered_at), field: value}), 422)
    assert list(problem["errors"]) == [field]
    assert breaches.assessment_of(leak) is None


def test_bad_input_is_422_with_the_field(client: FlaskClient) -> None:
    fg = factories.user([("fg", "DIE")])
    headers = bearer(factories.token(fg))
    leak = factories.incident(is_datalek=True, occurred_at=utcnow() - dt.timedelta(days=2))
    base = f"/api/v1/incidents/{leak.id}"
    cases = [
        ({"aware_at": _iso(utcnow() + dt.timedelta(days=1))}, "aware_at"),
        ({"aware_at": _iso(utcnow() - dt.timedelta(days=3))}, "aware_at"),        # before it occurred
        ({"aware_at": _iso(utcnow()), "enisa_dpc": 5}, "enisa_dpc"),
        ({"aware_at": _iso(utcnow()), "enisa_dpc": 0}, "enisa_dpc"),
        ({"aware_at": _iso(utcnow()), "subjects_count": -1}, "subjects_count"),
        ({"aware_at": _iso(utcnow()), "data_categories": ["schoenmaat"]}, "data_categories.0"),
        ({"aware_at": _iso(utcnow()), "unknown": 1}, "unknown"),
    ]
    for body, field in cases:
        problem = assert_problem(client.put(f"{base}/breach", headers=headers, json=body), 422)
        assert field in problem["errors"], (body, problem)
    factories.assess(leak, fg=fg)
    problem = assert_problem(client.post(f"{base}/ap-decisions", headers=headers,
                                         json={"notify": False, "motivation": ""}), 422)
    assert "motivation" in problem["errors"]
    client.post(f"{base}/ap-decisions", headers=headers, json={"notify": False, "motivation": "Geen enkel risico."})
    problem = assert_problem(client.post(f"{base}/ap-notifications", headers=headers,
                                         json={"kind": "initial", "submitted_at": _iso(utcnow()),
                                               "meldnummer": "M-1"}), 422)
    assert "notify" in problem["errors"]


def test_only_the_fg_decides(client: FlaskClient) -> None:
    leak = factories.incident(is_datalek=True)
    factories.assess(leak)
    ciso = bearer(factories.token(factories.user([("ciso", "DIE")])))
    problem = assert_problem(client.post(f"/api/v1/incidents/{leak.id}/ap-decisions", headers=ciso,
                                         json={"notify": False, "motivation": "Geen risico, vindt de CISO."}), 403)
    assert problem["detail"]
    other_fg = bearer(factories.token(factories.user([("fg", "UIT")])))
    assert_problem(client.post(f"/api/v1/incidents/{leak.id}/ap-decisions", headers=other_fg,
                               json={"notify": False, "motivation": "Geen risico."}), 404)
    assert breaches.decisions_of(leak) == []


@pytest.mark.parametrize("motivation", ["", "   ", "Te kort.", "\t\n"])
def test_the_motivation_needs_a_few_words_says_the_service(client: FlaskClient, motivation: str) -> None:
    """One rule, one message: the schema checks the type and the maximum, the service the minimum."""
    fg = factories.user([("fg", "DIE")])
    leak = factories.incident(is_datalek=True)
    factories.assess(leak, fg=fg)
    problem = assert_problem(client.post(f"/api/v1/incidents/{leak.id}/ap-decisions",
                                         headers=bearer(factories.token(fg)),
                                         json={"notify": False, "motivation": motivation}), 422)
    assert problem["errors"]["motivation"] == [
        "Motiveer het besluit in een paar woorden, ook bij niet melden (art. 33 lid 5 AVG)."]
    assert breaches.decisions_of(leak) == []


def test_the_motivation_is_a_string_of_at_most_20000_characters(client: FlaskClient) -> None:
    fg = factories.user([("fg", "DIE")])
    leak = factories.incident(is_datalek=True)
    factories.assess(leak, fg=fg)
    headers = bearer(factories.token(fg))
    for motivation in (None, 42, "x" * 20_001):
        problem = assert_problem(client.post(f"/api/v1/incidents/{leak.id}/ap-decisions", headers=headers,
                                             json={"notify": False, "motivation": motivation}), 422)
        assert "motivation" in problem["errors"]


def test_the_decision_in_force_is_the_newest_in_the_api_and_on_the_page(client: FlaskClient) -> None:
    fg = factories.user([("fg", "DIE")])
    leak = factories.incident(is_datalek=True)
    factories.assess(leak, fg=fg)
    headers = bearer(factories.token(fg))
    base = f"/api/v1/incidents/{leak.id}"
    first = client.post(f"{base}/ap-decisions", headers=headers,
                        json={"notify": True, "motivation": "Eerst: melden, gezondheidsgegevens."}).get_json()
    second = client.post(f"{base}/ap-decisions", headers=headers,
                         json={"notify": False, "motivation": "Toch niet: de ontvanger is een collega."}).get_json()
    assert first["in_force"] is True and second["in_force"] is True     # each was in force when taken
    listed = client.get(f"{base}/ap-decisions", headers=headers).get_json()
    assert [(d["id"], d["in_force"]) for d in listed] == [(second["id"], True), (first["id"], False)]
    assert listed[0]["decided_by"] == fg.name and listed[0]["motivation"].startswith("Toch niet")

    informed = client.post(f"{base}/data-subject-notification", headers=headers,
                           json={"notify": False, "ground": "risk_removed", "explanation": "Teruggehaald."})
    assert informed.status_code == 201 and informed.get_json()["in_force"] is True
    assert informed.get_json()["ground"] == "risk_removed"
    assert [d["in_force"] for d in client.get(f"{base}/data-subject-notification", headers=headers).get_json()] \
        == [True]

    login(client, fg.email, factories.PASSWORD)
    html = client.get(f"/incidenten/{leak.id}/datalek").get_data(as_text=True)
    assert html.count('class="superseded"') == 1 and html.count("(vervangen)") == 1


def test_hours_left_is_the_overview_rows(client: FlaskClient) -> None:
    fg = factories.user([("fg", "DIE")])
    leak = factories.incident(is_datalek=True, discovered_at=utcnow() - dt.timedelta(hours=10))
    factories.assess(leak, fg=fg)
    body = client.get(f"/api/v1/incidents/{leak.id}/breach", headers=bearer(factories.token(fg))).get_json()
    row = breaches.overview_for([leak])[0]
    assert body["hours_left"] == pytest.approx(row.hours_left, abs=0.02)
    assert body["state"] == row.state == "te_beoordelen"


def test_the_cbw_clock_follows_the_configured_anchor(app: Flask, client: FlaskClient) -> None:
    ciso = factories.user([("ciso", "DIE")])
    incident = factories.incident("DIE", discovered_at=utcnow() - dt.timedelta(hours=30))
    incidents.update_incident(None, incident, {"is_significant_cbw": True}, incident.version)
    early = utcnow() - dt.timedelta(hours=10)
    breaches.record_cbw_report(ciso, incident, "early_warning", early, content=factories.cbw_content("early_warning"))
    db.session.commit()
    headers = bearer(factories.token(ciso))
    saved = app.config["CBW_NOTIFICATION_ANCHOR"]
    try:
        for anchor, base in (("early_warning", early), ("aware", incident.discovered_at)):
            app.config["CBW_NOTIFICATION_ANCHOR"] = anchor
            body = client.get(f"/api/v1/incidents/{incident.id}/cbw-reports", headers=headers).get_json()
            assert body["deadlines"]["notification"] == _iso((base + dt.timedelta(hours=72)).astimezone(dt.UTC))
    finally:
        app.config["CBW_NOTIFICATION_ANCHOR"] = saved


def test_a_cbw_report_goes_to_the_configured_csirt(app: Flask, client: FlaskClient) -> None:
    ciso = factories.user([("ciso", "DIE")])
    incident = factories.incident("DIE")
    incidents.update_incident(None, incident, {"is_significant_cbw": True}, incident.version)
    db.session.commit()
    saved = app.config["CBW_RECIPIENT"]
    try:
        app.config["CBW_RECIPIENT"] = "CSIRT-DSP"
        response = client.post(f"/api/v1/incidents/{incident.id}/cbw-reports", headers=bearer(factories.token(ciso)),
                               json={"phase": "early_warning", "submitted_at": _iso(utcnow()),
                                     "malicious_suspected": True, "cross_border_possible": False})
        assert response.status_code == 201 and response.get_json()["recipient"] == "CSIRT-DSP"
    finally:
        app.config["CBW_RECIPIENT"] = saved
