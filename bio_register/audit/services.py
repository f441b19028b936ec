"""The append-only, hash-chained audit log.

Every service that changes data calls :func:`record` in the same transaction as the change.
Each event's hash covers its own fields and the previous event's hash, so a changed,
deleted or inserted row breaks the chain, which :func:`verify_chain` finds.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, select, update

from bio_register.audit.models import AuditChainHead, AuditEvent
from bio_register.database import utcnow
from bio_register.extensions import db

if TYPE_CHECKING:
    from bio_register.accounts.models import User

GENESIS_HASH = "0" * 64
CHAIN_HEAD_ID = 1

#: the time :func:`recorded_as_of` gives the events recorded inside it; None: the clock's
_recorded_at: ContextVar[dt.datetime | None] = ContextVar("audit_recorded_at", default=None)


@contextmanager
def recorded_as_of(moment: dt.datetime) -> Iterator[None]:
    """Stamp the events recorded inside with ``moment`` instead of the time of recording.

    For the demo only (``bio_register.demo.clock``), which re-enacts a past year through the
    services with their ``now=``: its incidents' timelines, built from these events, then read as
    that year did. Every other event carries the real time it was recorded (a test holds the demo
    to be the only caller). The chain does not depend on it: :func:`verify_chain` checks sequence
    numbers and hashes, and an event's hash covers the time it carries, whatever that is.
    """
    if moment.tzinfo is None:
        raise ValueError("recorded_as_of needs an aware datetime")
    if moment > utcnow() + dt.timedelta(minutes=5):
        raise ValueError("an audit event cannot be recorded as of the future")
    token = _recorded_at.set(moment.astimezone(dt.UTC))
    try:
        yield
    finally:
        _recorded_at.reset(token)


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset, tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields whose values differ, as ``{field: {"before": .., "after": ..}}``."""
    changes: dict[str, dict[str, Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = _jsonable(before.get(key)), _jsonable(after.get(key))
        if old != new:
            changes[key] = {"before": old, "after": new}
    return changes


def created(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return diff({}, values)


def event_hash(
    *, seq: int, occurred_at: dt.datetime, actor_id: int | None, actor_label: str,
    organisation_id: int | None, entity: str, entity_id: str, action: str, changes: str,
    prev_hash: str,
) -> str:
    payload = json.dumps(
        {
            "seq": seq,
            "occurred_at": occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "actor_label": actor_label,
            "organisation_id": organisation_id,
            "entity": entity,
            "entity_id": entity_id,
            "action": action,
            "changes": changes,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _hash_of(event: AuditEvent) -> str:
    return event_hash(
        seq=event.seq, occurred_at=event.occurred_at, actor_id=event.actor_id,
        actor_label=event.actor_label, organisation_id=event.organisation_id,
        entity=event.entity, entity_id=event.entity_id, action=event.action,
        changes=event.changes, prev_hash=event.prev_hash,
    )


def record(
    actor: User | None,
    entity: str,
    entity_id: Any,
    action: str,
    changes: Mapping[str, Any] | None = None,
    *,
    organisation_id: int | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Append an event in the current transaction (never commits).

    ``actor`` is None for the system (CLI, scheduler): then ``actor_label`` names it.
    """
    # Take the chain head's lock *before* reading it: the UPDATE blocks a concurrent
    # appender until we commit (PostgreSQL row lock, SQLite write lock).
    # An UPDATE's result is a CursorResult (with rowcount); Session.execute is typed as returning Result.
    bumped = cast("CursorResult[Any]", db.session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == CHAIN_HEAD_ID)
        .values(seq=AuditChainHead.seq + 1)
        .execution_options(synchronize_session=False)
    ))
    if bumped.rowcount != 1:
        raise RuntimeError("audit chain head is missing: run the database migrations")
    head_seq, prev_hash = db.session.execute(
        select(AuditChainHead.seq, AuditChainHead.last_hash).where(AuditChainHead.id == CHAIN_HEAD_ID)
    ).one()

    label = actor_label or (actor.email if actor is not None else "systeem")
    occurred_at = _recorded_at.get() or utcnow()
    changes_json = json.dumps(_jsonable(dict(changes or {})), sort_keys=True, ensure_ascii=False)
    event = AuditEvent(
        seq=head_seq,
        occurred_at=occurred_at,
        actor_id=actor.id if actor is not None else None,
        actor_label=label,
        organisation_id=organisation_id,
        entity=entity,
        entity_id=str(entity_id),
        action=action,
        changes=changes_json,
        prev_hash=prev_hash,
    )
    event.hash = _hash_of(event)
    db.session.add(event)
    db.session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == CHAIN_HEAD_ID)
        .values(last_hash=event.hash)
        .execution_options(synchronize_session=False)
    )
    return event


@dataclass(frozen=True)
class Anchor:
    """A point of the chain kept outside the database: an event's sequence number and hash.

    Printed on every report PDF, written in every back-up manifest, mailed daily when configured
    and shown on the audit-log page. ``verify-audit --anchor`` proves the chain still holds it: a
    cut-off tail or a rewritten history is then found even when the chain itself verifies.
    """

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """``SEQ:HASH`` → Anchor; ValueError for anything else."""
        seq, _, digest = text.strip().partition(":")
        digest = digest.strip().lower()
        if not seq.strip().isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"not an anchor (SEQ:HASH, a number and 64 hexadecimal characters): {text!r}")
        return cls(int(seq), digest)


def chain_head() -> Anchor:
    """The chain's newest point (sequence 0 and the genesis hash for an empty log)."""
    seq, last_hash = db.session.execute(
        select(AuditChainHead.seq, AuditChainHead.last_hash).where(AuditChainHead.id == CHAIN_HEAD_ID)).one()
    return Anchor(int(seq), str(last_hash))


@dataclass(frozen=True)
class AnchorProblem:
    anchor: Anchor
    reason: str

    def __str__(self) -> str:
        return f"anchor {self.anchor.seq}:{self.anchor.hash[:12]}…: {self.reason}"


def check_anchors(anchors: Iterable[Anchor]) -> list[AnchorProblem]:
    """Each anchor the log no longer holds: its event is missing (the tail was cut off) or has
    another hash (the history was rewritten). The chain's own integrity is :func:`verify_chain`'s."""
    problems = []
    head = chain_head()
    for anchor in sorted(set(anchors), key=lambda a: a.seq):
        if anchor.seq == 0:
            if anchor.hash != GENESIS_HASH:
                problems.append(AnchorProblem(anchor, "sequence 0 is the start of the chain, with hash 0…0"))
            continue
        found = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == anchor.seq))
        if found is None:
            problems.append(AnchorProblem(anchor, (
                f"event {anchor.seq} is not in the log, which ends at {head.seq}: the events after "
                f"{head.seq} were cut off" if anchor.seq > head.seq else f"event {anchor.seq} is missing")))
        elif found != anchor.hash:
            problems.append(AnchorProblem(anchor, f"event {anchor.seq} has hash {found[:12]}…: the history up to it "
                                                  "was rewritten"))
    return problems


@dataclass(frozen=True)
class ChainProblem:
    seq: int | None
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"event seq {self.seq} (id {self.event_id})" if self.seq is not None else "chain head"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class ChainReport:
    checked: int
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_chain(events: Iterable[AuditEvent] | None = None, batch_size: int = 1000) -> ChainReport:
    """Recompute the chain in sequence order; report the first event that does not verify."""
    if events is not None:
        return _verify(events)
    result = db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch_size)
    )
    try:
        return _verify(result)
    finally:
        result.close()  # a server-side cursor on PostgreSQL, when we stop early


def _verify(events: Iterable[AuditEvent]) -> ChainReport:
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in events:
        if event.seq != expected_seq:
            reason = (
                f"sequence gap: expected {expected_seq}, found {event.seq} (an event was deleted)"
                if event.seq > expected_seq
                else f"sequence out of order: expected {expected_seq}, found {event.seq}"
            )
            return ChainReport(checked, ChainProblem(event.seq, event.id, reason))
        if event.prev_hash != expected_prev:
            return ChainReport(checked, ChainProblem(
                event.seq, event.id, "previous hash does not match (an event was inserted or removed)"
            ))
        if _hash_of(event) != event.hash:
            return ChainReport(checked, ChainProblem(
                event.seq, event.id, "content does not match its hash (the event was changed)"
            ))
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    head = db.session.get(AuditChainHead, CHAIN_HEAD_ID)
    if head is None:
        return ChainReport(checked, ChainProblem(None, None, "missing"))
    if head.seq != checked or head.last_hash != expected_prev:
        return ChainReport(checked, ChainProblem(
            None, None,
            f"head says {head.seq} events ending in {head.last_hash[:12]}…, the log has {checked}"
            f" ending in {expected_prev[:12]}… (the last events were deleted)",
        ))
    return ChainReport(checked, None)
