"""The incident register's rules, at the service level (no HTTP)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, update

from bio_register.accounts.models import User
from bio_register.audit import services as audit
from bio_register.audit.models import AuditEvent
from bio_register.breaches import services as breaches
from bio_register.errors import Conflict, ValidationFailed
from bio_register.extensions import db
from bio_register.incidents import services
from bio_register.incidents.models import Category, EntryKind, Incident, Severity, Status, TimelineEntry
from bio_register.organisations import services as organisations
from bio_register.timeutil import quarter
from tests import dbutil, factories
from tests.conftest import make_app

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def essentials(**data: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "E-mail met BSN naar verkeerde ontvanger",
        "description": "Een medewerker stuurde een bijlage naar een verkeerd adres.",
        "discovered_at": NOW - dt.timedelta(days=1),
        "is_datalek": True,
    }
    values.update(data)
    return values


def log(org: str = "DIE", *, actor: User | None = None, now: dt.datetime = NOW, **data: Any) -> Incident:
    incident = services.create_incident(actor, factories.organisation(org), essentials(**data), now=now,
                                        actor_label=None if actor else "test")
    db.session.commit()
    return incident


def move(incident: Incident, *statuses: Status, now: dt.datetime = NOW, reason: str | None = "test") -> None:
    for status in statuses:
        if status == Status.AFGEHANDELD and incident.is_datalek and not breaches.decisions_of(incident):
            factories.decide_not_to_notify(incident)  # a datalek closes only after the FG's decision
        services.change_status(None, incident, status, incident.version, reason=reason, now=now)
    db.session.commit()


def incident_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Incident)) or 0


def audit_events(incident_id: int, action: str | None = None) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.entity == "incident", AuditEvent.entity_id == str(incident_id))
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(db.session.scalars(stmt.order_by(AuditEvent.seq)))


# --- references ---------------------------------------------------------------------------------

def test_references_count_per_organisation_and_year() -> None:
    first = log("DIE", discovered_at=dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    second = log("DIE", discovered_at=dt.datetime(2026, 2, 1, 9, 0, tzinfo=UTC))
    other_org = log("OA", discovered_at=dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    last_year = log("DIE", discovered_at=dt.datetime(2025, 6, 1, 9, 0, tzinfo=UTC))
    assert first.reference == "DIE-2026-0001"
    assert second.reference == "DIE-2026-0002"
    assert other_org.reference == "OA-2026-0001"
    assert last_year.reference == "DIE-2025-0001"
    assert (last_year.year, last_year.number) == (2025, 1)


def test_reference_year_is_the_amsterdam_year() -> None:
    # 23:30 UTC on New Year's Eve is 00:30 on 1 January in Amsterdam
    incident = log(discovered_at=dt.datetime(2025, 12, 31, 23, 30, tzinfo=UTC))
    assert incident.reference == "DIE-2026-0001"
    assert incident.year == 2026
    before_midnight = log(discovered_at=dt.datetime(2025, 12, 31, 22, 30, tzinfo=UTC))
    assert before_midnight.reference == "DIE-2025-0001"


def test_refused_creation_uses_no_number() -> None:
    log()
    with pytest.raises(ValidationFailed):
        services.create_incident(None, factories.organisation("DIE"), essentials(title=""), now=NOW,
                                 actor_label="test")
    assert log().reference == "DIE-2026-0002"


def test_rolled_back_creation_leaves_a_gap_at_most() -> None:
    first = log()
    services.create_incident(None, factories.organisation("DIE"), essentials(), now=NOW, actor_label="test")
    db.session.rollback()
    after = log()
    assert after.number in (2, 3)
    assert after.reference != first.reference
    references = list(db.session.scalars(select(Incident.reference).order_by(Incident.number)))
    assert references == [first.reference, after.reference]


def test_numbers_are_not_reused_after_a_purge() -> None:
    old = [log(discovered_at=dt.datetime(2026, 1, 5, tzinfo=UTC), now=dt.datetime(2026, 1, 6, tzinfo=UTC))
           for _ in range(2)]
    for incident in old:
        move(incident, Status.IN_BEHANDELING, Status.AFGEHANDELD, now=dt.datetime(2026, 1, 7, tzinfo=UTC))
    purged = services.purge(dt.datetime(2026, 2, 1, tzinfo=UTC), actor_label="test")
    db.session.commit()
    assert purged == ["DIE-2026-0001", "DIE-2026-0002"]
    assert incident_count() == 0
    assert log(discovered_at=dt.datetime(2026, 3, 1, tzinfo=UTC)).reference == "DIE-2026-0003"


@pytest.mark.committed
def test_concurrent_creation_hands_out_distinct_consecutive_references(tmp_path: Path) -> None:
    """8 writers × 5 incidents in one organisation, each creation in its own committed transaction."""
    with dbutil.fresh_database(tmp_path) as url:
        app = make_app(url, str(tmp_path))
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            organisations.create_organisation(None, "DIE", "Gemeente Diemen", actor_label="test")
            db.session.commit()
            db.session.remove()
        errors: list[BaseException] = []
        start = threading.Barrier(8)

        def writer(n: int) -> None:
            try:
                with app.app_context():
                    start.wait()
                    for i in range(5):
                        # Like a request: read the organisation, then write, in one transaction.
                        # (SQLite queues writers through BEGIN IMMEDIATE and its busy timeout.)
                        org = organisations.find_by_code("DIE")
                        services.create_incident(None, org, essentials(title=f"Schrijver {n} nummer {i}"),
                                                 actor_label=f"writer {n}")
                        db.session.commit()
                    db.session.remove()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        with app.app_context():
            try:
                assert not errors, errors
                references = sorted(db.session.scalars(select(Incident.reference)))
                assert references == [f"DIE-2026-{n:04d}" for n in range(1, 41)]
                assert audit.verify_chain().ok
            finally:
                db.session.remove()
                db.engine.dispose()


# --- status workflow ------------------------------------------------------------------------------

def test_workflow_from_new_to_closed_and_reopened() -> None:
    actor = factories.user([("verbindingsofficier", "DIE")], name="Vera de Vries")
    incident = log(actor=actor, is_datalek=False)
    assert incident.status == Status.NIEUW and incident.closed_at is None

    services.change_status(actor, incident, Status.IN_BEHANDELING, incident.version, now=NOW)
    assert incident.status == Status.IN_BEHANDELING and incident.closed_at is None
    closing = NOW + dt.timedelta(hours=2)
    services.change_status(actor, incident, "afgehandeld", incident.version, now=closing)
    db.session.commit()
    assert incident.status == Status.AFGEHANDELD
    assert incident.closed_at == closing
    assert services.allowed_transitions(incident) == [Status.IN_BEHANDELING]

    services.change_status(actor, incident, Status.IN_BEHANDELING, incident.version,
                           reason="Nieuwe feiten bekend", now=closing + dt.timedelta(days=1))
    db.session.commit()
    db.session.expire_all()
    assert incident.status == Status.IN_BEHANDELING
    assert incident.closed_at is None

    history = services.history(incident)
    assert [item.kind for item in history] == ["create", "status", "status", "reopen"]
    assert all(item.actor == "Vera de Vries" for item in history)
    assert history[1].changes == {"status": {"before": "nieuw", "after": "in_behandeling"}}
    assert history[2].changes == {"status": {"before": "in_behandeling", "after": "afgehandeld"}}
    assert history[3].changes == {"status": {"before": "afgehandeld", "after": "in_behandeling"},
                                  "reason": {"before": None, "after": "Nieuwe feiten bekend"}}


def test_withdrawing_a_new_incident_needs_a_reason_and_closes_it() -> None:
    incident = log()
    with pytest.raises(ValidationFailed) as refused:
        services.change_status(None, incident, Status.INGETROKKEN, incident.version, reason="  ", now=NOW)
    assert "reason" in refused.value.errors
    services.change_status(None, incident, Status.INGETROKKEN, incident.version,
                           reason="Bleek een test van de servicedesk", now=NOW)
    db.session.commit()
    assert incident.status == Status.INGETROKKEN
    assert incident.closed_at == NOW
    event = audit_events(incident.id, "status")[-1]
    assert json.loads(event.changes)["reason"]["after"] == "Bleek een test van de servicedesk"


@pytest.mark.parametrize(("path", "target", "reason", "field"), [
    ((), Status.AFGEHANDELD, "x", "status"),                                       # nieuw → afgehandeld
    ((Status.IN_BEHANDELING, Status.AFGEHANDELD), Status.NIEUW, "x", "status"),    # afgehandeld → nieuw
    ((Status.INGETROKKEN,), Status.AFGEHANDELD, "x", "status"),                    # ingetrokken → afgehandeld
    ((), "gesloten", "x", "status"),                                               # unknown status
    ((Status.IN_BEHANDELING, Status.AFGEHANDELD), Status.IN_BEHANDELING, None, "reason"),  # reopen, no reason
    ((Status.IN_BEHANDELING, Status.AFGEHANDELD), Status.IN_BEHANDELING, " \n ", "reason"),
    ((Status.INGETROKKEN,), Status.IN_BEHANDELING, "", "reason"),
])
def test_refused_transitions_change_nothing(path: tuple[Status, ...], target: Any, reason: str | None,
                                            field: str) -> None:
    incident = log()
    move(incident, *path)
    status, version, closed_at = incident.status, incident.version, incident.closed_at
    events = len(audit_events(incident.id))
    with pytest.raises(ValidationFailed) as refused:
        services.change_status(None, incident, target, incident.version, reason=reason, now=NOW)
    assert refused.value.field == field
    assert field in refused.value.errors
    db.session.rollback()
    db.session.expire_all()
    assert (incident.status, incident.version, incident.closed_at) == (status, version, closed_at)
    assert len(audit_events(incident.id)) == events


def test_status_change_with_a_stale_version_is_a_conflict() -> None:
    incident = log()
    move(incident, Status.IN_BEHANDELING)
    assert incident.version == 2
    with pytest.raises(Conflict):
        services.change_status(None, incident, Status.AFGEHANDELD, 1, now=NOW)
    assert incident.status == Status.IN_BEHANDELING and incident.version == 2


# --- editing and optimistic locking -----------------------------------------------------------------

def test_update_with_the_right_version_bumps_it_and_audits_only_the_changes() -> None:
    incident = log(title="Oude titel", severity="laag")
    old_description = incident.description
    assert incident.version == 1
    services.update_incident(None, incident, {"title": "Nieuwe titel", "severity": "hoog",
                                              "description": old_description}, expected_version=1, now=NOW)
    db.session.commit()
    db.session.expire_all()
    assert incident.version == 2
    assert (incident.title, incident.severity) == ("Nieuwe titel", Severity.HOOG)
    event = audit_events(incident.id, "update")[-1]
    assert json.loads(event.changes) == {"title": {"before": "Oude titel", "after": "Nieuwe titel"},
                                         "severity": {"before": "laag", "after": "hoog"}}


def test_update_with_a_stale_version_is_a_conflict_and_changes_nothing() -> None:
    incident = log(title="Oude titel")
    services.update_incident(None, incident, {"title": "Tweede titel"}, expected_version=1, now=NOW)
    db.session.commit()
    with pytest.raises(Conflict) as conflict:
        services.update_incident(None, incident, {"title": "Derde titel"}, expected_version=1, now=NOW)
    assert conflict.value.field == "version"
    db.session.rollback()
    db.session.expire_all()
    assert (incident.title, incident.version) == ("Tweede titel", 2)
    assert len(audit_events(incident.id, "update")) == 1


def test_update_that_loses_a_race_in_the_database_is_a_conflict() -> None:
    """Someone else saved between our read and our write: the versioned UPDATE matches no row."""
    incident = log(title="Oude titel")
    db.session.execute(update(Incident).where(Incident.id == incident.id)
                       .values(title="Van iemand anders", version=Incident.version + 1)
                       .execution_options(synchronize_session=False))
    with pytest.raises(Conflict):
        services.update_incident(None, incident, {"title": "Mijn titel"}, expected_version=1, now=NOW)
    db.session.rollback()
    db.session.expire_all()
    assert incident.title == "Oude titel"   # the rollback also undid the other writer, in this test
    assert audit_events(incident.id, "update") == []


def test_update_without_changes_keeps_the_version() -> None:
    incident = log(title="Titel")
    services.update_incident(None, incident, {"title": "  Titel "}, expected_version=1, now=NOW)
    db.session.commit()
    assert incident.version == 1
    assert audit_events(incident.id, "update") == []


def test_update_refuses_fields_that_are_not_editable() -> None:
    incident = log()
    with pytest.raises(ValidationFailed) as refused:
        services.update_incident(None, incident, {"reference": "DIE-2026-9999", "status": "afgehandeld"},
                                 expected_version=1, now=NOW)
    assert set(refused.value.errors) == {"reference", "status"}
    assert incident.reference == "DIE-2026-0001"


# --- input checks ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("change", "field"), [
    ({"discovered_at": NOW + dt.timedelta(hours=1)}, "discovered_at"),
    ({"occurred_at": NOW - dt.timedelta(hours=1), "discovered_at": NOW - dt.timedelta(hours=2)}, "occurred_at"),
    ({"occurred_at": NOW + dt.timedelta(days=1)}, "occurred_at"),
    ({"category": "koffie"}, "category"),
    ({"severity": "enorm"}, "severity"),
    ({"title": ""}, "title"),
    ({"title": "   \t "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"description": "a" * 1_000_000}, "description"),
    ({"description": None}, "description"),
    ({"discovered_at": dt.datetime(2026, 11, 1, 12, 0)}, "discovered_at"),     # naive
    ({"discovered_at": "2026-11-01T12:00:00+01:00"}, "discovered_at"),         # not a datetime
    ({"is_datalek": None}, "is_datalek"),
    ({"is_datalek": "ja"}, "is_datalek"),
])
def test_bad_input_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    before = incident_count()
    with pytest.raises(ValidationFailed) as refused:
        services.create_incident(None, factories.organisation("DIE"), essentials(**change), now=NOW,
                                 actor_label="test")
    assert field in refused.value.errors, refused.value.errors
    assert refused.value.errors[field]
    db.session.rollback()
    assert incident_count() == before


def test_missing_essentials_are_refused() -> None:
    data = essentials()
    for name in ("is_datalek", "discovered_at"):
        without = {k: v for k, v in data.items() if k != name}
        with pytest.raises(ValidationFailed) as refused:
            services.create_incident(None, factories.organisation("DIE"), without, now=NOW, actor_label="test")
        assert name in refused.value.errors
    assert incident_count() == 0


def test_all_problems_are_reported_at_once_and_nothing_is_saved() -> None:
    data = {"title": " ", "description": "", "category": "koffie", "discovered_at": NOW + dt.timedelta(days=2)}
    with pytest.raises(ValidationFailed) as refused:
        services.create_incident(None, factories.organisation("DIE"), data, now=NOW, actor_label="test")
    assert {"title", "description", "category", "is_datalek"} <= set(refused.value.errors)
    db.session.rollback()
    assert incident_count() == 0
    assert log().reference == "DIE-2026-0001"


def test_control_characters_are_removed_and_html_is_stored_as_typed() -> None:
    incident = log(title="Lek\x00 in\x07 systeem\x1b", description="<script>alert('x')</script>\x00\nregel 2",
                   reporter="Jan\x08 <b>de Vries</b>", cause="Oorzaak\x7f & gevolg")
    db.session.expire_all()
    stored = db.session.get(Incident, incident.id)
    assert stored.title == "Lek in systeem"
    assert stored.description == "<script>alert('x')</script>\nregel 2"
    assert stored.reporter == "Jan <b>de Vries</b>"
    assert stored.cause == "Oorzaak & gevolg"


def test_occurred_and_discovered_at_the_same_moment_is_fine() -> None:
    moment = NOW - dt.timedelta(hours=3)
    incident = log(occurred_at=moment, discovered_at=moment)
    assert incident.occurred_at == incident.discovered_at == moment


# --- the register: filters, search, sorting, pages, scope --------------------------------------------

@pytest.fixture
def register() -> dict[str, Incident]:
    """Three DIE incidents and one of OA (references DIE-2026-0001..0003 and OA-2026-0001)."""
    a = log("DIE", title="Phishingmail bij Burgerzaken", description="Wachtwoorden ingevuld.",
            category="phishing", severity="hoog", is_datalek=True,
            discovered_at=dt.datetime(2026, 2, 10, 9, 0, tzinfo=UTC))
    b = log("DIE", title="Laptop kwijt in de trein", description="Versleuteld? 100% zeker niet.",
            category="apparaat_verloren_gestolen", severity="kritiek", is_datalek=True,
            discovered_at=dt.datetime(2026, 5, 5, 9, 0, tzinfo=UTC))
    c = log("DIE", title="Storing zaaksysteem", description="1000 dossiers onbereikbaar; rapport_2026.pdf.",
            category="onbeschikbaarheid", severity="laag", is_datalek=False,
            discovered_at=dt.datetime(2026, 8, 20, 9, 0, tzinfo=UTC))
    d = log("OA", title="phishing bij Ouder-Amstel", description="Zie rapportA2026, 1001 ontvangers.",
            category="phishing", severity="midden", is_datalek=False,
            discovered_at=dt.datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    move(b, Status.IN_BEHANDELING)
    move(c, Status.IN_BEHANDELING, Status.AFGEHANDELD)
    return {"A": a, "B": b, "C": c, "D": d}


@pytest.fixture
def control() -> User:
    return factories.user([("concern_control", "DUO")])


def found(user: User | None, register: dict[str, Incident], **criteria: Any) -> list[str]:
    page = services.list_incidents(user, services.IncidentFilter(**criteria), per_page=100)
    names = {incident.id: name for name, incident in register.items()}
    assert page.total == len(page.items)
    return [names[i.id] for i in page.items]


@pytest.mark.parametrize(("criteria", "expected"), [
    ({}, ["C", "B", "D", "A"]),                            # newest discovery first
    ({"organisation": "DIE"}, ["C", "B", "A"]),
    ({"organisation": "oa"}, ["D"]),
    ({"organisation": "UIT"}, []),
    ({"datalek": True}, ["B", "A"]),
    ({"datalek": False}, ["C", "D"]),
    ({"status": [Status.NIEUW]}, ["D", "A"]),
    ({"status": [Status.AFGEHANDELD, Status.IN_BEHANDELING]}, ["C", "B"]),
    ({"open_only": True}, ["B", "D", "A"]),
    ({"category": [Category.PHISHING]}, ["D", "A"]),
    ({"severity": [Severity.HOOG, Severity.KRITIEK]}, ["B", "A"]),
    ({"datalek": True, "severity": [Severity.HOOG]}, ["A"]),
])
def test_filters(register: dict[str, Incident], control: User, criteria: dict[str, Any],
                 expected: list[str]) -> None:
    assert found(control, register, **criteria) == expected


def test_period_filter_is_half_open(register: dict[str, Incident], control: User) -> None:
    q1 = quarter(2026, 1)
    assert found(control, register, discovered_from=q1.start, discovered_until=q1.end) == ["D", "A"]
    b = register["B"].discovered_at
    assert found(control, register, discovered_from=b) == ["C", "B"]
    assert found(control, register, discovered_until=b) == ["D", "A"]


@pytest.mark.parametrize(("q", "expected"), [
    ("phishing", ["D", "A"]),                      # title, case-insensitive
    ("PHISHING burgerzaken", ["A"]),               # every word must match
    ("burgerzaken phishing", ["A"]),
    ("wachtwoorden", ["A"]),                       # description
    ("die-2026-0002", ["B"]),                      # reference
    ("OA-2026", ["D"]),
    ("100%", ["B"]),                               # % is a percent sign, not a wildcard
    ("%", ["B"]),
    ("rapport_2026", ["C"]),                       # _ is an underscore, not any character
    ("_", ["C"]),
    ("kwijt treinen", []),
    ("   ", ["C", "B", "D", "A"]),
])
def test_search(register: dict[str, Incident], control: User, q: str, expected: list[str]) -> None:
    assert found(control, register, q=q) == expected


@pytest.mark.parametrize(("sort", "descending", "expected"), [
    ("severity", True, ["B", "A", "D", "C"]),      # kritiek, hoog, midden, laag
    ("severity", False, ["C", "D", "A", "B"]),
    ("reference", False, ["A", "B", "C", "D"]),    # DIE-2026-0001.. then OA-2026-0001
    ("reference", True, ["D", "C", "B", "A"]),
    ("discovered", False, ["A", "D", "B", "C"]),
    ("onzin", True, ["C", "B", "D", "A"]),         # unknown: by discovery
])
def test_sorting(register: dict[str, Incident], control: User, sort: str, descending: bool,
                 expected: list[str]) -> None:
    assert found(control, register, sort=sort, descending=descending) == expected


def test_incidents_without_severity_sort_lowest(register: dict[str, Incident], control: User) -> None:
    register["E"] = log("DIE", title="Nog niet ingeschaald")
    assert found(control, register, sort="severity")[-1] == "E"
    assert found(control, register, sort="severity", descending=False)[0] == "E"


def test_pagination(register: dict[str, Incident], control: User) -> None:
    flt = services.IncidentFilter(sort="reference", descending=False)
    first = services.list_incidents(control, flt, page=1, per_page=3)
    second = services.list_incidents(control, flt, page=2, per_page=3)
    beyond = services.list_incidents(control, flt, page=3, per_page=3)
    assert (first.total, first.pages, second.total) == (4, 2, 4)
    assert [i.reference for i in first.items] == ["DIE-2026-0001", "DIE-2026-0002", "DIE-2026-0003"]
    assert [i.reference for i in second.items] == ["OA-2026-0001"]
    assert beyond.items == [] and beyond.total == 4
    filtered = services.list_incidents(control, services.IncidentFilter(datalek=True), page=1, per_page=1)
    assert (filtered.total, filtered.pages, len(filtered.items)) == (2, 2, 1)
    assert services.list_incidents(control, services.IncidentFilter(organisation="UIT")).pages == 1


def test_verbindingsofficier_never_sees_another_organisation(register: dict[str, Incident]) -> None:
    officer = factories.user([("verbindingsofficier", "DIE")])
    assert found(officer, register) == ["C", "B", "A"]
    assert found(officer, register, organisation="OA") == []
    assert found(officer, register, q="phishing") == ["A"]
    assert found(officer, register, q="OA-2026-0001") == []
    assert found(officer, register, category=[Category.PHISHING]) == ["A"]


def test_concern_control_sees_every_organisation(register: dict[str, Incident], control: User) -> None:
    assert sorted(found(control, register)) == ["A", "B", "C", "D"]


def test_nobody_and_users_without_a_role_see_nothing(register: dict[str, Incident]) -> None:
    assert found(None, register) == []
    assert found(factories.user(), register) == []


# --- retention ---------------------------------------------------------------------------------------

def test_purge_removes_only_incidents_closed_before_the_boundary() -> None:
    author = factories.user([("verbindingsofficier", "DIE")])
    long_ago = dt.datetime(2021, 12, 1, tzinfo=UTC)
    closed_old = log(discovered_at=long_ago, now=long_ago)
    services.add_entry(author, closed_old, EntryKind.ACTION, "Ontvanger gebeld", now=long_ago)
    move(closed_old, Status.IN_BEHANDELING, Status.AFGEHANDELD, now=dt.datetime(2022, 1, 10, tzinfo=UTC))
    withdrawn_old = log(discovered_at=long_ago, now=long_ago)
    move(withdrawn_old, Status.INGETROKKEN, now=dt.datetime(2022, 6, 1, tzinfo=UTC))
    closed_recently = log(discovered_at=long_ago, now=long_ago)
    move(closed_recently, Status.IN_BEHANDELING, Status.AFGEHANDELD, now=dt.datetime(2025, 6, 1, tzinfo=UTC))
    open_old = log(discovered_at=long_ago, now=long_ago)
    move(open_old, Status.IN_BEHANDELING, now=dt.datetime(2022, 1, 1, tzinfo=UTC))
    reopened = log(discovered_at=long_ago, now=long_ago)
    move(reopened, Status.IN_BEHANDELING, Status.AFGEHANDELD, now=dt.datetime(2022, 1, 1, tzinfo=UTC))
    move(reopened, Status.IN_BEHANDELING, now=dt.datetime(2022, 2, 1, tzinfo=UTC), reason="heropend")
    old_ids = {closed_old.id: closed_old.reference, withdrawn_old.id: withdrawn_old.reference}

    boundary = dt.datetime(2023, 11, 22, tzinfo=UTC)
    listed = [i.reference for i in db.session.scalars(services.purgeable(boundary))]
    purged = services.purge(boundary, actor_label="test")
    db.session.commit()

    assert purged == listed == sorted(old_ids.values())
    remaining = set(db.session.scalars(select(Incident.reference)))
    assert remaining == {closed_recently.reference, open_old.reference, reopened.reference}
    assert db.session.scalar(select(func.count()).select_from(TimelineEntry)) == 0
    for incident_id, reference in old_ids.items():
        (event,) = audit_events(incident_id, "purge")
        assert event.actor_label == "test"
        assert json.loads(event.changes)["reference"] == {"before": reference, "after": None}
    report = audit.verify_chain()
    assert report.ok, report.problem


def test_purge_with_nothing_to_do() -> None:
    log()
    assert services.purge(NOW, actor_label="test") == []
    assert incident_count() == 1


# --- dashboard ------------------------------------------------------------------------------------------

def test_dashboard_counts_the_quarter_in_amsterdam_time() -> None:
    officer = factories.user([("verbindingsofficier", "DIE")])
    created = dt.datetime(2026, 4, 20, 12, 0, tzinfo=UTC)
    # 21:30 UTC on 31 March is 23:30 in Amsterdam: still Q1; 22:30 UTC is 00:30 on 1 April: Q2
    log(is_datalek=True, discovered_at=dt.datetime(2026, 3, 31, 21, 30, tzinfo=UTC), now=created)
    log(is_datalek=True, discovered_at=dt.datetime(2026, 3, 31, 22, 30, tzinfo=UTC), now=created)
    closed = log(is_datalek=False, discovered_at=dt.datetime(2026, 4, 15, 9, 0, tzinfo=UTC), now=created)
    move(closed, Status.IN_BEHANDELING, Status.AFGEHANDELD, now=created)
    log("OA", is_datalek=True, discovered_at=dt.datetime(2026, 4, 2, 9, 0, tzinfo=UTC), now=created)

    q2 = services.dashboard(officer, created)
    assert q2.quarter.label == "2026-Q2"
    assert q2.counts == {"incidents": 2, "datalekken": 1, "open_in_quarter": 1, "open_total": 2, "overdue": 0}

    q1 = services.dashboard(officer, dt.datetime(2026, 3, 31, 21, 45, tzinfo=UTC))
    assert q1.quarter.label == "2026-Q1"
    assert (q1.counts["incidents"], q1.counts["datalekken"]) == (1, 1)

    everyone = services.dashboard(factories.user([("concern_control", "DUO")]), created)
    assert (everyone.counts["incidents"], everyone.counts["datalekken"]) == (3, 2)


def test_dashboard_lists_open_datalekken_with_hours_left() -> None:
    officer = factories.user([("verbindingsofficier", "DIE")])
    now = dt.datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
    # 28 March 12:00 UTC → 30 March 12:00 UTC: 48 elapsed hours across the spring change
    # (wall clock in Amsterdam: 13:00 CET → 14:00 CEST, 49 hours), so 24 hours are left
    across_dst = log(is_datalek=True, discovered_at=dt.datetime(2026, 3, 28, 12, 0, tzinfo=UTC), now=now)
    recent = log(is_datalek=True, discovered_at=dt.datetime(2026, 3, 30, 2, 0, tzinfo=UTC), now=now)
    overdue = log(is_datalek=True, discovered_at=dt.datetime(2026, 3, 25, 0, 0, tzinfo=UTC), now=now)
    log(is_datalek=False, discovered_at=dt.datetime(2026, 3, 29, tzinfo=UTC), now=now)
    closed = log(is_datalek=True, discovered_at=dt.datetime(2026, 3, 29, tzinfo=UTC), now=now)
    move(closed, Status.INGETROKKEN, now=now, reason="geen persoonsgegevens")
    log("OA", is_datalek=True, discovered_at=dt.datetime(2026, 3, 29, tzinfo=UTC), now=now)

    rows = breaches.overview(officer, now, include_closed=False)
    listed = [(row.incident.reference, row.deadline, round(row.hours_left, 6)) for row in rows]
    assert listed == [
        (overdue.reference, dt.datetime(2026, 3, 28, 0, 0, tzinfo=UTC), -60.0),
        (across_dst.reference, dt.datetime(2026, 3, 31, 12, 0, tzinfo=UTC), 24.0),
        (recent.reference, dt.datetime(2026, 4, 2, 2, 0, tzinfo=UTC), 62.0),
    ]


def test_dashboard_shows_my_open_incidents() -> None:
    officer = factories.user([("verbindingsofficier", "DIE")])
    mine = log(actor=officer, is_datalek=False)
    move(mine, Status.IN_BEHANDELING)
    someone_elses_new = log(is_datalek=False)
    someone_elses_in_progress = log(is_datalek=False)
    move(someone_elses_in_progress, Status.IN_BEHANDELING)
    log("OA", is_datalek=False)
    board = services.dashboard(officer, NOW)
    assert {i.reference for i in board.my_open} == {mine.reference, someone_elses_new.reference}
