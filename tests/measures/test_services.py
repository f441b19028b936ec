"""The measures' rules, at the service level (no HTTP)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bio_register.audit.models import AuditEvent
from bio_register.errors import Conflict, ValidationFailed
from bio_register.extensions import db
from bio_register.measures import services
from bio_register.measures.models import Measure, MeasureStatus
from bio_register.permissions import Permission
from tests import factories
from tests.measures.conftest import CATALOG, add_controls

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
S = MeasureStatus


def create(org: str = "DIE", *, now: dt.datetime = NOW, actor: Any = None, **data: Any) -> Measure:
    measure = services.create_measure(actor, factories.organisation(org), {"title": "MFA op VPN", **data}, now=now,
                                      actor_label=None if actor else "test")
    db.session.commit()
    return measure


def measure_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Measure)) or 0


def audit_events(measure_id: int, action: str | None = None) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.entity == "measure", AuditEvent.entity_id == str(measure_id))
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(db.session.scalars(stmt.order_by(AuditEvent.seq)))


# --- creating ------------------------------------------------------------------------------------------

def test_create_with_owner_due_date_and_links_is_audited(controls) -> None:
    incident = factories.incident("DIE")
    measure = create(description="Voor alle medewerkers", owner="Teamleider ICT", due_date=dt.date(2026, 12, 31),
                     incidents=[incident.id], controls=[(CATALOG, "5.24.03"), controls["5.25"].id])
    assert measure.status == S.GEPLAND and measure.version == 1 and measure.created_at == NOW
    assert [i.id for i in measure.incidents] == [incident.id]
    assert sorted(c.code for c in measure.controls) == ["5.24.03", "5.25"]
    (event,) = audit_events(measure.id, "create")
    changes = json.loads(event.changes)
    assert changes["title"] == {"before": None, "after": "MFA op VPN"}
    assert changes["due_date"] == {"before": None, "after": "2026-12-31"}
    assert changes["incidents"]["after"] == [incident.reference]
    assert changes["controls"]["after"] == [f"{CATALOG} 5.24.03", f"{CATALOG} 5.25"]
    assert changes["organisation"]["after"] == "DIE"


@pytest.mark.parametrize(("data", "field"), [
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"owner": "x" * 201}, "owner"),
    ({"description": "x" * 20_001}, "description"),
    ({"due_date": "2026-12-01"}, "due_date"),                 # a string, not a date
    ({"due_date": NOW}, "due_date"),                          # a moment, not a day
    ({"status": "gereed"}, "status"),                         # not a create field
    ({"incidents": "DIE-2026-0001"}, "incidents"),           # not a list
])
def test_bad_input_is_refused_and_nothing_is_saved(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        create(**data)
    assert field in error.value.errors
    db.session.rollback()
    assert measure_count() == 0


def test_due_before_creation_is_refused_with_a_clear_message_and_nothing_saved() -> None:
    with pytest.raises(ValidationFailed) as error:
        create(due_date=dt.date(2026, 11, 21))
    assert error.value.errors["due_date"] == [
        "Een maatregel kan niet eerder klaar moeten zijn dan hij is aangemaakt (22-11-2026)."]
    db.session.rollback()
    assert measure_count() == 0
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "measure")).all()


def test_due_on_the_day_of_creation_in_amsterdam_is_fine() -> None:
    # 23:30 UTC on 21 November is already 22 November in Amsterdam
    measure = create(now=dt.datetime(2026, 11, 21, 23, 30, tzinfo=UTC), due_date=dt.date(2026, 11, 22))
    assert measure.due_date == dt.date(2026, 11, 22)
    with pytest.raises(ValidationFailed):
        create(now=dt.datetime(2026, 11, 21, 23, 30, tzinfo=UTC), due_date=dt.date(2026, 11, 21))


def test_all_problems_are_reported_at_once(controls) -> None:
    with pytest.raises(ValidationFailed) as error:
        create(title="", due_date=dt.date(2020, 1, 1), incidents=[999_999], controls=[(CATALOG, "9.99")])
    assert set(error.value.errors) == {"title", "due_date", "incidents", "controls"}


def test_an_incident_of_another_organisation_cannot_be_linked() -> None:
    other = factories.incident("UIT")
    with pytest.raises(ValidationFailed) as error:
        create("DIE", incidents=[other.id])
    assert list(error.value.errors) == ["incidents"]
    # the same message as for one that does not exist: nothing about UIT is revealed
    assert error.value.errors["incidents"] == [
        f"Incident {other.id} bestaat niet of hoort niet bij deze organisatie."]
    db.session.rollback()
    assert measure_count() == 0


def test_an_incident_the_actor_cannot_read_cannot_be_linked() -> None:
    ciso_uit = factories.user([("ciso", "UIT")])
    incident = factories.incident("DIE")
    with pytest.raises(ValidationFailed) as error:
        # only a misuse of the service could get here (the views check MEASURE_WRITE first)
        create("DIE", actor=ciso_uit, incidents=[incident.id])
    assert "incidents" in error.value.errors


def test_incidents_by_reference_are_linked_once() -> None:
    incident = factories.incident("DIE")
    measure = create(incidents=[incident.reference.lower(), incident.id])
    assert [i.id for i in measure.incidents] == [incident.id]


@pytest.mark.parametrize(("ref", "message"), [
    ((CATALOG, "9.99.99"), f"Nummer „9.99.99” komt niet voor in catalogus {CATALOG}."),
    (("BIO-9.9", "5.24"), "Onbekende catalogus „BIO-9.9”."),
    (("", "5.24"), "Geef bij een beheersmaatregel zowel de catalogus als het nummer."),
    (123_456, "Beheersmaatregel of overheidsmaatregel 123456 bestaat niet."),
    ({"catalogus": CATALOG}, "Geef een beheersmaatregel met catalogus en nummer."),
])
def test_an_unknown_control_is_refused_with_a_clear_message(controls, ref: Any, message: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        create(controls=[ref])
    assert error.value.errors == {"controls": [message]}
    db.session.rollback()
    assert measure_count() == 0


def test_control_codes_are_per_catalog_and_the_key_is_case_insensitive(controls) -> None:
    other = add_controls("BIO-1.04", ("5.24",))
    measure = create(controls=[(CATALOG.lower(), "5.24"), {"catalog": "bio-1.04", "code": " 5.24 "}])
    assert {c.id for c in measure.controls} == {controls["5.24"].id, other["5.24"].id}


# --- editing and optimistic locking ---------------------------------------------------------------------

def test_update_bumps_the_version_and_audits_only_the_changes(controls) -> None:
    incident = factories.incident("DIE")
    measure = create(owner="Jan", incidents=[incident.id])
    services.update_measure(None, measure, {"title": "MFA op VPN", "owner": "Marieke",
                                            "controls": [(CATALOG, "5.24")]}, expected_version=1, now=NOW)
    db.session.commit()
    db.session.expire_all()
    assert measure.version == 2 and measure.owner == "Marieke"
    assert [i.id for i in measure.incidents] == [incident.id]   # not given: unchanged
    changes = json.loads(audit_events(measure.id, "update")[-1].changes)
    assert changes == {"owner": {"before": "Jan", "after": "Marieke"},
                       "controls": {"before": [], "after": [f"{CATALOG} 5.24"]}}


def test_update_without_changes_keeps_the_version() -> None:
    measure = create(title="Titel")
    services.update_measure(None, measure, {"title": " Titel  "}, expected_version=1, now=NOW)
    db.session.commit()
    assert measure.version == 1 and audit_events(measure.id, "update") == []


def test_update_with_a_stale_version_is_a_conflict_and_changes_nothing() -> None:
    measure = create(title="Eerste")
    services.update_measure(None, measure, {"title": "Tweede"}, expected_version=1, now=NOW)
    db.session.commit()
    with pytest.raises(Conflict) as conflict:
        services.update_measure(None, measure, {"title": "Derde"}, expected_version=1, now=NOW)
    assert conflict.value.field == "version" and conflict.value.status_code == 409
    db.session.rollback()
    db.session.expire_all()
    assert (measure.title, measure.version) == ("Tweede", 2)


def test_update_that_loses_a_race_in_the_database_is_a_conflict() -> None:
    measure = create(title="Oud")
    db.session.execute(update(Measure).where(Measure.id == measure.id)
                       .values(title="Van iemand anders", version=Measure.version + 1)
                       .execution_options(synchronize_session=False))
    with pytest.raises(Conflict):
        services.update_measure(None, measure, {"title": "Mijn titel"}, expected_version=1, now=NOW)
    db.session.rollback()
    assert audit_events(measure.id, "update") == []


def test_due_date_can_move_but_not_before_the_creation_day() -> None:
    measure = create(now=NOW - dt.timedelta(days=10))
    created_on = (NOW - dt.timedelta(days=10)).date()
    services.update_measure(None, measure, {"due_date": created_on + dt.timedelta(days=2)}, 1, now=NOW)
    with pytest.raises(ValidationFailed) as error:
        services.update_measure(None, measure, {"due_date": created_on - dt.timedelta(days=1)}, 2, now=NOW)
    assert "eerder klaar moeten zijn dan hij is aangemaakt" in error.value.errors["due_date"][0]


def test_update_refuses_unknown_fields_and_a_foreign_incident() -> None:
    measure = create()
    with pytest.raises(ValidationFailed) as error:
        services.update_measure(None, measure, {"status": "gereed", "organisation_id": 2}, 1, now=NOW)
    assert set(error.value.errors) == {"status", "organisation_id"}
    with pytest.raises(ValidationFailed) as error:
        services.update_measure(None, measure, {"incidents": [factories.incident("UIT").id]}, 1, now=NOW)
    assert "incidents" in error.value.errors
    assert measure.incidents == []


def test_link_and_unlink_bump_the_version_and_are_audited(controls) -> None:
    incident = factories.incident("DIE")
    measure = create()
    services.link_incident(None, measure, incident, now=NOW)
    services.link_incident(None, measure, incident.reference, now=NOW)     # already linked: no-op
    services.link_control(None, measure, services.ControlRef(CATALOG, "5.24.03"), now=NOW)
    db.session.commit()
    assert measure.version == 3
    assert [i.id for i in measure.incidents] == [incident.id] and [c.code for c in measure.controls] == ["5.24.03"]
    services.unlink_incident(None, measure, incident, now=NOW)
    services.unlink_control(None, measure, controls["5.24.03"], expected_version=4, now=NOW)
    db.session.commit()
    assert measure.incidents == [] and measure.controls == [] and measure.version == 5
    assert [e.action for e in audit_events(measure.id)] == ["create", "link", "link", "unlink", "unlink"]
    with pytest.raises(ValidationFailed) as error:
        services.link_control(None, measure, (CATALOG, "0.00"), now=NOW)
    assert "controls" in error.value.errors
    with pytest.raises(ValidationFailed):
        services.link_incident(None, measure, factories.incident("UIT"), now=NOW)
    with pytest.raises(Conflict):
        services.link_incident(None, measure, incident, expected_version=1, now=NOW)


# --- status -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    [S.IN_UITVOERING, S.GEREED],
    [S.VERVALLEN],
    [S.IN_UITVOERING, S.VERVALLEN],
    [S.IN_UITVOERING, S.GEREED, S.IN_UITVOERING, S.GEREED],   # reopen
])
def test_allowed_transitions(path: list[MeasureStatus]) -> None:
    measure = create()
    for status in path:
        services.change_status(None, measure, status, measure.version, now=NOW)
    assert measure.status == path[-1]


@pytest.mark.parametrize(("before", "target"), [
    ([], S.GEREED),                                    # gepland → gereed: first start it
    ([], S.GEPLAND),
    ([S.IN_UITVOERING], S.GEPLAND),
    ([S.IN_UITVOERING, S.GEREED], S.VERVALLEN),
    ([S.IN_UITVOERING, S.GEREED], S.GEPLAND),
    ([S.VERVALLEN], S.IN_UITVOERING),                  # vervallen is final
    ([S.VERVALLEN], S.GEREED),
])
def test_refused_transitions(before: list[MeasureStatus], target: MeasureStatus) -> None:
    measure = create()
    for status in before:
        services.change_status(None, measure, status, measure.version, now=NOW)
    current, version = measure.status, measure.version
    with pytest.raises(ValidationFailed) as error:
        services.change_status(None, measure, target, measure.version, now=NOW)
    assert error.value.field == "status" and "kan een maatregel niet naar" in error.value.message
    assert (measure.status, measure.version) == (current, version)


def test_unknown_status_and_stale_version_are_refused() -> None:
    measure = create()
    with pytest.raises(ValidationFailed):
        services.change_status(None, measure, "klaar", 1, now=NOW)
    with pytest.raises(Conflict):
        services.change_status(None, measure, S.IN_UITVOERING, 7, now=NOW)


def test_completed_at_is_set_on_gereed_and_cleared_on_reopen() -> None:
    measure = create()
    later = NOW + dt.timedelta(days=3)
    services.change_status(None, measure, S.IN_UITVOERING, 1, now=NOW)
    services.change_status(None, measure, S.GEREED, 2, reason="Uitgerold", now=later)
    assert measure.completed_at == later
    services.change_status(None, measure, S.IN_UITVOERING, 3, now=later)
    assert measure.completed_at is None
    db.session.commit()
    events = audit_events(measure.id)
    assert [e.action for e in events] == ["create", "status", "status", "reopen"]
    gereed = json.loads(events[2].changes)
    assert gereed["status"] == {"before": "in_uitvoering", "after": "gereed"}
    assert gereed["reason"]["after"] == "Uitgerold" and gereed["completed_at"]["after"]


# --- overdue, in Amsterdam time -------------------------------------------------------------------------

def test_today_is_the_amsterdam_date() -> None:
    # 23:30 UTC is 00:30 the next day in winter, and 22:30 UTC is 00:30 the next day in summer
    assert services.local_today(dt.datetime(2026, 11, 20, 23, 30, tzinfo=UTC)) == dt.date(2026, 11, 21)
    assert services.local_today(dt.datetime(2026, 6, 30, 22, 30, tzinfo=UTC)) == dt.date(2026, 7, 1)
    assert services.local_today(dt.datetime(2026, 6, 30, 21, 30, tzinfo=UTC)) == dt.date(2026, 6, 30)


def test_due_yesterday_is_overdue_due_today_is_not() -> None:
    created = dt.datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
    now = dt.datetime(2026, 11, 20, 23, 30, tzinfo=UTC)          # 21 November in Amsterdam, 20th in UTC
    today = services.local_today(now)
    yesterday = create(now=created, due_date=dt.date(2026, 11, 20))
    due_today = create(now=created, due_date=dt.date(2026, 11, 21))
    no_date = create(now=created)
    assert services.is_overdue(yesterday, today)
    assert not services.is_overdue(due_today, today)
    assert not services.is_overdue(no_date, today)
    for status in (S.IN_UITVOERING, S.GEREED):
        services.change_status(None, yesterday, status, yesterday.version, now=now)
    assert not services.is_overdue(yesterday, today)              # done is never late


# --- queries --------------------------------------------------------------------------------------------

def test_lists_are_scoped_and_filtered(controls) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    cc = factories.user([("concern_control", "DUO")])
    incident = factories.incident("DIE")
    created = NOW - dt.timedelta(days=30)
    late = create("DIE", now=created, title="Laat", due_date=dt.date(2026, 11, 1), incidents=[incident.id])
    on_time = create("DIE", now=created, title="Op tijd", due_date=dt.date(2026, 12, 1), owner="Piet Jansen",
                     controls=[(CATALOG, "5.24")])
    done = create("DIE", now=created, title="Klaar", due_date=dt.date(2026, 11, 1))
    for status in (S.IN_UITVOERING, S.GEREED):
        services.change_status(None, done, status, done.version, now=NOW)
    uit = create("UIT", now=created, title="Uithoorn", due_date=dt.date(2026, 11, 2))
    db.session.commit()
    today = NOW.date()

    def titles(user: Any, **flt: Any) -> list[str]:
        page = services.list_measures(user, services.MeasureFilter(**flt), today=today)
        assert page.total == len(page.items)
        return [m.title for m in page.items]

    # open ones first, by due date; closed ones last
    assert titles(vo) == ["Laat", "Op tijd", "Klaar"]
    assert titles(cc) == ["Laat", "Uithoorn", "Op tijd", "Klaar"]
    assert titles(factories.user([])) == []
    assert titles(vo, overdue_only=True) == ["Laat"]
    assert titles(cc, overdue_only=True) == ["Laat", "Uithoorn"]
    assert titles(vo, status=[S.GEREED]) == ["Klaar"]
    assert titles(vo, open_only=True) == ["Laat", "Op tijd"]
    assert titles(vo, incident_id=incident.id) == ["Laat"]
    assert titles(vo, control_id=controls["5.24"].id) == ["Op tijd"]
    assert titles(vo, q="JANSEN") == ["Op tijd"]
    assert titles(cc, organisation="uit") == ["Uithoorn"]
    assert titles(vo, organisation="UIT") == []
    assert [m.id for m in services.overdue_measures(cc, today)] == [late.id, uit.id]
    assert [m.id for m in services.overdue_measures(vo, today)] == [late.id]
    assert services.for_incident(vo, incident) == [late]
    assert services.for_incident(factories.user([("verbindingsofficier", "UIT")]), incident) == []
    assert on_time in services.list_measures(vo, services.MeasureFilter(), 1, 2, today=today).items


def test_get_measure_is_scoped() -> None:
    from bio_register.errors import NotFound

    measure = create("UIT")
    with pytest.raises(NotFound):
        services.get_measure(factories.user([("verbindingsofficier", "DIE")]), measure.id)
    with pytest.raises(NotFound):
        services.get_measure(factories.user([("fg", "UIT")]), measure.id, Permission.MEASURE_WRITE)
    assert services.get_measure(factories.user([("fg", "UIT")]), measure.id) == measure
    assert services.get_measure(factories.user([("concern_control", "DUO")]), measure.id) == measure


def test_purging_a_linked_incident_keeps_the_measure() -> None:
    from bio_register.incidents import services as incidents

    incident = factories.incident("DIE", status="afgehandeld")
    measure = create(incidents=[incident.id])
    purged = incidents.purge(incident.closed_at + dt.timedelta(seconds=1), actor_label="test")
    db.session.commit()
    db.session.expire_all()
    assert purged == [incident.reference]
    assert db.session.get(Measure, measure.id).incidents == []


def test_ids_beyond_the_database_range_are_unknown_not_an_error() -> None:
    with pytest.raises(ValidationFailed) as error:
        create(incidents=[2**31, 10**20], controls=[2**40])
    assert set(error.value.errors) == {"incidents", "controls"}
    flt = services.MeasureFilter(incident_id=10**20, control_id=2**31)
    assert services.list_measures(factories.user([("concern_control", "DUO")]), flt).items == []


def test_a_due_date_after_2099_is_refused() -> None:
    with pytest.raises(ValidationFailed) as error:
        create(due_date=dt.date(2100, 1, 1))
    assert error.value.errors["due_date"] == ["Kies een datum vóór 2100."]


def test_control_characters_in_typed_references_are_ignored(controls) -> None:
    incident = factories.incident("DIE")
    measure = create(incidents=[incident.reference.replace("-", "-\x00", 1)], controls=[(CATALOG + "\x00", "5.2\x004")])
    assert [i.id for i in measure.incidents] == [incident.id] and [c.code for c in measure.controls] == ["5.24"]
