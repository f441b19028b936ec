"""The declarative base, naming conventions and column types every model uses."""

from __future__ import annotations

import datetime as dt
import enum
import functools
import sqlite3
import time
from typing import Any

from sqlalchemy import DateTime, Enum, MetaData, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def enum_values(enum_cls: type[enum.Enum]) -> list[str]:
    """The values (not the names) of an enum's members: the ``values_callable`` of every
    ``sqlalchemy.Enum`` column, so the database stores ``"in_behandeling"``, not ``"IN_BEHANDELING"``."""
    return [member.value for member in enum_cls]


def value_enum(cls: type[enum.Enum], name: str, length: int = 40) -> Enum:
    """A ``sqlalchemy.Enum`` column type storing the members' values as strings with a CHECK
    constraint (no native database enum: adding a value is a plain migration)."""
    return Enum(cls, name=name, native_enum=False, values_callable=enum_values,
                validate_strings=True, create_constraint=True, length=length)


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    PostgreSQL keeps the offset (``timestamptz``); SQLite keeps none, so values are
    normalised to UTC on the way in and marked UTC on the way out. Naive datetimes are
    refused: a naive value is a bug that would silently shift by an hour.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware (UTC) one is required")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        """On PostgreSQL one plain function per value (a list reads thousands of timestamps): psycopg
        gives aware datetimes itself, already in UTC in our sessions (see :func:`_postgresql_on_connect`)."""
        if dialect.name != "postgresql" or self.impl_instance.dialect_impl(dialect).result_processor(dialect, coltype):
            return super().result_processor(dialect, coltype)
        utc = dt.UTC

        def process(value: dt.datetime | None) -> dt.datetime | None:
            if value is None or value.tzinfo is utc:
                return value
            return value.astimezone(utc)

        return process


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Make SQLite behave: foreign keys on, WAL, a busy timeout, and real transactions.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; we switch it off
    and emit BEGIN ourselves (the recipe from the SQLAlchemy documentation).
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()
    # SQLite's built-in lower() folds ASCII only; Dutch text needs é → é, Ë → ë.
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


@event.listens_for(Engine, "connect")
def _postgresql_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """PostgreSQL sessions in UTC, the time zone everything is stored in: psycopg then returns
    timestamps marked ``datetime.UTC``, which :class:`UTCDateTime` passes on unchanged. (Nothing
    depends on it for correctness: another session time zone gives the same instants, converted.)"""
    if not type(dbapi_connection).__module__.startswith("psycopg"):
        return
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    try:
        dbapi_connection.execute("SET TIME ZONE 'UTC'")
    finally:
        dbapi_connection.autocommit = autocommit


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection: Any) -> None:
    """SQLite: take the write lock at BEGIN.

    A deferred transaction that reads and then writes fails at once with "database is locked"
    when another writer committed in between (WAL snapshot); the busy timeout cannot help
    it. BEGIN IMMEDIATE makes writers queue on the busy timeout instead. SQLite is the trial
    database; production runs on PostgreSQL, where this does not apply.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


#: a pooled connection idle for longer than this is pinged before use (see :func:`check_liveness`)
PING_AFTER_IDLE_SECONDS = 1.0


def check_liveness(engine: Engine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Pessimistic disconnect handling, paid only where it can matter: a pooled connection that
    sat idle for more than ``idle_seconds`` is pinged when it is checked out, and replaced when the
    ping fails (the pool's documented ``DisconnectionError`` protocol), so a restarted or
    unreachable database costs no request an error.

    This replaces SQLAlchemy's ``pool_pre_ping``, which pings on *every* checkout: one round trip
    and ~8 % of a small API request (benchmarks/README.md). A connection handed back less than a
    second ago cannot have been cut by a server restart that completed since (stopping and starting
    PostgreSQL takes longer); should it be dead anyway (a terminated backend), that request fails
    once and SQLAlchemy then recycles the whole pool.
    """
    if engine.dialect.name == "sqlite":
        return  # a file, not a server: nothing to lose the connection to

    @event.listens_for(engine, "checkin")
    def _stamp(dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        checked_in = record.info.get("checked_in")
        if checked_in is None or time.monotonic() - checked_in <= idle_seconds:
            return  # just connected, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"the pooled connection is gone: {error}") from error


#: statements that may run outside a transaction: a plain SELECT that takes no lock and changes nothing
_NEEDS_TRANSACTION = ("FOR UPDATE", "FOR SHARE", "FOR NO KEY UPDATE", "FOR KEY SHARE", "PG_ADVISORY",
                      "PG_TRY_ADVISORY", "NEXTVAL", "SETVAL", "SET_CONFIG", "PG_NOTIFY", "TXID_CURRENT",
                      "PG_CURRENT_XACT_ID", "LASTVAL", "CURRVAL")
_READING = "reads_without_transaction"


@functools.lru_cache(maxsize=1024)  # the statements come from SQLAlchemy's compiled cache: a few hundred texts
def _only_reads(statement: str) -> bool:
    head = statement.lstrip()[:6].upper()
    if head != "SELECT":
        return False  # INSERT, UPDATE, DELETE, WITH (may write), SAVEPOINT, SET, DDL, ...
    upper = statement.upper()
    return not any(marker in upper for marker in _NEEDS_TRANSACTION)


def read_without_transaction(engine: Engine) -> None:
    """PostgreSQL: a unit of work that only reads runs its SELECTs without a transaction, so a
    read-only request neither begins nor commits one (two round trips of a small API request);
    the first statement that writes, locks (``FOR UPDATE``, an advisory lock), uses a sequence, a
    savepoint or a server-side cursor opens the transaction first, and from there the unit of work
    is one transaction as before, committed or rolled back by its boundary.

    The same results: PostgreSQL's default isolation (READ COMMITTED) takes a new snapshot for each
    statement inside a transaction too, so SELECTs outside one see exactly what they would see
    inside it. A connection given another isolation level (the backup's REPEATABLE READ, the
    scheduler's AUTOCOMMIT) is left as it was given.
    """
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        if connection.get_execution_options().get("isolation_level"):
            return  # chosen on purpose for this connection
        dbapi_connection = connection.connection.dbapi_connection
        info = connection.info
        if dbapi_connection.autocommit and not info.get(_READING):
            return  # autocommit chosen elsewhere (the engine's isolation_level)
        if dbapi_connection.info.transaction_status == 0:  # IDLE: no transaction open on the server
            dbapi_connection.autocommit = True
            info[_READING] = True

    @event.listens_for(engine, "before_cursor_execute")
    def _open_transaction_before_writing(connection: Any, cursor: Any, statement: str, parameters: Any,
                                         context: Any, executemany: bool) -> None:
        info = connection.info
        if not info.get(_READING):
            return
        dbapi_connection = connection.connection.dbapi_connection
        if not dbapi_connection.autocommit:
            return  # already in its transaction
        if _only_reads(statement) and not getattr(cursor, "name", None):  # a named cursor: server-side
            return
        dbapi_connection.autocommit = False  # psycopg sends BEGIN with this statement

    @event.listens_for(engine, "checkin")
    def _restore(dbapi_connection: Any, record: Any) -> None:
        # Back in the pool as it came: the next user of the connection decides again.
        if record.info.pop(_READING, None) and dbapi_connection is not None \
                and not dbapi_connection.closed and dbapi_connection.info.transaction_status == 0:
            dbapi_connection.autocommit = False
