from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bio_register.audit.models import AuditEvent
from bio_register.audit.reconcile import reconcile
from bio_register.compliance.catalogs import import_all
from bio_register.errors import Conflict, ValidationFailed
from bio_register.extensions import db
from bio_register.findings import services
from bio_register.findings.models import FindingStatus
from tests import factories

pytestmark = pytest.mark.usefixtures("app_ctx")

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
BASE = {"source": "ensia_digid", "found_on": dt.date(2026, 11, 2), "title": "Logging DigiD-koppeling onvolledig",
        "severity": "midden"}


def _events(finding_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "finding",
                                                          AuditEvent.entity_id == str(finding_id))
                                   .order_by(AuditEvent.seq)))


def test_create_links_controls_and_measures_and_audits_it() -> None:
    import_all(actor_label="test")
    ciso = factories.user([("ciso", "DIE")])
    measure = factories.measure("DIE", title="Logging naar de SIEM")
    finding = services.create_finding(ciso, factories.organisation("DIE"), {
        **BASE, "controls": ["8.15.01", ("BIO2-1.3", "5.15.01")], "measures": [measure.id],
        "retest_on": dt.date(2027, 3, 1)}, now=NOW)
    assert finding.status == FindingStatus.OPEN and finding.closed_at is None
    assert [(c.catalog.key, c.code) for c in finding.controls] == [("BIO2-1.3", "5.15.01"), ("BIO2-1.3", "8.15.01")]
    assert [m.title for m in finding.measures] == ["Logging naar de SIEM"]
    [event] = _events(finding.id)
    assert event.action == "create" and event.organisation_id == finding.organisation_id
    assert '"controls"' in event.changes and "BIO2-1.3 8.15.01" in event.changes


def test_accepting_needs_a_motivation() -> None:
    organisation = factories.organisation("DIE")
    with pytest.raises(ValidationFailed) as refused:
        services.create_finding(None, organisation, {**BASE, "status": "geaccepteerd"}, now=NOW,
                                actor_label="test")
    assert "motivering" in refused.value.errors["motivation"][0]
    finding = factories.finding("DIE", now=NOW)
    with pytest.raises(ValidationFailed) as refused:
        services.update_finding(None, finding, {"status": "geaccepteerd", "motivation": "kort"}, 1, now=NOW)
    assert "minstens 10 tekens" in refused.value.errors["motivation"][0]
    db.session.rollback()
    services.update_finding(None, finding, {"status": "geaccepteerd",
                                            "motivation": "Systeem wordt in maart 2027 uitgefaseerd."}, 1, now=NOW)
    assert finding.status == FindingStatus.GEACCEPTEERD and finding.closed_at == NOW


def test_bad_input_names_each_field_in_dutch() -> None:
    import_all(actor_label="test")
    organisation = factories.organisation("DIE")
    other = factories.measure("UIT")
    with pytest.raises(ValidationFailed) as refused:
        services.create_finding(None, organisation, {
            "source": "roddel", "found_on": dt.date(2027, 1, 1), "title": "", "severity": None,
            "retest_on": dt.date(2026, 1, 1), "controls": ["9.99.99", "ISO-27002 5.1"], "measures": [other.id]},
            now=NOW, actor_label="test")
    errors = refused.value.errors
    assert errors["source"] == ["Onbekende keuze: roddel."]
    assert errors["title"] == ["Dit veld is verplicht."]
    assert errors["severity"] == ["Kies de ernst van de bevinding."]
    assert errors["found_on"] == ["Een bevinding kan niet in de toekomst gedaan zijn."]
    assert "9.99.99" in errors["controls"][0] and "ISO-27002" in errors["controls"][1]
    assert "hoort niet bij deze organisatie" in errors["measures"][0]
    with pytest.raises(ValidationFailed) as refused:
        services.create_finding(None, organisation, {**BASE, "retest_on": dt.date(2026, 1, 1)}, now=NOW,
                                actor_label="test")
    assert "vóór de datum van de bevinding" in refused.value.errors["retest_on"][0]


def test_update_keeps_history_and_reopening_clears_closed_at() -> None:
    finding = factories.finding("DIE", now=NOW)
    later = NOW + dt.timedelta(days=3)
    services.update_finding(None, finding, {"status": "opgelost"}, 1, now=later)
    assert finding.closed_at == later and finding.version == 2
    services.update_finding(None, finding, {"status": "in_behandeling"}, 2, now=later)
    assert finding.closed_at is None
    with pytest.raises(Conflict):
        services.update_finding(None, finding, {"title": "Nieuw"}, 1, now=later)
    history = services.history(finding)
    assert [h.kind for h in history] == ["create", "update", "update"]
    assert history[1].changes["status"] == {"before": "open", "after": "opgelost"}
    db.session.commit()
    outcome = reconcile(db.session)
    assert outcome.ok, [str(f) for f in outcome.findings]
    assert outcome.rows["findings"] == 1
    db.session.execute(db.text("UPDATE findings SET status = 'geaccepteerd'"))
    assert {(f.table, f.field) for f in reconcile(db.session).findings} == {("findings", "status")}


def test_overdue_is_an_open_finding_past_its_retest_day() -> None:
    today = dt.date(2026, 12, 4)
    due = factories.finding("DIE", now=NOW, retest_on=dt.date(2026, 12, 3), title="Te laat")
    factories.finding("DIE", now=NOW, retest_on=today, title="Vandaag")
    factories.finding("DIE", now=NOW, retest_on=dt.date(2026, 12, 1), status="opgelost", title="Opgelost")
    assert services.is_overdue(due, today)
    ciso = factories.user([("ciso", "DIE")])
    page = services.list_findings(ciso, services.FindingFilter(overdue_only=True), today=today)
    assert [f.title for f in page.items] == ["Te laat"]


def test_lists_are_scoped_and_open_at_period_end_uses_closed_at() -> None:
    die = factories.finding("DIE", now=NOW, title="Diemen")
    factories.finding("UIT", now=NOW, title="Uithoorn")
    vo = factories.user([("verbindingsofficier", "DIE")])
    assert [f.title for f in services.list_findings(vo, services.FindingFilter()).items] == ["Diemen"]
    assert services.list_findings(factories.user([("medewerker", "DIE")]), services.FindingFilter()).total == 0
    services.update_finding(None, die, {"status": "opgelost"}, 1, now=NOW + dt.timedelta(days=10))
    org_ids = [die.organisation_id]
    assert [f.id for f in services.open_at(org_ids, NOW + dt.timedelta(days=5))] == [die.id]
    assert services.open_at(org_ids, NOW + dt.timedelta(days=11)) == []
    assert services.open_at(org_ids, NOW - dt.timedelta(days=1)) == []
