"""The unit of work: one transaction per request, job or command, and what happens after it.

Services flush and never commit. The boundary — the request pipeline
(:mod:`bio_register.pipeline`), the scheduler's job wrapper and the CLI's :func:`boundary` —
commits once, or rolls back. Side effects (e-mail, a message to the user) are registered on the
session with :func:`after_commit` and run only once the transaction they belong to committed;
a rollback forgets them. This module knows no Flask: anything with a SQLAlchemy session may use it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeAlias, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

log = logging.getLogger(__name__)

_PENDING = "uow_pending"
_READY = "uow_ready"

T = TypeVar("T")

#: a session, or a scoped session (Flask-SQLAlchemy's ``db.session``) standing for the current one
AnySession: TypeAlias = Session | scoped_session[Any]


def after_commit(session: AnySession, callback: Callable[[], object]) -> None:
    """Run ``callback`` once the current transaction of ``session`` has committed (never if it
    rolls back). The boundary runs it after the commit returned, outside any transaction."""
    session.info.setdefault(_PENDING, []).append(callback)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.info.setdefault(_READY, []).extend(pending)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction: object) -> None:
    if session.in_transaction():  # a savepoint or inner rollback: the outer transaction goes on
        return
    session.info.pop(_PENDING, None)


def run_side_effects(session: AnySession) -> None:
    """Run what committed transactions registered. A failing side effect is logged, never raised:
    what was committed stays committed (a failed e-mail stays in the outbox for retry)."""
    while ready := session.info.pop(_READY, None):
        for callback in ready:
            try:
                callback()
            except Exception:
                # The side effect may have left the session's transaction aborted (PostgreSQL).
                session.rollback()
                log.exception("a side effect after commit failed")


def commit(session: AnySession) -> None:
    """Commit the unit of work and run its side effects. The one commit of a boundary.

    A unit of work that never reached the database (``/health``, a page answered from memory)
    has no transaction: nothing is committed, and SQLAlchemy is not asked to begin one for it."""
    actual = session() if isinstance(session, scoped_session) else session
    if actual.in_transaction() or actual.info.get(_PENDING) or actual.new or actual.dirty or actual.deleted:
        actual.commit()
    run_side_effects(actual)


def rollback(session: AnySession) -> None:
    """Undo the unit of work: nothing it wrote stays, none of its side effects run."""
    session.rollback()


@contextlib.contextmanager
def keeping_loaded(session: AnySession) -> Iterator[None]:
    """Within the block, a commit does not expire the session's objects (the API serialises what
    it returns after the commit; see ``pipeline.commit``)."""
    actual = session() if callable(session) else session
    before = actual.expire_on_commit
    actual.expire_on_commit = False
    try:
        yield
    finally:
        actual.expire_on_commit = before


@contextlib.contextmanager
def boundary(session: AnySession) -> Iterator[None]:
    """One transaction around a block (a CLI command, a scheduled job, one item of a batch):
    commit when the block ends normally, roll back when it raises."""
    try:
        yield
    except BaseException:
        rollback(session)
        raise
    commit(session)


def each_in_own_transaction(session: AnySession, items: Iterable[T], work: Callable[[T], object],
                            *, on_error: Callable[[T, Exception], None] | None = None) -> tuple[int, int]:
    """Do ``work`` for each item in a transaction of its own (a batch job: one failing item does
    not undo the others). Returns (done, failed); a failure is logged and passed to ``on_error``."""
    done = failed = 0
    for item in items:
        try:
            with boundary(session):
                work(item)
        except Exception as exc:
            failed += 1
            log.exception("one item of a batch failed and was rolled back")
            if on_error is not None:
                with boundary(session):
                    on_error(item, exc)
        else:
            done += 1
    return done, failed
