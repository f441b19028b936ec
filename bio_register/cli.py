"""The ``bio-register`` command line (also available as ``flask bio …``)."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from bio_register import unit_of_work
from bio_register.errors import DomainError

bio = AppGroup("bio", help="BIO-register beheercommando's.")

def _current_app() -> Flask:
    """The application behind the ``current_app`` proxy (for code that keeps it beyond this context)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # LocalProxy's own method
    return app


def _fail(error: DomainError) -> NoReturn:
    raise click.ClickException(error.message)


def run_migrations() -> None:
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)


@bio.command("init")
def init_command() -> None:
    """Create or upgrade the database schema (Alembic: upgrade head) and load the BIO catalogs."""
    run_migrations()
    click.echo("Database is bijgewerkt tot de laatste versie.")
    _import_shipped_catalogs()


def _import_shipped_catalogs() -> None:
    from bio_register.compliance.catalogs import import_all
    from bio_register.extensions import db

    with unit_of_work.boundary(db.session):
        results = import_all(actor_label="cli")
    for key, created in results:
        click.echo(f"Catalogus {key}: {'geladen' if created else 'al aanwezig'}")


@bio.command("import-catalog")
@click.option("--catalog", "catalog_key", default=None,
              help="The catalog key (BIO-1.04, BIO2-1.3); default: every catalog shipped in controls/.")
@click.option("--texts", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="An XLSX or CSV with columns id and text: full texts from your own licensed copy.")
@click.option("--file", "catalog_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A new catalog version in the format of controls/ (JSON Lines), e.g. the next BIO2 version.")
def import_catalog_command(catalog_key: str | None, texts: Path | None, catalog_file: Path | None) -> None:
    """Load the BIO catalogs (idempotent), add full texts to one from a spreadsheet, or load a new
    catalog version from a file (checked first: a broken file is refused with its line, nothing stored)."""
    from bio_register.compliance.catalogs import import_catalog, import_mappings, import_texts
    from bio_register.extensions import db
    from controls import loader

    try:
        if catalog_file is not None:
            _import_catalog_file(catalog_file)
            return
        if texts is not None:
            if not catalog_key:
                raise click.UsageError("--texts needs --catalog (e.g. --catalog BIO2-1.3)")
            with unit_of_work.boundary(db.session):
                count = import_texts(catalog_key, texts)
            click.echo(f"{count} teksten toegevoegd aan {catalog_key}.")
            return
        if catalog_key is None:
            _import_shipped_catalogs()
            return
        if catalog_key not in loader.available_catalogs():
            raise click.ClickException(
                f"Onbekende catalogus {catalog_key}; beschikbaar: {', '.join(loader.available_catalogs())}")
        with unit_of_work.boundary(db.session):
            row, created = import_catalog(loader.load_catalog(catalog_key))
            import_mappings(loader.load_mapping())
        click.echo(f"Catalogus {row.key}: {'geladen' if created else 'al aanwezig'}")
    except DomainError as error:
        _fail(error)


@bio.command("load-cbw-criteria")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
def load_cbw_criteria_command(path: Path | None) -> None:
    """Load a version of the Cbw significance criteria (JSON: version, title, basis, questions);
    without PATH the shipped version (based on NIS2 art. 23(3), without regulation thresholds)."""
    import json

    from bio_register.breaches import cbw
    from bio_register.extensions import db

    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path else cbw.shipped_criteria()
    except (OSError, ValueError) as error:
        raise click.ClickException(f"Kan het bestand niet lezen: {error}") from error
    try:
        with unit_of_work.boundary(db.session):
            row, created = cbw.load_criteria(data, actor_label="cli")
    except DomainError as error:
        _fail(error)
    click.echo(f"Cbw-criteria versie {row.version}: {'geladen' if created else 'al aanwezig'}")


def _import_catalog_file(path: Path) -> None:
    """A new catalog version from a file, and what changed against the version before it."""
    from bio_register.compliance import updates
    from bio_register.compliance.catalogs import import_catalog
    from bio_register.extensions import db
    from controls import loader

    try:
        catalog = loader.read_catalog_file(path)
    except loader.CatalogError as error:
        where = f"regel {error.line}: " if error.line is not None else ""
        raise click.ClickException(f"Niets geïmporteerd uit {path.name}. {where}{error.message}") from None
    with unit_of_work.boundary(db.session):
        row, created = import_catalog(catalog)
        previous = updates.earlier_versions(row)
        summary = updates.diff(previous[0], row) if previous else None
    click.echo(f"Catalogus {row.key}: {'geladen' if created else 'al aanwezig'}")
    if summary is not None:
        counts = summary.counts
        click.echo(f"Ten opzichte van {summary.old.key}: {counts['added']} toegevoegd, {counts['changed']} gewijzigd, "
                   f"{counts['moved']} verplaatst, {counts['withdrawn']} vervallen, {summary.unchanged} ongewijzigd.")


def _parse_role(value: str) -> tuple[str, str]:
    role, sep, code = value.partition(":")
    if not sep or not role or not code:
        raise click.BadParameter(f"{value!r}: use ROLE:ORGANISATION, e.g. fg:DIE")
    return role.strip(), code.strip().upper()


def create_demo_data() -> list[tuple[str, str, str]]:
    """Duo+, its three municipalities, a user per role with a fresh password, and the demo's
    incidents and assessments (:mod:`bio_register.demo`), in one transaction.

    Returns (e-mail, password, roles) per demo user. Running it again keeps the data and
    gives the demo users new passwords and wipes their second factor.
    """
    from bio_register import demo
    from bio_register.database import utcnow
    from bio_register.extensions import db
    from bio_register.unit_of_work import boundary

    with boundary(db.session):
        created = demo.create_demo_data(now=utcnow())
    for line in created.summary():
        click.echo(line)
    return created.credentials


def _print_credentials(credentials: list[tuple[str, str, str]]) -> None:
    click.echo("Demo-gebruikers (wachtwoorden gelden tot de volgende 'demo'):")
    width = max(len(email) for email, _, _ in credentials)
    for email, password, roles in credentials:
        click.echo(f"  {email:<{width}}  {password}  ({roles})")
    click.echo("De FG en de functioneel beheerder stellen bij hun eerste login tweestapsverificatie in "
               "(een authenticator-app; de sleutel staat ook als tekst op de pagina).")


@bio.command("demo")
def demo_command() -> None:
    """Fill the database with Duo+, Diemen, Ouder-Amstel, Uithoorn and demo users."""
    run_migrations()
    try:
        credentials = create_demo_data()
    except DomainError as error:
        _fail(error)
    _print_credentials(credentials)


@bio.command("serve", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Also create demo data and print the demo logins; runs the scheduler too.")
@click.option("--no-scheduler", is_flag=True, help="With --demo: do not run the scheduler in this process.")
def serve_command(host: str, port: int, demo: bool, no_scheduler: bool) -> None:
    """Run the development server (production: gunicorn bio_register.wsgi:app). Migrates first.

    Development mode: without BIO_REGISTER_SMTP_HOST every e-mail is printed here and kept on the
    page Verzonden e-mail (ontwikkeling); with --demo the scheduler runs in this process.
    """
    import threading

    from werkzeug.serving import run_simple

    from bio_register import create_app
    from bio_register.config import mail_transport

    # its own application: the development server's (webhooks to this machine allowed, for trying them)
    settings: dict[str, Any] = {"DEVELOPMENT": True, "WEBHOOKS_ALLOW_LOOPBACK": True}
    if not os.environ.get("BIO_REGISTER_BASE_URL"):  # links in e-mail lead to this server
        settings["BASE_URL"] = f"http://{'127.0.0.1' if host in {'0.0.0.0', '::'} else host}:{port}"  # noqa: S104  # nosec B104 # a comparison, not a bind
    app = create_app(settings)
    with app.app_context():
        run_migrations()
        if demo:
            _print_credentials(create_demo_data())
    click.echo(_MAIL_LINES.get(mail_transport(app.config), _MAIL_LINES["smtp"]).format(
        host=app.config["SMTP_HOST"], port=app.config["SMTP_PORT"]))
    stop = threading.Event()
    scheduler_thread = _start_scheduler(app, stop) if demo and not no_scheduler else None
    _stop_on_sigterm()
    click.echo(f"BIO-register draait op http://{host}:{port}/ (Ctrl+C stopt)")
    try:
        # Flask ignores app.run() inside its own CLI, so serve with Werkzeug directly.
        run_simple(host, port, app, use_reloader=False, threaded=True)
    except KeyboardInterrupt:
        pass
    finally:
        if scheduler_thread is not None:
            stop.set()
            scheduler_thread.join(timeout=60)


_MAIL_LINES = {
    "console": "E-mail: geen e-mailserver ingesteld; elke e-mail verschijnt hieronder en op de pagina "
               "'Verzonden e-mail (ontwikkeling)' (functioneel beheerder).",
    "off": "E-mail: uitgeschakeld (BIO_REGISTER_MAIL=off); alleen meldingen in de applicatie.",
    "smtp": "E-mail: via {host}:{port}.",
}


def _start_scheduler(app: Any, stop: Any) -> Any:
    """The scheduler in a thread of the development server (``serve --demo``): every job runs once
    at once, then on its schedule. A separate ``bio-register scheduler`` would make this one wait."""
    import logging
    import threading

    from bio_register import scheduler

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("bio_register.scheduler").setLevel(logging.INFO)  # also under Alembic's logging set-up
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # our jobs log their own result
    thread = threading.Thread(target=scheduler.run_scheduler, name="bio-register-scheduler", daemon=True,
                              kwargs={"app": app, "stop_event": stop, "run_at_start": True})
    thread.start()
    click.echo("Planner draait in dit proces (--no-scheduler zet hem uit): deadlinewaarschuwingen en "
               "rapportages nu en daarna volgens de planning.")
    return thread


def _stop_on_sigterm() -> None:
    """SIGTERM stops the development server like Ctrl+C (the scheduler thread then stops cleanly)."""
    import signal

    def terminate(*_: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)


@bio.command("create-organisation")
@click.option("--code", required=True, help="2–10 letters and digits, e.g. DUO.")
@click.option("--name", required=True, help='The full name, e.g. "Duo+".')
@click.option("--parent", default=None, metavar="CODE",
              help="The organisation it falls under (default: a top-level organisation).")
@click.option("--prefix", default=None,
              help="Reference prefix of its incident numbers (default: the code).")
def create_organisation_command(code: str, name: str, parent: str | None, prefix: str | None) -> None:
    """Create an organisation: the first, top-level one of an installation, or one below another."""
    from bio_register.extensions import db
    from bio_register.organisations import services as organisations

    try:
        with unit_of_work.boundary(db.session):
            parent_org = None
            if parent is not None:
                parent_org = organisations.find_by_code(parent.strip())
                if parent_org is None:
                    raise click.ClickException(f"Onbekende organisatie voor --parent: {parent.strip().upper()}")
            org = organisations.create_organisation(None, code, name, reference_prefix=prefix, parent=parent_org,
                                                    actor_label="cli")
            made = (org.code, org.name, org.reference_prefix, parent_org.name if parent_org else None)
    except DomainError as error:
        _fail(error)
    where = f", onder {made[3]}" if made[3] else ""
    click.echo(f"Organisatie {made[0]} ({made[1]}) aangemaakt{where}; incidentnummers {made[2]}-JJJJ-NNNN.")
    if parent is None:
        click.echo(f"Maak nu een functioneel beheerder: bio-register create-user --email … --name … "
                   f"--role beheerder:{made[0]}")


@bio.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, metavar="ROLE:ORG",
              help="A role in an organisation, e.g. fg:DIE (repeatable).")
@click.option("--password", default=None,
              help="Default: generated and printed. Avoid passing it on the command line.")
def create_user_command(email: str, name: str, roles: tuple[str, ...], password: str | None) -> None:
    """Create a user with roles in organisations; for an existing address, add the roles.

    The password (generated and printed, or given) is chosen by whoever runs the command, so the
    user must choose their own at the first login.
    """
    from bio_register.accounts import services as accounts
    from bio_register.extensions import db
    from bio_register.organisations import services as organisations

    parsed = [_parse_role(r) for r in roles]
    existing = accounts.find_user_by_email(email) if len(email) <= 254 else None
    if existing is not None and not parsed:
        raise click.ClickException(f"Er bestaat al een account met {existing.email}; geef met --role de rol "
                                   "die erbij moet.")
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    added = []
    try:
        with unit_of_work.boundary(db.session):
            if existing is None:
                user = accounts.create_user(None, email, name, password, actor_label="cli")
                user.password_must_change = True
            else:
                user = existing
            held = {(m.organisation.code, str(m.role)) for m in user.memberships}
            for role, code in parsed:
                org = organisations.find_by_code(code)
                if org is None:
                    raise click.ClickException(f"Onbekende organisatie: {code}")
                if (org.code, role) not in held:
                    accounts.grant_role(None, user, org, role, actor_label="cli")
                    added.append(f"{role}:{org.code}")
    except DomainError as error:
        _fail(error)
    if existing is not None:
        click.echo(f"Gebruiker {user.email} bestond al; rollen toegevoegd: {', '.join(added) or 'geen (al aanwezig)'}.")
        return
    click.echo(f"Gebruiker {user.email} aangemaakt. Bij de eerste keer inloggen kiest de gebruiker een eigen "
               "wachtwoord.")
    if generated:
        click.echo(f"Wachtwoord: {password}")


@bio.command("reset-two-factor")
@click.option("--email", required=True, help="The user who lost their authenticator app.")
def reset_two_factor_command(email: str) -> None:
    """Wipe a user's second factor (TOTP and recovery codes) and end their sessions."""
    from bio_register.accounts import services as accounts
    from bio_register.accounts import two_factor
    from bio_register.extensions import db

    user = accounts.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"Onbekende gebruiker: {email}")
    with unit_of_work.boundary(db.session):
        two_factor.reset(None, user, actor_label="cli")
    click.echo(f"Tweestapsverificatie van {user.email} gewist; bij de volgende login opnieuw instellen.")


@bio.command("create-token")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--name", required=True, help="What the token is for.")
@click.option("--days", default=90, show_default=True, type=int)
def create_token_command(email: str, name: str, days: int) -> None:
    """Create a personal API token; it is printed once."""
    from bio_register.accounts import services as accounts
    from bio_register.extensions import db

    user = accounts.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"Onbekende gebruiker: {email}")
    try:
        with unit_of_work.boundary(db.session):
            issued = accounts.create_token(None, user, name, days, actor_label="cli")
    except DomainError as error:
        _fail(error)
    click.echo(issued.secret)
    click.echo(f"Geldig tot {issued.token.expires_at:%Y-%m-%d %H:%M} UTC. Bewaar het nu: "
               "het wordt niet opnieuw getoond.", err=True)


@bio.command("unlink-sso")
@click.option("--email", required=True, help="The user whose provider account is forgotten.")
def unlink_sso_command(email: str) -> None:
    """Forget a user's single sign-on link; the next SSO login links by e-mail again."""
    from bio_register.accounts import services as accounts
    from bio_register.extensions import db
    from bio_register.sso import services as sso

    user = accounts.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"Onbekende gebruiker: {email}")
    with unit_of_work.boundary(db.session):
        unlinked = sso.unlink(user, actor_label="cli")
    if unlinked:
        click.echo(f"De koppeling van {user.email} met de inlogdienst is verwijderd.")
    else:
        click.echo(f"{user.email} was niet gekoppeld aan de inlogdienst.")


@bio.command("verify-audit")
@click.option("--anchor", "anchors", multiple=True, metavar="SEQ:HASH",
              help="Een stand van de auditketen van buiten de database (uit een rapportage, een back-up, de "
                   "dagelijkse e-mail): de keten moet hem nog bevatten. Mag vaker.")
@click.option("--anchors-from-reports", is_flag=True,
              help="Ook de standen die op elke gearchiveerde rapportage staan.")
@click.option("--anchors-from-pdf", "pdfs", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Ook de stand op deze rapportage-PDF (bijvoorbeeld een gedownloade). Mag vaker.")
@click.option("--chain-only", is_flag=True,
              help="Alleen de hashketen en de standen; de inhoud van het register niet naast het log leggen.")
@click.option("--max-findings", default=1000, show_default=True, type=click.IntRange(1),
              help="Zoveel verschillen tussen register en log worden getoond (geteld worden ze allemaal).")
def verify_audit_command(anchors: tuple[str, ...], anchors_from_reports: bool, pdfs: tuple[str, ...],
                         chain_only: bool, max_findings: int) -> None:
    """Check the audit log and the register against it; exit 1 on any problem.

    1. The hash chain: recomputed from the first event (a changed, inserted or removed event).
    2. The anchors: each must still be in the chain (a cut-off tail, a rewritten history).
    3. The register: the log is replayed and every tracked field of every row compared with the
       database (a change, insertion or deletion made with SQL, past the application).

    The outcome and time are stored (shown on the audit-log page), also when it fails."""
    import time

    from bio_register.audit.browse import record_verification
    from bio_register.audit.reconcile import reconcile
    from bio_register.audit.services import Anchor, check_anchors, verify_chain
    from bio_register.database import utcnow
    from bio_register.extensions import db

    try:
        wanted = [Anchor.parse(text) for text in anchors]
    except ValueError:
        raise click.BadParameter("schrijf een stand als VOLGNUMMER:HASH, bijvoorbeeld "
                                 "4211:3f2a… (64 hexadecimale tekens)", param_hint="--anchor") from None
    wanted += _anchors_from_pdfs(pdfs)
    if anchors_from_reports:
        wanted += _anchors_from_reports()
    started_at, clock = utcnow(), time.monotonic()
    problems: list[str] = []
    problem_seq = None
    report = verify_chain()
    if not report.ok:
        problems.append(f"hashketen na {report.checked} goede gebeurtenissen: {report.problem}")
        problem_seq = report.problem.seq if report.problem else None
    else:
        click.echo(f"Hashketen in orde: {report.checked} gebeurtenissen ({time.monotonic() - clock:.0f} s).",
                   err=True)
    anchor_problems = check_anchors(wanted)
    problems += [str(problem) for problem in anchor_problems]
    if wanted and not anchor_problems:
        click.echo(f"Standen in orde: {len(set(wanted))} van buiten de database gevonden in de keten.", err=True)
    if not chain_only:
        clock = time.monotonic()
        outcome = reconcile(db.session, limit=max_findings, progress=_reconcile_progress())
        compared = sum(outcome.rows.values())
        if outcome.ok:
            click.echo(f"Register klopt met het log: {compared} rijen in {len(outcome.rows)} tabellen "
                       f"vergeleken ({time.monotonic() - clock:.0f} s).", err=True)
        else:
            for finding in outcome.findings:
                click.echo(str(finding))
            shown = "" if outcome.total <= len(outcome.findings) else f" (de eerste {len(outcome.findings)} getoond)"
            problems.append(f"{outcome.total} verschil(len) tussen register en auditlog{shown}; eerste: "
                            f"{outcome.findings[0]}")
    with unit_of_work.boundary(db.session):
        record_verification(started_at=started_at, finished_at=utcnow(), ok=not problems, checked=report.checked,
                            problem="; ".join(problems)[:4000] if problems else None,
                            problem_seq=problem_seq, source="cli")
    if not problems:
        click.echo(f"Auditlog in orde: {report.checked} gebeurtenissen gecontroleerd"
                   + ("" if chain_only else ", het register klopt ermee") + ".")
        return
    click.echo("Auditlog NIET in orde:", err=True)
    for problem in problems:
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)


def _anchors_from_pdfs(paths: tuple[str, ...]) -> list[Any]:
    from bio_register.audit.services import Anchor
    from reports.render import anchor_in_pdf

    found = []
    for path in paths:
        text = anchor_in_pdf(Path(path).read_bytes())
        if text is None:
            raise click.BadParameter(f"{path} draagt geen stand van de auditketen (geen rapportage van "
                                     "BIO-register 0.2 of later?)", param_hint="--anchors-from-pdf")
        found.append(Anchor.parse(text))
    return found


def _anchors_from_reports() -> list[Any]:
    """The anchor printed on each archived report (reports made before 0.2 carry none)."""
    from sqlalchemy import select

    from bio_register.audit.services import Anchor
    from bio_register.extensions import db
    from bio_register.reporting.models import Report
    from reports.render import anchor_in_pdf

    found = []
    for report_id in db.session.scalars(select(Report.id).order_by(Report.id)):
        pdf = db.session.scalar(select(Report.pdf).where(Report.id == report_id))
        text = anchor_in_pdf(pdf or b"")
        if text is not None:
            found.append(Anchor.parse(text))
    click.echo(f"{len(found)} stand(en) gelezen uit de gearchiveerde rapportages.", err=True)
    return found


def _reconcile_progress() -> Any:
    """Progress of the register check on stderr: each table when done, and every 10 s."""
    import time

    last = [time.monotonic()]

    def report(table: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - last[0] >= 10:
            click.echo(f"  register naast het log: {table} tot id {done} van {total}", err=True)
            last[0] = now

    return report


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{count / 1024:.0f} kB"


def _describe(manifest: dict[str, Any]) -> str:
    from bio_register.backup import KIND_NAMES

    head = manifest.get("audit_chain_head") or {}
    rows = sum(manifest["tables"].values())
    return (f"{KIND_NAMES[manifest['database']]}, gemaakt {manifest.get('created_at')} met BIO-register "
            f"{manifest.get('tool_version')}, databaseversie {manifest.get('alembic_revision')}, "
            f"{len(manifest['tables'])} tabellen met {rows} rijen, auditketen tot "
            f"{head.get('seq', '—')} ({str(head.get('hash', '—'))[:12]}…)")


KEY_FILE_HELP = ("Read the back-up key from this file instead of BIO_REGISTER_BACKUP_KEY "
                 "(on SQLite without either: instance/backup_key).")


def _backup_key(key_file: Path | None) -> bytes:
    """The back-up key (config.backup_key), or the command stops with the reason."""
    from bio_register.config import ConfigError, backup_key

    try:
        return backup_key(current_app.config, key_file)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@bio.command("backup")
@click.argument("target", metavar="[PATH]", required=False, type=click.Path(dir_okay=True))
@click.option("--key-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help=KEY_FILE_HELP)
def backup_command(target: str | None, key_file: Path | None) -> None:
    """Back up the whole database into one archive (default: instance/backups/…).

    PostgreSQL: pg_dump in its custom format; SQLite: a copy made with SQLite's online backup API.
    A manifest.json in the archive records the row counts, the audit chain head and the SHA-256 of
    the dump, signed with the back-up key (BIO_REGISTER_BACKUP_KEY; required on PostgreSQL). Safe
    while the application runs. Neither the back-up key nor the secret key is included.
    """
    from bio_register import backup

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    key = _backup_key(key_file)
    if target is None:
        path = backup.default_path(_backups_folder())
    elif target.endswith(("/", os.sep)) or Path(target).is_dir():
        path = backup.default_path(Path(target))  # a folder: a timestamped file in it
    else:
        path = Path(target)
    try:
        kind = backup.database_kind(url)
        click.echo(f"Back-up maken van de {backup.KIND_NAMES[kind]}-database…", err=True)
        made = backup.create_backup(url, path, key=key)
    except backup.BackupError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Back-up geschreven: {made.path} ({_size(made.size)})")
    click.echo(f"  {_describe(made.manifest)}")
    click.echo(f"  sha256 van de dump: {made.manifest['dump']['sha256']}")
    click.echo(f"  ondertekend met back-upsleutel {made.manifest[backup.SIGNATURE]['key_id']}")


@bio.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace the content of a database that is not empty (a safety back-up is made first).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--no-safety-backup", is_flag=True,
              help="With --force: do not back up the current content first.")
@click.option("--key-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help=KEY_FILE_HELP)
def restore_command(path: Path, force: bool, yes: bool, no_safety_backup: bool, key_file: Path | None) -> None:
    """Restore a back-up made with `backup`, then verify the audit chain and the row counts.

    Restore into a new, empty database (before `init`); --force replaces what a database holds.
    The manifest's signature is checked first, with the key the back-up was made with.
    Exit 1: nothing restored (no key, signature, wrong file, checksum, database kind, not empty);
    exit 2: restored, but the restored database does not match the back-up.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from bio_register import backup
    from bio_register.audit.services import verify_chain
    from bio_register.extensions import db

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    key = _backup_key(key_file)
    try:
        manifest = backup.read_manifest(path)
        backup.verify_signature(manifest, key, path)  # before anything else: nothing unsigned is believed
        click.echo(f"Back-up {path}: {_describe(manifest)}")
        backup.check_kind(manifest, url)
        _check_revision_known(manifest.get("alembic_revision"))
        empty = backup.is_empty(url)
    except backup.BackupError as error:
        raise click.ClickException(error.message) from None
    if not empty:
        if not force:
            raise click.ClickException(
                "De database is niet leeg: er is niets teruggezet. Zet een back-up terug in een nieuwe, lege "
                "database (vóór 'bio-register init'), of vervang de inhoud met --force.")
        if not yes:
            click.confirm("De database is niet leeg. Alles wat erin staat vervangen door deze back-up?", abort=True)
    # the application's own connections must not hold locks on what is about to be replaced
    db.session.remove()
    db.engine.dispose()
    safety: Path | None = None
    if not empty and not no_safety_backup:
        safety = backup.default_path(_backups_folder(), prefix="voor-terugzetten")
        try:
            click.echo("Eerst een veiligheidsback-up van de huidige inhoud…", err=True)
            backup.create_backup(url, safety, key=key)
        except backup.BackupError as error:
            raise click.ClickException(
                f"De veiligheidsback-up mislukte, er is niets teruggezet: {error.message} "
                "(--no-safety-backup slaat hem over)") from None
        click.echo(f"Veiligheidsback-up van de vorige inhoud: {safety}")
    click.echo("Terugzetten…", err=True)
    try:
        backup.restore_backup(url, path, key=key, replace=force, manifest=manifest)
    except backup.BackupError as error:
        message = error.message
        if safety is not None:
            message += f" De vorige inhoud staat in {safety}."
        raise click.ClickException(message) from None
    db.engine.dispose()
    click.echo("Controleren…", err=True)
    try:
        result = backup.verify_restored(url, manifest)
    except backup.BackupError as error:
        result = backup.Verification([error.message])
    checked = 0
    try:
        chain = verify_chain()
        checked = chain.checked
        if not chain.ok:
            result.problems.append(
                f"auditketen niet in orde na {chain.checked} goede gebeurtenissen: {chain.problem}")
        elif manifest.get("alembic_revision") == _head_revision():  # an older schema: after init, verify-audit
            from bio_register.audit.reconcile import reconcile

            outcome = reconcile(db.session, limit=10)
            result.problems += [f"register wijkt af van het auditlog: {finding}" for finding in outcome.findings]
            if outcome.total > len(outcome.findings):
                result.problems.append(f"en nog {outcome.total - len(outcome.findings)} verschil(len) tussen "
                                       "register en auditlog (bio-register verify-audit toont ze)")
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        result.problems.append(f"de auditketen kon niet worden gelezen: {reason}")
    finally:
        db.session.remove()
    if not result.ok:
        click.echo("Teruggezet, maar de database klopt NIET met de back-up:", err=True)
        for problem in result.problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(2)
    rows = sum(manifest["tables"].values())
    click.echo(f"Teruggezet en gecontroleerd: {len(manifest['tables'])} tabellen met {rows} rijen gelijk aan de "
               f"back-up; auditlog in orde ({checked} gebeurtenissen)"
               + ("." if manifest.get("alembic_revision") != _head_revision() else ", het register klopt ermee."))
    if manifest.get("alembic_revision") != _head_revision():
        click.echo("De back-up heeft een oudere databaseversie: voer nu 'bio-register init' uit.")


def _backups_folder() -> Path:
    return Path(current_app.config.get("INSTANCE_PATH") or current_app.instance_path) / "backups"


def _script_directory() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(current_app.extensions["migrate"].directory)


def _head_revision() -> str | None:
    return _script_directory().get_current_head()


def _check_revision_known(revision: str | None) -> None:
    """A back-up from a newer BIO-register has a schema this version does not know: refuse it."""
    from alembic.util import CommandError

    from bio_register.backup import BackupError

    if revision is None:
        return
    try:
        _script_directory().get_revision(revision)
    except CommandError:
        raise BackupError(
            f"De back-up heeft databaseversie {revision}, die deze versie van BIO-register niet kent. "
            "Installeer dezelfde of een nieuwere versie van BIO-register en zet de back-up dan terug.") from None


@bio.command("report")
@click.option("--kind", type=click.Choice(["quarterly", "monthly", "annual"]), required=True)
@click.option("--period", required=True, help="2026-Q3 (quarterly), 2026-10 (monthly) or 2026 (annual)")
@click.option("--scope", default="all", show_default=True,
              help="An organisation code (DIE, OA, UIT), 'all' for Duo+ as a whole, or 'each' for every "
                   "municipality and Duo+ as a whole.")
def report_command(kind: str, period: str, scope: str) -> None:
    """Generate report PDFs into the archive (a new version when one exists)."""
    from bio_register import unit_of_work
    from bio_register.extensions import db
    from bio_register.reporting import services as reporting

    scopes = reporting.scopes_for_schedule() if scope.lower() == "each" else [scope]
    if kind == "annual" and scope.lower() == "each":
        scopes = [code for code in scopes if code != reporting.ALL]  # an annual accountability is per organisation
    try:
        reporting.parse_period(kind, period)
        for code in scopes:
            reporting.resolve_scope(code)
    except DomainError as error:
        _fail(error)
    with click.progressbar(scopes, label=f"Rapportages {period}", show_pos=True,
                           item_show_func=lambda code: code or "") as bar:
        made = []
        for code in bar:
            try:
                with unit_of_work.boundary(db.session):  # each report in its own transaction
                    report = reporting.generate(kind, period, code, actor_label="cli")
            except DomainError as error:
                _fail(error)
            made.append(report)
    for report in made:
        click.echo(f"{report.kind.value} {report.period} {report.scope} versie {report.version}: "
                   f"{report.size // 1024} kB, sha256 {report.sha256[:16]}…")


@bio.command("annual-figures")
@click.option("--organisation", required=True, help="The organisation code, e.g. DIE")
@click.option("--year", required=True, type=int)
def annual_figures_command(organisation: str, year: int) -> None:
    """The year's numbers for the annual accounts, and the sentence."""
    from bio_register.organisations.services import find_by_code
    from bio_register.reporting import services as reporting

    org = find_by_code(organisation)
    if org is None:
        raise click.ClickException(f"Onbekende organisatie: {organisation}")
    try:
        figures = reporting.annual_figures(org, year)
    except DomainError as error:
        _fail(error)
    click.echo(f"Beveiligingsincidenten: {figures.security_incidents}")
    click.echo(f"Datalekken: {figures.datalekken}")
    click.echo(f"Meldingen bij de AP: {figures.ap_meldingen}")
    click.echo(figures.sentence)


#: BIO2 5.28.01: incident records are kept at least three years
MIN_RETENTION_YEARS = 3


@bio.command("purge-incidents")
@click.option("--years", default=MIN_RETENTION_YEARS, show_default=True, type=int,
              help="Delete incidents closed more than this many years ago (at least 3).")
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def purge_incidents_command(years: int, dry_run: bool, yes: bool) -> None:
    """Delete incidents closed (afgehandeld or ingetrokken) longer ago than the retention period."""
    from bio_register.database import utcnow
    from bio_register.extensions import db
    from bio_register.incidents import services as incidents
    from bio_register.timeutil import to_local

    if years < MIN_RETENTION_YEARS:
        raise click.ClickException(
            f"De bewaartermijn is minstens {MIN_RETENTION_YEARS} jaar (BIO2 5.28.01); "
            f"--years {years} is te kort.")
    now = utcnow()
    try:
        before = now.replace(year=now.year - years)
    except ValueError:  # 29 February
        before = now.replace(year=now.year - years, day=28)
    boundary = f"{to_local(before):%d-%m-%Y %H:%M}"
    references = [i.reference for i in db.session.scalars(incidents.purgeable(before))]
    if not references:
        click.echo(f"Geen incidenten afgesloten vóór {boundary}: niets te verwijderen.")
        return
    will = "zouden worden verwijderd" if dry_run else "worden verwijderd"
    click.echo(f"Deze {len(references)} incident(en), afgesloten vóór {boundary}, {will}:")
    for reference in references:
        click.echo(f"  {reference}")
    if dry_run:
        click.echo("Proefdraai: er is niets verwijderd.")
        return
    if not yes:
        click.confirm(f"{len(references)} incident(en) definitief verwijderen?", abort=True)
    with unit_of_work.boundary(db.session):
        purged = incidents.purge(before, actor_label="cli")
    click.echo(f"{len(purged)} incident(en) verwijderd.")


@bio.command("check-deadlines")
def check_deadlines_command() -> None:
    """Send due AP and Cbw deadline warnings (each once), then the e-mail outbox.

    Run it every few minutes (cron, systemd timer) until the scheduler process takes over.
    """
    from bio_register.scheduler import check_deadlines

    _require_mail()
    warnings, sent, failed = check_deadlines(current_app)
    click.echo(f"Waarschuwingen: {warnings}; e-mails verzonden: {sent}; mislukt (volgende keer opnieuw): {failed}")
    if failed:
        sys.exit(2)


@bio.command("send-mail")
def send_mail_command() -> None:
    """Send what is waiting in the e-mail outbox (failed sends are retried)."""
    from bio_register.notifications.delivery import deliver
    from bio_register.notifications.models import EMAIL

    _require_mail()
    sent, failed = deliver(current_app.config, kind=EMAIL)
    click.echo(f"E-mails verzonden: {sent}; mislukt (volgende keer opnieuw): {failed}")
    if failed:
        sys.exit(2)


@bio.command("scheduler")
@click.option("--list", "list_only", is_flag=True, help="Only list the jobs and their next run time.")
@click.option("--poll", default=15.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds between lock attempts on standby, and between lock checks while running.")
def scheduler_command(list_only: bool, poll: float) -> None:
    """Run the scheduler: reports and deadline warnings. A second one waits as a standby. Ctrl+C stops."""
    import logging
    import signal
    import threading

    from bio_register import scheduler

    if not list_only:
        _require_mail()
    if list_only:
        from bio_register.extensions import db

        for job in scheduler.schedules(db.session):
            when = f"{job['next_run_time']:%d-%m-%Y %H:%M}" if job["next_run_time"] else "—"
            click.echo(f"{job['id']:<18} {when:<16}  {job['description']}")
        return
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)  # our jobs log their own result

    stop = threading.Event()

    def terminate(*_: Any) -> None:
        # Only the event, no KeyboardInterrupt: raised where Python ignores exceptions (a garbage
        # collector callback, seen in CI right after a standby took over) it was printed as a
        # traceback and lost. Every loop of the scheduler waits on this event, so it ends within
        # --poll seconds, after the running jobs finish and the lock is released.
        stop.set()

    # Ctrl+C, and systemd's SIGTERM, stop it cleanly: running jobs finish, the lock is released.
    previous = {signum: signal.signal(signum, terminate) for signum in (signal.SIGINT, signal.SIGTERM)}
    click.echo("Planner gestart (Ctrl+C stopt).", err=True)
    try:
        scheduler.run_scheduler(_current_app(), poll=poll, stop_event=stop)
    except KeyboardInterrupt:
        pass
    except scheduler.SchedulerError as error:
        raise click.ClickException(str(error)) from None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    click.echo("Planner gestopt.", err=True)


def _require_mail() -> None:
    """Production processes (the scheduler, the commands that send) need a way to send e-mail, or
    e-mail switched off explicitly: never silently nowhere."""
    from bio_register.config import ConfigError, require_mail

    try:
        require_mail(current_app.config)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def _create_app(*_: Any) -> Any:
    from bio_register import create_app

    return create_app()


#: commands that make their own application (the development server) instead of the command line's
OWN_APPLICATION = {"serve"}


def build_cli() -> FlaskGroup:
    """The ``bio-register`` command group: every ``flask bio …`` command at the top level, each run
    inside the application context (a command added to ``bio`` with ``add_command`` is not wrapped
    by AppGroup, and would fail with "Working outside of application context" at the top level)."""
    group = FlaskGroup(create_app=_create_app, add_default_commands=True, load_dotenv=False,
                       help="BIO-register: incidentregister en BIO-compliance.")
    for name, command in bio.commands.items():
        if name in OWN_APPLICATION:
            pass
        elif command.callback is not None and not isinstance(command, click.Group):
            command.callback = with_appcontext(command.callback)  # a no-op where a context is pushed already
        group.add_command(command, name)
    return group


def main() -> None:
    """Entry point of the ``bio-register`` console script."""
    build_cli().main(prog_name="bio-register")


def _register_area_commands() -> None:
    from bio_register.imports.cli import import_processing_command, import_register_command

    bio.add_command(import_register_command)
    bio.add_command(import_processing_command)


_register_area_commands()
