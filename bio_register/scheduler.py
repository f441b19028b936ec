"""The scheduler process: the job table, one active scheduler at a time, and the schedule overview.

``bio-register scheduler`` runs APScheduler 3 with its SQLAlchemy job store in the application's
database (table ``apscheduler_jobs``, created by the Alembic migration 0005, never by the
scheduler). APScheduler 3 does not coordinate several schedulers on one job store, so the process
first takes a lock: on PostgreSQL a session-level advisory lock on a connection of its own, kept
open for as long as the scheduler runs; on SQLite an exclusive ``flock`` on
``instance/scheduler.lock``. A second scheduler waits as a standby and takes over when the lock is
released — also when the first one dies: its connection closes, or its process is gone.

Jobs are module-level functions without arguments (the job store pickles a reference to them);
each runs in an application context of its own, calls one service, and on any exception rolls
back and logs, so a failing job never stops the scheduler. A job missed while no scheduler ran
is run once when one comes back (``coalesce``, no misfire limit), never once per missed period.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import utc_timestamp_to_datetime
from flask import Flask, current_app, has_app_context
from flask_babel import lazy_gettext
from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.pool import NullPool

from bio_register import unit_of_work
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.notifications.models import EMAIL
from bio_register.observability import heartbeat

log = logging.getLogger(__name__)

TIMEZONE = ZoneInfo("Europe/Amsterdam")
JOB_TABLE = "apscheduler_jobs"
#: The PostgreSQL advisory lock key: the first 8 bytes of sha256(b"bio-register:scheduler") as a
#: signed 64-bit integer. Advisory locks are per database, so two installations on one server
#: do not get in each other's way.
LOCK_KEY = 487906352777224801
LOCK_FILE = "scheduler.lock"
APPLICATION_NAME = "bio-register scheduler"


class SchedulerError(RuntimeError):
    """The scheduler cannot run (e.g. the database has not been migrated)."""


# --- the jobs ----------------------------------------------------------------------------------

_app: Flask | None = None
_app_lock = threading.Lock()


def _job_app() -> Flask:
    """The application the jobs run in: the one ``run_scheduler`` runs, else one made here."""
    global _app
    with _app_lock:
        if _app is None:
            from bio_register import create_app

            _app = create_app()
        return _app


def _use_app(app: Flask) -> None:
    global _app
    with _app_lock:
        _app = app


@contextlib.contextmanager
def _job(job_id: str) -> Iterator[tuple[Flask, dt.datetime]]:
    """One job run: its own application context (and so its own session); an exception is
    logged and rolled back, never raised into APScheduler, so the scheduler carries on."""
    app = _job_app()
    with app.app_context():
        started, succeeded = utcnow(), False
        try:
            yield app, started
            succeeded = True
        except Exception:
            log.exception("job %s failed; rolled back, the scheduler carries on", job_id)
            try:
                unit_of_work.rollback(db.session)
            except Exception:
                log.exception("job %s: the rollback failed as well", job_id)
        heartbeat.record_job_run(job_id, started, succeeded)  # for /metrics


def generate_due_reports(kind: str, now: dt.datetime) -> tuple[int, int]:
    """The previous period's report for each municipality and for Duo+ as a whole that does not
    exist yet, each in a transaction of its own: a report that fails is rolled back and logged,
    the others are kept. Returns (made, failed)."""
    from bio_register.reporting import services as reporting

    period = reporting.previous_period(kind, now)

    def make(scope: str) -> None:
        reporting.generate(kind, period.label, scope, actor_label="scheduler", now=now)

    def failed(scope: str, _error: Exception) -> None:
        log.error("report %s %s %s failed", kind, period.label, scope)

    return unit_of_work.each_in_own_transaction(db.session, reporting.missing_scopes(kind, period), make,
                                                on_error=failed)


def _due_reports(job_id: str, kind: str) -> None:
    with _job(job_id) as (_, now):
        made, failed = generate_due_reports(kind, now)
        log.log(logging.ERROR if failed else logging.INFO, "job %s: %d report(s) generated, %d failed",
                job_id, made, failed)


def quarterly_reports() -> None:
    """``quarterly-reports``: the previous quarter's reports that do not exist yet."""
    _due_reports("quarterly-reports", "quarterly")


def monthly_reports() -> None:
    """``monthly-reports``: the previous month's reports that do not exist yet."""
    _due_reports("monthly-reports", "monthly")


def send_due_once(app: Flask, queue: Callable[[], Sized]) -> tuple[int, int, int]:
    """Messages sent once per threshold (the AP and Cbw deadline warnings, the evidence reminders):
    ``queue`` records each due one under a unique key and queues its e-mail and notice, in one
    transaction; this commits, then sends the e-mail outbox. Returns (queued, sent, failed).

    Safe to run as often as you like, from several processes: one already recorded is skipped by
    ``queue``, and a concurrent duplicate is rolled back by the unique key (nothing is sent twice).
    """
    from sqlalchemy.exc import IntegrityError

    from bio_register.notifications import delivery

    try:
        with unit_of_work.boundary(db.session):
            queued = len(queue())
    except IntegrityError:  # another run recorded the same ones first: this one is rolled back
        queued = 0
    sent, failed = delivery.deliver(app.config, kind=EMAIL)
    return queued, sent, failed


def check_deadlines(app: Flask, now: dt.datetime | None = None) -> tuple[int, int, int]:
    """The deadline check with its boundary (the job below and ``bio-register check-deadlines``):
    the due AP and Cbw warnings, once each (:func:`send_due_once`). Returns (warnings, sent, failed)."""
    from bio_register.breaches import links
    from bio_register.breaches import services as breaches

    return send_due_once(app, lambda: breaches.send_due_warnings(
        now, links=links.for_app(app), cbw_anchor=app.config["CBW_NOTIFICATION_ANCHOR"]))


def send_evidence_reminders(app: Flask, now: dt.datetime | None = None) -> tuple[int, int, int]:
    """Reminders to the owners of compliance evidence 30 and 7 days before its review date and when
    it has expired, once each (:func:`send_due_once`). Returns (reminders, sent, failed)."""
    from bio_register.attachments import evidence

    adapter = app.url_map.bind("localhost")  # only paths are built: the host is never used
    base_url = app.config["BASE_URL"].rstrip("/")

    def path(organisation: Any, control: Any) -> str:
        return adapter.build("compliance.control", {"code": organisation.code, "key": control.catalog.key,
                                                    "control_code": control.code}) + "#bewijs"

    return send_due_once(app, lambda: evidence.send_due_reminders(
        now or utcnow(), url=lambda o, c: base_url + path(o, c), path=path, tz=app.config["TIMEZONE"]))


def evidence_reminders() -> None:
    """``evidence-reminders``: reminders before and at the review date of compliance evidence."""
    with _job("evidence-reminders") as (app, now):
        reminders, sent, failed = send_evidence_reminders(app, now)
        level = logging.WARNING if failed else logging.INFO if reminders or sent else logging.DEBUG
        log.log(level, "job evidence-reminders: %d reminder(s), %d e-mail(s) sent, %d failed (retried next time)",
                reminders, sent, failed)


def deadline_warnings() -> None:
    """``deadline-warnings``: due AP and Cbw deadline warnings, then the e-mail outbox."""
    with _job("deadline-warnings") as (app, now):
        warnings, sent, failed = check_deadlines(app, now)
        level = logging.WARNING if failed else logging.INFO if warnings or sent else logging.DEBUG
        log.log(level, "job deadline-warnings: %d warning(s), %d e-mail(s) sent, %d failed (retried next time)",
                warnings, sent, failed)


def send_audit_anchor(app: Flask, now: dt.datetime | None = None) -> int:
    """Mail the audit chain's head to ``AUDIT_ANCHOR_MAIL`` (the job below); returns how many were queued.

    Kept outside the database, the head proves later (``verify-audit --anchor``) that the log was
    not cut off or rewritten since."""
    from bio_register.audit import services as audit
    from bio_register.i18n import format_local
    from bio_register.notifications import delivery
    from bio_register.notifications import services as notifications

    addresses = app.config.get("AUDIT_ANCHOR_MAIL") or ()
    if not addresses:
        return 0
    now = now or utcnow()
    with unit_of_work.boundary(db.session):
        head = audit.chain_head()
        subject = f"BIO-register: stand van de auditketen op {format_local(now)}"
        body = (f"De stand van het auditlog van BIO-register ({app.config['BASE_URL']}) op "
                f"{format_local(now, True)}:\n\n"
                f"    {head}\n\n"
                "Bewaar dit bericht buiten de applicatie. Wie later wil aantonen dat het log sindsdien niet is "
                "ingekort of herschreven, draait op de server:\n\n"
                f"    bio-register verify-audit --anchor {head}\n")
        for address in addresses:
            notifications.queue_email(address, subject, body, send_at_commit=False)
    delivery.deliver(app.config, kind=EMAIL)
    return len(addresses)


def audit_anchor() -> None:
    """``audit-anchor``: the audit chain's head by e-mail, when AUDIT_ANCHOR_MAIL is set."""
    with _job("audit-anchor") as (app, now):
        queued = send_audit_anchor(app, now)
        log.log(logging.INFO if queued else logging.DEBUG, "job audit-anchor: sent to %d address(es)", queued)


def send_weekly_digests(app: Flask, now: dt.datetime | None = None) -> tuple[int, int]:
    """The weekly digest for each active person who did not switch it off, each in a transaction of
    its own (one that fails, or that a concurrent run sent first, is rolled back on its own), then
    the e-mail outbox. Returns (digests e-mailed, failed). Safe to run again: once per ISO week."""
    from bio_register.breaches import links
    from bio_register.measures.services import local_today
    from bio_register.notifications import delivery, digest

    now = now or utcnow()
    today = local_today(now, tz=app.config["TIMEZONE"])
    incident_links = links.for_app(app)
    with unit_of_work.boundary(db.session):
        clocks = digest.pending_clocks(now, app.config["CBW_NOTIFICATION_ANCHOR"])
        users = digest.recipients()
    mailed = 0

    def send(user: Any) -> None:
        nonlocal mailed
        mailed += digest.send_digest(user, now, today, url=incident_links.url,
                                     base_url=app.config["BASE_URL"], clocks=clocks)

    _done, failed = unit_of_work.each_in_own_transaction(db.session, users, send)
    delivery.deliver(app.config, kind=EMAIL)
    return mailed, failed


def weekly_digest() -> None:
    """``weekly-digest``: each person's weekly digest (once per ISO week), then the e-mail outbox."""
    with _job("weekly-digest") as (app, now):
        mailed, failed = send_weekly_digests(app, now)
        log.log(logging.ERROR if failed else logging.INFO, "job weekly-digest: %d digest(s) e-mailed, %d failed",
                mailed, failed)


def deliver_webhooks(app: Flask, now: dt.datetime | None = None) -> tuple[int, int, int]:
    """The webhook job with its boundaries: queue ``maatregel.overdue`` for the maatregelen that
    went over their date (each once per endpoint), commit, then send the webhook deliveries that are
    due (each in a transaction of its own; a failed one waits out its back-off). Returns (queued,
    sent, failed). Safe to run from several processes: a concurrent duplicate is rolled back by
    the unique key."""
    from sqlalchemy.exc import IntegrityError

    from bio_register.measures.services import local_today
    from bio_register.notifications import delivery
    from bio_register.notifications.models import WEBHOOK
    from bio_register.webhooks import links
    from bio_register.webhooks import services as webhooks

    now = now or utcnow()
    try:
        with unit_of_work.boundary(db.session):
            queued = webhooks.queue_overdue_measures(local_today(now, tz=app.config["TIMEZONE"]), links.for_app(app),
                                                     now)
    except IntegrityError:  # another run queued the same events first: this one is rolled back
        queued = 0
    sent, failed = delivery.deliver(app.config, kind=WEBHOOK)
    return queued, sent, failed


def webhook_deliveries() -> None:
    """``webhook-deliveries``: overdue maatregelen announced, then the webhook deliveries that are due."""
    with _job("webhook-deliveries") as (app, now):
        queued, sent, failed = deliver_webhooks(app, now)
        level = logging.WARNING if failed else logging.INFO if queued or sent else logging.DEBUG
        log.log(level, "job webhook-deliveries: %d queued, %d delivered, %d failed (retried after a pause)",
                queued, sent, failed)


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: Callable[[], None]
    #: makes a fresh trigger (an interval counts from when it is made)
    trigger: Callable[[], BaseTrigger]
    description: Any
    #: seconds a run may be late and still run; None: however late (the jobs are idempotent)
    misfire_grace_time: int | None = None


#: The job table: the only place jobs are declared. The ids are fixed: they are the job store's keys.
JOBS: tuple[JobSpec, ...] = (
    JobSpec("quarterly-reports", quarterly_reports,
            functools.partial(CronTrigger, month="1,4,7,10", day=1, hour=6, minute=0, timezone=TIMEZONE),
            lazy_gettext("Kwartaalrapportages over het vorige kwartaal, per gemeente en voor Duo+ als "
                         "geheel (1 januari, april, juli en oktober om 06:00)")),
    JobSpec("monthly-reports", monthly_reports,
            functools.partial(CronTrigger, day=1, hour=6, minute=0, timezone=TIMEZONE),
            lazy_gettext("Maandrapportages opvolging incidenten over de vorige maand, per gemeente en voor "
                         "Duo+ als geheel (de 1e van elke maand om 06:00)")),
    JobSpec("deadline-warnings", deadline_warnings,
            functools.partial(IntervalTrigger, minutes=5, timezone=TIMEZONE),
            lazy_gettext("Waarschuwingen voor de AP- en Cbw-termijnen en verzenden van de e-mailwachtrij "
                         "(elke 5 minuten)")),
    JobSpec("audit-anchor", audit_anchor,
            functools.partial(CronTrigger, hour=7, minute=0, timezone=TIMEZONE),
            lazy_gettext("De stand van de auditketen per e-mail naar de adressen in AUDIT_ANCHOR_MAIL, om buiten "
                         "de applicatie te bewaren (elke dag om 07:00; niets als er geen adressen zijn ingesteld)")),
    JobSpec("weekly-digest", weekly_digest,
            functools.partial(CronTrigger, day_of_week="mon", hour=7, minute=0, timezone=TIMEZONE),
            lazy_gettext("Het weekoverzicht per persoon: incidenten over de streeftijd, eigen maatregelen over "
                         "de datum en lopende AP- en Cbw-termijnen (elke maandag om 07:00; één keer per week)")),
    JobSpec("webhook-deliveries", webhook_deliveries,
            functools.partial(IntervalTrigger, minutes=1, timezone=TIMEZONE),
            lazy_gettext("Webhooks verzenden naar de geregistreerde eindpunten, met nieuwe pogingen na een pauze, en "
                         "maatregelen over de datum melden (elke minuut)")),
    JobSpec("evidence-reminders", evidence_reminders,
            functools.partial(CronTrigger, hour=6, minute=45, timezone=TIMEZONE),
            lazy_gettext("Herinneringen aan de eigenaren van bewijs voor de Verklaring van Toepasselijkheid, 30 en "
                         "7 dagen voor de herbeoordelingsdatum en als het bewijs verlopen is (elke dag om 06:45; "
                         "elke herinnering één keer)")),
)


def job_spec(job_id: str) -> JobSpec:
    for spec in JOBS:
        if spec.id == job_id:
            return spec
    raise KeyError(job_id)


# --- the job store and the scheduler -----------------------------------------------------------

class JobStore(SQLAlchemyJobStore):
    """APScheduler's SQLAlchemy job store on the application's engine, with two changes.

    ``start`` does not create the table (``create(checkfirst=True)`` would make it behind
    Alembic's back on a database that was never migrated, and migration 0005 would then fail):
    it checks that it is there. ``shutdown`` does not dispose of the engine: it is the
    application's, not the store's.
    """

    def start(self, scheduler: Any, alias: str) -> None:
        BaseJobStore.start(self, scheduler, alias)
        if not inspect(self.engine).has_table(self.jobs_t.name, schema=self.jobs_t.schema):
            raise SchedulerError(f"De tabel {self.jobs_t.name} ontbreekt: voer eerst 'bio-register init' uit.")

    def shutdown(self) -> None:
        pass


@contextlib.contextmanager
def _in_app(app: Flask) -> Iterator[None]:
    if has_app_context() and current_app._get_current_object() is app:  # type: ignore[attr-defined]  # LocalProxy's own method
        yield
    else:
        with app.app_context():
            yield


def _engine(app: Flask) -> Engine:
    with _in_app(app):
        return db.engine


def require_job_table(app: Flask) -> None:
    """Raise :class:`SchedulerError` unless the migrations created the job store's table."""
    if not inspect(_engine(app)).has_table(JOB_TABLE):
        raise SchedulerError(f"De tabel {JOB_TABLE} ontbreekt: voer eerst 'bio-register init' uit.")


class Scheduler(BackgroundScheduler):
    """BackgroundScheduler that processes no jobs once it is shutting down.

    APScheduler 3's ``shutdown`` marks the scheduler stopped, shuts the executors down, then wakes
    its main loop, which processes due jobs once more: their submission fails ("cannot schedule
    new futures after shutdown", agronholm/apscheduler#285, #985) but their next run time is
    still advanced in the job store, so a run due at that moment would be lost, not caught up by
    the next scheduler. Checking the state under the job store lock (which ``shutdown`` takes
    before it stops the executors) closes that window.
    """

    def _process_jobs(self) -> float | None:
        with self._jobstores_lock:
            if self.state == STATE_STOPPED:
                return None
            return super()._process_jobs()


def build_scheduler(app: Flask) -> Scheduler:
    """A scheduler on the application's job store (not started)."""
    return Scheduler(
        jobstores={"default": JobStore(engine=_engine(app), tablename=JOB_TABLE)},
        executors={"default": ThreadPoolExecutor(max_workers=len(JOBS))},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=TIMEZONE,
    )


def install_jobs(scheduler: Scheduler, now: dt.datetime | None = None) -> None:
    """Bring the job store in line with :data:`JOBS` (the scheduler must be started, best paused).

    ``add_job(replace_existing=True)`` alone would overwrite a stored next run time with the
    trigger's next one after *now*, silently dropping a run missed while no scheduler ran. So a
    stored next run time in the past is kept: the job runs once (coalesced) on resume. A future one
    is recomputed from the (possibly changed) trigger. Stored jobs no longer in the table go.
    """
    now = now or dt.datetime.now(TIMEZONE)
    stored = {job.id: job for job in scheduler.get_jobs()}
    for job_id in stored.keys() - {spec.id for spec in JOBS}:
        scheduler.remove_job(job_id)
        log.info("removed job %s: no longer in the job table", job_id)
    for spec in JOBS:
        trigger = spec.trigger()
        previous = stored.get(spec.id)
        missed = getattr(previous, "next_run_time", None)
        if missed is not None and missed <= now:
            next_run = missed
            log.info("job %s was due at %s while no scheduler ran: it runs once now", spec.id,
                     missed.astimezone(TIMEZONE).isoformat())
        else:
            next_run = trigger.get_next_fire_time(None, now)
        scheduler.add_job(spec.func, trigger, id=spec.id, name=spec.id, replace_existing=True,
                          next_run_time=next_run, misfire_grace_time=spec.misfire_grace_time)


# --- one scheduler at a time -------------------------------------------------------------------

class Lock:
    """What the active scheduler holds; while it does, every other one waits as a standby."""

    description = "lock"

    def held(self) -> bool:
        """Whether the lock is still ours (False once the database connection is lost)."""
        return True

    def release(self) -> None:
        raise NotImplementedError


class AdvisoryLock(Lock):
    """A session-level PostgreSQL advisory lock, on a connection kept open for the purpose.

    The connection is in autocommit mode, so it never sits idle in a transaction (which would
    hold back VACUUM for as long as the scheduler runs). When the process dies, the server ends the
    session and the lock is free; TCP keepalives make it notice a vanished machine in minutes.
    """

    def __init__(self, engine: Engine, connection: Any) -> None:
        self.engine = engine
        self.connection = connection
        self.description = f"PostgreSQL advisory lock {LOCK_KEY}"

    def held(self) -> bool:
        try:
            return self.connection.scalar(text("SELECT 1")) == 1
        except SQLAlchemyError:
            return False

    def release(self) -> None:
        with contextlib.suppress(SQLAlchemyError):
            self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
        with contextlib.suppress(SQLAlchemyError):
            self.connection.close()
        self.engine.dispose()


class FileLock(Lock):
    """An exclusive ``flock`` on a file; the operating system releases it when the process ends."""

    def __init__(self, fd: int, path: Path) -> None:
        self.fd: int | None = fd
        self.path = path
        self.description = f"file lock {path}"

    def release(self) -> None:
        import fcntl

        if self.fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None


def _try_advisory_lock(app: Flask) -> Lock | None:
    engine = create_engine(
        _engine(app).url, poolclass=NullPool, isolation_level="AUTOCOMMIT",
        connect_args={"application_name": APPLICATION_NAME,
                      "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3})
    try:
        connection = engine.connect()
    except SQLAlchemyError:
        engine.dispose()
        raise
    try:
        if connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}):
            # Let the server, too, notice a vanished scheduler soon (ignored on Unix sockets).
            with contextlib.suppress(SQLAlchemyError):
                connection.execute(text("SET tcp_keepalives_idle = 60"))
                connection.execute(text("SET tcp_keepalives_interval = 10"))
                connection.execute(text("SET tcp_keepalives_count = 6"))
            return AdvisoryLock(engine, connection)
    except BaseException:
        connection.close()
        engine.dispose()
        raise
    connection.close()
    engine.dispose()
    return None


def _try_file_lock(app: Flask) -> Lock | None:
    import fcntl

    path = Path(app.instance_path) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    with contextlib.suppress(OSError):  # for whoever looks: which process holds it
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
    return FileLock(fd, path)


def acquire_lock(app: Flask, wait: bool = False, poll: float = 15.0, *,
                 stop_event: threading.Event | None = None) -> Lock | None:
    """Take the scheduler lock. Without ``wait``: the lock, or None when another holds it.

    With ``wait``: retry every ``poll`` seconds as a standby (an unreachable database is retried
    too) until the lock is ours, or return None once ``stop_event`` is set.
    """
    on_postgresql = _engine(app).dialect.name == "postgresql"
    attempt = _try_advisory_lock if on_postgresql else _try_file_lock
    standby = False
    while True:
        if stop_event is not None and stop_event.is_set():
            return None
        try:
            lock = attempt(app)
        except SQLAlchemyError as error:
            if not wait:
                raise
            log.warning("scheduler lock: database not reachable (%s); retrying in %s s", error, poll)
            lock = None
        if lock is not None:
            if standby:
                log.info("scheduler lock acquired (%s): taking over from the previous scheduler", lock.description)
            return lock
        if not wait:
            return None
        if not standby:
            log.info("standby: another scheduler holds the lock; retrying every %s s", poll)
            standby = True
        if stop_event is not None:
            if stop_event.wait(poll):
                return None
        else:
            threading.Event().wait(poll)


def run_scheduler(app: Flask, *, poll: float = 15.0, stop_event: threading.Event | None = None,
                  run_at_start: bool = False) -> None:
    """Run the jobs while holding the lock; wait as a standby while another scheduler does.

    Returns when ``stop_event`` is set (or on KeyboardInterrupt, which it lets through), after the
    running jobs have finished and the lock is released. While active it checks every ``poll``
    seconds that the lock is still held; if not (the database connection was lost) it stops its
    jobs and goes back to standby.

    ``run_at_start``: every job runs once as soon as this scheduler holds the lock (the demo of
    ``bio-register serve --demo`` shows its warnings and reports at once, not at the next period).
    """
    stop = stop_event if stop_event is not None else threading.Event()
    require_job_table(app)
    _use_app(app)
    beat = heartbeat.Heartbeat(app).start()  # standby until the lock is ours; for /health/ready
    try:
        while not stop.is_set():
            lock = acquire_lock(app, wait=True, poll=poll, stop_event=stop)
            if lock is None:
                break
            beat.active()
            try:
                _run_holding(app, lock, poll, stop, run_now=run_at_start)
            finally:
                lock.release()
                beat.standby()
            run_at_start = False
    finally:
        beat.stop()
    log.info("scheduler stopped")


def _run_holding(app: Flask, lock: Lock, poll: float, stop: threading.Event, *, run_now: bool = False) -> None:
    scheduler = build_scheduler(app)
    try:
        try:
            scheduler.start(paused=True)
            install_jobs(scheduler)
            if run_now:
                now = dt.datetime.now(TIMEZONE)
                for job in scheduler.get_jobs():
                    job.modify(next_run_time=now)
            scheduler.resume()
        except Exception:
            log.exception("scheduler could not start its jobs; retrying in %s s", poll)
            stop.wait(poll)
            return
        log.info("scheduler running (%s); next: %s", lock.description, "; ".join(
            f"{job.id} {job.next_run_time.astimezone(TIMEZONE):%Y-%m-%d %H:%M %Z}"
            for job in scheduler.get_jobs() if job.next_run_time))
        while not stop.wait(poll):
            if not lock.held():
                log.error("scheduler lost its lock (%s): stopping its jobs, back to standby", lock.description)
                return
    finally:
        if scheduler.state != STATE_STOPPED:
            scheduler.shutdown(wait=True)


# --- the overview ------------------------------------------------------------------------------

def schedules(session: Session | scoped_session[Any], now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Each job's id, Dutch description and next run time (Amsterdam time).

    The next run time comes from the job store once a scheduler has run (``stored``), else from
    the trigger. ``overdue``: a stored run time has passed, i.e. no scheduler is running. The job
    store is read in ``session``, the caller's own (a request's: on SQLite a second connection
    would wait for the write lock the request's transaction holds).
    """
    from bio_register.reporting.models import apscheduler_jobs

    now = now or utcnow()
    stored: dict[str, float | None] = {
        job_id: timestamp for job_id, timestamp in session.execute(
            select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time))}
    rows = []
    for spec in JOBS:
        trigger = spec.trigger()
        if spec.id in stored:
            timestamp = stored[spec.id]
            next_run = utc_timestamp_to_datetime(timestamp) if timestamp is not None else None
        else:
            next_run = trigger.get_next_fire_time(None, now)
        rows.append({
            "id": spec.id,
            "description": str(spec.description),
            "trigger": str(trigger),
            "next_run_time": next_run.astimezone(TIMEZONE) if next_run else None,
            "stored": spec.id in stored,
            "overdue": bool(spec.id in stored and next_run and next_run < now),
        })
    return rows
