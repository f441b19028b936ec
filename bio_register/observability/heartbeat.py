"""What the scheduler process writes for operators (called from :mod:`bio_register.scheduler`).

* :class:`Heartbeat`: a thread that writes this process's row in ``scheduler_heartbeats`` every
  :data:`~bio_register.observability.state.HEARTBEAT_SECONDS` — role ``standby`` while it waits
  for the lock, ``active`` while it runs the jobs — and removes it when the process stops.
* :func:`record_job_run`: the last run of a job (when, how long, whether it succeeded), written by
  the job wrapper after the job's own transaction ended.

Both write in a transaction of their own and never raise: a database that does not answer costs
a log line, not the scheduler.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import socket
import threading

from flask import Flask
from sqlalchemy import delete

from bio_register import unit_of_work
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.observability.models import ROLE_ACTIVE, ROLE_STANDBY, SchedulerHeartbeat, SchedulerJobRun
from bio_register.observability.state import HEARTBEAT_SECONDS

log = logging.getLogger(__name__)

#: rows of processes that died without removing theirs are dropped after this long
FORGET_AFTER = dt.timedelta(days=1)


_numbers = itertools.count(1)


def process_key(number: int = 1) -> str:
    """A scheduler's key in ``scheduler_heartbeats``: ``host:pid`` (``host:pid/2`` for a second
    scheduler in the same process, which only tests run)."""
    key = f"{socket.gethostname()}:{os.getpid()}"
    return key if number == 1 else f"{key}/{number}"


def beat(key: str, role: str, started_at: dt.datetime, now: dt.datetime | None = None) -> None:
    """Write the heartbeat ``key`` (in the current application context's session)."""
    now = now or utcnow()
    with unit_of_work.boundary(db.session):
        row = db.session.get(SchedulerHeartbeat, key)
        if row is None:
            db.session.add(SchedulerHeartbeat(id=key, host=socket.gethostname(), pid=os.getpid(), role=role,
                                              started_at=started_at, last_seen=now))
        else:
            row.role, row.last_seen = role, now
        db.session.execute(delete(SchedulerHeartbeat).where(SchedulerHeartbeat.id != key,
                                                            SchedulerHeartbeat.last_seen < now - FORGET_AFTER))


def forget(key: str) -> None:
    """Remove a heartbeat (a clean stop)."""
    with unit_of_work.boundary(db.session):
        db.session.execute(delete(SchedulerHeartbeat).where(SchedulerHeartbeat.id == key))


class Heartbeat:
    """The heartbeat thread of one scheduler process. ``role`` is set by the scheduler loop."""

    def __init__(self, app: Flask, interval: float = HEARTBEAT_SECONDS) -> None:
        self.app = app
        self.interval = interval
        self.key = process_key(next(_numbers))
        self.started_at = utcnow()
        self._role = ROLE_STANDBY
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._failing = False
        self._thread = threading.Thread(target=self._run, name="scheduler-heartbeat", daemon=True)

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    @property
    def role(self) -> str:
        return self._role

    def set_role(self, role: str) -> None:
        """Change the role and write it at once (readiness shows a take-over without delay)."""
        self._role = role
        self._wake.set()

    def active(self) -> None:
        self.set_role(ROLE_ACTIVE)

    def standby(self) -> None:
        self.set_role(ROLE_STANDBY)

    def stop(self) -> None:
        """Stop the thread and remove the row."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)
        with self.app.app_context():
            try:
                forget(self.key)
            except Exception:
                log.warning("scheduler heartbeat: could not remove %s on stop", self.key, exc_info=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before writing: a role set while it writes wakes it again at once
            self._beat_once()
            self._wake.wait(self.interval)

    def _beat_once(self) -> None:
        with self.app.app_context():
            try:
                beat(self.key, self._role, self.started_at)
            except Exception as error:
                # once per outage at WARNING, then quietly until it works again
                log.log(logging.DEBUG if self._failing else logging.WARNING,
                        "scheduler heartbeat not written (%s); retrying in %s s", type(error).__name__, self.interval)
                self._failing = True
            else:
                if self._failing:
                    log.info("scheduler heartbeat written again")
                self._failing = False


def record_job_run(job_id: str, started_at: dt.datetime, succeeded: bool, now: dt.datetime | None = None) -> None:
    """Keep the last run of ``job_id`` (in the current application context's session, after the
    job's own work was committed or rolled back). Logs, never raises."""
    now = now or utcnow()
    try:
        with unit_of_work.boundary(db.session):
            row = db.session.get(SchedulerJobRun, job_id)
            if row is None:
                row = SchedulerJobRun(job_id=job_id, last_success_at=None)
                db.session.add(row)
            row.started_at, row.finished_at, row.succeeded = started_at, now, succeeded
            row.duration_seconds = max(0.0, (now - started_at).total_seconds())
            if succeeded:
                row.last_success_at = now
    except Exception:
        log.warning("job %s: its run could not be recorded", job_id, exc_info=True)
