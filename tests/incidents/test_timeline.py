"""One timeline per incident: the incident's own entries and every audited event about it, its
datalek, its Cbw reports and its maatregelen, with who and when — and nothing a reader may not see."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bio_register.breaches import services as breaches
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.incidents import services as incidents
from bio_register.incidents import timeline
from bio_register.measures import services as measures
from bio_register.permissions import ROLE_PERMISSIONS, Permission, Role
from tests import factories
from tests.conftest import login


def _full_story() -> dict:
    """A datalek the FG assessed, re-assessed, decided, notified and informed the data subjects
    about; a maatregel linked and another linked and unlinked; an entry; a status change."""
    vo = factories.user([("verbindingsofficier", "DIE")], name="Vera Jansen")
    fg = factories.user([("fg", "DIE")], name="Fatima de Graaf")
    ciso = factories.user([("ciso", "DIE")], name="Carel Smit")
    item = factories.incident("DIE", actor=vo, is_datalek=True, title="Brief naar verkeerd adres",
                              discovered_at=utcnow() - dt.timedelta(hours=5))
    incidents.add_entry(vo, item, "actie", "Ontvanger gebeld, brief retour gevraagd.", None)
    incidents.change_status(vo, item, "in_behandeling", item.version)
    breaches.save_assessment(fg, item, {"aware_at": item.discovered_at, "enisa_dpc": 1, "enisa_ei": "1",
                                        "enisa_cb_confidentiality": "0.25"})
    breaches.save_assessment(fg, item, {"aware_at": item.discovered_at, "enisa_dpc": 2, "enisa_ei": "1",
                                        "enisa_cb_confidentiality": "0.5"})
    breaches.decide(fg, item, True, "Gevoelige gegevens van kwetsbare burgers.")
    breaches.record_notification(fg, item, "initial", utcnow() - dt.timedelta(minutes=1), "M-2026-123")
    breaches.decide_data_subjects(fg, item, True, notified_at=utcnow() - dt.timedelta(minutes=1),
                                  channel="brief")
    kept = measures.create_measure(ciso, item.organisation, {"title": "Adrescontrole vóór verzending"})
    measures.link_incident(ciso, kept, item)
    dropped = measures.create_measure(ciso, item.organisation, {"title": "Tweede paar ogen",
                                                                "incidents": [item.reference]})
    measures.unlink_incident(ciso, dropped, item)
    measures.change_status(ciso, kept, "in_uitvoering", kept.version)
    db.session.commit()
    return {"incident": item, "vo": vo, "fg": fg, "ciso": ciso}


def _titles(items: list[timeline.TimelineItem]) -> list[str]:
    return [i.title for i in items]


def test_the_timeline_holds_every_event_in_order_with_its_actor(app_ctx: None) -> None:
    story = _full_story()
    items = timeline.timeline(story["fg"], story["incident"])
    lines = [(i.title, i.actor) for i in items]
    expected = [
        ("Incident vastgelegd als datalek", "Vera Jansen"),
        ("Actie", "Vera Jansen"),
        ("Status gewijzigd: nieuw → in behandeling", "Vera Jansen"),
        ("FG heeft het datalek beoordeeld: ENISA-score 1,25 (laag)", "Fatima de Graaf"),
        ("FG heeft de beoordeling gewijzigd: ENISA-score 1,25 → 2,5", "Fatima de Graaf"),
        ("Besluit: melden bij de AP (art. 33)", "Fatima de Graaf"),
        ("AP-melding gedaan (op tijd)", "Fatima de Graaf"),
        ("Besluit: betrokkenen informeren (art. 34)", "Fatima de Graaf"),
        ("Maatregel „Adrescontrole vóór verzending” gekoppeld", "Carel Smit"),
        ("Maatregel „Tweede paar ogen” aangemaakt bij dit incident", "Carel Smit"),
        ("Maatregel „Tweede paar ogen” ontkoppeld", "Carel Smit"),
        ("Maatregel „Adrescontrole vóór verzending”: gepland → in uitvoering", "Carel Smit"),
    ]
    # the entry was written as happening an hour before it was recorded, so it sorts by that time
    assert [line for line in lines if line in expected] == expected
    assert len(lines) == len(expected)
    notification = next(i for i in items if i.title.startswith("AP-melding"))
    assert ("Meldnummer", "M-2026-123") in [(c.label, c.after) for c in notification.changes]
    reassessed = next(i for i in items if i.title.startswith("FG heeft de beoordeling gewijzigd"))
    assert ("ENISA: verlies vertrouwelijkheid", "0,25", "0,5") in [(c.label, c.before, c.after)
                                                                   for c in reassessed.changes]
    decision = next(i for i in items if i.title.startswith("Besluit: melden"))
    assert decision.text == "Gevoelige gegevens van kwetsbare burgers."


def test_a_late_ap_melding_says_how_late(app_ctx: None) -> None:
    fg = factories.user([("fg", "DIE")], name="Fatima de Graaf")
    item = factories.incident("DIE", is_datalek=True, discovered_at=utcnow() - dt.timedelta(days=6))
    breaches.save_assessment(fg, item, {"aware_at": item.discovered_at})
    breaches.decide(fg, item, True, "Hoog risico.")
    breaches.record_notification(fg, item, "initial", utcnow() - dt.timedelta(hours=1), "M-1", "Vergeten.")
    items = timeline.timeline(fg, item)
    assert "AP-melding gedaan (te laat, 2 dagen en 23 uur)" in _titles(items)
    late = next(i for i in items if i.title.startswith("AP-melding"))
    assert late.text == "Vergeten."


def test_an_edit_names_the_fields_with_before_and_after(app_ctx: None) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")], name="Vera Jansen")
    item = factories.incident("DIE", actor=vo, severity="laag")
    incidents.update_incident(vo, item, {"severity": "hoog"}, item.version)
    edit = [i for i in timeline.timeline(vo, item) if i.group == "incident"][-1]
    assert edit.title == "Incident gewijzigd: ernst"
    assert [(c.label, c.before, c.after) for c in edit.changes] == [("Ernst", "laag", "hoog")]


def test_the_timeline_leaves_out_what_the_reader_may_not_read(app_ctx: None, monkeypatch: pytest.MonkeyPatch) -> None:
    story = _full_story()
    # a role that reads incidents but neither datalekken nor maatregelen (none has that today: the
    # table is changed for this test, so the rule is proved rather than assumed)
    reader = factories.user([("verbindingsofficier", "DIE")], name="Lezer")
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.VERBINDINGSOFFICIER,
                        frozenset({Permission.INCIDENT_READ, Permission.ORGANISATION_READ}))
    titles = _titles(timeline.timeline(reader, story["incident"]))
    assert "Incident vastgelegd als datalek" in titles and "Actie" in titles
    assert not [t for t in titles if "FG" in t or "AP" in t or "art. 34" in t or "Maatregel" in t]


def test_the_timeline_takes_a_fixed_number_of_queries(app_ctx: None, count_queries) -> None:
    story = _full_story()
    item = story["incident"]
    factories.incident_attachment(item, filename="eerste.pdf")
    with count_queries() as few:
        timeline.timeline(story["fg"], item)
    for n in range(5):
        more = measures.create_measure(story["ciso"], item.organisation, {"title": f"Maatregel {n}"})
        measures.link_incident(story["ciso"], more, item)
        incidents.add_entry(story["vo"], item, "waarneming", f"Waarneming {n}", None)
        factories.incident_attachment(item, filename=f"bewijs-{n}.pdf")
    breaches.save_assessment(story["fg"], item, {"aware_at": item.discovered_at, "enisa_dpc": 3, "enisa_ei": "1"})
    db.session.commit()
    with count_queries() as many:
        items = timeline.timeline(story["fg"], item)
    assert len([i for i in items if i.group == "attachment"]) == 6
    assert many.count == few.count, "\n\n".join(many.statements)


def _login(client: FlaskClient, user) -> None:
    login(client, user.email, factories.PASSWORD)


def test_the_incident_page_shows_the_one_timeline(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        story = _full_story()
        incident_id = story["incident"].id
        _login(client, story["vo"])
    html = client.get(f"/incidenten/{incident_id}").get_data(as_text=True)
    section = html[html.index('id="tijdlijn"'):]
    titles = [re.sub(r"\s+", " ", t) for t in re.findall(r'<p class="timeline-title"><strong>(.*?)</strong>',
                                                            section)]
    # newest first on the page
    assert titles[0] == "Maatregel „Adrescontrole vóór verzending”: gepland → in uitvoering"
    assert titles[-1] == "Incident vastgelegd als datalek"
    assert "FG heeft de beoordeling gewijzigd: ENISA-score 1,25 → 2,5" in titles
    assert "AP-melding gedaan (op tijd)" in titles
    assert "Besluit: betrokkenen informeren (art. 34)" in titles
    assert "Fatima de Graaf" in section and "Carel Smit" in section


def test_cbw_reports_attachments_and_warnings_are_on_the_timeline(app_ctx: None) -> None:
    from bio_register.audit import services as audit

    ciso = factories.user([("ciso", "DIE")], name="Carel Smit")
    item = factories.incident("DIE", is_significant_cbw=True)
    breaches.record_cbw_report(ciso, item, "early_warning", utcnow() - dt.timedelta(minutes=5), reference="CSIRT-9",
                               content=factories.cbw_content("early_warning"))
    factories.incident_attachment(item, filename="logboek.pdf",
                                  actor=factories.user([("verbindingsofficier", "DIE")], name="Vera Jansen"))
    audit.record(None, "incident", item.id, "deadline_warning", {"warning": {"before": None, "after": "cbw_final:24h"}},
                 organisation_id=item.organisation_id, actor_label="scheduler")
    db.session.commit()
    items = {i.title: i for i in timeline.timeline(ciso, item)}
    cbw = items["Cbw-melding: vroegtijdige waarschuwing (24 uur)"]
    assert cbw.actor == "Carel Smit" and ("Kenmerk", "CSIRT-9") in [(c.label, c.after) for c in cbw.changes]
    upload = items["Bijlage toegevoegd"]
    assert upload.actor == "Vera Jansen" and upload.text is not None and "logboek.pdf" in upload.text
    warning = items["Waarschuwing verstuurd: Cbw: eindverslag, nog 24 uur"]
    assert warning.actor == "planner (automatisch)"


def test_a_link_recorded_only_on_the_measure_still_shows_once(app_ctx: None) -> None:
    """Links made before the incident had its own link events: the measure's event is used."""
    from bio_register.audit import services as audit

    ciso = factories.user([("ciso", "DIE")], name="Carel Smit")
    item = factories.incident("DIE")
    measure = factories.measure("DIE", title="Oude koppeling")
    measure.incidents.append(item)
    db.session.flush()
    audit.record(ciso, "measure", measure.id, "link",
                 {"incidents": {"before": [], "after": [item.reference]}}, organisation_id=item.organisation_id)
    measures.link_incident(ciso, factories.measure("DIE", title="Nieuwe koppeling"), item)
    db.session.commit()
    titles = _titles(timeline.timeline(ciso, item))
    assert titles.count("Maatregel „Oude koppeling” gekoppeld") == 1
    assert titles.count("Maatregel „Nieuwe koppeling” gekoppeld") == 1
    # the API's timeline keeps its shape: entries, status changes and edits only
    assert {h.kind for h in incidents.history(item)} == {"create"}
