"""Migration 0013_hierarchy_scope: beheerder and concern control stop acting installation-wide, and an
existing installation keeps working (see the migration's docstring for the choice made)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import select, text

from bio_register import MIGRATIONS_DIR
from bio_register.audit.models import AuditEvent
from bio_register.audit.services import verify_chain
from bio_register.extensions import db
from bio_register.organisations.models import Organisation
from tests import dbutil
from tests.conftest import make_app

pytestmark = pytest.mark.committed

REVISION = "0013_hierarchy_scope"


def _previous_revision() -> str:
    previous = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(REVISION).down_revision
    assert isinstance(previous, str)
    return previous


def _insert(conn, table: str, **values) -> int:
    columns = ", ".join(values)
    params = ", ".join(f":{key}" for key in values)
    conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({params})"), values)
    return conn.execute(text(f"SELECT max(id) FROM {table}")).scalar_one()


def test_a_tree_without_a_top_level_holder_keeps_its_reach_and_one_with_one_narrows(tmp_path: Path) -> None:
    with dbutil.fresh_database(tmp_path) as url:
        app = make_app(url, str(tmp_path))
        with app.app_context():
            try:
                upgrade(directory=str(MIGRATIONS_DIR), revision=_previous_revision())
                now = dt.datetime(2026, 11, 1, 12, 0)
                with db.engine.begin() as conn:
                    def org(code: str, parent: int | None) -> int:
                        return _insert(conn, "organisations", code=code, name=f"Organisatie {code}",
                                       reference_prefix=code, parent_id=parent, created_at=now,
                                       two_factor_required=False)

                    def user(email: str) -> int:
                        return _insert(conn, "users", email=email, name=email, active=True, auth_version=1,
                                       created_at=now)

                    duo = org("DUO", None)
                    die, oa = org("DIE", duo), org("OA", duo)
                    other = org("ABC", None)
                    abc1 = org("ABC1", other)
                    lonely = org("SOLO", None)
                    for email, org_id, role in [
                        ("beheer.die@x.nl", die, "beheerder"),      # DUO's tree: nobody at the top
                        ("cc.oa@x.nl", oa, "concern_control"),
                        ("vo.die@x.nl", die, "verbindingsofficier"),
                        ("beheer.abc@x.nl", other, "beheerder"),    # ABC's tree: someone at the top
                        ("beheer.abc1@x.nl", abc1, "beheerder"),
                    ]:
                        _insert(conn, "memberships", user_id=user(email), organisation_id=org_id, role=role,
                                created_at=now)

                upgrade(directory=str(MIGRATIONS_DIR), revision=REVISION)

                # plain SQL: the ORM models are those of the newest schema, not of this revision's
                held = {tuple(row) for row in db.session.execute(text(
                    "SELECT u.email, o.code, m.role FROM memberships m JOIN users u ON u.id = m.user_id "
                    "JOIN organisations o ON o.id = m.organisation_id"))}
                assert held == {
                    ("beheer.die@x.nl", "DIE", "beheerder"), ("beheer.die@x.nl", "DUO", "beheerder"),
                    ("cc.oa@x.nl", "OA", "concern_control"), ("cc.oa@x.nl", "DUO", "concern_control"),
                    ("vo.die@x.nl", "DIE", "verbindingsofficier"),
                    ("beheer.abc@x.nl", "ABC", "beheerder"), ("beheer.abc1@x.nl", "ABC1", "beheerder"),
                }
                # audited, and the chain still verifies
                events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
                assert [(e.entity, e.action, e.actor_label) for e in events] == [
                    ("membership", "create", "migratie 0013_hierarchy_scope")] * 2
                assert '"role": {"after": "beheerder", "before": null}' in events[0].changes
                report = verify_chain()
                assert report.ok and report.checked == 2, report.problem
                assert db.session.scalar(select(Organisation.id).where(Organisation.code == "SOLO")) == lonely
                assert db.session.scalar(text("SELECT id FROM users WHERE email = 'vo.die@x.nl'"))
            finally:
                db.session.remove()
                db.engine.dispose()
