"""Regression tests for the review findings: odd input never gives a 500, and the legal rules
cannot be side-stepped through an edit."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient

from bio_register.breaches import export as register_export
from bio_register.breaches import services as breaches
from bio_register.database import utcnow
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.incidents import services as incidents
from tests import factories
from tests.api.test_api_base import assert_problem, bearer
from tests.conftest import csrf_token, login

NEW = {"organisation": "DIE", "title": "T", "description": "D", "discovered_at": "2026-11-20T09:15:00+01:00",
       "is_datalek": False}


@pytest.fixture
def vo_headers() -> dict[str, str]:
    return bearer(factories.token(factories.user([("verbindingsofficier", "DIE")])))


@pytest.mark.parametrize("path", ["/api/v1/incidents?q=%00", "/api/v1/incidents?organisation=%00",
                                  "/api/v1/organisations/%00"])
def test_nul_in_the_url_is_422_not_500(client: FlaskClient, vo_headers, path: str) -> None:
    assert_problem(client.get(path, headers=vo_headers), 422)


@pytest.mark.parametrize("body", [{**NEW, "title": "a\x00b"}, {**NEW, "title": "\ud800"}])
def test_nul_and_lone_surrogates_in_json_are_422(client: FlaskClient, vo_headers, body: dict) -> None:
    assert_problem(client.post("/api/v1/incidents", json=body, headers=vo_headers), 422)


def test_nul_in_a_form_is_refused_with_a_page(client: FlaskClient) -> None:
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": "a\x00@b.nl", "password": "x", "csrf_token": token})
    assert response.status_code == 422 and "niet zijn toegestaan" in response.get_data(as_text=True)


def test_huge_ids_are_404(client: FlaskClient, vo_headers) -> None:
    assert_problem(client.get("/api/v1/incidents/2147483648", headers=vo_headers), 404)
    user = factories.user([("verbindingsofficier", "DIE")])
    login(client, user.email, factories.PASSWORD)
    assert client.get("/incidenten/99999999999999999999").status_code == 404


@pytest.mark.parametrize("value", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59-12:00"])
def test_times_at_the_edge_of_the_calendar_are_422(client: FlaskClient, vo_headers, value: str) -> None:
    problem = assert_problem(client.post("/api/v1/incidents", json={**NEW, "discovered_at": value},
                                         headers=vo_headers), 422)
    assert "discovered_at" in problem["errors"]
    assert_problem(client.get(f"/api/v1/incidents?discovered_from={value.replace('+', '%2B')}",
                              headers=vo_headers), 422)


def test_edge_dates_in_the_list_filter_show_a_message(client: FlaskClient) -> None:
    user = factories.user([("verbindingsofficier", "DIE")])
    login(client, user.email, factories.PASSWORD)
    response = client.get("/incidenten?period_from=0001-01-01&period_until=9999-12-31")
    assert response.status_code == 200 and "tussen 1970 en 2100" in response.get_data(as_text=True)


def test_only_the_fg_can_undo_an_assessed_datalek() -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    leak = factories.incident(actor=vo, is_datalek=True)
    factories.assess(leak)
    with pytest.raises(ValidationFailed) as caught:
        incidents.update_incident(vo, leak, {"is_datalek": False}, leak.version)
    assert "is_datalek" in caught.value.errors
    db.session.rollback()
    fg = factories.fg_of("DIE")
    assert incidents.update_incident(fg, leak, {"is_datalek": False}, leak.version).is_datalek is False


def test_a_closed_incident_does_not_silently_become_a_datalek() -> None:
    closed = factories.incident(status="afgehandeld")
    with pytest.raises(ValidationFailed) as caught:
        incidents.update_incident(None, closed, {"is_datalek": True}, closed.version)
    assert "is_datalek" in caught.value.errors


def test_awareness_cannot_move_past_or_around_the_ap_melding() -> None:
    leak = factories.incident(is_datalek=True, discovered_at=utcnow() - dt.timedelta(days=3))
    fg = factories.fg_of("DIE")
    factories.assess(leak, fg=fg, aware_at=utcnow() - dt.timedelta(days=3))
    breaches.decide(fg, leak, True, "Hoog risico voor betrokkenen.")
    breaches.record_notification(fg, leak, "initial", utcnow() - dt.timedelta(days=2), "M-1")
    db.session.commit()
    for aware in (utcnow() - dt.timedelta(days=1), utcnow() - dt.timedelta(days=10)):
        with pytest.raises(ValidationFailed) as caught:
            breaches.save_assessment(fg, leak, {"aware_at": aware})
        assert "aware_at" in caught.value.errors
        db.session.rollback()


def test_no_high_risk_is_a_ground_with_an_explanation() -> None:
    leak = factories.incident(is_datalek=True)
    fg = factories.fg_of("DIE")
    with pytest.raises(ValidationFailed) as caught:
        breaches.decide_data_subjects(fg, leak, False, "no_high_risk")
    assert "explanation" in caught.value.errors
    db.session.rollback()
    decision = breaches.decide_data_subjects(fg, leak, False, "no_high_risk",
                                             "Alleen een naam, bij één bekende ontvanger die het verwijderde.")
    assert decision.ground.value == "no_high_risk"


def test_register_pdf_with_many_short_lines_renders() -> None:
    leak = factories.incident(is_datalek=True, description="regel\n" * 400)
    rows = register_export.register_rows([leak])
    pdf = register_export.to_pdf(rows, organisation_label="Gemeente Diemen", generated_at=utcnow())
    assert pdf.startswith(b"%PDF")


def test_legal_decisions_take_real_booleans_only(client: FlaskClient) -> None:
    leak = factories.incident(is_datalek=True)
    factories.assess(leak)
    headers = bearer(factories.token(factories.fg_of("DIE")))
    problem = assert_problem(client.post(f"/api/v1/incidents/{leak.id}/ap-decisions", headers=headers,
                                         json={"notify": "yes", "motivation": "Hoog risico voor betrokkenen."}), 422)
    assert "notify" in problem["errors"]
