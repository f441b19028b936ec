"""``bio-register purge-incidents``: deleting incidents past the retention period."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from bio_register.audit import services as audit
from bio_register.audit.models import AuditEvent
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.incidents import services
from bio_register.incidents.models import Incident, Status
from tests import factories

DAY = dt.timedelta(days=1)
YEAR = 365 * DAY


def run(app: Flask, *args: str, stdin: str | None = None) -> Any:
    return app.test_cli_runner().invoke(args=["bio", "purge-incidents", *args], input=stdin)


def closed(ago: dt.timedelta, *, status: Status = Status.AFGEHANDELD) -> str:
    """An incident discovered and closed ``ago`` (a withdrawn one when asked); its reference."""
    moment = utcnow() - ago
    incident = services.create_incident(
        None, factories.organisation("DIE"),
        {"title": "Oud incident", "description": "Lang geleden.", "discovered_at": moment - dt.timedelta(days=2),
         "is_datalek": False},
        now=moment - dt.timedelta(days=1), actor_label="test")
    path = [Status.INGETROKKEN] if status == Status.INGETROKKEN else [Status.IN_BEHANDELING, status]
    for step in path:
        services.change_status(None, incident, step, incident.version, reason="test", now=moment)
    db.session.commit()
    return incident.reference


def still_open(ago: dt.timedelta) -> str:
    moment = utcnow() - ago
    incident = services.create_incident(
        None, factories.organisation("DIE"),
        {"title": "Nooit afgesloten", "description": "Loopt nog.", "discovered_at": moment, "is_datalek": True},
        now=moment, actor_label="test")
    db.session.commit()
    return incident.reference


def references() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(Incident.reference)))


def all_but(register: dict[str, str], *names: str) -> set[str]:
    return {ref for name, ref in register.items() if name not in names}


@pytest.fixture
def register() -> dict[str, str]:
    return {
        "old_closed": closed(4 * YEAR),
        "old_withdrawn": closed(5 * YEAR + 30 * DAY, status=Status.INGETROKKEN),
        "recent_closed": closed(2 * YEAR),
        "old_open": still_open(6 * YEAR),
    }


def test_purges_incidents_closed_more_than_three_years_ago(app: Flask, register: dict[str, str]) -> None:
    result = run(app, "--yes")
    assert result.exit_code == 0, result.output
    assert register["old_closed"] in result.output and register["old_withdrawn"] in result.output
    assert register["recent_closed"] not in result.output
    assert "2 incident(en) verwijderd." in result.output
    assert references() == {register["recent_closed"], register["old_open"]}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "purge")).all()
    assert sorted(json.loads(e.changes)["reference"]["before"] for e in events) == sorted(
        [register["old_closed"], register["old_withdrawn"]])
    assert {e.actor_label for e in events} == {"cli"}
    assert audit.verify_chain().ok


def test_dry_run_lists_but_deletes_nothing(app: Flask, register: dict[str, str]) -> None:
    before = references()
    result = run(app, "--dry-run")
    assert result.exit_code == 0, result.output
    assert register["old_closed"] in result.output and register["old_withdrawn"] in result.output
    assert register["recent_closed"] not in result.output and register["old_open"] not in result.output
    assert "niets verwijderd" in result.output
    assert references() == before
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "purge")).all() == []


def test_fewer_than_three_years_is_refused(app: Flask, register: dict[str, str]) -> None:
    before = references()
    result = run(app, "--years", "2", "--yes")
    assert result.exit_code != 0
    assert "minstens 3 jaar" in result.output and "5.28.01" in result.output
    assert "Traceback" not in result.output
    assert references() == before


def test_longer_retention_keeps_more(app: Flask, register: dict[str, str]) -> None:
    result = run(app, "--years", "5", "--yes")
    assert result.exit_code == 0, result.output
    # only the incident withdrawn five years and a month ago lies before the boundary
    assert references() == all_but(register, "old_withdrawn")


def test_asks_for_confirmation(app: Flask, register: dict[str, str]) -> None:
    before = references()
    declined = run(app, stdin="n\n")
    assert declined.exit_code != 0
    assert "definitief verwijderen?" in declined.output
    assert references() == before
    accepted = run(app, stdin="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert references() == all_but(register, "old_closed", "old_withdrawn")


def test_nothing_to_purge(app: Flask) -> None:
    recent = closed(YEAR)
    result = run(app, "--yes")
    assert result.exit_code == 0, result.output
    assert "niets te verwijderen" in result.output
    assert references() == {recent}
