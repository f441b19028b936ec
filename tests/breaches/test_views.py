from __future__ import annotations

import datetime as dt
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from bio_register.breaches import cbw
from bio_register.breaches import services as breaches
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.incidents.models import Incident, Status
from tests import factories
from tests.conftest import csrf_token, login


@pytest.fixture
def fg(client: FlaskClient):
    user = factories.user([("fg", "DIE")], name="Fenna FG")
    login(client, user.email, factories.PASSWORD)
    return user


def _local(moment: dt.datetime) -> str:
    from bio_register.timeutil import to_local

    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def test_fg_takes_a_datalek_from_report_to_notification_and_closing(client: FlaskClient, fg) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    leak = factories.incident(actor=vo, is_datalek=True, title="Brief met BSN naar verkeerd adres",
                              discovered_at=utcnow() - dt.timedelta(hours=5))
    overview = client.get("/datalekken").get_data(as_text=True)
    assert "Brief met BSN naar verkeerd adres" in overview and "te beoordelen" in overview
    assert re.search(r'class="hours-left">nog 2 dagen en 1[89] uur<', overview)

    page = f"/incidenten/{leak.id}/datalek"
    token = csrf_token(client, page)
    aware = _local(utcnow() - dt.timedelta(hours=4))
    response = client.post(f"{page}/beoordeling", data={
        "csrf_token": token, "aware_at": aware, "data_categories": ["naw"], "bsn": "y",
        "subject_categories": ["inwoners"], "subjects_count": "1", "records_count": "1",
        "nature_confidentiality": "y", "enisa_dpc": "1", "enisa_ei": "1", "enisa_cb_confidentiality": "0.25",
        "enisa_cb_integrity": "0", "enisa_cb_availability": "0"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    html = client.get(page).get_data(as_text=True)
    assert "1,25 — laag" in html  # SE = 1 × 1 + 0.25, with the Dutch decimal comma
    assert "(DPC 1 × EI 1 + CB 0,25 + 0 + 0 + 0)" in html

    assert client.post(f"{page}/besluit", data={"csrf_token": token, "notify": "ja",
                                                "motivation": "BSN bij een onbekende: risico op identiteitsfraude."}
                       ).status_code == 302
    submitted = _local(utcnow() - dt.timedelta(hours=1))
    assert client.post(f"{page}/ap-melding", data={"csrf_token": token, "kind": "initial",
                                                   "submitted_at": submitted, "meldnummer": "M-2026-123"}
                       ).status_code == 302
    assert client.post(f"{page}/betrokkenen", data={"csrf_token": token, "notify": "ja",
                                                    "notified_at": submitted, "channel": "brief"}).status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "M-2026-123" in html and "gemeld bij de AP" in html and "brief" in html

    # the verbindingsofficier closes it now that the FG decided
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, vo.email, factories.PASSWORD)
    token = csrf_token(client, f"/incidenten/{leak.id}")
    for status, version in (("in_behandeling", 1), ("afgehandeld", 2)):
        assert client.post(f"/incidenten/{leak.id}/status",
                           data={"csrf_token": token, "version": str(version), "status": status}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Incident, leak.id).status == Status.AFGEHANDELD


def test_closing_a_datalek_without_decision_is_refused_with_a_message(client: FlaskClient) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    leak = factories.incident(actor=vo, is_datalek=True, status="in_behandeling")
    login(client, vo.email, factories.PASSWORD)
    token = csrf_token(client, f"/incidenten/{leak.id}")
    response = client.post(f"/incidenten/{leak.id}/status",
                           data={"csrf_token": token, "version": str(leak.version), "status": "afgehandeld"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    summary = html[html.index('error-summary" role="alert"'):]
    summary = summary[:summary.index("</div>")]
    assert summary.count("pas worden afgehandeld als de FG heeft besloten") == 1  # once, not twice
    # the page offers no close that cannot succeed, and says why
    page = client.get(f"/incidenten/{leak.id}").get_data(as_text=True)
    assert 'value="afgehandeld"' not in page and 'value="ingetrokken"' in page
    assert "Afhandelen kan nog niet: Een datalek kan pas worden afgehandeld" in page
    other_fg = factories.user([("fg", "DIE")])
    factories.assess(leak, fg=other_fg)
    breaches.decide(other_fg, leak, False, "Geen risico: versleuteld verzonden.")
    assert 'value="afgehandeld"' in client.get(f"/incidenten/{leak.id}").get_data(as_text=True)


def test_decision_without_motivation_shows_the_error_and_saves_nothing(client: FlaskClient, fg) -> None:
    leak = factories.incident(is_datalek=True)
    factories.assess(leak, fg=fg)
    page = f"/incidenten/{leak.id}/datalek"
    response = client.post(f"{page}/besluit", data={"csrf_token": csrf_token(client, page), "notify": "nee",
                                                    "motivation": " "})
    assert response.status_code == 422
    assert "Motiveer" in response.get_data(as_text=True)
    assert breaches.decisions_of(leak) == []


def test_late_initial_notification_needs_the_reason(client: FlaskClient, fg) -> None:
    leak = factories.incident(is_datalek=True, discovered_at=utcnow() - dt.timedelta(days=5))
    factories.assess(leak, fg=fg)
    breaches.decide(fg, leak, True, "Hoog risico voor betrokkenen.")
    db.session.commit()
    page = f"/incidenten/{leak.id}/datalek"
    token = csrf_token(client, page)
    data = {"csrf_token": token, "kind": "initial", "submitted_at": _local(utcnow() - dt.timedelta(hours=1)),
            "meldnummer": "M-9"}
    response = client.post(f"{page}/ap-melding", data=data)
    assert response.status_code == 422 and "reden voor de vertraging" in response.get_data(as_text=True)
    response = client.post(f"{page}/ap-melding", data={**data, "late_reason": "Verwerker meldde het pas na 4 dagen."})
    assert response.status_code == 302


def test_verbindingsofficier_sees_the_datalek_but_cannot_decide(client: FlaskClient) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    leak = factories.incident(is_datalek=True)
    factories.assess(leak)
    login(client, vo.email, factories.PASSWORD)
    page = f"/incidenten/{leak.id}/datalek"
    html = client.get(page).get_data(as_text=True)
    assert "Besluit vastleggen" not in html
    response = client.post(f"{page}/besluit", data={"csrf_token": csrf_token(client, page), "notify": "nee",
                                                    "motivation": "Geen risico voor betrokkenen."})
    assert response.status_code == 403
    assert breaches.decisions_of(leak) == []


def test_fg_of_another_municipality_gets_404(client: FlaskClient) -> None:
    leak = factories.incident("DIE", is_datalek=True)
    other = factories.user([("fg", "UIT")])
    login(client, other.email, factories.PASSWORD)
    assert client.get(f"/incidenten/{leak.id}/datalek").status_code == 404
    html = client.get("/datalekken").get_data(as_text=True)
    assert leak.reference not in html and "Geen datalekken die aan de filters voldoen." in html


def test_logging_a_datalek_gives_the_fg_an_in_app_notice(client: FlaskClient, fg) -> None:
    factories.incident(is_datalek=True, title="USB-stick kwijt")
    assert re.search(r'class="count">1<', client.get("/").get_data(as_text=True))
    html = client.get("/meldingen").get_data(as_text=True)
    assert "USB-stick kwijt" in html and ">nieuw<" in html
    assert 'class="count"' not in html  # read once shown: the counter clears on this very page
    assert 'class="count"' not in client.get("/").get_data(as_text=True)
    again = client.get("/meldingen").get_data(as_text=True)
    assert "USB-stick kwijt" in again and ">nieuw<" not in again
    factories.incident(is_datalek=True, title="Map op gedeelde schijf")
    client.post("/meldingen", data={"csrf_token": csrf_token(client, "/account")})
    assert 'class="count"' not in client.get("/").get_data(as_text=True)


def test_cbw_report_form_for_the_ciso(client: FlaskClient) -> None:
    from bio_register.incidents import services as incidents

    ciso = factories.user([("ciso", "DIE")])
    incident = factories.incident("DIE")
    incidents.update_incident(None, incident, {"is_significant_cbw": True}, incident.version)
    db.session.commit()
    login(client, ciso.email, factories.PASSWORD)
    page = f"/incidenten/{incident.id}/datalek"
    html = client.get(page).get_data(as_text=True)
    assert "Vroegtijdige waarschuwing" in html
    response = client.post(f"/incidenten/{incident.id}/cbw/inhoud/vroegtijdige-waarschuwing", data={
        "early_warning-csrf_token": csrf_token(client, page), "early_warning-malicious_suspected": "ja",
        "early_warning-cross_border_possible": "nee"})
    assert response.status_code == 302
    response = client.post(f"/incidenten/{incident.id}/cbw", data={
        "csrf_token": csrf_token(client, page), "phase": "early_warning",
        "submitted_at": _local(utcnow() - dt.timedelta(minutes=10)), "recipient": "NCSC", "reference": "NCSC-1"})
    assert response.status_code == 302
    assert [r.reference for r in db.session.scalars(select(breaches.CbwReport))] == ["NCSC-1"]


def test_a_stale_assessment_is_a_conflict_and_keeps_what_is_stored(client: FlaskClient, fg) -> None:
    leak = factories.incident(is_datalek=True, discovered_at=utcnow() - dt.timedelta(hours=5))
    factories.assess(leak, fg=fg, subjects_count=3)                 # version 1
    breaches.save_assessment(fg, leak, {"aware_at": leak.discovered_at, "subjects_count": 4}, 1)  # version 2
    db.session.commit()
    page = f"/incidenten/{leak.id}/datalek"
    response = client.post(f"{page}/beoordeling", data={
        "csrf_token": csrf_token(client, page), "version": "1", "aware_at": _local(leak.discovered_at),
        "subjects_count": "9", "enisa_cb_confidentiality": "0", "enisa_cb_integrity": "0",
        "enisa_cb_availability": "0"})
    assert response.status_code == 409                               # as in the API
    assert "Iemand anders heeft de beoordeling intussen opgeslagen" in response.get_data(as_text=True)
    db.session.expire_all()
    assert breaches.assessment_of(leak).subjects_count == 4


def test_the_message_follows_the_commit(client: FlaskClient, fg) -> None:
    leak = factories.incident(is_datalek=True)
    factories.assess(leak, fg=fg)
    page = f"/incidenten/{leak.id}/datalek"
    response = client.post(f"{page}/besluit", data={"csrf_token": csrf_token(client, page), "notify": "nee",
                                                    "motivation": "Versleuteld, de sleutel is veilig."},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "Het besluit over de AP-melding is vastgelegd." in response.get_data(as_text=True)
    response = client.post(f"{page}/besluit", data={"csrf_token": csrf_token(client, page), "notify": "nee",
                                                    "motivation": "Te kort"})
    assert response.status_code == 422
    assert "is vastgelegd" not in response.get_data(as_text=True)
    assert len(breaches.decisions_of(leak)) == 1


def test_an_empty_recipient_is_the_configured_csirt(app, client: FlaskClient) -> None:
    from bio_register.incidents import services as incidents

    ciso = factories.user([("ciso", "DIE")])
    incident = factories.incident("DIE")
    incidents.update_incident(None, incident, {"is_significant_cbw": True}, incident.version)
    db.session.commit()
    login(client, ciso.email, factories.PASSWORD)
    page = f"/incidenten/{incident.id}/datalek"
    saved = app.config["CBW_RECIPIENT"]
    app.config["CBW_RECIPIENT"] = "CSIRT-DSP"
    cbw.save_phase_content(ciso, incident, "early_warning", factories.cbw_content("early_warning"))
    db.session.commit()
    try:
        assert 'value="CSIRT-DSP"' in client.get(page).get_data(as_text=True)
        response = client.post(f"/incidenten/{incident.id}/cbw", data={
            "csrf_token": csrf_token(client, page), "phase": "early_warning",
            "submitted_at": _local(utcnow() - dt.timedelta(minutes=10)), "recipient": ""})
    finally:
        app.config["CBW_RECIPIENT"] = saved
    assert response.status_code == 302
    assert [r.recipient for r in db.session.scalars(select(breaches.CbwReport))] == ["CSIRT-DSP"]
