from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from bio_register.accounts import services as accounts
from bio_register.accounts.models import Membership, User
from bio_register.demo import DEMO_USERS
from bio_register.extensions import db
from bio_register.organisations.models import Organisation
from bio_register.permissions import Role
from tests import dbutil, factories
from tests.api.test_api_base import bearer


@pytest.fixture(autouse=True)
def _schema_is_current(monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite, `upgrade` in the CLI would open a second connection whose BEGIN IMMEDIATE waits
    for the test's open write transaction ("database is locked"); the schema is at head already."""
    if not dbutil.on_postgresql():
        monkeypatch.setattr("bio_register.cli.run_migrations", lambda: None)


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["bio", *args])


def test_demo_creates_duo_and_the_three_municipalities_with_a_user_per_role(app: Flask) -> None:
    result = run(app, "demo")
    assert result.exit_code == 0, result.output
    codes = set(db.session.scalars(select(Organisation.code)))
    assert {"DUO", "DIE", "OA", "UIT"} <= codes
    roles = set(db.session.scalars(select(Membership.role).join(Membership.user)
                                   .where(User.email.like("%@demo.bio-register.nl"))))
    assert roles == set(Role)
    # every printed password logs in
    for email, _name, _roles in DEMO_USERS:
        match = re.search(rf"{re.escape(email)}\s+(\S+)", result.output)
        assert match, email
        assert accounts.authenticate(email, match.group(1)) is not None


def test_demo_runs_twice_without_duplicates_and_gives_new_passwords(app: Flask) -> None:
    first = run(app, "demo").output
    second = run(app, "demo")
    assert second.exit_code == 0, second.output
    assert second.output != first
    assert db.session.scalar(select(func.count()).select_from(Organisation).where(
        Organisation.code.in_(["DUO", "DIE", "OA", "UIT"]))) == 4


def test_create_user_with_roles(app: Flask) -> None:
    factories.organisation("DIE")
    result = run(app, "create-user", "--email", "Nieuw@Diemen.nl", "--name", "Nieuwe Collega",
                 "--role", "fg:die", "--role", "ciso:DIE")
    assert result.exit_code == 0, result.output
    password = re.search(r"Wachtwoord: (\S+)", result.output).group(1)
    user = accounts.authenticate("nieuw@diemen.nl", password)
    assert user is not None
    assert sorted(m.role for m in user.memberships) == ["ciso", "fg"]


def test_create_user_refuses_bad_input_and_saves_nothing(app: Flask) -> None:
    factories.organisation("DIE")
    bad_role = run(app, "create-user", "--email", "a@b.nl", "--name", "A", "--role", "koning:DIE")
    assert bad_role.exit_code != 0 and "Onbekende rol" in bad_role.output
    bad_org = run(app, "create-user", "--email", "a@b.nl", "--name", "A", "--role", "fg:XYZ")
    assert bad_org.exit_code != 0 and "Onbekende organisatie" in bad_org.output
    bad_email = run(app, "create-user", "--email", "geen-adres", "--name", "A")
    assert bad_email.exit_code != 0 and "e-mailadres" in bad_email.output
    short = run(app, "create-user", "--email", "c@d.nl", "--name", "C", "--password", "kort")
    assert short.exit_code != 0 and "12 tekens" in short.output
    assert accounts.find_user_by_email("a@b.nl") is None
    assert "Traceback" not in bad_role.output + bad_org.output + bad_email.output


def test_create_token_prints_a_working_token_once(app: Flask) -> None:
    user = factories.user([("fg", "DIE")])
    result = app.test_cli_runner().invoke(args=["bio", "create-token", "--email", user.email,
                                                "--name", "rapportage"])
    assert result.exit_code == 0, result.output
    secret = result.output.splitlines()[0]
    assert secret.startswith("bior_")
    assert app.test_client().get("/api/v1/me", headers=bearer(secret)).get_json()["email"] == user.email
    # only a hash is stored
    assert all(secret not in (t.token_hash, t.prefix) for t in user.tokens)


def test_create_token_for_unknown_user(app: Flask) -> None:
    result = run(app, "create-token", "--email", "niemand@example.nl", "--name", "x")
    assert result.exit_code != 0 and "Onbekende gebruiker" in result.output


def test_load_cbw_criteria_loads_the_shipped_set_and_a_new_version_once(app: Flask, tmp_path) -> None:
    import json

    from bio_register.breaches import cbw

    result = run(app, "load-cbw-criteria")
    assert result.exit_code == 0, result.output
    assert "versie NIS2-art23-3-v1: geladen" in result.output
    data = {**cbw.shipped_criteria(), "version": "regeling-2027"}
    data["questions"] = [dict(q, threshold=50000) if q["id"] == "users_affected" else q for q in data["questions"]]
    path = tmp_path / "criteria.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert "regeling-2027: geladen" in run(app, "load-cbw-criteria", str(path)).output
    assert "regeling-2027: al aanwezig" in run(app, "load-cbw-criteria", str(path)).output
    assert cbw.current_criteria().version == "regeling-2027"
    path.write_text(json.dumps({**data, "title": "Anders"}), encoding="utf-8")
    refused = run(app, "load-cbw-criteria", str(path))
    assert refused.exit_code != 0 and "nieuw versienummer" in refused.output
    path.write_text("{niet json", encoding="utf-8")
    assert run(app, "load-cbw-criteria", str(path)).exit_code != 0


def test_console_script_lists_the_commands() -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", "from bio_register.cli import main; main()", "--help"],
                         capture_output=True, text=True, check=True).stdout
    for command in ("init", "serve", "demo", "create-user", "create-token", "verify-audit"):
        assert command in out
