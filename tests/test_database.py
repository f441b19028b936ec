"""The database plumbing: liveness checks on pooled connections, and timestamps read back in UTC."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, exc, text
from sqlalchemy.dialects.postgresql import psycopg as pg_dialect

from bio_register.config import normalise_database_url
from bio_register.database import UTCDateTime, check_liveness
from tests import dbutil

on_postgresql = pytest.mark.skipif(not dbutil.on_postgresql(), reason="needs PostgreSQL: a server to lose")


def _terminate(backend_pid: int) -> None:
    """What a server restart or an administrator does to a pooled connection."""
    url = dbutil.configured_url()
    assert url
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (backend_pid,))
    time.sleep(0.1)


@pytest.fixture
def engine() -> Iterator[Engine]:
    url = dbutil.configured_url()
    assert url
    made = create_engine(normalise_database_url(url), pool_size=1, max_overflow=0)
    yield made
    made.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text("SELECT pg_backend_pid()")))


@pytest.mark.postgresql
@on_postgresql
def test_an_idle_connection_cut_by_the_server_is_replaced_before_use(engine: Engine) -> None:
    check_liveness(engine, idle_seconds=0.2)
    first = _backend_pid(engine)
    _terminate(first)
    time.sleep(0.3)  # idle for longer than the threshold: pinged, found dead, replaced
    assert _backend_pid(engine) != first


@pytest.mark.postgresql
@on_postgresql
def test_without_the_check_the_cut_connection_fails_the_next_use(engine: Engine) -> None:
    """The counterpart of the test above: what the check protects against."""
    _terminate(_backend_pid(engine))
    with pytest.raises(exc.OperationalError):
        _backend_pid(engine)


@pytest.mark.postgresql
@on_postgresql
def test_a_connection_in_use_a_moment_ago_is_not_pinged(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    pings: list[object] = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: pings.append(conn) or real_ping(conn))
    check_liveness(engine, idle_seconds=5)
    for _ in range(5):
        _backend_pid(engine)
    assert pings == []
    check_liveness(engine, idle_seconds=0)  # now every checkout after any idle time pings
    _backend_pid(engine)
    assert len(pings) == 1


@pytest.mark.postgresql
@on_postgresql
def test_postgresql_sessions_are_in_utc_and_timestamps_come_back_marked_utc(engine: Engine) -> None:
    with engine.connect() as connection:
        assert connection.scalar(text("SHOW TimeZone")) == "UTC"
        value = connection.scalar(text("SELECT TIMESTAMPTZ '2026-03-29 02:30:00+02'"))
    assert value == dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC) and value.tzinfo is dt.UTC


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "America/New_York"])
def test_utc_datetime_converts_a_timestamp_from_another_session_time_zone(zone: str) -> None:
    """Correctness never rests on the session time zone: another one gives the same instant, in UTC."""
    process = UTCDateTime().result_processor(pg_dialect.dialect(), None)
    local = dt.datetime(2026, 10, 25, 12, 30, tzinfo=ZoneInfo(zone))
    converted = process(local)
    assert converted == local and converted.tzinfo is dt.UTC
    assert process(None) is None


# --- read-only units of work run without a transaction (issue 23, item 2) ----------------------------

IDLE, INTRANS = psycopg.pq.TransactionStatus.IDLE, psycopg.pq.TransactionStatus.INTRANS


@pytest.fixture
def reading_engine(engine: Engine) -> Iterator[Engine]:
    from bio_register.database import read_without_transaction

    read_without_transaction(engine)
    with engine.connect() as connection:
        connection.execute(text("DROP TABLE IF EXISTS rwt_probe"))
        connection.execute(text("CREATE TABLE rwt_probe (id integer PRIMARY KEY)"))
        connection.commit()
    yield engine
    with engine.connect() as connection:
        connection.execute(text("DROP TABLE IF EXISTS rwt_probe"))
        connection.commit()


def _status(connection: Any) -> psycopg.pq.TransactionStatus:
    return connection.connection.dbapi_connection.info.transaction_status


@pytest.mark.postgresql
@on_postgresql
def test_a_unit_of_work_that_only_reads_opens_no_transaction(reading_engine: Engine) -> None:
    from sqlalchemy.orm import Session

    with Session(reading_engine) as session:
        assert session.scalar(text("SELECT count(*) FROM rwt_probe")) == 0
        assert _status(session.connection()) == IDLE  # no BEGIN was sent: nothing to COMMIT
        session.commit()


@pytest.mark.postgresql
@on_postgresql
def test_the_first_write_opens_the_transaction_and_a_rollback_undoes_all_of_it(reading_engine: Engine) -> None:
    from sqlalchemy.orm import Session

    with Session(reading_engine) as session:
        session.scalar(text("SELECT count(*) FROM rwt_probe"))
        session.execute(text("INSERT INTO rwt_probe VALUES (1)"))
        assert _status(session.connection()) == INTRANS
        session.execute(text("INSERT INTO rwt_probe VALUES (2)"))
        session.rollback()
        assert session.scalar(text("SELECT count(*) FROM rwt_probe")) == 0  # neither insert stayed
        session.execute(text("INSERT INTO rwt_probe VALUES (3)"))
        session.commit()
    with reading_engine.connect() as connection:
        assert connection.scalar(text("SELECT array_agg(id) FROM rwt_probe")) == [3]
        # back in the pool the connection is as it was: not in autocommit
    with reading_engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        connection.execute(text("INSERT INTO rwt_probe VALUES (4)"))
        assert not raw.autocommit
        connection.rollback()


@pytest.mark.postgresql
@on_postgresql
@pytest.mark.parametrize("statement", [
    "SELECT id FROM rwt_probe FOR UPDATE",
    "SELECT pg_advisory_xact_lock(42)",
    "WITH gone AS (DELETE FROM rwt_probe RETURNING id) SELECT count(*) FROM gone",
])
def test_a_select_that_locks_or_writes_runs_in_the_transaction(reading_engine: Engine, statement: str) -> None:
    with reading_engine.connect() as connection:
        connection.execute(text(statement))
        assert _status(connection) == INTRANS
        connection.rollback()


@pytest.mark.postgresql
@on_postgresql
def test_a_chosen_isolation_level_and_server_side_cursors_keep_their_transaction(reading_engine: Engine) -> None:
    with reading_engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        assert connection.scalar(text("SHOW transaction_isolation")) == "repeatable read"
        assert _status(connection) == INTRANS
        connection.rollback()
    with reading_engine.connect() as connection:  # DECLARE CURSOR needs a transaction block
        rows = connection.execution_options(stream_results=True, max_row_buffer=2).execute(
            text("SELECT generate_series(1, 5)")).scalars().all()
        assert rows == [1, 2, 3, 4, 5]
