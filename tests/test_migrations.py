from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from bio_register import MIGRATIONS_DIR
from bio_register.audit.models import AuditChainHead
from bio_register.extensions import db
from tests import dbutil
from tests.conftest import make_app

pytestmark = [
    pytest.mark.committed,
    # SQLite's reflection cannot read an index on expressions (ix_incidents_ap_clock), so autogenerate
    # compares it on PostgreSQL only
    pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index"),
    pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index"),
]


def _tables() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade(tmp_path: Path) -> None:
    with dbutil.fresh_database(tmp_path) as url:
        app = make_app(url, str(tmp_path))
        with app.app_context():
            try:
                upgrade(directory=str(MIGRATIONS_DIR))
                created = _tables()
                assert {"users", "organisations", "memberships", "api_tokens", "audit_events",
                        "audit_chain_head"} <= created
                assert db.session.get(AuditChainHead, 1).seq == 0
                db.session.rollback()

                downgrade(directory=str(MIGRATIONS_DIR), revision="base")
                assert _tables() == set()

                upgrade(directory=str(MIGRATIONS_DIR))
                assert _tables() == created
            finally:
                db.session.remove()
                db.engine.dispose()


def _include_object(dialect: str) -> Any:
    """PostgreSQL-only indexes (``postgresql_using``, e.g. the pg_trgm GIN indexes for search) are
    made by the migration on PostgreSQL only; elsewhere the models declare them but the database
    rightly lacks them."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "index" and dialect != "postgresql" and not reflected:
            return not obj.dialect_options["postgresql"]["using"]
        return True

    return include


def test_postgresql_only_indexes_exist_where_they_should(tmp_path: Path) -> None:
    with dbutil.fresh_database(tmp_path) as url:
        app = make_app(url, str(tmp_path))
        with app.app_context():
            try:
                upgrade(directory=str(MIGRATIONS_DIR))
                names = {i["name"] for i in inspect(db.engine).get_indexes("incidents")}
                trgm = {"ix_incidents_title_trgm", "ix_incidents_description_trgm", "ix_incidents_reference_trgm"}
                assert "ix_incidents_organisation_id_status_discovered_at" in names
                if db.engine.dialect.name == "postgresql":
                    assert trgm <= names
                else:
                    assert not trgm & names
            finally:
                db.session.remove()
                db.engine.dispose()


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    """An autogenerate after ``upgrade head`` finds nothing: no model change lacks a migration."""
    with dbutil.fresh_database(tmp_path) as url:
        app = make_app(url, str(tmp_path))
        with app.app_context():
            try:
                upgrade(directory=str(MIGRATIONS_DIR))
                with db.engine.connect() as conn:
                    context = MigrationContext.configure(conn, opts={
                        "compare_type": True, "include_object": _include_object(conn.dialect.name)})
                    assert compare_metadata(context, db.metadata) == []
            finally:
                db.session.remove()
                db.engine.dispose()


def test_migration_files_are_named_descriptively() -> None:
    names = sorted(p.name for p in (MIGRATIONS_DIR / "versions").glob("*.py"))
    assert names
    for name in names:
        date, _, rest = name.partition("_")
        assert len(date) == 8 and date.isdigit(), name
        assert len(rest.removesuffix(".py")) > 10, name


def test_app_does_not_create_tables_itself(tmp_path: Path) -> None:
    """Creating the app on an empty database leaves it empty: only Alembic makes tables."""
    with dbutil.fresh_database(tmp_path) as url:
        app = make_app(url, str(tmp_path))
        with app.app_context():
            try:
                app.test_client().get("/health")
                assert _tables() == set()
                assert db.session.scalar(select(1)) == 1
            finally:
                db.session.remove()
                db.engine.dispose()
