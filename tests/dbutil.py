"""Test databases: the shared one (rolled back per test) and fresh ones for tests that commit."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, scoped_session

from bio_register.config import normalise_database_url

ENV_URL = "BIO_REGISTER_TEST_DATABASE_URL"


def configured_url() -> str | None:
    url = os.environ.get(ENV_URL)
    return normalise_database_url(url) if url else None


def use_worker_database() -> None:
    """Under pytest-xdist (``-n auto``) each worker gets a PostgreSQL database of its own, named after
    the configured one (``bio_test`` → ``bio_test_gw0``, created if missing), and every test of that
    worker uses it: the shared test database is emptied and rebuilt at the start of a run, which two
    workers must not do to each other. SQLite needs nothing: each worker has its own temporary folder."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    base = configured_url()
    if not worker or not base or not base.startswith("postgresql"):
        return
    url = make_url(base)
    name = f"{url.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}) is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    os.environ[ENV_URL] = url.set(database=name).render_as_string(hide_password=False)


def on_postgresql() -> bool:
    url = configured_url()
    return bool(url) and url.startswith("postgresql")


def reset_postgresql_schema(url: str) -> None:
    """Empty the test database: the suite builds its schema with ``upgrade head``."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@contextlib.contextmanager
def fresh_database(tmp_dir: Path) -> Iterator[str]:
    """A new, empty database of the configured kind; dropped afterwards."""
    base = configured_url()
    if base and base.startswith("postgresql"):
        name = f"bio_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(base).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            admin.dispose()
    else:
        yield f"sqlite:///{tmp_dir / f'fresh-{uuid.uuid4().hex[:8]}.sqlite3'}"


@contextlib.contextmanager
def as_attacker(session: Session | scoped_session[Session]) -> Iterator[None]:
    """Rewrite the audit log or the report archive as an attacker with superuser rights would.

    On PostgreSQL the triggers of migration 0017 refuse UPDATE, DELETE and TRUNCATE of those rows;
    a superuser (the tests connect as one) can switch triggers off for its own transaction, and
    that is what the tests that simulate tampering do. Only the statements inside are affected.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.execute(text("SET LOCAL session_replication_role = replica"))
    yield  # after an error the transaction is rolled back, and the setting with it
    session.execute(text("SET LOCAL session_replication_role = origin"))
