"""Reading the audit log: the events a caller may see, filtered, newest first, a page at a time.

Scope: an event of an organisation is visible to whoever holds ``audit:read`` there
(:func:`~bio_register.permissions.organisation_scope`, which follows the organisation hierarchy).
An event without an organisation is installation-level (a login, a user, an API token, a catalog
import); it is visible only to a caller holding ``audit:read`` in a *top-level* organisation, the
people who run the installation. The organisation id is part of each event's hash, so it is never
filled in afterwards (that would break the chain).

Pagination is by keyset on ``(occurred_at, id)`` descending: the next page starts after the last row
of this one (:class:`Cursor`), so the tenth thousandth page costs what the first does. ``page``
(OFFSET) is still accepted for the first pages, as the other lists take it, up to
:data:`MAX_OFFSET`; the total is counted up to :data:`COUNT_LIMIT` (``more`` says there are more).

No Flask here: plain arguments in, plain rows out.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, exists, func, literal_column, or_, select, tuple_
from sqlalchemy.sql.elements import False_, True_

from bio_register.audit.models import AuditEvent, AuditVerification
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.organisations.models import Organisation
from bio_register.permissions import (
    AllOrganisations,
    Permission,
    Principal,
    organisation_ids_with,
    organisation_scope,
)

#: the total is counted no further than this ("more than 10,000")
COUNT_LIMIT = 10_000
#: OFFSET pagination (``page``) reaches no further than this many rows; beyond, the cursor
MAX_OFFSET = 10_000
#: rows per batch when exporting
EXPORT_BATCH = 1000
#: an export stops after this many rows
EXPORT_LIMIT = 1_000_000

ENTITY_RE = re.compile(r"^[a-z][a-z_]{0,49}$")
MAX_ENTITY_ID = 64
MAX_ACTOR = 254

E = AuditEvent.__table__.c
O = Organisation.__table__.c  # noqa: E741


@dataclass(frozen=True)
class AuditFilter:
    organisation_id: int | None = None
    entity: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    occurred_from: dt.datetime | None = None
    occurred_until: dt.datetime | None = None

    @classmethod
    def build(cls, *, organisation_id: int | None = None, entity: str | None = None,
              entity_id: str | None = None, actor: str | None = None, occurred_from: dt.datetime | None = None,
              occurred_until: dt.datetime | None = None) -> AuditFilter:
        """A checked filter: a clear message naming the field for each bad value."""
        entity = (entity or "").strip().lower() or None
        entity_id = (entity_id or "").strip() or None
        actor = (actor or "").strip().lower() or None
        if entity is not None and not ENTITY_RE.match(entity):
            raise ValidationFailed(_("Geen geldig soort object: kleine letters en _, hoogstens 50 tekens."),
                                   field="entity")
        if entity_id is not None:
            if entity is None:
                raise ValidationFailed(_("Kies bij een objectnummer ook het soort object (entity)."),
                                       field="entity_id")
            if len(entity_id) > MAX_ENTITY_ID:
                raise ValidationFailed(_("Het objectnummer is te lang (hoogstens 64 tekens)."), field="entity_id")
        if actor is not None and len(actor) > MAX_ACTOR:
            raise ValidationFailed(_("De gebruiker is te lang (hoogstens 254 tekens)."), field="actor")
        for name, value in (("from", occurred_from), ("until", occurred_until)):
            if value is not None and value.tzinfo is None:
                raise ValidationFailed(_("Geef een tijdstip met tijdzone."), field=name)
        if occurred_from is not None and occurred_until is not None and occurred_from >= occurred_until:
            raise ValidationFailed(_("Het begin van de periode moet vóór het einde liggen."), field="until")
        return cls(organisation_id, entity, entity_id, actor, occurred_from, occurred_until)


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after the event (occurred_at, id), newest first."""

    occurred_at: dt.datetime
    id: int

    def encode(self) -> str:
        text = f"{self.occurred_at.astimezone(dt.UTC).isoformat(timespec='microseconds')}|{self.id}"
        return base64.urlsafe_b64encode(text.encode("ascii")).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Cursor:
        """The cursor a previous page handed out; a clear 422 for anything else."""
        try:
            if len(value) > 100:
                raise ValueError(value)
            text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
            when, _sep, number = text.partition("|")
            at = dt.datetime.fromisoformat(when)
            event_id = int(number)
            if at.tzinfo is None or event_id < 1 or not 1970 <= at.year < 2100:
                raise ValueError(value)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise ValidationFailed(_("Ongeldige cursor: gebruik de link 'next' van de vorige pagina."),
                                   field="cursor") from None
        return cls(at.astimezone(dt.UTC), event_id)


@dataclass(frozen=True)
class EventRow:
    """One event as the page, the API and the export show it."""

    id: int
    seq: int
    occurred_at: dt.datetime
    actor_id: int | None
    actor: str
    organisation: str | None
    entity: str
    entity_id: str
    action: str
    #: {field: {"before": …, "after": …}}
    changes: dict[str, Any]


@dataclass(frozen=True)
class EventPage:
    items: list[EventRow]
    page: int
    per_page: int
    #: the number of matching events, counted up to COUNT_LIMIT
    total: int
    #: the total is a lower bound: there are more than ``total``
    more: bool
    #: where the next page starts; None on the last page
    next_cursor: Cursor | None


def sees_installation_events(user: Principal | None) -> bool:
    """Whether ``user`` may read events without an organisation: ``audit:read`` held in a top-level
    organisation (one without a parent)."""
    scope = organisation_ids_with(user, Permission.AUDIT_READ)
    if isinstance(scope, AllOrganisations):
        return True
    if not scope:
        return False
    return bool(db.session.scalar(select(exists().where(
        Organisation.parent_id.is_(None), organisation_scope(user, Permission.AUDIT_READ, Organisation.id)))))


def scope_clause(user: Principal | None) -> ColumnElement[bool]:
    """The events ``user`` may read (see the module's rule)."""
    clause = organisation_scope(user, Permission.AUDIT_READ, E.organisation_id)
    if isinstance(clause, (True_, False_)) or not sees_installation_events(user):
        return clause
    return or_(clause, E.organisation_id.is_(None))


def conditions(user: Principal | None, flt: AuditFilter) -> list[ColumnElement[bool]]:
    where = [scope_clause(user)]
    if flt.organisation_id is not None:
        where.append(E.organisation_id == flt.organisation_id)
    if flt.entity is not None:
        where.append(E.entity == flt.entity)
    if flt.entity_id is not None:
        where.append(E.entity_id == flt.entity_id)
    if flt.actor is not None:
        where.append(E.actor_label == flt.actor)
    if flt.occurred_from is not None:
        where.append(E.occurred_at >= flt.occurred_from)
    if flt.occurred_until is not None:
        where.append(E.occurred_at < flt.occurred_until)
    return where


_COLUMNS = (E.id, E.seq, E.occurred_at, E.actor_id, E.actor_label, O.code, E.entity, E.entity_id, E.action,
            E.changes)
_NEWEST_FIRST = (E.occurred_at.desc(), E.id.desc())


def _statement(where: list[ColumnElement[bool]]) -> Select[Any]:
    return (select(*_COLUMNS)
            .select_from(AuditEvent.__table__.outerjoin(Organisation.__table__, O.id == E.organisation_id))
            .where(*where).order_by(*_NEWEST_FIRST))


def _after(cursor: Cursor) -> ColumnElement[bool]:
    return tuple_(E.occurred_at, E.id) < tuple_(cursor.occurred_at, cursor.id)


def _row(values: Any) -> EventRow:
    try:
        changes = json.loads(values[9]) if values[9] else {}
    except ValueError:  # a stored value is what it is: show it rather than fail the page
        changes = {"?": {"before": None, "after": values[9]}}
    return EventRow(int(values[0]), int(values[1]), values[2], values[3], values[4], values[5], values[6],
                    values[7], values[8], changes if isinstance(changes, dict) else {})


def count_up_to(where: list[ColumnElement[bool]], limit: int) -> int:
    """How many events match, counting no further than ``limit`` (an index range, not the table)."""
    one = literal_column("1", Integer).label("one")
    rows = select(one).select_from(AuditEvent.__table__).where(*where).limit(limit).subquery()
    return db.session.scalar(select(func.count()).select_from(rows)) or 0


def list_events(user: Principal | None, flt: AuditFilter, *, per_page: int = 25, page: int = 1,
                cursor: Cursor | None = None) -> EventPage:
    """A page of events, newest first: after ``cursor`` when given, else page ``page`` (OFFSET,
    at most :data:`MAX_OFFSET` rows deep)."""
    if cursor is not None and page != 1:
        raise ValidationFailed(_("Geef een cursor of een paginanummer, niet beide."), field="page")
    offset = (page - 1) * per_page
    if offset + per_page > MAX_OFFSET:
        raise ValidationFailed(
            _("Zo ver bladeren gaat met de cursor: volg de link 'next' van de vorige pagina."), field="page")
    where = conditions(user, flt)
    stmt = _statement([*where, _after(cursor)] if cursor is not None else where)
    rows = [_row(r) for r in db.session.execute(stmt.limit(per_page + 1).offset(offset))]
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    if not has_next and (cursor is None) and (page == 1):
        total = len(rows)  # everything fits on this page: no count needed
    else:
        total = count_up_to(where, COUNT_LIMIT + 1)
    more = total > COUNT_LIMIT
    next_cursor = Cursor(rows[-1].occurred_at, rows[-1].id) if has_next and rows else None
    return EventPage(rows, page, per_page, min(total, COUNT_LIMIT), more, next_cursor)


def iter_events(user: Principal | None, flt: AuditFilter, *, limit: int = EXPORT_LIMIT,
                batch: int = EXPORT_BATCH,
                within: Callable[[Callable[[], list[EventRow]]], list[EventRow]] | None = None) -> Iterator[EventRow]:
    """Every matching event, newest first, fetched in keyset batches (for the export): no long
    transaction holding a cursor, no OFFSET. The scope is worked out now; the rows are read as the
    iterator is consumed, each batch through ``within`` when given (which runs the read in a
    context of its own and returns its rows: no context is held while a row is handed out)."""
    return _batches(conditions(user, flt), limit, batch, within or (lambda read: read()))


def _batches(where: list[ColumnElement[bool]], limit: int, batch: int,
             within: Callable[[Callable[[], list[EventRow]]], list[EventRow]]) -> Iterator[EventRow]:
    cursor: Cursor | None = None
    sent = 0
    while sent < limit:
        size = min(batch, limit - sent)
        stmt = _statement([*where, _after(cursor)] if cursor is not None else where).limit(size)
        rows = within(lambda stmt=stmt: [_row(r) for r in db.session.execute(stmt)])  # type: ignore[misc]
        yield from rows
        sent += len(rows)
        if len(rows) < size:
            return
        cursor = Cursor(rows[-1].occurred_at, rows[-1].id)


# --- the chain's state ----------------------------------------------------------------------------------

def latest_verification() -> AuditVerification | None:
    """The last recorded run of ``verify-audit``, or None when it never ran."""
    return db.session.scalar(
        select(AuditVerification).order_by(AuditVerification.finished_at.desc(), AuditVerification.id.desc())
        .limit(1))


def record_verification(*, started_at: dt.datetime, finished_at: dt.datetime, ok: bool, checked: int,
                        problem: str | None, problem_seq: int | None, source: str) -> AuditVerification:
    """Store the outcome of a verification run (flushes, never commits)."""
    row = AuditVerification(started_at=started_at, finished_at=finished_at, ok=ok, checked=checked,
                            problem=problem, problem_seq=problem_seq, source=source)
    db.session.add(row)
    db.session.flush()
    return row


__all__ = ["COUNT_LIMIT", "MAX_OFFSET", "AuditFilter", "Cursor", "EventPage", "EventRow",
           "conditions", "iter_events", "latest_verification", "list_events", "record_verification",
           "scope_clause", "sees_installation_events"]
