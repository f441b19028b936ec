"""What the scheduler leaves for operators: a heartbeat per scheduler process and the last run of
each job. Written by :mod:`bio_register.observability.heartbeat`, read by the readiness check and
the metrics (:mod:`bio_register.observability.state`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from bio_register.database import UTCDateTime
from bio_register.extensions import Model

ROLE_ACTIVE = "active"
ROLE_STANDBY = "standby"


class SchedulerHeartbeat(Model):
    """One row per running scheduler process: ``active`` (holds the lock, runs the jobs) or
    ``standby`` (waits for the lock). Removed when the process stops cleanly; a row whose
    ``last_seen`` stopped moving is a process that died."""

    __tablename__ = "scheduler_heartbeats"
    __table_args__ = (CheckConstraint(f"role IN ('{ROLE_ACTIVE}', '{ROLE_STANDBY}')", name="role"),)

    #: ``host:pid``
    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    role: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SchedulerJobRun(Model):
    """The last run of a scheduled job (one row per job id), written by the job wrapper."""

    __tablename__ = "scheduler_job_runs"

    job_id: Mapped[str] = mapped_column(String(191), primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    succeeded: Mapped[bool]
    duration_seconds: Mapped[float] = mapped_column(Float)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
