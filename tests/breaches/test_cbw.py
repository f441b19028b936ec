"""The Cbw reports in full (issue 22, item 3): the content each phase must hold (NIS2 art. 23(4)),
the interim report moving the final report's deadline, the significance advice from versioned
criteria, the IBD copy apart from the legal reports, the copy view and PDF per phase, and the
obligations side by side on the incident page."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from bio_register.audit.models import AuditEvent
from bio_register.breaches import cbw
from bio_register.breaches import services as breaches
from bio_register.breaches.models import CbwPhase, CbwReport
from bio_register.database import utcnow
from bio_register.errors import Conflict, ValidationFailed
from bio_register.extensions import db
from bio_register.incidents import services as incidents
from bio_register.incidents.models import Incident
from tests import factories
from tests.api.test_api_base import assert_problem, bearer
from tests.conftest import csrf_token, login

UTC = dt.UTC
AMS = ZoneInfo("Europe/Amsterdam")
H = dt.timedelta(hours=1)


def significant(discovered_at: dt.datetime | None = None, **overrides: object) -> Incident:
    incident = factories.incident("DIE", discovered_at=discovered_at, **overrides) if discovered_at else \
        factories.incident("DIE", **overrides)
    incidents.update_incident(None, incident, {"is_significant_cbw": True}, incident.version)
    db.session.commit()
    return incident


def ciso():
    found = breaches.users_with_role(factories.organisation("DIE").id, "ciso")
    return found[0] if found else factories.user([("ciso", "DIE")], name="CISO Diemen")


# --- the content per phase --------------------------------------------------------------------------------

@pytest.mark.parametrize(("phase", "required"), [
    ("early_warning", {"malicious_suspected", "cross_border_possible"}),
    ("notification", {"severity_impact", "indicators"}),
    ("interim", {"progress"}),
    ("final", {"severity_impact", "root_cause", "mitigation_applied", "mitigation_ongoing", "cross_border_impact"}),
])
def test_a_phase_without_its_required_content_is_refused(phase: str, required: set[str]) -> None:
    incident = significant(discovered_at=utcnow() - 50 * H)
    officer = ciso()
    if phase in ("interim", "final"):
        for earlier in ("early_warning", "notification"):
            breaches.record_cbw_report(officer, incident, earlier, utcnow() - 40 * H,
                                       content=factories.cbw_content(earlier))
        db.session.commit()
    before = len(breaches.cbw_reports_of(incident))
    with pytest.raises(ValidationFailed) as refused:
        breaches.record_cbw_report(officer, incident, phase, utcnow() - H)
    db.session.rollback()
    assert set(refused.value.errors) == required
    assert all("verplicht" in messages[0].lower() for messages in refused.value.errors.values())
    assert len(breaches.cbw_reports_of(incident)) == before
    # one item short: only that one is named
    partial = dict(factories.cbw_content(phase))
    missing = sorted(required)[0]
    partial.pop(missing)
    with pytest.raises(ValidationFailed) as refused:
        breaches.record_cbw_report(officer, incident, phase, utcnow() - H, content=partial)
    db.session.rollback()
    assert set(refused.value.errors) == {missing}
    report = breaches.record_cbw_report(officer, incident, phase, utcnow() - H, content=factories.cbw_content(phase))
    db.session.commit()
    assert report.content == factories.cbw_content(phase)


def test_prepared_content_counts_when_the_phase_is_sent_and_a_no_is_an_answer() -> None:
    incident = significant(discovered_at=utcnow() - 5 * H)
    officer = ciso()
    cbw.save_phase_content(officer, incident, "early_warning", {"malicious_suspected": False})
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        breaches.record_cbw_report(officer, incident, "early_warning", utcnow() - H)
    db.session.rollback()
    assert set(refused.value.errors) == {"cross_border_possible"}
    cbw.save_phase_content(officer, incident, "early_warning", {"cross_border_possible": False})
    report = breaches.record_cbw_report(officer, incident, "early_warning", utcnow() - H)
    db.session.commit()
    assert report.content == {"malicious_suspected": False, "cross_border_possible": False}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "cbw_case")).all()
    assert len(events) == 2


def test_an_item_of_another_phase_is_refused_by_name() -> None:
    incident = significant()
    with pytest.raises(ValidationFailed) as refused:
        cbw.save_phase_content(ciso(), incident, "early_warning", {"root_cause": "Phishing"})
    assert set(refused.value.errors) == {"root_cause"}


def test_the_api_refuses_a_phase_without_content_naming_the_field(client: FlaskClient) -> None:
    incident = significant(discovered_at=utcnow() - 5 * H)
    headers = bearer(factories.token(ciso()))
    url = f"/api/v1/incidents/{incident.id}/cbw-reports"
    when = (utcnow() - H).isoformat()
    problem = assert_problem(client.post(url, headers=headers, json={"phase": "early_warning", "submitted_at": when,
                                                                     "malicious_suspected": True}), 422)
    assert set(problem["errors"]) == {"cross_border_possible"}
    assert "Verplicht voor de vroegtijdige waarschuwing" in problem["errors"]["cross_border_possible"][0]
    wrong = assert_problem(client.post(url, headers=headers, json={"phase": "early_warning", "submitted_at": when,
                                                                   "malicious_suspected": "misschien"}), 422)
    assert "malicious_suspected" in wrong["errors"]
    # prepared through the API, then sent
    prepared = client.patch(f"{url}/content/early_warning", headers=headers,
                            json={"malicious_suspected": True, "cross_border_possible": False})
    assert prepared.status_code == 200
    phases = {p["phase"]: p for p in prepared.get_json()["phases"]}
    assert phases["early_warning"]["complete"] is True and phases["notification"]["missing"] == [
        "severity_impact", "indicators"]
    sent = client.post(url, headers=headers, json={"phase": "early_warning", "submitted_at": when})
    assert sent.status_code == 201
    assert sent.get_json()["content"] == {"malicious_suspected": True, "cross_border_possible": False}
    body = client.get(url, headers=headers).get_json()
    assert body["recipient_default"] == "NCSC"
    assert body["reports"][0]["recipient"] == "NCSC"
    assert body["criteria"]["version"] == "NIS2-art23-3-v1"


# --- the interim report moves the final deadline --------------------------------------------------------------

def test_an_interim_report_moves_the_final_deadline_to_a_month_after_handling() -> None:
    aware = dt.datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    incident = significant(discovered_at=aware)
    officer = ciso()
    now = dt.datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
    breaches.record_cbw_report(officer, incident, "early_warning", aware + 20 * H, now=now,
                               content=factories.cbw_content("early_warning"))
    notified = aware + 60 * H   # 03-09-2026 22:00 Amsterdam (summer time)
    breaches.record_cbw_report(officer, incident, "notification", notified, now=now,
                               content=factories.cbw_content("notification"))
    db.session.commit()
    clock = cbw.cbw_file(incident).clock
    assert clock.final == dt.datetime(2026, 10, 3, 20, 0, tzinfo=UTC) == clock.interim
    assert not clock.after_interim

    breaches.record_cbw_report(officer, incident, "interim", dt.datetime(2026, 10, 2, 9, 0, tzinfo=UTC), now=now,
                               content=factories.cbw_content("interim"))
    db.session.commit()
    clock = cbw.cbw_file(incident).clock
    assert clock.after_interim and clock.final is None
    # no final-report clock while the incident is not handled
    assert [c for i, c, _d in breaches.pending_clocks(now) if i.id == incident.id] == []
    obligations = {o.key: o for o in cbw.obligations(incident, now=now)}
    assert "een maand na de afhandeling" in obligations["csirt"].state and obligations["csirt"].deadline is None

    # handled on 20-10-2026 14:30 Amsterdam (summer time): the final report is due 20-11-2026 14:30 (winter time)
    handled = dt.datetime(2026, 10, 20, 14, 30, tzinfo=AMS)
    cbw.save_phase_content(officer, incident, "final", {}, handled_at=handled, now=now + 2 * H)
    db.session.commit()
    clock = cbw.cbw_file(incident).clock
    assert clock.final == dt.datetime(2026, 11, 20, 14, 30, tzinfo=AMS)
    assert clock.final - handled == dt.timedelta(days=31, hours=1)   # across the DST change: elapsed hours
    assert [(c, d) for i, c, d in breaches.pending_clocks(now) if i.id == incident.id] == [
        ("cbw_final", clock.final)]
    report = breaches.record_cbw_report(officer, incident, "final", dt.datetime(2026, 11, 10, 9, 0, tzinfo=UTC),
                                        now=dt.datetime(2026, 11, 10, 10, 0, tzinfo=UTC),
                                        content=factories.cbw_content("final"))
    assert report.phase == CbwPhase.FINAL


def test_an_interim_report_follows_the_notification() -> None:
    incident = significant(discovered_at=utcnow() - 5 * H)
    with pytest.raises(ValidationFailed) as refused:
        breaches.record_cbw_report(ciso(), incident, "interim", utcnow() - H, content=factories.cbw_content("interim"))
    assert "phase" in refused.value.errors


def test_handled_cannot_be_in_the_future_or_before_awareness() -> None:
    incident = significant(discovered_at=utcnow() - 5 * H)
    for moment in (utcnow() + 2 * H, utcnow() - 10 * H):
        with pytest.raises(ValidationFailed) as refused:
            cbw.save_phase_content(ciso(), incident, "final", {}, handled_at=moment)
        assert set(refused.value.errors) == {"handled_at"}


# --- the significance advice -----------------------------------------------------------------------------------

ANSWERS = {"severe_disruption": False, "financial_loss": False, "damage_to_others": False}


def test_the_advice_and_its_reasoning_are_kept_with_the_criteria_version() -> None:
    incident = factories.incident("DIE")
    officer = ciso()
    row = cbw.assess_significance(officer, incident, {**ANSWERS, "severe_disruption": True, "users_affected": 1200},
                                  "Burgerzaken twee dagen dicht.")
    db.session.commit()
    stored = cbw.significance_of(incident)
    assert stored is not None and stored.id == row.id
    assert stored.significant is True
    assert stored.criteria_set.version == "NIS2-art23-3-v1"
    assert stored.answers["severe_disruption"] is True and stored.answers["users_affected"] == 1200
    assert any("ernstige operationele verstoring" in line and "voldoet" in line for line in stored.reasoning)
    assert any("1.200 gebruikers: geen drempel in deze versie" in line for line in stored.reasoning)
    assert stored.reasoning[-1].startswith("Advies: significant, omdat aan 1 criterium is voldaan (criteria versie")
    assert stored.motivation == "Burgerzaken twee dagen dicht."
    # the advice does not mark the incident
    assert incident.is_significant_cbw is False
    later = cbw.assess_significance(officer, incident, ANSWERS)
    db.session.commit()
    assert cbw.significance_of(incident).id == later.id and later.significant is False
    assert later.reasoning[-1].startswith("Advies: niet significant")


def test_a_new_version_with_a_threshold_is_loaded_and_used_the_old_advice_keeps_its_version() -> None:
    incident = factories.incident("DIE")
    officer = ciso()
    first = cbw.assess_significance(officer, incident, {**ANSWERS, "users_affected": 5000})
    assert first.significant is False
    data = cbw.shipped_criteria()
    with pytest.raises(Conflict):   # a change is always a new version
        cbw.load_criteria({**data, "questions": data["questions"][:3]}, actor_label="test")
    assert cbw.load_criteria(data, actor_label="test")[1] is False     # the same content: nothing new
    questions = [dict(q, threshold=1000) if q["id"] == "users_affected" else q for q in data["questions"]]
    cbw.load_criteria({**data, "version": "test-v2", "questions": questions}, actor_label="test")
    second = cbw.assess_significance(officer, incident, {**ANSWERS, "users_affected": 5000})
    db.session.commit()
    assert second.criteria_set.version == "test-v2" and second.significant is True
    assert any("op of boven de drempel van 1.000" in line for line in second.reasoning)
    db.session.refresh(first)
    assert first.criteria_set.version == "NIS2-art23-3-v1" and first.significant is False


@pytest.mark.parametrize(("answers", "field"), [
    ({"severe_disruption": True}, "answers.financial_loss"),
    ({**ANSWERS, "users_affected": -1}, "answers.users_affected"),
    ({**ANSWERS, "onbekend": True}, "answers.onbekend"),
    ({**ANSWERS, "severe_disruption": "ja"}, "answers.severe_disruption"),
])
def test_bad_answers_are_refused_by_question(answers: dict, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        cbw.assess_significance(ciso(), factories.incident("DIE"), answers)
    assert field in refused.value.errors


def test_bad_criteria_files_are_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        cbw.parse_criteria({"version": "x", "title": "t", "basis": "b",
                            "questions": [{"id": "a", "text": "?", "kind": "schaal"},
                                          {"id": "a", "text": "?", "kind": "number", "threshold": -3}]})
    assert {"questions.0.kind", "questions.1.id", "questions.1.threshold"} <= set(refused.value.errors)


def test_the_significance_page_gives_the_advice(client: FlaskClient) -> None:
    incident = factories.incident("DIE")
    officer = ciso()
    login(client, officer.email, factories.PASSWORD)
    page = f"/incidenten/{incident.id}/cbw/significantie"
    html = client.get(page).get_data(as_text=True)
    assert "Gebaseerd op NIS2 art. 23(3)" in html and "Geen drempel in deze versie" in html
    refused = client.post(page, data={"csrf_token": csrf_token(client, page), "q-severe_disruption": "ja"})
    assert refused.status_code == 422
    assert "Beantwoord met ja of nee" in refused.get_data(as_text=True)
    response = client.post(page, data={"csrf_token": csrf_token(client, page), "q-severe_disruption": "ja",
                                       "q-financial_loss": "nee", "q-damage_to_others": "nee",
                                       "q-users_affected": "1.200", "motivation": "Dienst uit"})
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "Advies: significant" in html
    assert "het incident is niet als significant gemarkeerd" in html
    assert cbw.significance_of(incident).answers["users_affected"] == 1200


# --- the IBD, the copy view and PDF, the obligations ----------------------------------------------------------

def test_an_ibd_copy_is_recorded_apart_and_is_no_report(client: FlaskClient) -> None:
    incident = significant(discovered_at=utcnow() - 5 * H)
    headers = bearer(factories.token(ciso()))
    url = f"/api/v1/incidents/{incident.id}/cbw-reports"
    created = client.post(f"{url}/ibd-copies", headers=headers,
                          json={"sent_at": (utcnow() - H).isoformat(), "phase": "early_warning", "reference": "IBD-7"})
    assert created.status_code == 201
    body = client.get(url, headers=headers).get_json()
    assert body["reports"] == [] and [c["reference"] for c in body["ibd_copies"]] == ["IBD-7"]
    assert db.session.scalars(select(CbwReport)).all() == []
    # the early warning is still due: the IBD copy did not stop the clock
    assert any(c == "cbw_early_warning" for i, c, _d in breaches.pending_clocks(utcnow()) if i.id == incident.id)


def test_the_copy_view_and_pdf_per_phase(client: FlaskClient) -> None:
    incident = significant(discovered_at=utcnow() - 5 * H, title="Ransomware op de fileserver")
    officer = ciso()
    cbw.save_phase_content(officer, incident, "notification",
                           {"severity_impact": "Twee afdelingen kunnen niet werken.", "update": "Geen nieuws."})
    db.session.commit()
    login(client, factories.user([("verbindingsofficier", "DIE")]).email, factories.PASSWORD)
    html = client.get(f"/incidenten/{incident.id}/cbw/incidentmelding").get_data(as_text=True)
    assert "Kopie voor de CSIRT" in html and "js/ap-copy.js" in html
    assert html.count("data-copy ") >= 3
    assert "Twee afdelingen kunnen niet werken." in html
    assert "Indicatoren van aantasting" in html and "onvolledig" in html        # the IoCs are still missing
    # the order of NIS2 art. 23(4)(b): the update, the assessment, the indicators
    copy = html[html.index('class="copy-status"'):]
    assert copy.index("Bijwerking van de vroegtijdige") < copy.index("Eerste beoordeling") < copy.index(
        "Indicatoren van aantasting")
    assert "NCSC" in html
    pdf = client.get(f"/incidenten/{incident.id}/cbw/incidentmelding.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert f"cbw-incidentmelding-{incident.reference}" in pdf.headers["Content-Disposition"]
    assert client.get(f"/incidenten/{incident.id}/cbw/onbekend").status_code == 404


def test_the_incident_page_shows_the_three_obligations_side_by_side(client: FlaskClient) -> None:
    incident = significant(discovered_at=utcnow() - 5 * H, is_datalek=True)
    officer = ciso()
    cbw.record_ibd_copy(officer, incident, utcnow() - H)
    db.session.commit()
    login(client, officer.email, factories.PASSWORD)
    html = client.get(f"/incidenten/{incident.id}").get_data(as_text=True)
    panel = html[html.index('id="verplichtingen"'):]
    panel = panel[:panel.index("</section>")]
    assert panel.index(">AP<") < panel.index(">CSIRT (NCSC)<") < panel.index(">IBD<")
    assert "Te beoordelen door de FG" in panel
    assert "Open: vroegtijdige waarschuwing" in panel
    assert "Geïnformeerd op" in panel and "geen wettelijke termijn" in panel
    assert "nog 19,0 uur" in panel or "nog 18,9 uur" in panel   # the early warning: 24 h after awareness


def test_the_advice_the_content_and_the_ibd_copy_are_in_the_timeline() -> None:
    from bio_register.incidents import timeline

    incident = significant(discovered_at=utcnow() - 5 * H)
    officer = ciso()
    cbw.assess_significance(officer, incident, {**ANSWERS, "damage_to_others": True})
    cbw.save_phase_content(officer, incident, "early_warning", {"malicious_suspected": True})
    cbw.record_ibd_copy(officer, incident, utcnow() - H, reference="IBD-3")
    db.session.commit()
    titles = [str(item.title) for item in timeline.timeline(officer, incident)]
    assert "Cbw-advies: significant" in titles
    assert "Inhoud van de Cbw-melding bijgewerkt: vroegtijdige waarschuwing (24 uur)" in titles
    assert "Kopie aan de IBD (informatief)" in titles


def test_the_cbw_page_refuses_a_phase_without_content_in_dutch_and_keeps_prepared_content(
        client: FlaskClient) -> None:
    incident = significant(discovered_at=utcnow() - 5 * H)
    officer = ciso()
    login(client, officer.email, factories.PASSWORD)
    page = f"/incidenten/{incident.id}/datalek"
    when = (utcnow() - H).astimezone(AMS).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(f"/incidenten/{incident.id}/cbw", data={
        "csrf_token": csrf_token(client, page), "phase": "early_warning", "submitted_at": when})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Verplicht voor de vroegtijdige waarschuwing (24 uur) (NIS2 art. 23(4))" in html
    assert breaches.cbw_reports_of(incident) == []
    saved = client.post(f"/incidenten/{incident.id}/cbw/inhoud/eindverslag", data={
        "final-csrf_token": csrf_token(client, page), "final-root_cause": "Phishing-mail met macro"})
    assert saved.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "Phishing-mail met macro" in html
    assert "ontbreekt: 4" in html       # the final report still lacks four required items
    bad = client.post(f"/incidenten/{incident.id}/cbw/inhoud/vroegtijdige-waarschuwing", data={
        "early_warning-csrf_token": csrf_token(client, page), "early_warning-malicious_suspected": "misschien"})
    assert bad.status_code == 422
