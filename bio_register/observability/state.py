"""What operators ask the database: the schema revision, the e-mail outbox backlog, the schedulers'
heartbeats and last job runs, and the AP clocks. Read by ``/health/ready`` and ``/metrics``, never
per ordinary request. Plain arguments in, plain values out; no Flask.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, func, or_, select, text
from sqlalchemy.orm import Session, scoped_session

from bio_register.breaches.models import ApDecision, ApNotification, BreachAssessment, NotificationKind
from bio_register.breaches.services import AP_DEADLINE
from bio_register.incidents.models import OPEN_STATUSES, Incident
from bio_register.notifications.models import EMAIL, WEBHOOK, OutboxMessage
from bio_register.notifications.services import MAX_ATTEMPTS
from bio_register.observability.models import ROLE_ACTIVE, ROLE_STANDBY, SchedulerHeartbeat, SchedulerJobRun

AnySession = Session | scoped_session[Any]

#: how often a scheduler process writes its heartbeat (seconds)
HEARTBEAT_SECONDS = 30.0
#: a heartbeat older than this is stale: the process is gone or cannot reach the database
STALE_AFTER_SECONDS = 3 * HEARTBEAT_SECONDS


# --- the schema ---------------------------------------------------------------------------------

def migration_heads(directory: Path | str) -> frozenset[str]:
    """The head revision(s) of the Alembic scripts in ``directory`` (read once, at start-up)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory(str(directory)).get_heads())


def schema_revisions(session: AnySession) -> frozenset[str]:
    """The revision(s) the database is at (empty: never migrated). Raises when the database does
    not answer, or has no ``alembic_version`` table (an empty database)."""
    return frozenset(session.scalars(text("SELECT version_num FROM alembic_version")))


# --- the e-mail outbox --------------------------------------------------------------------------

@dataclass(frozen=True)
class OutboxBacklog:
    #: not sent yet and still to be tried
    unsent: int
    #: of those, how many failed at least once (retried by the scheduler every five minutes)
    retrying: int
    #: given up after MAX_ATTEMPTS failed attempts: never sent unless someone acts
    failed: int
    #: age of the oldest unsent message still to be tried; None when there is none
    oldest_unsent_age_seconds: float | None


def outbox_backlog(session: AnySession, now: dt.datetime) -> OutboxBacklog:
    """One query over the unsent messages (``ix_outbox_messages_sent_at``)."""
    pending = OutboxMessage.attempts < MAX_ATTEMPTS
    unsent, retrying, failed, oldest = session.execute(
        select(func.coalesce(func.sum(case((pending, 1), else_=0)), 0),
               func.coalesce(func.sum(case((and_(pending, OutboxMessage.attempts > 0), 1), else_=0)), 0),
               func.coalesce(func.sum(case((pending, 0), else_=1)), 0),
               func.min(case((pending, OutboxMessage.created_at), else_=None)))
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.kind == EMAIL)).one()
    oldest_dt = _aware(oldest)
    age = max(0.0, (now - oldest_dt).total_seconds()) if oldest_dt is not None else None
    return OutboxBacklog(int(unsent), int(retrying), int(failed), age)


@dataclass(frozen=True)
class WebhookBacklog:
    #: webhook deliveries not delivered yet and still to be tried (in the queue or waiting out a back-off)
    pending: int
    #: given up: every attempt failed, or the receiver refused (shown on the webhook's page)
    failed: int


def webhook_backlog(session: AnySession) -> WebhookBacklog:
    """One query over the webhook deliveries not delivered (``ix_outbox_messages_sent_at``)."""
    failed = OutboxMessage.failed_at.is_not(None)
    pending, given_up = session.execute(
        select(func.coalesce(func.sum(case((failed, 0), else_=1)), 0),
               func.coalesce(func.sum(case((failed, 1), else_=0)), 0))
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.kind == WEBHOOK)).one()
    return WebhookBacklog(int(pending), int(given_up))


def _aware(value: Any) -> dt.datetime | None:
    """A timestamp from an aggregate (``min``), which skips the column type: SQLite gives a naive
    datetime or a string in UTC, PostgreSQL an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


# --- the scheduler ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SchedulerState:
    #: seconds since the newest heartbeat of an active scheduler; None: none ever reported
    active_age_seconds: float | None
    #: active schedulers with a fresh heartbeat (1 is right; 0: no jobs run)
    active: int
    #: standby schedulers with a fresh heartbeat
    standby: int
    #: the last run of each job that has run
    jobs: tuple[SchedulerJobRun, ...]

    @property
    def stale(self) -> bool:
        return self.active == 0


def scheduler_state(session: AnySession, now: dt.datetime, *, with_jobs: bool = True) -> SchedulerState:
    fresh = now - dt.timedelta(seconds=STALE_AFTER_SECONDS)
    rows = session.execute(select(SchedulerHeartbeat.role, SchedulerHeartbeat.last_seen)).all()
    active_seen = [last_seen for role, last_seen in rows if role == ROLE_ACTIVE]
    newest = max(active_seen, default=None)
    jobs = tuple(session.scalars(select(SchedulerJobRun).order_by(SchedulerJobRun.job_id))) if with_jobs else ()
    return SchedulerState(
        active_age_seconds=max(0.0, (now - newest).total_seconds()) if newest is not None else None,
        active=sum(1 for seen in active_seen if seen >= fresh),
        standby=sum(1 for role, seen in rows if role == ROLE_STANDBY and seen >= fresh),
        jobs=jobs)


# --- the AP clocks ------------------------------------------------------------------------------

def ap_clocks(session: AnySession, now: dt.datetime) -> tuple[int, int]:
    """(running, past the deadline): open datalekken whose AP clock runs — no initial melding, and
    no decision or a decision to notify in force (the first group of ``breaches.services.overview``)
    — and of those the ones whose 72 hours after awareness have passed. One count query."""
    has_initial = (select(ApNotification.id).where(ApNotification.incident_id == Incident.id,
                                                   ApNotification.kind == NotificationKind.INITIAL).exists())
    latest_notify = (select(ApDecision.notify).where(ApDecision.incident_id == Incident.id)
                     .order_by(ApDecision.decided_at.desc(), ApDecision.id.desc()).limit(1).scalar_subquery())
    awareness = func.coalesce(BreachAssessment.aware_at, Incident.discovered_at)
    running, overdue = session.execute(
        select(func.count(), func.coalesce(func.sum(case((awareness < now - AP_DEADLINE, 1), else_=0)), 0))
        .select_from(Incident)
        .outerjoin(BreachAssessment, BreachAssessment.incident_id == Incident.id)
        .where(Incident.is_datalek.is_(True), Incident.status.in_(OPEN_STATUSES), ~has_initial,
               or_(latest_notify.is_(None), latest_notify.is_(True)))).one()
    return int(running), int(overdue)

