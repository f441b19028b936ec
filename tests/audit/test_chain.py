from __future__ import annotations

import datetime as dt
import itertools
import threading
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import delete, func, insert, select, update

from bio_register.audit import services as audit
from bio_register.audit.models import AuditChainHead, AuditEvent
from bio_register.database import utcnow
from bio_register.extensions import db
from tests import dbutil, factories
from tests.conftest import make_app


def _events(n: int) -> None:
    for i in range(n):
        audit.record(None, "test", i, "create", {"value": {"before": None, "after": i}}, actor_label="test")
    db.session.commit()


def _verify() -> audit.ChainReport:
    return audit.verify_chain()


# The tests below rewrite audit_events as an attacker with superuser rights would: on PostgreSQL
# they first switch off the triggers that refuse it (dbutil.as_attacker; migration 0017). The chain
# is what still finds such a change.

def _seq_ids() -> list[tuple[int, int]]:
    rows = db.session.execute(select(AuditEvent.seq, AuditEvent.id).order_by(AuditEvent.seq))
    return [(seq, id_) for seq, id_ in rows]


def test_intact_chain_verifies() -> None:
    _events(5)
    report = _verify()
    assert report.ok, report.problem
    assert report.checked == db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_each_event_links_to_the_previous_hash() -> None:
    _events(3)
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    for previous, current in itertools.pairwise(events):
        assert current.prev_hash == previous.hash
        assert current.seq == previous.seq + 1


def test_changed_row_is_found() -> None:
    _events(5)
    target_seq = _seq_ids()[-3][0]
    with dbutil.as_attacker(db.session):
        db.session.execute(update(AuditEvent).where(AuditEvent.seq == target_seq)
                           .values(changes='{"value": {"before": null, "after": 999}}'))
    db.session.commit()
    report = _verify()
    assert not report.ok
    assert report.problem.seq == target_seq
    assert "changed" in report.problem.reason


def test_changed_actor_is_found() -> None:
    _events(3)
    target_seq = _seq_ids()[-2][0]
    with dbutil.as_attacker(db.session):
        db.session.execute(
            update(AuditEvent).where(AuditEvent.seq == target_seq).values(actor_label="someone else"))
    db.session.commit()
    assert _verify().problem.seq == target_seq


def test_deleted_row_is_found() -> None:
    _events(5)
    target_seq = _seq_ids()[-3][0]
    with dbutil.as_attacker(db.session):
        db.session.execute(delete(AuditEvent).where(AuditEvent.seq == target_seq))
    db.session.commit()
    report = _verify()
    assert report.problem.seq == target_seq + 1
    assert "deleted" in report.problem.reason


def test_deleted_last_row_is_found_through_the_head() -> None:
    _events(3)
    last_seq = _seq_ids()[-1][0]
    with dbutil.as_attacker(db.session):
        db.session.execute(delete(AuditEvent).where(AuditEvent.seq == last_seq))
    db.session.commit()
    report = _verify()
    assert not report.ok and report.problem.seq is None
    assert "deleted" in report.problem.reason


def test_inserted_row_is_found() -> None:
    """A forged event slipped in with renumbered sequence and a self-consistent hash."""
    _events(4)
    seqs = _seq_ids()
    victim_seq = seqs[-2][0]
    before = db.session.scalars(select(AuditEvent).where(AuditEvent.seq == victim_seq - 1)).one()
    # Make room: shift the later events up by one (what a forger must do).
    with dbutil.as_attacker(db.session):
        for seq, _ in reversed(seqs):
            if seq >= victim_seq:
                db.session.execute(update(AuditEvent).where(AuditEvent.seq == seq).values(seq=seq + 1))
    forged = dict(seq=victim_seq, occurred_at=before.occurred_at, actor_id=None, actor_label="forger",
                  organisation_id=None, entity="test", entity_id="x", action="create", changes="{}",
                  prev_hash=before.hash)
    db.session.execute(insert(AuditEvent).values(**forged, hash=audit.event_hash(**forged)))
    db.session.commit()
    report = _verify()
    assert report.problem.seq == victim_seq + 1
    assert "previous hash" in report.problem.reason


def test_verify_audit_command_exits_nonzero_naming_the_event(app: Flask) -> None:
    _events(3)
    runner = app.test_cli_runner()
    ok: Result = runner.invoke(args=["bio", "verify-audit"])
    assert ok.exit_code == 0, ok.output
    assert "in orde" in ok.output
    target_seq = _seq_ids()[-2][0]
    with dbutil.as_attacker(db.session):
        db.session.execute(update(AuditEvent).where(AuditEvent.seq == target_seq).values(action="delete"))
    db.session.commit()
    bad = runner.invoke(args=["bio", "verify-audit"])
    assert bad.exit_code == 1
    assert f"seq {target_seq}" in bad.output


def test_audit_events_carry_before_and_after() -> None:
    user = factories.user(name="Oud")
    from bio_register.accounts.services import update_profile

    update_profile(user, name="Nieuw")
    db.session.commit()
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event.actor_id == user.id and event.actor_label == user.email
    assert event.entity == "user" and event.entity_id == str(user.id) and event.action == "update"
    assert event.changes == '{"name": {"after": "Nieuw", "before": "Oud"}}'
    assert event.occurred_at.tzinfo is not None



def test_an_event_recorded_as_of_the_past_keeps_that_time_and_the_chain_verifies() -> None:
    """The demo's back-dating (audit.recorded_as_of): only inside it, never the future, chain intact."""
    past = dt.datetime(2026, 5, 12, 9, 30, tzinfo=dt.UTC)
    with audit.recorded_as_of(past):
        inside = audit.record(None, "test", 1, "create", actor_label="demo")
    after = audit.record(None, "test", 2, "create", actor_label="test")
    db.session.commit()
    assert inside.occurred_at == past
    assert after.occurred_at > utcnow() - dt.timedelta(minutes=1)  # the clock again, outside it
    assert _verify().ok
    with pytest.raises(ValueError, match="future"), audit.recorded_as_of(utcnow() + dt.timedelta(hours=1)):
        pass
    with pytest.raises(ValueError, match="aware"), audit.recorded_as_of(dt.datetime(2026, 5, 12, 9, 30)):
        pass

@pytest.mark.committed
def test_concurrent_appends_never_fork_the_chain(tmp_path: Path) -> None:
    """Many writers at once, each in its own committed transaction (real concurrency)."""
    with dbutil.fresh_database(tmp_path) as url:
        app = make_app(url, str(tmp_path))
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
        errors: list[BaseException] = []
        start = threading.Barrier(6)

        def writer(n: int) -> None:
            try:
                with app.app_context():
                    start.wait()
                    for i in range(10):
                        audit.record(None, "test", f"{n}-{i}", "create", actor_label=f"writer {n}")
                        db.session.commit()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        with app.app_context():
            try:
                assert not errors, errors
                report = audit.verify_chain()
                assert report.ok, report.problem
                assert report.checked == 60
                assert db.session.get(AuditChainHead, 1).seq == 60
            finally:
                db.session.remove()
                db.engine.dispose()


def test_record_refuses_without_chain_head() -> None:
    db.session.execute(delete(AuditChainHead))
    with pytest.raises(RuntimeError, match="migrations"):
        audit.record(None, "test", 1, "create", actor_label="test")
