"""Back-ups of the whole database, and restoring them.

A back-up is one uncompressed tar archive (``bio-register-20261122T073000Z.tar``) with two members:

- ``manifest.json`` (first): the format, the tool version, the database kind, the Alembic revision,
  the row count of every table, the audit chain head (seq and hash) and the SHA-256 of the dump,
  signed with HMAC-SHA256 under the back-up key;
- the dump: ``database.pgdump`` (``pg_dump --format=custom``) or ``database.sqlite3`` (a copy made
  with SQLite's online backup API).

The manifest describes exactly the data in the dump: on PostgreSQL it is computed in the
transaction whose snapshot ``pg_dump --snapshot`` dumps; on SQLite it is computed on the copy.
Archives are written to a temporary file beside the target and renamed into place, so a failed
back-up never leaves a half file that looks complete. Everything the application keeps (report
PDFs and attachments included) lives in the database, so one archive holds it all; only the
instance secret key (sessions and CSRF) is outside it.

The signature proves who made a back-up: the SHA-256 alone does not, since whoever can change the
dump can recompute it. The manifest is signed (:func:`sign`) with a key the operator keeps apart
from the back-ups (:func:`bio_register.config.backup_key`), never written into the archive, and a
restore refuses a back-up whose signature does not verify, or that has none, before it touches the
database (:func:`verify_signature`). The dump's SHA-256 is part of what is signed.

PostgreSQL connection details reach ``pg_dump``/``pg_restore`` through libpq's environment
variables (``PGPASSWORD`` and the like), never on the command line, where other users could read
them. These functions take plain arguments and know nothing of the command line; the CLI
(:mod:`bio_register.cli`) asks the questions and prints.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404 # runs pg_dump/pg_restore with an argument list, never a shell
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Sequence, column, create_engine, func, inspect, select, table
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import DropSequence

from bio_register import __version__

FORMAT = "bio-register-backup"
#: 2: the manifest is signed (``signature``) and names the chain head ``audit_chain_head``
FORMAT_VERSION = 2
MANIFEST_NAME = "manifest.json"
DUMP_NAMES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
KIND_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
MAX_MANIFEST_BYTES = 1024 * 1024
SIGNATURE = "signature"
SIGNATURE_ALGORITHM = "HMAC-SHA256"
CHUNK = 1024 * 1024

#: libpq reads these from the environment; URL query parameters are passed on under these names.
LIBPQ_QUERY_ENV = {
    "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL", "sslpassword": "PGSSLPASSWORD", "connect_timeout": "PGCONNECT_TIMEOUT",
    "target_session_attrs": "PGTARGETSESSIONATTRS", "gssencmode": "PGGSSENCMODE", "service": "PGSERVICE",
    "passfile": "PGPASSFILE", "options": "PGOPTIONS", "host": "PGHOST", "port": "PGPORT",
}


class BackupError(Exception):
    """A back-up or restore that cannot be done; ``message`` says why, in Dutch, for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotEmpty(BackupError):
    """The target database holds data and replacing it was not asked for."""


@dataclass(frozen=True)
class Inventory:
    """What a database holds, as recorded in (and compared with) the manifest."""

    tables: dict[str, int]
    alembic_revision: str | None
    audit_head: dict[str, Any] | None

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def as_manifest(self) -> dict[str, Any]:
        return {"alembic_revision": self.alembic_revision, "tables": dict(sorted(self.tables.items())),
                "audit_chain_head": self.audit_head}


@dataclass
class Backup:
    path: Path
    manifest: dict[str, Any]
    size: int = 0


@dataclass
class Verification:
    """The result of checking a restored database against its manifest."""

    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- database kinds and connection details ------------------------------------------------------

def database_kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in DUMP_NAMES:
        raise BackupError(f"Back-ups zijn er voor PostgreSQL en SQLite, niet voor {backend}.")
    return backend


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("Van een SQLite-database in het geheugen kan geen back-up worden gemaakt.")
    return Path(database)


def libpq_env(url: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for pg_dump/pg_restore: the URL's parts as libpq variables.

    The password goes into ``PGPASSWORD`` (only this child process sees it), never into argv.
    """
    parsed = make_url(url)
    env = dict(os.environ if base is None else base)
    for name in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGHOSTADDR", "PGSERVICE"):
        env.pop(name, None)  # only what the configured URL says
    values = {"PGHOST": parsed.host, "PGPORT": parsed.port, "PGUSER": parsed.username,
              "PGPASSWORD": parsed.password, "PGDATABASE": parsed.database}
    for key, value in parsed.query.items():
        if key in LIBPQ_QUERY_ENV:
            values[LIBPQ_QUERY_ENV[key]] = value if isinstance(value, str) else ",".join(value)
    env.update({name: str(value) for name, value in values.items() if value not in (None, "")})
    return env


def find_tool(name: str) -> str:
    """The full path of a PostgreSQL client program, or a clear message when it is missing."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"Het programma {name} is niet gevonden. Installeer de PostgreSQL-clientprogramma's "
            f"(Debian/Ubuntu: apt-get install postgresql-client), in de versie van de server of nieuwer, "
            f"en zorg dat {name} in PATH staat.")
    return found


def _run(command: list[str], env: Mapping[str, str], what: str) -> subprocess.CompletedProcess[str]:
    # A program found with shutil.which, an argument list and no shell; the connection details
    # and the password travel in the environment, not in argv.
    result = subprocess.run(  # noqa: S603  # nosec B603 # argument list, no shell, program from shutil.which
        command, env=dict(env), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip() or f"afsluitcode {result.returncode}"
        raise BackupError(f"{what} mislukte: {detail}")
    return result


def _engine(url: str) -> Engine:
    return create_engine(url, poolclass=NullPool)


@contextlib.contextmanager
def _connect(url: str, *, begin: bool = False) -> Iterator[Connection]:
    """A connection of its own (no pool), database errors turned into a message for the user."""
    engine = _engine(url)
    try:
        with engine.begin() if begin else engine.connect() as conn:
            yield conn
    except SQLAlchemyError as error:
        raise BackupError(f"De database gaf een fout: {_first_line(error)}") from error
    finally:
        engine.dispose()


# --- what a database holds ----------------------------------------------------------------------

def inventory(conn: Connection) -> Inventory:
    """Row counts per table, the Alembic revision and the audit chain head, read on ``conn``."""
    names = sorted(inspect(conn).get_table_names())
    tables = {name: conn.scalar(select(func.count()).select_from(table(name))) or 0 for name in names}
    revision = None
    if "alembic_version" in tables:
        revision = conn.scalar(select(column("version_num")).select_from(table("alembic_version")))
    head = None
    if "audit_chain_head" in tables:
        chain = table("audit_chain_head", column("id"), column("seq"), column("last_hash"))
        row = conn.execute(select(chain.c.seq, chain.c.last_hash).where(chain.c.id == 1)).first()
        if row is not None:
            head = {"seq": row.seq, "hash": row.last_hash}
    return Inventory(tables, revision, head)


def database_inventory(url: str) -> Inventory:
    with _connect(url) as conn:
        return inventory(conn)


def is_empty(url: str) -> bool:
    """True when the database has no tables at all (a new database, before ``bio-register init``)."""
    if database_kind(url) == "sqlite":
        path = sqlite_path(url)
        if not path.exists() or path.stat().st_size == 0:
            return True
    with _connect(url) as conn:
        return not inspect(conn).get_table_names()


# --- making a back-up ---------------------------------------------------------------------------

def default_path(folder: str | Path, now: dt.datetime | None = None, prefix: str = "bio-register") -> Path:
    """``<folder>/<prefix>-20261122T073000Z.tar`` (UTC), never the name of an existing file."""
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = Path(folder)
    path, n = folder / f"{prefix}-{stamp}.tar", 1
    while path.exists():
        n += 1
        path = folder / f"{prefix}-{stamp}-{n}.tar"
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def create_backup(url: str, target: Path, *, key: bytes, now: dt.datetime | None = None) -> Backup:
    """Back up the database at ``url`` into the archive ``target`` (replaced atomically if it exists),
    its manifest signed with ``key``."""
    kind = database_kind(url)
    now = now or dt.datetime.now(dt.UTC)
    target = Path(target)
    if target.is_dir():
        raise BackupError(f"{target} is een map; geef een bestandsnaam of laat het pad weg.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise BackupError(f"De map {target.parent} kan niet worden gemaakt: {error}") from error
    with tempfile.TemporaryDirectory(prefix=".bio-backup-", dir=target.parent) as work:
        dump = Path(work) / DUMP_NAMES[kind]
        if kind == "postgresql":
            found, tool = _dump_postgresql(url, dump)
        else:
            found, tool = _dump_sqlite(url, dump), None
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "tool": "bio-register",
            "tool_version": __version__,
            "created_at": now.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "database": kind,
            **found.as_manifest(),
            "dump": {"name": dump.name, "sha256": sha256_of(dump), "size": dump.stat().st_size,
                     "made_with": tool or f"SQLite {sqlite3.sqlite_version} online backup"},
        }
        manifest = sign(manifest, key)
        try:
            _write_archive(target, manifest, dump)
        except OSError as error:
            raise BackupError(f"Het back-upbestand {target} schrijven mislukte: {error}") from error
    return Backup(target, manifest, target.stat().st_size)


def _dump_postgresql(url: str, dump: Path) -> tuple[Inventory, str]:
    pg_dump = find_tool("pg_dump")
    env = libpq_env(url)
    version = _run([pg_dump, "--version"], env, "pg_dump --version").stdout.strip()
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                # pg_dump dumps exactly this transaction's snapshot, so the counts match the dump
                snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
                found = inventory(conn)
                _run([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={dump}"],
                     env, "pg_dump")
    except BackupError:
        raise
    except Exception as error:  # a connection refused, a wrong password: say so, no traceback
        raise BackupError(f"Verbinden met de database mislukte: {_first_line(error)}") from error
    finally:
        engine.dispose()
    # a dump pg_restore cannot read is no back-up
    _run([find_tool("pg_restore"), "--list", str(dump)], env, "Controle van de dump (pg_restore --list)")
    return found, version


def _dump_sqlite(url: str, dump: Path) -> Inventory:
    source_path = sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"De SQLite-database {source_path} bestaat niet.")
    source = sqlite3.connect(f"{source_path.resolve().as_uri()}?mode=ro", uri=True)
    copy = sqlite3.connect(dump)
    try:
        source.backup(copy)  # one step: a consistent copy even while the application writes
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
    except sqlite3.Error as error:
        raise BackupError(f"De SQLite-back-up mislukte: {error}") from error
    finally:
        copy.close()
        source.close()
    engine = _engine(f"sqlite:///{dump}")
    try:
        with engine.connect() as conn:
            found = inventory(conn)
    finally:
        engine.dispose()
    copy = sqlite3.connect(dump)
    try:
        copy.execute("PRAGMA journal_mode = DELETE")  # our engine hook switched the copy to WAL
    finally:
        copy.close()
    return found


def _write_archive(target: Path, manifest: dict[str, Any], dump: Path) -> None:
    """Write the tar to a temporary file beside ``target``, fsync it, then rename it into place."""
    fd, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            with tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT) as archive:
                data = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8") + b"\n"
                info = tarfile.TarInfo(MANIFEST_NAME)
                info.size, info.mtime, info.mode = len(data), int(dt.datetime.now(dt.UTC).timestamp()), 0o600
                archive.addfile(info, io.BytesIO(data))
                info = tarfile.TarInfo(dump.name)
                info.size, info.mtime, info.mode = dump.stat().st_size, info.mtime, 0o600
                with dump.open("rb") as content:
                    archive.addfile(info, content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        raise
    _fsync_directory(target.parent)


def _fsync_directory(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a directory be opened
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# --- the signature ------------------------------------------------------------------------------

def canonical(manifest: Mapping[str, Any]) -> bytes:
    """What is signed: the manifest without its signature, as JSON with sorted keys and no spaces."""
    unsigned = {name: value for name, value in manifest.items() if name != SIGNATURE}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def key_id(key: bytes) -> str:
    """A short name for a key that gives nothing of it away: says *which* key signed a back-up."""
    return hmac.new(key, b"bio-register backup key id", hashlib.sha256).hexdigest()[:16]


def sign(manifest: Mapping[str, Any], key: bytes) -> dict[str, Any]:
    """The manifest with its ``signature``: HMAC-SHA256 of :func:`canonical` under ``key``."""
    value = hmac.new(key, canonical(manifest), hashlib.sha256).hexdigest()
    return {**{name: v for name, v in manifest.items() if name != SIGNATURE},
            SIGNATURE: {"algorithm": SIGNATURE_ALGORITHM, "key_id": key_id(key), "value": value}}


def verify_signature(manifest: Mapping[str, Any], key: bytes, path: Path | str) -> None:
    """Refuse (BackupError) a manifest that is not signed, or not signed with ``key`` as it is now."""
    signature = manifest.get(SIGNATURE)
    refused = "Een back-up waarvan de handtekening niet klopt, wordt niet teruggezet; er is niets teruggezet."
    if not isinstance(signature, dict) or not isinstance(signature.get("value"), str):
        raise BackupError(
            f"De back-up {path} is niet ondertekend: hij is gemaakt met een versie van BIO-register van vóór "
            f"0.2.0, of de handtekening is verwijderd. {refused}")
    if signature.get("algorithm") != SIGNATURE_ALGORITHM:
        raise BackupError(f"De back-up {path} is ondertekend met {signature.get('algorithm')!r}, niet met "
                          f"{SIGNATURE_ALGORITHM}. {refused}")
    expected = hmac.new(key, canonical(manifest), hashlib.sha256).hexdigest()
    if hmac.compare_digest(expected.encode(), signature["value"].encode("utf-8")):
        return
    if signature.get("key_id") != key_id(key):
        raise BackupError(
            f"De handtekening van de back-up {path} klopt niet met de ingestelde back-upsleutel: hij is "
            f"ondertekend met een andere sleutel (sleutel-id {signature.get('key_id')}, de ingestelde is "
            f"{key_id(key)}), of hij is gewijzigd. Gebruik de sleutel waarmee hij is gemaakt "
            f"(BIO_REGISTER_BACKUP_KEY of --key-file). {refused}")
    raise BackupError(
        f"De handtekening van de back-up {path} klopt niet: het manifest of de dump is gewijzigd nadat de "
        f"back-up is gemaakt. {refused}")


# --- reading a back-up --------------------------------------------------------------------------

def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of a back-up archive, checked for form; BackupError when it is not one of ours."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"Back-upbestand {path} bestaat niet.")
    not_ours = f"{path} is geen back-up van BIO-register"
    try:
        with tarfile.open(path, mode="r:") as archive:
            first = archive.next()
            if first is None or first.name != MANIFEST_NAME or not first.isreg() or first.size > MAX_MANIFEST_BYTES:
                raise BackupError(f"{not_ours} (geen {MANIFEST_NAME} vooraan).")
            handle = archive.extractfile(first)
            if handle is None:
                raise BackupError(f"{not_ours} (geen {MANIFEST_NAME} vooraan).")
            manifest = json.loads(handle.read().decode("utf-8"))
    except (tarfile.TarError, OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"{not_ours} of het bestand is beschadigd ({error}).") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{not_ours} (onbekend formaat).")
    if not isinstance(manifest.get("format_version"), int) or manifest["format_version"] > FORMAT_VERSION:
        raise BackupError(f"{path} is gemaakt door een nieuwere versie van BIO-register "
                          f"(formaat {manifest.get('format_version')}); werk BIO-register eerst bij.")
    dump = manifest.get("dump")
    kind = manifest.get("database")
    if (kind not in DUMP_NAMES or not isinstance(dump, dict) or dump.get("name") != DUMP_NAMES[kind]
            or not isinstance(dump.get("sha256"), str) or not isinstance(manifest.get("tables"), dict)):
        raise BackupError(f"{not_ours} (het manifest is onvolledig).")
    return manifest


@contextlib.contextmanager
def extracted_dump(path: Path, manifest: Mapping[str, Any]) -> Iterator[Path]:
    """The dump copied out of the archive into a private temporary folder, its SHA-256 checked."""
    name, expected = manifest["dump"]["name"], manifest["dump"]["sha256"]
    with tempfile.TemporaryDirectory(prefix="bio-restore-") as work:
        out = Path(work) / name  # our own name, never a path from the archive
        digest = hashlib.sha256()
        found = False
        try:
            with tarfile.open(path, mode="r:") as archive:
                for member in archive:
                    if member.name != name or not member.isreg():
                        continue
                    source = archive.extractfile(member)
                    if source is None:
                        break
                    with out.open("wb") as sink:
                        while chunk := source.read(CHUNK):
                            digest.update(chunk)
                            sink.write(chunk)
                    found = True
                    break
        except (tarfile.TarError, OSError) as error:
            raise BackupError(f"Het back-upbestand {path} is beschadigd ({error}).") from error
        if not found:
            raise BackupError(f"Het back-upbestand {path} bevat geen {name}: het is onvolledig.")
        if digest.hexdigest() != expected:
            raise BackupError(
                f"De controle van de back-up faalt: de SHA-256 van {name} is {digest.hexdigest()}, het manifest "
                f"zegt {expected}. Het bestand is beschadigd of gewijzigd; er is niets teruggezet.")
        yield out


def check_kind(manifest: Mapping[str, Any], url: str) -> None:
    """Refuse to restore a PostgreSQL back-up into SQLite or the reverse."""
    source, target = manifest["database"], database_kind(url)
    if source != target:
        raise BackupError(
            f"Deze back-up is van een {KIND_NAMES[source]}-database; de ingestelde database is "
            f"{KIND_NAMES[target]}. Een back-up kan alleen in hetzelfde soort database worden teruggezet.")


# --- restoring ----------------------------------------------------------------------------------

def restore_backup(url: str, path: Path, *, key: bytes, replace: bool = False,
                   manifest: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Restore the archive at ``path`` into the database at ``url``.

    Refuses (``NotEmpty``) when the database has tables, unless ``replace``; checks the manifest's
    signature under ``key``, the dump's SHA-256 and the database kind before anything is touched.
    Returns the manifest.
    """
    manifest = dict(manifest or read_manifest(path))
    verify_signature(manifest, key, path)
    check_kind(manifest, url)
    with extracted_dump(path, manifest) as dump:
        empty = is_empty(url)
        if not empty and not replace:
            raise NotEmpty("De database is niet leeg. Zet een back-up terug in een nieuwe, lege database, "
                           "of vervang de inhoud met --force.")
        if manifest["database"] == "postgresql":
            _restore_postgresql(url, dump, empty=empty)
        else:
            _restore_sqlite(url, dump)
    return manifest


def _restore_postgresql(url: str, dump: Path, *, empty: bool) -> None:
    pg_restore = find_tool("pg_restore")
    env = libpq_env(url)
    database = make_url(url).database
    if not database:
        raise BackupError("De database-URL noemt geen database.")
    if not empty:
        _empty_postgresql(url)
    # one transaction: a restore that fails half-way leaves the database as empty as it was
    try:
        _run([pg_restore, "--no-password", "--single-transaction", "--exit-on-error", "--no-owner",
              "--no-privileges", f"--dbname={database}", str(dump)], env, "pg_restore")
    except BackupError as error:
        if not empty:
            raise BackupError(error.message + " De database is leeggemaakt.") from error
        raise


#: the current schema's own functions (not an extension's), as ``name(argument types)``, quoted
SCHEMA_FUNCTIONS = """
    SELECT p.oid::regprocedure::text FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = current_schema()
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                      AND d.objid = p.oid AND d.deptype = 'e')
"""


def _empty_postgresql(url: str) -> None:
    """Drop every table, view, sequence and function of the application's schema, in one transaction.

    The functions too: the dump creates them again (the trigger function of migration 0017), and
    ``pg_restore`` stops at one that already exists. Functions of extensions stay with them.
    """
    try:
        with _connect(url, begin=True) as conn:
            reflected = MetaData()
            reflected.reflect(conn, views=True)
            reflected.drop_all(conn)
            for name in inspect(conn).get_sequence_names():
                conn.execute(DropSequence(Sequence(name), if_exists=True))
            for signature in conn.exec_driver_sql(SCHEMA_FUNCTIONS).scalars().all():
                conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {signature}")
    except BackupError as error:
        raise BackupError(f"De bestaande inhoud verwijderen mislukte: {error.message}") from error


def _restore_sqlite(url: str, dump: Path) -> None:
    """Copy the dump into the database with the online backup API: all pages in one step, so
    the database holds either its old content or the restored one, never a mix."""
    target_path = sqlite_path(url)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"{dump.resolve().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)
    except sqlite3.Error as error:
        raise BackupError(f"Terugzetten in SQLite mislukte: {error}") from error
    finally:
        target.close()
        source.close()


def verify_restored(url: str, manifest: Mapping[str, Any]) -> Verification:
    """Compare the restored database with the manifest: tables, row counts, revision, audit head.

    The audit chain itself is recomputed by the caller with
    :func:`bio_register.audit.services.verify_chain` (it needs the application's session).
    """
    result = Verification()
    found = database_inventory(url)
    expected_tables: dict[str, int] = manifest["tables"]
    for name in sorted(set(expected_tables) | set(found.tables)):
        want, got = expected_tables.get(name), found.tables.get(name)
        if want is None:
            result.problems.append(f"tabel {name} staat niet in de back-up maar wel in de database")
        elif got is None:
            result.problems.append(f"tabel {name} ontbreekt (de back-up had {want} rijen)")
        elif want != got:
            result.problems.append(f"tabel {name}: {got} rijen, de back-up had er {want}")
    if found.alembic_revision != manifest.get("alembic_revision"):
        result.problems.append(f"databaseversie {found.alembic_revision}, de back-up had "
                               f"{manifest.get('alembic_revision')}")
    if found.audit_head != manifest.get("audit_chain_head"):
        result.problems.append(
            f"kop van de auditketen {found.audit_head}, de back-up had {manifest.get('audit_chain_head')}")
    return result
