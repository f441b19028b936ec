"""The README's two PostgreSQL roles, done as written there: the owner runs the migrations, the
application's role reads and writes rows but cannot rewrite the audit log, nor switch off the
triggers that refuse it (migration 0017_refuse_rewriting)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bio_register import MIGRATIONS_DIR
from bio_register.audit import services as audit
from bio_register.extensions import db
from tests import dbutil, factories
from tests.conftest import make_app

pytestmark = [pytest.mark.committed, pytest.mark.postgresql]

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_sql() -> str:
    """The SQL block of the README's section on the database roles."""
    section = README.read_text(encoding="utf-8").split("### A database role that cannot rewrite the audit log", 1)[1]
    match = re.search(r"```sql\n(.*?)```", section, re.DOTALL)
    assert match, "README: the section on the database roles has no ```sql block"
    return match.group(1)


@pytest.fixture
def roles() -> Iterator[dict[str, str]]:
    """The README's statements run as the superuser, with names and passwords of this test's own."""
    if not dbutil.on_postgresql():
        pytest.skip("needs BIO_REGISTER_TEST_DATABASE_URL=postgresql://…")
    base = make_url(dbutil.configured_url() or "")
    suffix = secrets.token_hex(4)
    names = {"bio_owner": f"bio_owner_{suffix}", "bio_app": f"bio_app_{suffix}",
             "bio_register": f"bio_test_roles_{suffix}"}
    password = secrets.token_hex(16)
    sql = readme_sql().replace("'…'", f"'{password}'")
    for readme_name, name in names.items():
        sql = re.sub(rf"\b{readme_name}\b", name, sql)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    engine = admin
    try:
        for statement in (s.strip() for s in re.sub(r"--[^\n]*", "", sql).split(";")):
            if statement.startswith("\\c"):  # psql's \c: go on in the new database
                engine = create_engine(base.set(database=statement.split()[1]), isolation_level="AUTOCOMMIT")
                statement = statement.split("\n", 1)[1].strip() if "\n" in statement else ""
            if statement:
                with engine.connect() as conn:
                    conn.execute(text(statement))
        urls = {role: base.set(username=names[role], password=password, database=names["bio_register"])
                .render_as_string(hide_password=False) for role in ("bio_owner", "bio_app")}
        yield urls
    finally:
        if engine is not admin:
            engine.dispose()
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": names["bio_register"]})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{names["bio_register"]}"'))
            for role in ("bio_app", "bio_owner"):
                conn.execute(text(f'DROP ROLE IF EXISTS "{names[role]}"'))
        admin.dispose()


def test_the_application_role_writes_rows_but_cannot_rewrite_the_audit_log(
        roles: dict[str, str], tmp_path: Path) -> None:
    owner = make_app(roles["bio_owner"], str(tmp_path))
    with owner.app_context():
        try:
            upgrade(directory=str(MIGRATIONS_DIR))
        finally:
            db.session.remove()
            db.engine.dispose()

    app = make_app(roles["bio_app"], str(tmp_path))
    with app.app_context():
        try:
            # the application works: a new incident, audited, the chain head moved on
            factories.incident("DIE", title="Gemeld door de applicatierol")
            db.session.commit()
            assert audit.verify_chain().ok
            for statement, refusal in (
                    ("UPDATE audit_events SET action = 'gewist'", "UPDATE on audit_events refused"),
                    ("DELETE FROM reports", None),  # no rows: nothing to refuse, and no error
                    ("ALTER TABLE audit_events DISABLE TRIGGER audit_events_refuse_update_delete",
                     "must be owner of table audit_events"),
                    ("SET session_replication_role = replica", "permission denied"),
                    ("DROP TRIGGER audit_events_refuse_update_delete ON audit_events", "must be owner"),
                    ("TRUNCATE audit_events", "permission denied")):
                with db.engine.connect() as conn:
                    if refusal is None:
                        conn.execute(text(statement))
                        continue
                    with pytest.raises(DBAPIError, match=refusal):
                        conn.execute(text(statement))
            assert audit.verify_chain().ok
        finally:
            db.session.remove()
            db.engine.dispose()
