"""PostgreSQL refuses rewriting the audit log and the report archive (migration 0017_refuse_rewriting):
UPDATE, DELETE and TRUNCATE of ``audit_events`` and ``reports`` fail, whoever asks, and nothing changes.
SQLite has no such triggers (the trial instance), so these tests run on PostgreSQL only."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from bio_register.audit import services as audit
from bio_register.audit.models import AuditEvent
from bio_register.extensions import db
from bio_register.incidents import services as incidents
from bio_register.incidents.models import Status
from bio_register.reporting import services as reporting
from bio_register.reporting.models import Report
from tests import dbutil, factories

pytestmark = pytest.mark.postgresql

STATEMENTS = {
    "audit_events": ["UPDATE audit_events SET action = 'gewist'", "DELETE FROM audit_events",
                     "TRUNCATE audit_events"],
    "reports": ["UPDATE reports SET pdf = ''", "DELETE FROM reports", "TRUNCATE reports"],
}


@pytest.fixture(autouse=True)
def _on_postgresql() -> None:
    if not dbutil.on_postgresql():
        pytest.skip("the triggers are PostgreSQL's; needs BIO_REGISTER_TEST_DATABASE_URL=postgresql://…")


def _rows(table: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in db.session.execute(text(f"SELECT * FROM {table} ORDER BY id"))]


@pytest.mark.parametrize(("table", "statement"),
                         [(table, statement) for table, statements in STATEMENTS.items() for statement in statements])
def test_the_database_refuses_rewriting(table: str, statement: str) -> None:
    factories.incident("DIE", title="Phishingmail")
    reporting.generate("monthly", "2026-10", "DIE", actor_label="test")
    db.session.commit()
    before = _rows(table)
    assert before

    with pytest.raises(DBAPIError, match=rf"{statement.split()[0]} on {table} refused"):
        with db.session.begin_nested():
            db.session.execute(text(statement))

    assert _rows(table) == before
    assert audit.verify_chain().ok


def test_appending_still_works_and_an_attacker_must_switch_the_triggers_off_first() -> None:
    """The refusal is the triggers' (not a missing privilege): switched off, as a superuser or the
    tables' owner can, the same UPDATE goes through — and the chain then finds it."""
    factories.incident("DIE", title="Phishingmail")
    db.session.commit()
    last = db.session.scalar(select(func.max(AuditEvent.seq)))
    with dbutil.as_attacker(db.session):
        db.session.execute(text("UPDATE audit_events SET action = 'gewist' WHERE seq = :seq"), {"seq": last})
    db.session.commit()
    report = audit.verify_chain()
    assert not report.ok and report.problem.seq == last


def test_the_retention_purge_is_not_hindered() -> None:
    """The purge deletes incidents, never audit events or reports, and audits each removal."""
    incident = factories.incident("DIE", title="Oud en afgehandeld")
    reporting.generate("monthly", "2026-10", "DIE", actor_label="test")
    closed_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    incident.status, incident.closed_at = Status.AFGEHANDELD, closed_at  # closed long ago
    db.session.commit()
    events, reports = (db.session.scalar(select(func.count()).select_from(model)) for model in (AuditEvent, Report))

    assert incidents.purge(closed_at + dt.timedelta(days=1), actor_label="test") == [incident.reference]
    db.session.commit()

    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events + 1
    assert db.session.scalar(select(func.count()).select_from(Report)) == reports
    assert audit.verify_chain().ok
