"""`bio-register backup` and `restore`: a real round trip on SQLite and on PostgreSQL (pg_dump and
pg_restore), the signed manifest, refusals that leave the database untouched, and the checks after
a restore."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from bio_register import __version__, backup
from bio_register.audit import services as audit
from bio_register.audit.models import AuditChainHead, AuditEvent
from bio_register.breaches.models import ApDecision
from bio_register.extensions import db
from bio_register.incidents.models import Incident
from bio_register.reporting import services as reporting
from bio_register.reporting.models import Report
from tests import dbutil, factories
from tests.conftest import make_app

pytestmark = pytest.mark.committed

#: the back-up key of every application in these tests (source and target alike), unless a test says
BACKUP_KEY = "test-back-up-key-0123456789-abcdefghijklmnop"


def _pg_tools_or_skip() -> None:
    missing = [name for name in ("pg_dump", "pg_restore") if shutil.which(name) is None]
    if missing and not os.environ.get("CI"):
        pytest.skip(f"{', '.join(missing)} not installed (apt-get install postgresql-client); required on CI")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def kind(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        if not dbutil.on_postgresql():
            pytest.skip("needs BIO_REGISTER_TEST_DATABASE_URL=postgresql://…")
        _pg_tools_or_skip()
    return request.param


@contextlib.contextmanager
def empty_database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "postgresql":
        with dbutil.fresh_database(folder) as url:
            yield url
    else:
        folder.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{folder / 'bio_register.sqlite3'}"


@contextlib.contextmanager
def application(kind: str, folder: Path, *, migrate: bool = False, backup_key: str = BACKUP_KEY) -> Iterator[Flask]:
    """An application on a new, empty database of ``kind``, with its own instance folder."""
    with empty_database(kind, folder) as url:
        app = make_app(url, str(folder), BACKUP_KEY=backup_key)
        if migrate:
            with app.app_context():
                upgrade(directory=app.extensions["migrate"].directory)
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def fill(app: Flask) -> dict[str, Any]:
    """Real data through the services: incidents, a datalek with the FG's decision, a maatregel and a
    report PDF; every change audited. Returns what a user would look for after a restore."""
    with app.app_context():
        try:
            factories.incident("DIE", title="Phishingmail bij burgerzaken")
            factories.incident("OA", title="Laptop kwijt", status="in_behandeling")
            datalek = factories.incident("DIE", title="Brief naar verkeerd adres", is_datalek=True)
            factories.decide_not_to_notify(datalek)
            factories.measure("DIE", title="Bewustwordingstraining")
            report = reporting.generate("monthly", "2026-10", "DIE", actor_label="test")
            db.session.commit()
            report_sha = hashlib.sha256(report.pdf).hexdigest()
        finally:
            db.session.remove()
    return snapshot(app) | {"report_sha": report_sha}


def snapshot(app: Flask) -> dict[str, Any]:
    # first, on a connection of its own: on SQLite every transaction takes the write lock
    inventory = backup.database_inventory(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        try:
            return {
                "references": sorted(db.session.scalars(select(Incident.reference))),
                "motivations": list(db.session.scalars(select(ApDecision.motivation))),
                "report_shas": [hashlib.sha256(pdf).hexdigest() for pdf in db.session.scalars(select(Report.pdf))],
                "inventory": inventory,
            }
        finally:
            db.session.remove()


def cli(app: Flask, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(args=["bio", *args], input=input)


def manifest_of(path: Path) -> dict[str, Any]:
    with tarfile.open(path) as archive:
        return json.loads(archive.extractfile(MANIFEST).read())


MANIFEST = "manifest.json"


def rewrite(path: Path, change_manifest=None, change_dump=None, *, sign_with: str | None = None) -> None:
    """Write the archive again with a changed manifest and/or dump (sha256 left as it was); with
    ``sign_with``, the changed manifest signed again with that key (to reach the checks after the
    signature's)."""
    with tarfile.open(path) as archive:
        members = [(m, archive.extractfile(m).read()) for m in archive.getmembers()]
    with tarfile.open(path, "w") as archive:
        for member, data in members:
            if member.name == MANIFEST and change_manifest:
                manifest = json.loads(data)
                change_manifest(manifest)
                if sign_with:
                    manifest = backup.sign(manifest, sign_with.encode())
                data = json.dumps(manifest).encode()
            elif member.name != MANIFEST and change_dump:
                data = change_dump(data)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))


@contextlib.contextmanager
def backed_up(kind: str, tmp_path: Path) -> Iterator[tuple[Flask, dict[str, Any], Path]]:
    """A filled source database of ``kind`` and a back-up of it made with the command."""
    with application(kind, tmp_path / "source", migrate=True) as source:
        expected = fill(source)
        archive = tmp_path / "b" / "backup.tar"
        result = cli(source, "backup", str(archive))
        assert result.exit_code == 0, result.output
        assert f"Back-up geschreven: {archive}" in result.output
        yield source, expected, archive


@pytest.fixture
def made(kind: str, tmp_path: Path) -> Iterator[tuple[Flask, dict[str, Any], Path]]:
    with backed_up(kind, tmp_path) as result:
        yield result


@pytest.fixture
def sqlite_made(tmp_path: Path) -> Iterator[tuple[Flask, dict[str, Any], Path]]:
    """For checks that do not depend on the kind of database."""
    with backed_up("sqlite", tmp_path) as result:
        yield result


# --- the round trip -----------------------------------------------------------------------------

def test_backup_then_restore_into_a_fresh_database_gives_the_same_data(
        kind: str, made: tuple[Flask, dict[str, Any], Path], tmp_path: Path) -> None:
    _, expected, archive = made
    manifest = manifest_of(archive)
    inventory: backup.Inventory = expected["inventory"]
    assert manifest["database"] == kind and manifest["tool_version"] == __version__
    assert manifest["tables"] == inventory.tables and inventory.tables["incidents"] == 3
    assert manifest["alembic_revision"] == inventory.alembic_revision is not None
    assert manifest["audit_chain_head"] == inventory.audit_head and inventory.audit_head["seq"] > 10
    with tarfile.open(archive) as tar:
        dump = tar.extractfile(manifest["dump"]["name"]).read()
    assert hashlib.sha256(dump).hexdigest() == manifest["dump"]["sha256"]
    assert oct(archive.stat().st_mode & 0o777) == oct(0o600)  # personal data: readable by the owner only
    # signed with the back-up key, which is not in the archive
    assert manifest["signature"]["algorithm"] == "HMAC-SHA256"
    backup.verify_signature(manifest, BACKUP_KEY.encode(), archive)
    assert BACKUP_KEY.encode() not in archive.read_bytes()

    with application(kind, tmp_path / "target") as target:
        result = cli(target, "restore", str(archive))
        assert result.exit_code == 0, result.output
        assert "Teruggezet en gecontroleerd" in result.output
        assert f"auditlog in orde ({inventory.audit_head['seq']} gebeurtenissen)" in result.output
        restored = snapshot(target)
        assert restored["inventory"] == inventory
        assert restored["references"] == expected["references"]
        assert restored["motivations"] == ["Geen risico voor betrokkenen (test)."]
        assert restored["report_shas"] == [expected["report_sha"]]
        verified = cli(target, "verify-audit")
        assert verified.exit_code == 0 and "Auditlog in orde" in verified.output
        # the restored database is a working one: the chain goes on from the restored head
        with target.app_context():
            factories.incident("DIE", title="Na het terugzetten")
            assert audit.verify_chain().ok
            db.session.remove()


def test_backup_without_a_path_goes_to_the_instance_backups_folder(kind: str, tmp_path: Path) -> None:
    with application(kind, tmp_path / "inst", migrate=True) as app:
        first, second = cli(app, "backup"), cli(app, "backup")
        assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
        made = sorted((tmp_path / "inst" / "backups").iterdir())
        assert len(made) == 2  # two in the same second do not overwrite each other
        assert all(p.name.startswith("bio-register-") and p.suffix == ".tar" for p in made)
        assert manifest_of(made[0])["database"] == kind
        folder = cli(app, "backup", f"{tmp_path / 'nieuw'}/")  # a folder that does not exist yet
        assert folder.exit_code == 0, folder.output
        assert [p.name[:13] for p in (tmp_path / "nieuw").iterdir()] == ["bio-register-"]


def test_a_failed_backup_leaves_no_file_and_keeps_an_older_one(
        kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with application(kind, tmp_path / "inst", migrate=True) as app:
        archive = tmp_path / "out" / "nightly.tar"
        assert cli(app, "backup", str(archive)).exit_code == 0
        good = archive.read_bytes()

        def disk_full(fd: int) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(backup.os, "fsync", disk_full)
        result = cli(app, "backup", str(archive))
        assert result.exit_code == 1
        assert "schrijven mislukte" in result.output and "No space left" in result.output
        assert "Traceback" not in result.output
        assert archive.read_bytes() == good
        assert [p.name for p in archive.parent.iterdir()] == ["nightly.tar"]  # no partial file left


def test_a_backup_made_while_the_application_writes_is_consistent(kind: str, tmp_path: Path) -> None:
    """One consistent state (SQLite's online backup API; pg_dump of the manifest's own snapshot):
    the row counts, the chain head and the events agree while a writer keeps appending."""
    with application(kind, tmp_path / "source", migrate=True) as source:
        stop = threading.Event()
        written = [0]

        def writer() -> None:
            with source.app_context():
                while not stop.is_set() and written[0] < 5000:
                    audit.record(None, "test", written[0], "create", actor_label="writer")
                    db.session.commit()
                    written[0] += 1
                db.session.remove()

        def wait_for_writes(at_least: int) -> None:
            for _ in range(1000):
                if written[0] >= at_least:
                    return
                stop.wait(0.01)

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            archives = []
            for i in range(3):
                wait_for_writes(written[0] + 3)
                archives.append(tmp_path / f"b{i}.tar")
                assert cli(source, "backup", str(archives[-1])).exit_code == 0
        finally:
            stop.set()
            thread.join(timeout=60)
        heads = [manifest_of(archive)["audit_chain_head"]["seq"] for archive in archives]
        assert heads == sorted(heads) and heads[-1] > heads[0]  # the writer really wrote in between
        for i, archive in enumerate(archives):
            with application(kind, tmp_path / f"target{i}") as target:
                result = cli(target, "restore", str(archive))
                assert result.exit_code == 0, result.output


def test_the_manifest_holds_the_audit_chain_head(made: tuple[Flask, dict[str, Any], Path]) -> None:
    source, _, archive = made
    with source.app_context():
        head = db.session.get(AuditChainHead, 1)
        expected = {"seq": head.seq, "hash": head.last_hash}
        db.session.remove()
    manifest = manifest_of(archive)
    assert manifest["audit_chain_head"] == expected and expected["seq"] > 10
    assert "audit_chain_head" in backup.canonical(manifest).decode()  # signed with the rest


# --- the signature: only a back-up made with our key is restored --------------------------------

def _alter_and_recompute(archive: Path) -> None:
    """What the penetration test did: change the dump, then put its new SHA-256 and size into the
    manifest, so that the checksum agrees again."""
    def change(data: bytes) -> bytes:
        return data[:-200] + bytes(b ^ 0xFF for b in data[-200:-199]) + data[-199:]

    with tarfile.open(archive) as tar:
        dump = change(tar.extractfile(manifest_of(archive)["dump"]["name"]).read())
    rewrite(archive, change_dump=change, change_manifest=lambda m: m["dump"].update(
        sha256=hashlib.sha256(dump).hexdigest(), size=len(dump)))


def test_a_backup_altered_with_its_hash_recomputed_is_refused_and_the_database_untouched(
        kind: str, made: tuple[Flask, dict[str, Any], Path], tmp_path: Path) -> None:
    source, _, archive = made
    _alter_and_recompute(archive)
    before = snapshot(source)
    with application(kind, tmp_path / "target") as target:
        result = cli(target, "restore", str(archive))
        assert result.exit_code == 1
        assert "De handtekening van de back-up" in result.output and "klopt niet" in result.output
        assert "er is niets teruggezet" in result.output and "Teruggezet" not in result.output
        assert backup.is_empty(target.config["SQLALCHEMY_DATABASE_URI"])
    # into a database with data, even with --force: refused before the safety back-up, nothing replaced
    replaced = cli(source, "restore", "--force", "--yes", str(archive))
    assert replaced.exit_code == 1 and "klopt niet" in replaced.output
    assert snapshot(source) == before
    assert not (tmp_path / "source" / "backups").exists()


def test_a_backup_without_a_signature_is_refused(
        sqlite_made: tuple[Flask, dict[str, Any], Path], tmp_path: Path) -> None:
    _, _, archive = sqlite_made
    rewrite(archive, change_manifest=lambda m: m.pop("signature"))
    with application("sqlite", tmp_path / "target") as target:
        result = cli(target, "restore", str(archive))
        assert result.exit_code == 1
        assert "is niet ondertekend" in result.output and "er is niets teruggezet" in result.output
        assert backup.is_empty(target.config["SQLALCHEMY_DATABASE_URI"])


def test_a_backup_made_with_another_key_is_refused_and_restores_with_that_key(
        kind: str, made: tuple[Flask, dict[str, Any], Path], tmp_path: Path) -> None:
    _, expected, archive = made
    other_key = "een-andere-sleutel-die-lang-genoeg-is-0123456789"
    with application(kind, tmp_path / "target", backup_key=other_key) as target:
        refused = cli(target, "restore", str(archive))
        assert refused.exit_code == 1
        assert "ondertekend met een andere sleutel" in refused.output
        assert f"sleutel-id {backup.key_id(BACKUP_KEY.encode())}" in refused.output
        assert backup.is_empty(target.config["SQLALCHEMY_DATABASE_URI"])

        key_file = tmp_path / "sleutel.txt"
        key_file.write_text(BACKUP_KEY + "\n")
        restored = cli(target, "restore", "--key-file", str(key_file), str(archive))
        assert restored.exit_code == 0, restored.output
        assert "Teruggezet en gecontroleerd" in restored.output
        assert snapshot(target)["references"] == expected["references"]


def test_without_a_backup_key_postgresql_makes_and_restores_nothing(tmp_path: Path) -> None:
    """Production (PostgreSQL) needs BIO_REGISTER_BACKUP_KEY: the commands say so and stop before
    they connect (the address below has no server)."""
    app = make_app("postgresql+psycopg://bio@127.0.0.1:1/bio_register", str(tmp_path / "inst"), BACKUP_KEY="")
    made = cli(app, "backup", str(tmp_path / "b.tar"))
    assert made.exit_code == 1
    assert "BIO_REGISTER_BACKUP_KEY is niet ingesteld" in made.output and "Traceback" not in made.output
    assert not (tmp_path / "b.tar").exists() and not (tmp_path / "inst" / "backup_key").exists()
    (tmp_path / "a.tar").write_bytes(b"")
    restored = cli(app, "restore", str(tmp_path / "a.tar"))
    assert restored.exit_code == 1 and "BIO_REGISTER_BACKUP_KEY is niet ingesteld" in restored.output
    short = make_app("postgresql+psycopg://bio@127.0.0.1:1/bio_register", str(tmp_path / "inst"),
                     BACKUP_KEY="kort")
    assert "te kort" in cli(short, "backup", str(tmp_path / "b.tar")).output


def test_on_sqlite_the_key_is_generated_into_the_instance_folder_never_into_the_backup(tmp_path: Path) -> None:
    with application("sqlite", tmp_path / "source", migrate=True, backup_key="") as source:
        fill(source)
        first, second = cli(source, "backup", str(tmp_path / "1.tar")), cli(source, "backup", str(tmp_path / "2.tar"))
        assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    key_file = tmp_path / "source" / "backup_key"
    key = key_file.read_text().strip()
    assert len(key) >= 32 and oct(key_file.stat().st_mode & 0o777) == oct(0o600)
    assert manifest_of(tmp_path / "1.tar")["signature"]["key_id"] == backup.key_id(key.encode())
    assert manifest_of(tmp_path / "2.tar")["signature"]["key_id"] == backup.key_id(key.encode())  # kept, not remade
    assert key.encode() not in (tmp_path / "1.tar").read_bytes()
    # another trial instance has a key of its own: it needs this one to restore the back-up
    with application("sqlite", tmp_path / "target", backup_key="") as target:
        refused = cli(target, "restore", str(tmp_path / "1.tar"))
        assert refused.exit_code == 1 and "andere sleutel" in refused.output
        restored = cli(target, "restore", "--key-file", str(key_file), str(tmp_path / "1.tar"))
        assert restored.exit_code == 0, restored.output


# --- refusals: nothing is touched ---------------------------------------------------------------

def test_a_tampered_dump_is_refused_and_nothing_is_restored(
        kind: str, made: tuple[Flask, dict[str, Any], Path], tmp_path: Path) -> None:
    _, _, archive = made
    rewrite(archive, change_dump=lambda data: data[:-200] + bytes(b ^ 0xFF for b in data[-200:-199]) + data[-199:])
    with application(kind, tmp_path / "target") as target:
        result = cli(target, "restore", str(archive))
        assert result.exit_code == 1
        assert "SHA-256" in result.output and "er is niets teruggezet" in result.output
        assert backup.is_empty(target.config["SQLALCHEMY_DATABASE_URI"])


def test_restore_into_a_database_that_is_not_empty_needs_force(
        kind: str, made: tuple[Flask, dict[str, Any], Path], tmp_path: Path) -> None:
    source, expected, archive = made
    with source.app_context():
        factories.incident("UIT", title="Na de back-up gemeld")
        db.session.remove()
    before = snapshot(source)

    refused = cli(source, "restore", str(archive))
    assert refused.exit_code == 1 and "niet leeg" in refused.output and "--force" in refused.output
    assert snapshot(source) == before

    declined = cli(source, "restore", "--force", str(archive), input="n\n")
    assert declined.exit_code == 1 and "vervangen door deze back-up?" in declined.output
    assert snapshot(source) == before

    replaced = cli(source, "restore", "--force", "--yes", str(archive))
    assert replaced.exit_code == 0, replaced.output
    after = snapshot(source)
    assert after["references"] == expected["references"]  # the incident logged after the back-up is gone
    assert after["inventory"] == expected["inventory"]
    # ... but not lost: the safety back-up made first holds it
    safety = [p for p in (tmp_path / "source" / "backups").iterdir() if p.name.startswith("voor-terugzetten-")]
    assert len(safety) == 1 and str(safety[0]) in replaced.output
    assert manifest_of(safety[0])["tables"]["incidents"] == 4


def test_restore_refuses_another_kind_of_database(made: tuple[Flask, dict[str, Any], Path], tmp_path: Path) -> None:
    _, _, archive = made
    kind = manifest_of(archive)["database"]
    other = "postgresql" if kind == "sqlite" else "sqlite"
    rewrite(archive, change_manifest=lambda m: m.update(
        database=other, dump={**m["dump"], "name": backup.DUMP_NAMES[other]}), sign_with=BACKUP_KEY)
    with application(kind, tmp_path / "target") as target:
        result = cli(target, "restore", str(archive))
        assert result.exit_code == 1
        assert "alleen in hetzelfde soort database" in result.output
        assert backup.is_empty(target.config["SQLALCHEMY_DATABASE_URI"])


@pytest.mark.postgresql
def test_a_sqlite_backup_is_refused_by_postgresql(tmp_path: Path) -> None:
    if not dbutil.on_postgresql():
        pytest.skip("needs BIO_REGISTER_TEST_DATABASE_URL=postgresql://…")
    with application("sqlite", tmp_path / "source", migrate=True) as source:
        assert cli(source, "backup", str(tmp_path / "s.tar")).exit_code == 0
    with application("postgresql", tmp_path / "target") as target:
        result = cli(target, "restore", str(tmp_path / "s.tar"))
        assert result.exit_code == 1
        assert "van een SQLite-database; de ingestelde database is PostgreSQL" in result.output


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    with application("sqlite", tmp_path / "target") as target:
        (tmp_path / "notes.tar").write_bytes(b"dit is geen tar-archief" * 100)
        result = cli(target, "restore", str(tmp_path / "notes.tar"))
        assert result.exit_code == 1 and "geen back-up van BIO-register" in result.output
        with tarfile.open(tmp_path / "other.tar", "w") as archive:
            archive.addfile(tarfile.TarInfo("readme.txt"), io.BytesIO(b""))
        result = cli(target, "restore", str(tmp_path / "other.tar"))
        assert result.exit_code == 1 and "geen manifest.json vooraan" in result.output
        assert "Traceback" not in result.output


def test_restore_refuses_a_backup_of_a_newer_version(
        sqlite_made: tuple[Flask, dict[str, Any], Path], tmp_path: Path) -> None:
    _, _, archive = sqlite_made
    rewrite(archive, change_manifest=lambda m: m.update(alembic_revision="9999_from_the_future"),
            sign_with=BACKUP_KEY)
    kind = manifest_of(archive)["database"]
    with application(kind, tmp_path / "target") as target:
        result = cli(target, "restore", str(archive))
        assert result.exit_code == 1 and "9999_from_the_future" in result.output
        assert backup.is_empty(target.config["SQLALCHEMY_DATABASE_URI"])


# --- checks after the restore -------------------------------------------------------------------

def test_row_counts_that_differ_from_the_manifest_fail_the_restore(
        kind: str, made: tuple[Flask, dict[str, Any], Path], tmp_path: Path) -> None:
    _, _, archive = made
    rewrite(archive, change_manifest=lambda m: m["tables"].update(incidents=m["tables"]["incidents"] + 1),
            sign_with=BACKUP_KEY)  # as if the manifest were wrong when made: the signature is no check of that
    with application(kind, tmp_path / "target") as target:
        result = cli(target, "restore", str(archive))
        assert result.exit_code == 2
        assert "klopt NIET met de back-up" in result.output
        assert "tabel incidents: 3 rijen, de back-up had er 4" in result.output


def test_a_broken_audit_chain_in_the_backup_fails_the_restore(kind: str, tmp_path: Path) -> None:
    with application(kind, tmp_path / "source", migrate=True) as source:
        fill(source)
        with source.app_context():
            with dbutil.as_attacker(db.session):  # PostgreSQL refuses it unless its triggers are off
                db.session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(action="gewijzigd"))
            db.session.commit()
            db.session.remove()
        assert cli(source, "backup", str(tmp_path / "b.tar")).exit_code == 0
    with application(kind, tmp_path / "target") as target:
        result = cli(target, "restore", str(tmp_path / "b.tar"))
        assert result.exit_code == 2
        assert "auditketen niet in orde na 2 goede gebeurtenissen" in result.output and "seq 3" in result.output


def test_a_register_changed_with_sql_before_the_backup_fails_the_restore(kind: str, tmp_path: Path) -> None:
    """The restore also lays the register next to its log (verify-audit's reconciliation)."""
    with application(kind, tmp_path / "source", migrate=True) as source:
        fill(source)
        with source.app_context():
            victim = db.session.scalar(select(Incident.id).order_by(Incident.id).limit(1))
            db.session.execute(update(Incident).where(Incident.id == victim).values(title="Stil aangepast"))
            db.session.commit()
            db.session.remove()
        assert cli(source, "backup", str(tmp_path / "b.tar")).exit_code == 0
    with application(kind, tmp_path / "target") as target:
        result = cli(target, "restore", str(tmp_path / "b.tar"))
        assert result.exit_code == 2, result.output
        assert f'register wijkt af van het auditlog: incidents {victim} title: database "Stil aangepast"' \
            in result.output

# --- PostgreSQL connection details and tools ----------------------------------------------------

def test_connection_details_go_to_libpq_environment_variables() -> None:
    env = backup.libpq_env("postgresql+psycopg://bio:ge%40heim@db.example:5433/bio_register?sslmode=verify-full",
                           base={"PATH": "/usr/bin", "PGPASSWORD": "oud", "PGHOST": "elders"})
    assert env == {"PATH": "/usr/bin", "PGHOST": "db.example", "PGPORT": "5433", "PGUSER": "bio",
                   "PGPASSWORD": "ge@heim", "PGDATABASE": "bio_register", "PGSSLMODE": "verify-full"}


def test_a_missing_pg_dump_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(backup.BackupError, match=r"pg_dump is niet gevonden.*postgresql-client"):
        backup.find_tool("pg_dump")


@pytest.mark.postgresql
def test_postgresql_backup_without_pg_dump_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not dbutil.on_postgresql():
        pytest.skip("needs BIO_REGISTER_TEST_DATABASE_URL=postgresql://…")
    with application("postgresql", tmp_path / "inst", migrate=True) as app:
        monkeypatch.setenv("PATH", str(tmp_path / "empty"))
        result = cli(app, "backup", str(tmp_path / "b.tar"))
        assert result.exit_code == 1 and "pg_dump is niet gevonden" in result.output
        assert not (tmp_path / "b.tar").exists()


@pytest.mark.postgresql
def test_the_password_never_reaches_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not dbutil.on_postgresql():
        pytest.skip("needs BIO_REGISTER_TEST_DATABASE_URL=postgresql://…")
    _pg_tools_or_skip()
    calls: list[tuple[list[str], dict[str, str]]] = []
    real_run = backup._run

    def recording(command: list[str], env: dict[str, str], what: str):
        calls.append((command, dict(env)))
        return real_run(command, env, what)

    monkeypatch.setattr(backup, "_run", recording)
    secret = "Zeer-Geheim-Wachtwoord-42"
    with empty_database("postgresql", tmp_path) as url:
        engine_url = make_url(url)
        with_password = engine_url.set(password=secret).render_as_string(hide_password=False)
        if engine_url.password:  # the test server asks for a password: keep the real one
            with_password, secret = url, engine_url.password
        made = backup.create_backup(with_password, tmp_path / "b.tar", key=BACKUP_KEY.encode())
    assert made.path.exists()
    assert calls and all(secret not in " ".join(command) for command, _ in calls)
    assert all(env["PGPASSWORD"] == secret for _, env in calls)


def test_sqlite_backup_is_a_plain_database_file(
        sqlite_made: tuple[Flask, dict[str, Any], Path], tmp_path: Path) -> None:
    _, _, archive = sqlite_made
    with tarfile.open(archive) as tar:
        (tmp_path / "copy.sqlite3").write_bytes(tar.extractfile("database.sqlite3").read())
    conn = sqlite3.connect(tmp_path / "copy.sqlite3")
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == 3
    finally:
        conn.close()
