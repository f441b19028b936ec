"""The AP meldformulier on a datalek (issue 20, item 5) and the correspondence with the AP (item 6)."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader

from bio_register.audit.models import AuditEvent
from bio_register.breaches import apform
from bio_register.breaches import services as breaches
from bio_register.breaches.models import BreachApForm
from bio_register.database import utcnow
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.incidents import timeline
from bio_register.incidents.models import Incident
from bio_register.reporting import services as reporting
from tests import factories
from tests.api.test_api_base import bearer
from tests.conftest import csrf_token, login

#: every answer of the AP form's own, with a value a test can find back on every output
ANSWERS: dict[str, Any] = {
    "discovery": "Ontdekt doordat een inwoner belde over een brief van een ander",
    "subjects_min": 40, "subjects_max": 1250,
    "contact_name": "Fenna de Vries", "contact_function": "Functionaris gegevensbescherming",
    "contact_phone": "+31 20 123 4567", "contact_email": "fg@diemen.example.nl",
    "own_severity": "hoog", "own_severity_explanation": "Gezondheidsgegevens van kwetsbare inwoners",
    "other_organisations": "GGD Amsterdam (ketenpartner)",
    "breach_kinds": ["ingezien", "gekopieerd", "anders"], "breach_kind_other": "Doorgestuurd naar derden",
    "prior_measures": "Versleutelde laptop, tweestapsverificatie op de mailbox",
    "subjects_message": "Beste inwoner, op 3 december is uw brief bij een ander beland.",
    "measures_planned": "Extra controle op adressering in het zaaksysteem",
    "other_authorities": "Datatilsynet (Noorwegen)",
    "other_information": "Het postbedrijf is ook ingelicht",
}
#: the answers of the assessment that the AP form reads from there
ASSESSMENT: dict[str, Any] = {
    "data_categories": ["naw", "contact"], "special_categories": ["gezondheid"], "bsn": True,
    "subject_categories": ["inwoners", "kwetsbaren"], "records_count": 1250, "nature_confidentiality": True,
    "cross_border": True, "likely_consequences": "Schaamte en mogelijke discriminatie",
    "measures_taken": "Ontvanger gevraagd de brief te vernietigen",
}


def _leak(**overrides: Any) -> Incident:
    return factories.incident(is_datalek=True, discovered_at=utcnow() - dt.timedelta(hours=20),
                              occurred_at=utcnow() - dt.timedelta(hours=30), **overrides)


def _fill(leak: Incident, fg: Any) -> None:
    factories.assess(leak, fg=fg, **ASSESSMENT)
    apform.save_ap_form(fg, leak, {**ANSWERS, "ended_at": utcnow() - dt.timedelta(hours=25)})
    breaches.decide_data_subjects(fg, leak, True, notified_at=utcnow() - dt.timedelta(hours=2), channel="brief")
    db.session.commit()


def _melded(leak: Incident, fg: Any) -> None:
    if breaches.assessment_of(leak) is None:
        factories.assess(leak, fg=fg)
    breaches.decide(fg, leak, True, "Gezondheidsgegevens: hoog risico.")
    breaches.record_notification(fg, leak, "initial", utcnow() - dt.timedelta(hours=3), "M-2026-1")
    db.session.commit()


def _missing(view: apform.ApFormView) -> dict[str, list[str]]:
    return {s.key: list(s.missing) for s in view.sections}


# --- completeness per section ------------------------------------------------------------------------------

def test_a_new_datalek_shows_what_each_section_of_the_ap_form_still_lacks(app_ctx: None) -> None:
    leak = factories.incident(is_datalek=True)
    view = apform.ap_form_view(leak)
    assert [s.key for s in view.sections] == ["melding", "contact", "tijdlijn", "aard", "persoonsgegevens",
                                              "betrokkenen", "vooraf", "gevolgen", "vervolg", "overig"]
    missing = _missing(view)
    assert missing["melding"] == [] and missing["overig"] == []
    assert "Naam van de contactpersoon" in missing["contact"]
    assert "Hoe het datalek is ontdekt" in missing["tijdlijn"]
    assert "Begin van het datalek (bij het incident)" in missing["tijdlijn"]
    assert any("vertrouwelijkheid" in m for m in missing["aard"])
    assert "Minimum en maximum aantal betrokkenen" in missing["betrokkenen"]
    assert "Eigen inschatting van de ernst" in missing["gevolgen"]
    assert "Besluit over het informeren van betrokkenen (art. 34)" in missing["vervolg"]
    assert not view.complete and len(view.incomplete_sections) == 8


def test_every_section_is_complete_once_everything_is_answered(app_ctx: None) -> None:
    fg = factories.user([("fg", "DIE")])
    leak = _leak()
    _fill(leak, fg)
    view = apform.ap_form_view(leak)
    assert _missing(view) == {s.key: [] for s in view.sections}
    assert view.complete


def test_sections_turn_incomplete_for_the_answer_they_miss(app_ctx: None) -> None:
    fg = factories.user([("fg", "DIE")])
    leak = _leak()
    _fill(leak, fg)
    apform.save_ap_form(fg, leak, {"contact_phone": None, "subjects_max": None, "other_authorities": ""},
                        partial=True)
    missing = _missing(apform.ap_form_view(leak))
    assert missing["contact"] == ["Telefoonnummer van de contactpersoon"]
    assert missing["betrokkenen"] == ["Minimum en maximum aantal betrokkenen"]
    assert missing["vervolg"] == ["Andere toezichthouders (het datalek is grensoverschrijdend)"]
    assert missing["tijdlijn"] == [] and missing["gevolgen"] == []


def test_an_ongoing_datalek_needs_no_end_and_refuses_one(app_ctx: None) -> None:
    fg = factories.user([("fg", "DIE")])
    leak = _leak()
    factories.assess(leak, fg=fg, ongoing=True)
    apform.save_ap_form(fg, leak, {"discovery": "Melding van een inwoner"})
    tijdlijn = next(s for s in apform.ap_form_view(leak).sections if s.key == "tijdlijn")
    assert tijdlijn.complete
    assert next(q for q in tijdlijn.questions if q.key == "ended_at").answer == "Het datalek is nog gaande"
    with pytest.raises(ValidationFailed) as refused:
        apform.save_ap_form(fg, leak, {"ended_at": utcnow() - dt.timedelta(hours=1)}, partial=True)
    assert "ended_at" in refused.value.errors


# --- the API -----------------------------------------------------------------------------------------------

def _answers_in(text: str) -> list[str]:
    """The values of ANSWERS and ASSESSMENT that are not found in ``text``."""
    wanted = [v for v in ANSWERS.values() if isinstance(v, str)] + [
        "Schaamte en mogelijke discriminatie", "Ontvanger gevraagd de brief te vernietigen", "Gezondheid",
        "minimaal 40, maximaal 1.250", "Gelezen of ingezien", "Gekopieerd", "hoog", "Inwoners"]
    return [w for w in wanted if w not in text]


def test_the_fg_sets_and_reads_the_ap_form_through_the_api(client: FlaskClient) -> None:
    fg = factories.user([("fg", "DIE")])
    headers = bearer(factories.token(fg))
    leak = _leak()
    factories.assess(leak, fg=fg, **ASSESSMENT)
    url = f"/api/v1/incidents/{leak.id}/ap-form"
    empty = client.get(url, headers=headers).get_json()
    assert empty["version"] is None and empty["complete"] is False
    put = client.put(url, headers=headers, json={**ANSWERS, "ended_at": (utcnow() - dt.timedelta(hours=25))
                                                 .isoformat()})
    assert put.status_code == 200, put.get_json()
    body = put.get_json()
    assert body["version"] == 1 and body["answers"]["contact_name"] == "Fenna de Vries"
    answers = "\n".join(q["answer"] for s in body["sections"] for q in s["questions"])
    assert _answers_in(answers) == []
    sections = {s["key"]: s for s in body["sections"]}
    assert sections["vervolg"]["complete"] is False  # art. 34 not decided yet
    assert sections["contact"]["complete"] is True and sections["contact"]["missing"] == []

    patch = client.patch(url, headers=headers, json={"version": 1, "contact_phone": "020 555 1234"})
    assert patch.status_code == 200
    assert patch.get_json()["answers"]["contact_phone"] == "020 555 1234"
    assert patch.get_json()["answers"]["contact_name"] == "Fenna de Vries"  # PATCH keeps the others
    stale = client.patch(url, headers=headers, json={"version": 1, "contact_phone": "020 555 9999"})
    assert stale.status_code == 409
    replaced = client.put(url, headers=headers, json={"discovery": "Alleen dit"}).get_json()["answers"]
    assert replaced["contact_name"] is None and replaced["breach_kinds"] == []  # PUT replaces all


def test_a_minimum_above_the_maximum_is_refused_naming_the_field(client: FlaskClient) -> None:
    fg = factories.user([("fg", "DIE")])
    leak = _leak()
    response = client.put(f"/api/v1/incidents/{leak.id}/ap-form", headers=bearer(factories.token(fg)),
                          json={"subjects_min": 500, "subjects_max": 20})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "subjects_min" in errors and "groter dan het maximum" in errors["subjects_min"][0]
    assert db.session.query(BreachApForm).count() == 0


@pytest.mark.parametrize(("body", "field"), [
    ({"contact_email": "geen-adres"}, "contact_email"),
    ({"contact_phone": "bel maar"}, "contact_phone"),
    ({"breach_kinds": ["anders"]}, "breach_kind_other"),
    ({"breach_kinds": ["ontploft"]}, "breach_kinds"),
    ({"own_severity": "enorm"}, "own_severity"),
    ({"ended_at": "2099-01-01T10:00:00+01:00"}, "ended_at"),
    ({"subjects_min": -1}, "subjects_min"),
    ({"onbekend": 1}, "onbekend"),
])
def test_bad_answers_are_refused_with_the_field_named(client: FlaskClient, body: dict, field: str) -> None:
    fg = factories.user([("fg", "DIE")])
    leak = _leak()
    response = client.patch(f"/api/v1/incidents/{leak.id}/ap-form", headers=bearer(factories.token(fg)), json=body)
    assert response.status_code == 422, response.get_json()
    assert any(name.split(".")[0] == field for name in response.get_json()["errors"])


def test_saving_the_ap_form_is_audited_and_shown_in_the_timeline(app_ctx: None) -> None:
    fg = factories.user([("fg", "DIE")], name="Fenna")
    leak = _leak()
    apform.save_ap_form(fg, leak, {"contact_name": "Fenna de Vries"})
    apform.save_ap_form(fg, leak, {"contact_name": "Fenna de Vries", "own_severity": "hoog"})
    db.session.commit()
    events = db.session.query(AuditEvent).filter_by(entity="ap_form").order_by(AuditEvent.seq).all()
    assert [e.action for e in events] == ["create", "update"]
    items = timeline.timeline(fg, leak)
    titles = [item.title for item in items]
    assert "AP-meldformulier ingevuld" in titles and "AP-meldformulier gewijzigd" in titles
    changed = next(i for i in items if i.title == "AP-meldformulier gewijzigd")
    assert [(c.label, c.before, c.after) for c in changed.changes] == [("Eigen inschatting van de ernst", "—", "hoog")]


# --- the copy view and the PDF -----------------------------------------------------------------------------

def test_the_copy_view_and_the_pdf_hold_every_answer(client: FlaskClient) -> None:
    fg = factories.user([("fg", "DIE")])
    leak = _leak()
    _fill(leak, fg)
    login(client, fg.email, factories.PASSWORD)
    page = client.get(f"/incidenten/{leak.id}/datalek/ap-formulier")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _answers_in(html.replace("&#39;", "'")) == []
    assert "Alle onderdelen zijn volledig." in html
    headings = re.findall(r'<h2 id="ap-[a-z]+-heading">(\d+)\. ', html)
    assert headings == [str(n) for n in range(1, 11)]  # the AP form's order
    assert html.count("data-copy ") >= 25
    assert '<script src="/static/js/ap-copy.js" defer></script>' in html and "<script>" not in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    script = client.get("/static/js/ap-copy.js")
    assert script.status_code == 200 and b"navigator.clipboard" in script.data
    script.close()

    pdf = client.get(f"/incidenten/{leak.id}/datalek/ap-formulier.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert f"ap-meldformulier-{leak.reference}" in pdf.headers["Content-Disposition"]
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert _answers_in(text) == []
    assert "1. Over deze melding" in text and "10. Overig" in text


def test_the_datalek_page_shows_the_completeness_per_section_and_the_fg_saves_the_form(client: FlaskClient) -> None:
    fg = factories.user([("fg", "DIE")])
    leak = _leak()
    login(client, fg.email, factories.PASSWORD)
    page = client.get(f"/incidenten/{leak.id}/datalek").get_data(as_text=True)
    assert "Volledigheid per onderdeel van het AP-meldformulier" in page
    assert 'data-section="contact"' in page and "Naam van de contactpersoon" in page
    token = csrf_token(client, f"/incidenten/{leak.id}/datalek")
    refused = client.post(f"/incidenten/{leak.id}/datalek/ap-antwoorden", data={
        "csrf_token": token, "ap-subjects_min": "30", "ap-subjects_max": "3", "ap-contact_name": "Fenna"})
    assert refused.status_code == 422
    assert "groter dan het maximum" in refused.get_data(as_text=True)
    assert apform.ap_form_of(leak) is None  # nothing saved
    saved = client.post(f"/incidenten/{leak.id}/datalek/ap-antwoorden", data={
        "csrf_token": token, "ap-subjects_min": "3", "ap-subjects_max": "30", "ap-contact_name": "Fenna",
        "ap-breach_kinds": ["verloren", "gestolen"], "ap-own_severity": "gemiddeld"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#ap")
    stored = apform.ap_form_of(leak)
    assert stored is not None and stored.subjects_max == 30 and stored.breach_kinds == ["gestolen", "verloren"]


# --- correspondence with the AP ----------------------------------------------------------------------------

def test_correspondence_needs_an_ap_melding_first(client: FlaskClient) -> None:
    fg = factories.user([("fg", "DIE")])
    leak = _leak()
    response = client.post(f"/api/v1/incidents/{leak.id}/ap-correspondence", headers=bearer(factories.token(fg)),
                           json={"kind": "vraag_ap", "occurred_at": utcnow().isoformat(), "text": "Vraag"})
    assert response.status_code == 422
    assert "Er is nog geen melding aan de AP vastgelegd" in response.get_json()["detail"]


def test_closing_the_file_needs_the_ap_reference(client: FlaskClient) -> None:
    fg = factories.user([("fg", "DIE")])
    leak = _leak()
    _melded(leak, fg)
    url = f"/api/v1/incidents/{leak.id}/ap-correspondence"
    headers = bearer(factories.token(fg))
    response = client.post(url, headers=headers, json={"kind": "dossier_gesloten", "occurred_at": utcnow().isoformat()})
    assert response.status_code == 422
    assert "kenmerk van de AP" in response.get_json()["errors"]["ap_reference"][0]
    no_date = client.post(url, headers=headers, json={"kind": "dossier_gesloten", "ap_reference": "z2026-1"})
    assert no_date.status_code == 422 and "occurred_at" in no_date.get_json()["errors"]


def test_correspondence_is_listed_audited_in_the_timeline_and_counted_open_until_closed(client: FlaskClient) -> None:
    fg = factories.user([("fg", "DIE")], name="Fenna")
    headers = bearer(factories.token(fg))
    leak = _leak()
    _melded(leak, fg)
    other = _leak()  # notified too, never closed
    _melded(other, fg)
    assert apform.count_open_at_ap(fg) == 2
    attachment = factories.incident_attachment(leak, filename="brief-ap.pdf", actor=fg)
    url = f"/api/v1/incidents/{leak.id}/ap-correspondence"
    question = client.post(url, headers=headers, json={
        "kind": "vraag_ap", "occurred_at": (utcnow() - dt.timedelta(hours=2)).isoformat(),
        "text": "Hoeveel betrokkenen zijn minderjarig?", "attachment_ids": [attachment.id]})
    assert question.status_code == 201, question.get_json()
    assert question.get_json()["attachments"][0]["filename"] == "brief-ap.pdf"
    foreign = factories.incident_attachment(other, filename="ander.pdf", actor=fg)
    refused = client.post(url, headers=headers, json={"kind": "antwoord_aan_ap", "occurred_at": utcnow().isoformat(),
                                                      "text": "Antwoord", "attachment_ids": [foreign.id]})
    assert refused.status_code == 422 and "attachment_ids" in refused.get_json()["errors"]
    closed = client.post(url, headers=headers, json={"kind": "dossier_gesloten", "occurred_at": utcnow().isoformat(),
                                                     "ap_reference": "z2026-01234"})
    assert closed.status_code == 201
    listing = client.get(url, headers=headers).get_json()
    assert listing["open_at_ap"] is False and [i["kind"] for i in listing["items"]] == ["vraag_ap",
                                                                                        "dossier_gesloten"]
    again = client.post(url, headers=headers, json={"kind": "dossier_gesloten", "occurred_at": utcnow().isoformat(),
                                                    "ap_reference": "z2026-9"})
    assert again.status_code == 422 and "al gesloten" in again.get_json()["errors"]["kind"][0]
    assert apform.count_open_at_ap(fg) == 1
    # the derived flag the count reads agrees with the meldingen and the correspondence
    db.session.refresh(leak)
    db.session.refresh(other)
    assert (leak.ap_file_open, other.ap_file_open) == (False, True)
    assert apform.count_open_at_ap(fg, utcnow() + dt.timedelta(seconds=1)) == 1
    assert db.session.query(AuditEvent).filter_by(entity="ap_correspondence", action="create").count() == 2

    items = timeline.timeline(fg, leak)
    titles = [i.title for i in items]
    assert "Correspondentie met de AP: vraag van de AP" in titles
    assert "Correspondentie met de AP: AP sluit dossier" in titles
    ask = next(i for i in items if i.title.endswith("vraag van de AP"))
    assert ask.text == "Hoeveel betrokkenen zijn minderjarig?" and any(c.after == "brief-ap.pdf" for c in ask.changes)

    login(client, fg.email, factories.PASSWORD)
    overview = client.get("/datalekken").get_data(as_text=True)
    assert 'data-open-at-ap="1"' in overview
    incident_page = client.get(f"/incidenten/{leak.id}").get_data(as_text=True)
    assert "Correspondentie met de AP: AP sluit dossier" in incident_page


def test_the_fg_records_correspondence_with_an_upload_on_the_datalek_page(client: FlaskClient) -> None:
    fg = factories.user([("fg", "DIE")])
    leak = _leak()
    _melded(leak, fg)
    login(client, fg.email, factories.PASSWORD)
    token = csrf_token(client, f"/incidenten/{leak.id}/datalek")
    local = (utcnow() - dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=1)))
    response = client.post(f"/incidenten/{leak.id}/datalek/ap-correspondentie", data={
        "csrf_token": token, "corr-kind": "antwoord_aan_ap", "corr-occurred_at": local.strftime("%Y-%m-%dT%H:%M"),
        "corr-text": "Antwoord op de vragen van de AP", "corr-file": (io.BytesIO(factories.PDF_BYTES), "antwoord.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    [item] = apform.correspondence_of(leak)
    assert item.text == "Antwoord op de vragen van de AP" and [a.filename for a in item.attachments] == ["antwoord.pdf"]
    page = client.get(f"/incidenten/{leak.id}/datalek").get_data(as_text=True)
    assert "Antwoord op de vragen van de AP" in page and "antwoord.pdf" in page


def test_the_quarterly_report_counts_the_files_open_at_the_ap(app_ctx: None) -> None:
    """Open at the end of the quarter: melded before it ended and not closed by the AP before it ended."""
    fg = factories.user([("fg", "DIE")])
    august = dt.datetime(2026, 8, 3, 9, 0, tzinfo=dt.UTC)
    leak = factories.incident(is_datalek=True, discovered_at=august)
    factories.assess(leak, fg=fg)
    breaches.decide(fg, leak, True, "Gezondheidsgegevens: hoog risico.")
    breaches.record_notification(fg, leak, "initial", august + dt.timedelta(hours=20), "M-2026-9")
    period = reporting.parse_period("quarterly", "2026-Q3")
    assert reporting.breach_figures([leak.organisation_id], period).open_at_ap == 1
    apform.record_correspondence(fg, leak, "dossier_gesloten", dt.datetime(2026, 10, 20, 9, 0, tzinfo=dt.UTC),
                                 None, "z2026-7")
    db.session.flush()
    assert reporting.breach_figures([leak.organisation_id], period).open_at_ap == 1  # closed after the quarter
    assert apform.count_open_at_ap(fg) == 0  # but closed now


def test_the_overview_count_does_not_grow_with_the_data(client: FlaskClient, count_queries: Any) -> None:
    fg = factories.user([("fg", "DIE")])
    _melded(_leak(), fg)
    login(client, fg.email, factories.PASSWORD)
    with count_queries() as few:
        assert client.get("/datalekken").status_code == 200
    for _ in range(4):
        _melded(_leak(), fg)
    with count_queries() as many:
        assert 'data-open-at-ap="5"' in client.get("/datalekken").get_data(as_text=True)
    assert many.count == few.count
