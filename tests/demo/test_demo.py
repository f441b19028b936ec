"""The demo year of incidents: realistic, complete and created through the services only."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter

import pytest
from flask import Flask
from sqlalchemy import func, select

from bio_register.accounts.models import User
from bio_register.audit.models import AuditEvent
from bio_register.audit.services import verify_chain
from bio_register.breaches import services as breaches
from bio_register.demo import incidents as demo
from bio_register.demo.plan import RECENT_NEAR_DEADLINE, plan_year
from bio_register.demo.scenarios import SCENARIOS
from bio_register.extensions import db
from bio_register.incidents.models import Incident, Status, TimelineEntry
from tests import dbutil, factories

NOW = dt.datetime(2026, 4, 1, 9, 30, tzinfo=dt.UTC)
CODES = ("DIE", "OA", "UIT")
REFERENCE = re.compile(r"^(DIE|OA|UIT)-\d{4}-\d{4}$")


@pytest.fixture
def demo_users(app: Flask) -> dict[str, User]:
    people = [
        factories.user([("verbindingsofficier", "DIE")], email="verbindingsofficier@demo.bio-register.nl"),
        factories.user([("verbindingsofficier", "UIT")],
                       email="verbindingsofficier.uithoorn@demo.bio-register.nl"),
        factories.user([("fg", code) for code in CODES], email="fg@demo.bio-register.nl"),
        factories.user([("ciso", code) for code in CODES], email="ciso@demo.bio-register.nl"),
    ]
    return {u.email: u for u in people}


@pytest.fixture
def incidents(demo_users: dict[str, User]) -> list[Incident]:
    organisations = [factories.organisation(code) for code in CODES]
    created = demo.create_demo_incidents(organisations, demo_users, now=NOW)
    db.session.commit()
    items = list(db.session.scalars(select(Incident).order_by(Incident.id)))
    assert created == len(items)
    return items


def by_code(items: list[Incident]) -> dict[str, list[Incident]]:
    grouped: dict[str, list[Incident]] = {code: [] for code in CODES}
    for incident in items:
        grouped[incident.organisation.code].append(incident)
    return grouped


def test_each_municipality_gets_a_realistic_year(incidents: list[Incident]) -> None:
    for code, items in by_code(incidents).items():
        assert 25 <= len(items) <= 35, code
        share = sum(i.is_datalek for i in items) / len(items)
        assert 0.50 <= share <= 0.75, (code, share)
        assert all(REFERENCE.match(i.reference) and i.reference.startswith(f"{code}-") for i in items)
    assert len({i.reference for i in incidents}) == len(incidents)
    assert len({i.category for i in incidents}) >= 6
    assert {i.status for i in incidents} == set(Status)
    # e-mail to the wrong recipient is the most common cause of a datalek
    causes = Counter(i.category.value for i in incidents if i.is_datalek)
    assert causes.most_common(1)[0][0] == "email_verkeerde_ontvanger"

    # all in the past year, in a plausible order
    year_ago = NOW - dt.timedelta(days=365)
    for incident in incidents:
        assert year_ago <= incident.discovered_at <= NOW, incident.reference
        assert incident.occurred_at is None or incident.occurred_at <= incident.discovered_at
        assert incident.discovered_at <= incident.created_at <= incident.updated_at <= NOW
        assert incident.year == int(incident.reference.split("-")[1])
        if incident.status in (Status.AFGEHANDELD, Status.INGETROKKEN):
            assert incident.created_at < incident.closed_at <= NOW
        else:
            assert incident.closed_at is None

    # an open datalek with a running AP clock in each municipality
    for code, items in by_code(incidents).items():
        running = [i for i in items if i.is_datalek and i.is_open
                   and NOW - i.discovered_at < dt.timedelta(hours=72)]
        assert running, code
    # most of the old ones are closed
    old = [i for i in incidents if NOW - i.discovered_at > dt.timedelta(days=60)]
    assert sum(i.status is Status.AFGEHANDELD for i in old) / len(old) > 0.75


def test_timeline_closing_texts_audit_and_actors(incidents: list[Incident],
                                                 demo_users: dict[str, User]) -> None:
    fg = demo_users["fg@demo.bio-register.nl"]
    for incident in incidents:
        entries = incident.entries
        assert 1 <= len(entries) <= 4, incident.reference
        for entry in entries:
            assert incident.discovered_at <= entry.occurred_at <= NOW
            assert entry.occurred_at <= entry.created_at + dt.timedelta(seconds=1)
            assert entry.text.strip()
            if entry.kind.value == "besluit" and incident.is_datalek:
                assert entry.author_id == fg.id
        if incident.status is Status.AFGEHANDELD:
            assert incident.cause and incident.lessons_learned, incident.reference
        assert incident.reporter and incident.severity is not None
    # Dutch texts from 25+ scenarios, no naked placeholders left
    assert len({s.title for s in SCENARIOS}) >= 25
    assert not any("{" in i.title + i.description + (i.reporter or "") for i in incidents)

    # created through the services: audited, by the right verbindingsofficier
    creates = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == "incident", AuditEvent.action == "create"))
    assert creates == len(incidents)
    entry_events = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == "timeline_entry", AuditEvent.action == "create"))
    assert entry_events == db.session.scalar(select(func.count()).select_from(TimelineEntry))
    withdrawn = [i for i in incidents if i.status is Status.INGETROKKEN]
    for incident in withdrawn:
        reasons = db.session.scalars(select(AuditEvent.changes).where(
            AuditEvent.entity == "incident", AuditEvent.entity_id == str(incident.id),
            AuditEvent.action == "status", AuditEvent.changes.contains("ingetrokken")))
        assert any('"reason"' in changes for changes in reasons)
    diemen = demo_users["verbindingsofficier@demo.bio-register.nl"]
    uithoorn = demo_users["verbindingsofficier.uithoorn@demo.bio-register.nl"]
    grouped = by_code(incidents)
    assert {i.created_by_id for i in grouped["DIE"]} == {diemen.id}
    assert {i.created_by_id for i in grouped["OA"]} == {diemen.id}  # no verbindingsofficier of its own
    assert {i.created_by_id for i in grouped["UIT"]} == {uithoorn.id}
    assert verify_chain().ok

    # the FG assessed and decided every closed datalek; a few were notified to the AP
    leaks = [i for i in incidents if i.is_datalek]
    notified = 0
    for incident in leaks:
        decisions = breaches.decisions_of(incident)
        if incident.status is Status.AFGEHANDELD:
            assert decisions, incident.reference
        if not decisions:
            continue
        assessment = breaches.assessment_of(incident)
        assert assessment is not None and assessment.enisa_band is not None
        assert decisions[0].decided_by_id == fg.id
        assert incident.discovered_at <= assessment.assessed_at <= decisions[0].decided_at <= NOW
        if decisions[0].notify:
            notified += 1
            [notification] = breaches.notifications_of(incident)
            assert decisions[0].decided_at <= notification.submitted_at <= NOW
            assert breaches.subject_decisions_of(incident)[0].notify
        else:
            assert not breaches.notifications_of(incident)
    # a few are notified to the AP, most are not (Diemen 2021: 2 of 17)
    assert 1 <= notified <= len(leaks) // 4
    # the running AP clocks: open datalekken without a decision yet
    assert any(i.is_open and not breaches.decisions_of(i) for i in leaks)


def test_the_plan_is_reproducible() -> None:
    def plan(seed: str) -> list[tuple[str, dt.datetime, Status]]:
        return [(p.scenario.title, p.discovered_at, p.status)
                for p in plan_year(random.Random(seed), NOW)]

    assert plan("2026:DIE") == plan("2026:DIE")
    assert plan("2026:DIE") != plan("2026:OA")


def test_the_first_deadline_check_mails_a_warning(incidents: list[Incident]) -> None:
    """``serve --demo`` runs the deadline check at once: the newcomer must see a warning e-mail,
    whatever the time of day (it used to depend on it: at night every AP clock had > 24 h left)."""
    due = breaches.due_warnings(NOW)
    assert (CODES[0], "ap", "24h") in {(w.incident.organisation.code, w.clock, w.threshold) for w in due}


@pytest.mark.parametrize("hours_after", range(0, 7 * 24, 5))
def test_the_near_deadline_datalek_at_any_hour_of_the_week(hours_after: int) -> None:
    now = NOW + dt.timedelta(hours=hours_after)
    recent = [p for p in plan_year(random.Random("2026:DIE"), now, RECENT_NEAR_DEADLINE)
              if p.scenario.is_datalek and p.status in (Status.NIEUW, Status.IN_BEHANDELING)
              and now - p.discovered_at < dt.timedelta(hours=72)]
    assert len(recent) == 1
    assert dt.timedelta(hours=48) < now - recent[0].discovered_at < dt.timedelta(hours=72)


def test_cli_demo_twice_creates_incidents_once(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    if not dbutil.on_postgresql():
        # The schema is at head already; on SQLite `upgrade` would open a second connection whose
        # BEGIN IMMEDIATE waits for this test's open write transaction ("database is locked").
        monkeypatch.setattr("bio_register.cli.run_migrations", lambda: None)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["bio", "demo"])
    assert first.exit_code == 0, first.output
    match = re.search(r"Demo-incidenten: (\d+) aangemaakt", first.output)
    assert match, first.output
    count = db.session.scalar(select(func.count()).select_from(Incident))
    assert count == int(match.group(1)) >= 75
    second = runner.invoke(args=["bio", "demo"])
    assert second.exit_code == 0, second.output
    assert "Demo-incidenten: al aanwezig" in second.output
    assert db.session.scalar(select(func.count()).select_from(Incident)) == count
    assert verify_chain().ok
