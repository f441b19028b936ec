"""Target handling times (issue 22, item 1): the overdue computation (elapsed hours from awareness,
across the DST change, inherited from the parent), the list badge, the start page and the
beheerder's editing on the organisation page."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from bio_register.audit.models import AuditEvent
from bio_register.database import utcnow
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.incidents import sla
from bio_register.incidents.models import Incident, Severity
from bio_register.timeutil import to_utc
from tests import factories
from tests.conftest import csrf_token, login


def _overdue(now: dt.datetime) -> set[str]:
    return set(db.session.scalars(select(Incident.reference).where(sla.overdue_clause(now))))


def _beheerder(code: str = "DUO") -> Any:
    return factories.user([("beheerder", code)])


def test_defaults_apply_per_severity_to_open_incidents_only() -> None:
    now = utcnow()
    late_high = factories.incident(severity="hoog", discovered_at=now - dt.timedelta(days=5, hours=1))
    fresh_high = factories.incident(severity="hoog", discovered_at=now - dt.timedelta(days=4, hours=23))
    late_low = factories.incident(severity="laag", discovered_at=now - dt.timedelta(days=61))
    in_time_low = factories.incident(severity="laag", discovered_at=now - dt.timedelta(days=59))
    closed = factories.incident(severity="kritiek", discovered_at=now - dt.timedelta(days=9), status="afgehandeld")
    no_severity = factories.incident(discovered_at=now - dt.timedelta(days=300))
    found = _overdue(now)
    assert {late_high.reference, late_low.reference} <= found
    assert not {fresh_high.reference, in_time_low.reference, closed.reference, no_severity.reference} & found
    assert sla.targets_for(factories.organisation("DIE")).source == sla.DEFAULT


def test_counted_from_awareness_when_the_fg_recorded_it() -> None:
    now = utcnow()
    item = factories.incident(severity="kritiek", is_datalek=True, discovered_at=now - dt.timedelta(days=3))
    assert item.reference in _overdue(now)
    factories.assess(item, aware_at=now - dt.timedelta(hours=30))  # aware later than the discovery
    assert item.reference not in _overdue(now)
    assert sla.elapsed_hours(item, now) == pytest.approx(30)


def test_a_day_is_24_elapsed_hours_across_the_autumn_dst_change() -> None:
    # Saturday 24 October 2026 12:00 summer time; the clocks go back on Sunday 25 October
    discovered = to_utc(dt.datetime(2026, 10, 24, 12, 0))
    item = factories.incident(severity="kritiek", discovered_at=discovered)  # target: 2 days = 48 hours
    # Monday 11:30 winter time: 47.5 hours on the wall clock, 48.5 elapsed hours: overdue
    assert item.reference in _overdue(to_utc(dt.datetime(2026, 10, 26, 11, 30)))
    # Monday 10:30 winter time: 47.5 elapsed hours: not yet
    assert item.reference not in _overdue(to_utc(dt.datetime(2026, 10, 26, 10, 30)))


def test_inherited_from_the_parent_until_the_organisation_sets_its_own() -> None:
    now = utcnow()
    item = factories.incident("DIE", severity="kritiek", discovered_at=now - dt.timedelta(hours=30))
    assert item.reference not in _overdue(now)                       # default 2 days
    duo, die = factories.organisation("DUO"), factories.organisation("DIE")
    sla.set_targets(_beheerder(), duo, {"kritiek": "1", "hoog": "3", "midden": "10", "laag": "30"})
    targets = sla.targets_for(die)
    assert targets.source == sla.PARENT and targets.parent is duo and targets.days[Severity.KRITIEK] == 1
    assert item.reference in _overdue(now)                           # DUO's 1 day
    sla.set_targets(_beheerder(), die, {"kritiek": 3, "hoog": 5, "midden": 20, "laag": 60})
    assert sla.targets_for(die).source == sla.OWN
    assert item.reference not in _overdue(now)                       # DIE's own 3 days
    sla.inherit_targets(_beheerder(), die)
    assert item.reference in _overdue(now)


@pytest.mark.parametrize(("value", "message"), [
    ("0", "Kies een streeftijd van 1 tot en met 365 dagen."),
    ("-3", "Kies een streeftijd van 1 tot en met 365 dagen."),
    ("366", "Kies een streeftijd van 1 tot en met 365 dagen."),
    ("2,5", "Vul een geheel aantal dagen in."),
    ("", "Vul een geheel aantal dagen in."),
])
def test_bad_targets_are_refused_with_a_dutch_message(value: str, message: str) -> None:
    values = {"kritiek": "2", "hoog": value, "midden": "20", "laag": "60"}
    with pytest.raises(ValidationFailed) as caught:
        sla.set_targets(_beheerder(), factories.organisation("DIE"), values)
    assert caught.value.errors == {"hoog": [message]}


# --- the pages --------------------------------------------------------------------------------------

def test_the_list_marks_overdue_incidents_in_its_one_query(client: FlaskClient, count_queries: Any) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    login(client, vo.email, factories.PASSWORD)
    now = utcnow()
    factories.incident(severity="hoog", title="Op tijd", discovered_at=now - dt.timedelta(days=1))
    with count_queries() as few:
        html = client.get("/incidenten").get_data(as_text=True)
    assert "over streeftijd" not in html
    for _ in range(5):
        factories.incident(severity="hoog", title="Te lang open", discovered_at=now - dt.timedelta(days=6))
    with count_queries() as many:
        html = client.get("/incidenten").get_data(as_text=True)
    assert many.count == few.count, many.statements
    assert html.count("over streeftijd") == 5


def test_the_start_page_counts_and_lists_overdue_incidents(client: FlaskClient) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    login(client, vo.email, factories.PASSWORD)
    factories.incident("DIE", severity="midden", title="Blijft liggen", discovered_at=utcnow() - dt.timedelta(days=21))
    factories.incident("UIT", severity="midden", title="Elders", discovered_at=utcnow() - dt.timedelta(days=21))
    html = client.get("/").get_data(as_text=True)
    assert "Over de streeftijd" in html and "Blijft liggen" in html and "Elders" not in html
    assert "1 open incident staat langer open dan de streeftijd" in html


def test_the_start_page_shows_the_overdue_block_to_those_who_handle_incidents(client: FlaskClient) -> None:
    """Concern control reads every organisation but handles no incident: the quarterly report, not
    the start page, tells them (the condition is too costly to run over every open incident)."""
    factories.incident("DIE", severity="midden", title="Blijft liggen", discovered_at=utcnow() - dt.timedelta(days=21))
    reader = factories.user([("concern_control", "DIE")])
    login(client, reader.email, factories.PASSWORD)
    html = client.get("/").get_data(as_text=True)
    assert 'id="sla-heading"' not in html and "langer open dan de streeftijd" not in html


def test_the_beheerder_edits_the_targets_on_the_organisation_page(client: FlaskClient) -> None:
    beheerder = _beheerder()
    factories.organisation("DIE"), factories.organisation("OA")
    login(client, beheerder.email, factories.PASSWORD)
    html = client.get("/organisaties/DIE").get_data(as_text=True)
    assert "De standaardwaarden" in html and "2 dagen" in html
    token = csrf_token(client, "/organisaties/DIE")
    response = client.post("/organisaties/DIE/streeftijden", data={
        "csrf_token": token, "kritiek": "1", "hoog": "4", "midden": "15", "laag": "45"})
    assert response.status_code == 302
    html = client.get("/organisaties/DIE").get_data(as_text=True)
    assert "Eigen streeftijden van deze organisatie." in html and "1 dag<" in html
    die = factories.organisation("DIE")
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity == "organisation", AuditEvent.entity_id == str(die.id),
        AuditEvent.action == "handling_targets")).one()
    changes = json.loads(event.changes)
    assert changes["handling_target_kritiek"] == {"before": 2, "after": 1}
    assert changes["handling_target_source"] == {"before": "default", "after": "own"}
    # bad input: 422 with the message at the field, nothing saved
    response = client.post("/organisaties/DIE/streeftijden", data={
        "csrf_token": token, "kritiek": "0", "hoog": "4", "midden": "15", "laag": "45"})
    assert response.status_code == 422
    assert "Kies een streeftijd van 1 tot en met 365 dagen." in response.get_data(as_text=True)
    assert sla.targets_for(die).days[Severity.KRITIEK] == 1
    # back to inheriting
    client.post("/organisaties/DIE/streeftijden", data={
        "csrf_token": token, "kritiek": "1", "hoog": "4", "midden": "15", "laag": "45", "overnemen": "1"})
    assert sla.targets_for(die).source == sla.DEFAULT
    assert "Overgenomen van" not in client.get("/organisaties/OA").get_data(as_text=True)


@pytest.mark.parametrize(("role", "code", "status"), [
    ("verbindingsofficier", "DIE", 403),   # reads the organisation, does not manage it
    ("ciso", "DIE", 403),
    ("verbindingsofficier", "UIT", 404),   # does not read DIE at all
])
def test_others_cannot_change_the_targets(client: FlaskClient, role: str, code: str, status: int) -> None:
    factories.organisation("DIE")
    user = factories.user([(role, code)])
    login(client, user.email, factories.PASSWORD)
    token = csrf_token(client, "/")
    response = client.post("/organisaties/DIE/streeftijden", data={
        "csrf_token": token, "kritiek": "1", "hoog": "4", "midden": "15", "laag": "45"})
    assert response.status_code == status
    assert sla.targets_for(factories.organisation("DIE")).source == sla.DEFAULT


def test_the_start_page_query_count_does_not_grow_with_overdue_incidents(client: FlaskClient,
                                                                        count_queries: Any) -> None:
    vo = factories.user([("verbindingsofficier", "DIE")])
    login(client, vo.email, factories.PASSWORD)
    factories.incident(severity="kritiek", discovered_at=utcnow() - dt.timedelta(days=3))
    client.get("/")  # the start page's chart keeps its past quarters for a while: the same for both counts
    with count_queries() as few:
        assert client.get("/").status_code == 200
    for _ in range(12):
        factories.incident(severity="kritiek", discovered_at=utcnow() - dt.timedelta(days=3))
    with count_queries() as many:
        html = client.get("/").get_data(as_text=True)
    assert many.count == few.count, many.statements
    assert "13 open incidenten staan langer open dan de streeftijd" in html
