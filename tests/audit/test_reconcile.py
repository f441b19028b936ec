"""State reconciliation: a change to the register made past the application is found and named."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, insert, select, update

from bio_register.audit.models import AuditEvent
from bio_register.audit.reconcile import Reconciliation, reconcile
from bio_register.breaches.models import ApDecision
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.incidents import services as incidents
from bio_register.incidents.models import Incident, Status, TimelineEntry
from bio_register.organisations.models import Organisation
from tests import factories


def _reconcile() -> Reconciliation:
    db.session.expire_all()
    return reconcile(db.session)


def _lines(outcome: Reconciliation) -> list[str]:
    return [str(finding) for finding in outcome.findings]


def _last_seq(entity: str, entity_id: int) -> int:
    return int(db.session.scalar(select(AuditEvent.seq).where(
        AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id)).order_by(AuditEvent.seq.desc()).limit(1)))


def test_a_register_kept_by_the_application_agrees_with_its_log() -> None:
    item = factories.incident("DIE", is_datalek=True, status=Status.AFGEHANDELD)
    factories.measure("DIE")
    factories.incident_attachment(item)
    factories.token(factories.user([("verbindingsofficier", "OA")]))
    outcome = _reconcile()
    assert outcome.ok, _lines(outcome)
    assert outcome.rows["incidents"] >= 1 and outcome.rows["ap_decisions"] >= 1


def test_the_demo_year_agrees_with_its_log() -> None:
    """The demo drives every service a municipality uses: a year of incidents, datalekken, AP
    decisions and meldingen, Cbw reports, maatregelen and the people."""
    from bio_register.demo import create_demo_data

    create_demo_data(now=utcnow())
    db.session.commit()
    outcome = _reconcile()
    assert outcome.ok, _lines(outcome)[:20]
    assert outcome.rows["incidents"] >= 75 and outcome.rows["breach_assessments"] >= 1


def test_a_decision_flipped_with_sql_is_named() -> None:
    item = factories.incident("DIE", is_datalek=True)
    decision = factories.decide_not_to_notify(item)
    db.session.execute(update(ApDecision).where(ApDecision.id == decision.id).values(notify=True))
    db.session.commit()
    outcome = _reconcile()
    assert _lines(outcome) == [
        f"ap_decisions {decision.id} notify: database true, audit log false "
        f"(last event {_last_seq('ap_decision', decision.id)})"]
    assert not outcome.ok


def test_a_title_changed_with_sql_is_named_and_a_logged_change_is_not() -> None:
    item = factories.incident("DIE", title="Laptop verloren")
    incidents.update_incident(factories.user(), item, {"title": "Laptop gestolen"}, item.version)
    db.session.commit()
    assert _reconcile().ok
    db.session.execute(update(Incident).where(Incident.id == item.id).values(title="Niets aan de hand"))
    db.session.commit()
    (finding,) = _reconcile().findings
    assert (finding.table, finding.row_id, finding.field) == ("incidents", item.id, "title")
    assert (finding.database, finding.logged) == ("Niets aan de hand", "Laptop gestolen")


def test_a_row_inserted_with_sql_is_named() -> None:
    item = factories.incident("DIE")
    db.session.execute(insert(TimelineEntry).values(incident_id=item.id, kind="actie", text="ingevoegd",
                                                    occurred_at=utcnow(), created_at=utcnow()))
    db.session.commit()
    inserted = db.session.scalar(select(TimelineEntry.id).where(TimelineEntry.text == "ingevoegd"))
    assert _lines(_reconcile()) == [f"timeline_entries {inserted}: row without a creation event in the audit log"]


def test_a_row_deleted_with_sql_is_named_and_a_purged_one_is_not() -> None:
    kept = factories.incident("DIE", is_datalek=True)
    factories.decide_not_to_notify(kept)
    old = factories.incident("DIE", discovered_at=utcnow() - dt.timedelta(days=3000), status=Status.AFGEHANDELD)
    db.session.execute(update(Incident).where(Incident.id == old.id).values(
        closed_at=utcnow() - dt.timedelta(days=2900)))
    db.session.commit()
    purged = incidents.purge(utcnow() - dt.timedelta(days=365 * 7), actor_label="test")
    db.session.commit()
    assert old.reference in purged
    assert _reconcile().ok, _lines(_reconcile())

    decision_id = db.session.scalar(select(ApDecision.id).where(ApDecision.incident_id == kept.id))
    db.session.execute(delete(ApDecision).where(ApDecision.id == decision_id))
    db.session.commit()
    assert _lines(_reconcile()) == [
        f"ap_decisions {decision_id}: missing from the database, its deletion was not logged "
        f"(last event {_last_seq('ap_decision', decision_id)})"]


def test_a_renamed_organisation_is_named() -> None:
    org = factories.organisation("OA")
    db.session.execute(update(Organisation).where(Organisation.id == org.id).values(two_factor_required=True))
    db.session.commit()
    lines = _lines(_reconcile())
    assert len(lines) == 1 and lines[0].startswith(f"organisations {org.id} two_factor_required: database true, "
                                                   "audit log false")


@pytest.mark.parametrize("block", [1, 3])
def test_blocks_do_not_change_the_outcome(block: int) -> None:
    for _ in range(4):
        factories.incident("DIE")
    victim = factories.incident("UIT")
    db.session.execute(update(Incident).where(Incident.id == victim.id).values(is_datalek=True))
    db.session.commit()
    db.session.expire_all()
    outcome = reconcile(db.session, block=block)
    assert [(f.table, f.row_id, f.field) for f in outcome.findings] == [("incidents", victim.id, "is_datalek")]


def test_the_statement_of_applicability_is_reconciled_along_its_history() -> None:
    """A control assessment's event names only what changed since the previous assessment of that
    control: the state is carried along, and a change with SQL to any of them is named."""
    from bio_register.compliance import catalogs as catalog_import
    from bio_register.compliance import services as compliance
    from bio_register.compliance.models import ControlAssessment

    catalog_import.import_all(actor_label="test")
    ciso = factories.user([("ciso", "DIE")])
    die = factories.organisation("DIE")
    catalog = next(c for c in compliance.catalogs() if c.key.startswith("BIO2"))
    first_control, second_control = (compliance.find_control(catalog, code) for code in ("5.24.01", "5.24.02"))
    assert first_control is not None and second_control is not None
    first = compliance.assess(ciso, die, first_control, {"applicable": True, "status": "gedeeltelijk",
                                                         "owner": "Teamleider ICT"})
    later = compliance.assess(ciso, die, first_control, {"applicable": True, "status": "volledig",
                                                         "owner": "Teamleider ICT"})
    other = compliance.assess(ciso, die, second_control, {"applicable": False, "justification": "Geen eigen ICT."})
    db.session.commit()
    outcome = _reconcile()
    assert outcome.ok, _lines(outcome)
    assert outcome.rows["control_assessments"] >= 3

    # the owner was only named by the first assessment's event: the later one inherits it
    db.session.execute(update(ControlAssessment).where(ControlAssessment.id == later.id).values(owner="Niemand"))
    db.session.execute(update(ControlAssessment).where(ControlAssessment.id == other.id).values(applicable=True))
    db.session.execute(delete(ControlAssessment).where(ControlAssessment.id == first.id))
    db.session.execute(insert(ControlAssessment).values(organisation_id=die.id, control_id=second_control.id,
                                                        applicable=True, status="volledig", evidence_links=[],
                                                        proposed=False, assessed_at=utcnow(),
                                                        in_force=False))  # beside the row in force (one may be)
    db.session.commit()
    inserted = db.session.scalar(select(ControlAssessment.id).order_by(ControlAssessment.id.desc()).limit(1))
    found = {(f.row_id, f.kind, f.field) for f in _reconcile().findings}
    assert (later.id, "changed", "owner") in found
    assert (other.id, "changed", "applicable") in found
    assert (first.id, "unlogged_delete", None) in found
    assert (inserted, "unlogged_insert", None) in found
