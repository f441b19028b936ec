"""The scheduler: the job table, one active scheduler at a time, catch-up after downtime."""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, insert, inspect, select, text

from bio_register import scheduler
from bio_register.extensions import db
from bio_register.reporting.models import apscheduler_jobs
from tests import dbutil
from tests.conftest import make_app

UTC = dt.UTC
AMSTERDAM = scheduler.TIMEZONE
POLL = 0.05
JOB_IDS = ["quarterly-reports", "monthly-reports", "deadline-warnings", "audit-anchor", "weekly-digest",
           "webhook-deliveries", "evidence-reminders"]


# --- the job table -----------------------------------------------------------------------------

def test_the_job_table_has_five_fixed_jobs() -> None:
    assert [spec.id for spec in scheduler.JOBS] == JOB_IDS
    for spec in scheduler.JOBS:
        # the job store pickles a reference: module-level functions only
        assert spec.func.__module__ == "bio_register.scheduler"
        assert getattr(scheduler, spec.func.__name__) is spec.func
        assert str(spec.description)


def test_quarterly_reports_run_on_the_first_of_a_quarter_at_six_amsterdam() -> None:
    trigger = scheduler.job_spec("quarterly-reports").trigger()
    after = dt.datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    first = trigger.get_next_fire_time(None, after)
    assert first == dt.datetime(2027, 1, 1, 5, 0, tzinfo=UTC)
    assert first.astimezone(AMSTERDAM).hour == 6
    second = trigger.get_next_fire_time(first, first)
    assert second == dt.datetime(2027, 4, 1, 4, 0, tzinfo=UTC)  # 06:00 summer time


def test_monthly_reports_run_on_the_first_of_each_month_at_six_amsterdam() -> None:
    trigger = scheduler.job_spec("monthly-reports").trigger()
    after = dt.datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert trigger.get_next_fire_time(None, after) == dt.datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    summer = dt.datetime(2026, 5, 15, 10, 0, tzinfo=UTC)
    assert trigger.get_next_fire_time(None, summer) == dt.datetime(2026, 6, 1, 4, 0, tzinfo=UTC)


def test_deadline_warnings_run_every_five_minutes() -> None:
    trigger = scheduler.job_spec("deadline-warnings").trigger()
    assert trigger.interval == dt.timedelta(minutes=5)
    first = trigger.get_next_fire_time(None, dt.datetime.now(UTC))
    assert trigger.get_next_fire_time(first, first) - first == dt.timedelta(minutes=5)


def test_the_weekly_digest_runs_on_monday_at_seven_amsterdam() -> None:
    trigger = scheduler.job_spec("weekly-digest").trigger()
    # Sunday 25 October 2026, the clocks went back that night: Monday 07:00 is 06:00 UTC
    first = trigger.get_next_fire_time(None, dt.datetime(2026, 10, 25, 10, 0, tzinfo=UTC))
    assert first == dt.datetime(2026, 10, 26, 6, 0, tzinfo=UTC)
    assert first.astimezone(AMSTERDAM).hour == 7 and first.astimezone(AMSTERDAM).weekday() == 0
    summer = trigger.get_next_fire_time(None, dt.datetime(2026, 6, 2, 10, 0, tzinfo=UTC))
    assert summer == dt.datetime(2026, 6, 8, 5, 0, tzinfo=UTC)


def test_schedules_come_from_the_triggers_before_a_scheduler_ran(app: Flask) -> None:
    with app.app_context():
        rows = scheduler.schedules(db.session, now=dt.datetime(2026, 11, 22, 10, 0, tzinfo=UTC))
    by_id = {row["id"]: row for row in rows}
    assert list(by_id) == JOB_IDS
    assert by_id["quarterly-reports"]["next_run_time"] == dt.datetime(2027, 1, 1, 5, 0, tzinfo=UTC)
    assert by_id["quarterly-reports"]["next_run_time"].tzinfo == AMSTERDAM
    assert by_id["monthly-reports"]["next_run_time"] == dt.datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    assert "Kwartaalrapportages" in by_id["quarterly-reports"]["description"]
    assert not any(row["stored"] for row in rows)


def test_schedules_read_the_job_store_once_a_scheduler_ran(app: Flask) -> None:
    stored = dt.datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    with app.app_context():
        db.session.execute(insert(apscheduler_jobs).values(
            id="monthly-reports", next_run_time=stored.timestamp(), job_state=b"-"))
        db.session.commit()
    with app.app_context():
        rows = {row["id"]: row for row in scheduler.schedules(db.session, now=dt.datetime(2026, 12, 2, tzinfo=UTC))}
    assert rows["monthly-reports"]["stored"] and rows["monthly-reports"]["next_run_time"] == stored
    assert rows["monthly-reports"]["overdue"]  # no scheduler ran the job on 1 December
    assert not rows["quarterly-reports"]["stored"]


def test_scheduler_list_command_prints_the_jobs(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["bio", "scheduler", "--list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == JOB_IDS
    assert "06:00" in lines[0] and "Kwartaalrapportages" in lines[0]


# --- the job wrappers --------------------------------------------------------------------------

def test_jobs_call_their_service_with_the_time_and_the_config(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler, "_app", app)
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(scheduler, "generate_due_reports", lambda kind, now: calls.append((kind, now)) or (0, 0))
    monkeypatch.setattr(scheduler, "check_deadlines",
                        lambda app, now: calls.append((app.config, now)) or (0, 0, 0))
    before = dt.datetime.now(UTC)
    scheduler.quarterly_reports()
    scheduler.monthly_reports()
    scheduler.deadline_warnings()
    assert [c[0] for c in calls] == ["quarterly", "monthly", app.config]
    assert all(before <= c[1] <= dt.datetime.now(UTC) for c in calls)


def test_a_failing_job_rolls_back_and_logs(app: Flask, monkeypatch: pytest.MonkeyPatch,
                                           caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(scheduler, "_app", app)

    def half_done(kind: str, now: dt.datetime) -> tuple[int, int]:
        db.session.execute(insert(apscheduler_jobs).values(id="half-done", job_state=b"-"))
        raise RuntimeError("the PDF renderer fell over")

    monkeypatch.setattr(scheduler, "generate_due_reports", half_done)
    scheduler.quarterly_reports()  # does not raise
    failed = [r for r in caplog.records if r.name == "bio_register.scheduler" and r.levelno == logging.ERROR]
    assert failed and "quarterly-reports" in failed[0].getMessage() and failed[0].exc_info
    with app.app_context():
        assert db.session.scalar(select(apscheduler_jobs.c.id).where(apscheduler_jobs.c.id == "half-done")) is None


# --- committed: locks and running schedulers in a fresh database --------------------------------

@pytest.fixture
def fresh_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setattr(scheduler, "_app", None)
    with dbutil.fresh_database(tmp_path) as url:
        application = make_app(url, str(tmp_path))
        with application.app_context():
            upgrade(directory=application.extensions["migrate"].directory)
        try:
            yield application
        finally:
            with application.app_context():
                db.session.remove()
                db.engine.dispose()


class Calls:
    """A fake ``scheduler.generate_due_reports`` that counts its calls per kind (thread-safe)."""

    def __init__(self, fail: set[str] | None = None) -> None:
        self.kinds: list[str] = []
        self.fail = fail or set()
        self._lock = threading.Lock()

    def __call__(self, kind: str, now: dt.datetime) -> tuple[int, int]:
        with self._lock:
            self.kinds.append(kind)
        if kind in self.fail:
            raise RuntimeError(f"{kind} failed")
        return 0, 0

    def count(self, kind: str) -> int:
        with self._lock:
            return self.kinds.count(kind)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    fake = Calls()
    monkeypatch.setattr(scheduler, "generate_due_reports", fake)
    monkeypatch.setattr(scheduler, "check_deadlines", lambda app, now: (0, 0, 0))
    return fake


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


class Runner:
    """``run_scheduler`` in a thread of its own, stopped by an event."""

    def __init__(self, app: Flask, name: str) -> None:
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, args=(app,), name=name, daemon=True)

    def _run(self, app: Flask) -> None:
        try:
            scheduler.run_scheduler(app, poll=POLL, stop_event=self.stop)
        except BaseException as error:
            self.errors.append(error)

    def start(self) -> Runner:
        self.thread.start()
        return self

    def halt(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()
        assert not self.errors, self.errors


def logged(caplog: pytest.LogCaptureFixture, thread: str, words: str) -> bool:
    return any(r.threadName == thread and words in r.getMessage() for r in list(caplog.records))


def store_jobs(app: Flask, **next_run: dt.datetime) -> None:
    """Write the job table to the job store as a scheduler would, with some next run times set
    (in the past: a run missed while no scheduler ran)."""
    helper = scheduler.build_scheduler(app)
    helper.start(paused=True)
    try:
        scheduler.install_jobs(helper)
        for job_id, when in next_run.items():
            helper.modify_job(job_id.replace("_", "-"), next_run_time=when)
    finally:
        helper.shutdown()


def stored_next_run(app: Flask, job_id: str) -> dt.datetime | None:
    with app.app_context():
        try:
            value = db.session.scalar(select(apscheduler_jobs.c.next_run_time).where(apscheduler_jobs.c.id == job_id))
        finally:
            db.session.remove()
    return dt.datetime.fromtimestamp(value, UTC) if value is not None else None


def drop_lock(lock: scheduler.Lock) -> None:
    """The holder dies without releasing: its connection closes, or its file descriptor."""
    if isinstance(lock, scheduler.AdvisoryLock):
        lock.connection.invalidate()
        lock.engine.dispose()
    else:
        assert isinstance(lock, scheduler.FileLock) and lock.fd is not None
        os.close(lock.fd)
        lock.fd = None


@pytest.mark.committed
def test_a_second_lock_waits_until_the_first_is_released(fresh_app: Flask, tmp_path: Path) -> None:
    # a second application: its own engine, so on PostgreSQL its own connections
    other = make_app(fresh_app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path))
    first = scheduler.acquire_lock(fresh_app, wait=False, poll=POLL)
    assert first is not None
    expected = scheduler.AdvisoryLock if dbutil.on_postgresql() else scheduler.FileLock
    assert isinstance(first, expected)
    try:
        assert first.held()
        assert scheduler.acquire_lock(other, wait=False, poll=POLL) is None
        assert scheduler.acquire_lock(fresh_app, wait=False, poll=POLL) is None  # not re-entrant either
    finally:
        first.release()
    second = scheduler.acquire_lock(other, wait=False, poll=POLL)
    assert second is not None
    second.release()
    with other.app_context():
        db.engine.dispose()


@pytest.mark.committed
def test_a_standby_takes_the_lock_when_the_holder_dies(fresh_app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bio_register.scheduler")
    first = scheduler.acquire_lock(fresh_app, wait=False, poll=POLL)
    assert first is not None
    got: list[scheduler.Lock | None] = []
    stop = threading.Event()
    waiter = threading.Thread(name="standby", target=lambda: got.append(
        scheduler.acquire_lock(fresh_app, wait=True, poll=POLL, stop_event=stop)))
    waiter.start()
    try:
        assert wait_until(lambda: logged(caplog, "standby", "standby"))
        time.sleep(3 * POLL)
        assert not got  # still waiting
        drop_lock(first)  # no unlock: the connection (or the file descriptor) just goes away
        waiter.join(timeout=5)
        assert got and got[0] is not None
        assert logged(caplog, "standby", "taking over")
        got[0].release()
    finally:
        stop.set()
        waiter.join(timeout=5)
        first.release()


@pytest.mark.committed
def test_a_stopped_standby_gives_up_waiting(fresh_app: Flask) -> None:
    first = scheduler.acquire_lock(fresh_app, wait=False, poll=POLL)
    assert first is not None
    try:
        stop = threading.Event()
        threading.Timer(2 * POLL, stop.set).start()
        assert scheduler.acquire_lock(fresh_app, wait=True, poll=POLL, stop_event=stop) is None
    finally:
        first.release()


@pytest.mark.committed
def test_only_one_of_two_schedulers_runs_jobs_and_the_other_takes_over(
        fresh_app: Flask, calls: Calls, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bio_register.scheduler")
    past = dt.datetime.now(UTC) - dt.timedelta(days=3)
    store_jobs(fresh_app, quarterly_reports=past)
    runners = {name: Runner(fresh_app, name) for name in ("scheduler-A", "scheduler-B")}
    for runner in runners.values():
        runner.start()
    try:
        assert wait_until(lambda: calls.count("quarterly") >= 1)
        assert wait_until(lambda: any(logged(caplog, name, "standby") for name in runners))
        active = next(name for name in runners if logged(caplog, name, "scheduler running"))
        standby = next(name for name in runners if name != active)
        assert logged(caplog, standby, "standby") and not logged(caplog, standby, "scheduler running")
        time.sleep(4 * POLL)
        assert calls.count("quarterly") == 1  # the due job ran once, not once per scheduler

        # Due again, written behind the active scheduler's back (it sleeps until its next run):
        # the standby must not touch it while the active one holds the lock.
        store_jobs(fresh_app, quarterly_reports=past)
        time.sleep(4 * POLL)
        assert calls.count("quarterly") == 1

        runners[active].halt()
        assert wait_until(lambda: logged(caplog, standby, "scheduler running"))
        assert wait_until(lambda: calls.count("quarterly") == 2)
        assert calls.count("monthly") == 0
    finally:
        for runner in runners.values():
            runner.halt()


@pytest.mark.committed
def test_shutting_a_scheduler_down_does_not_consume_a_due_run(fresh_app: Flask) -> None:
    """APScheduler 3 processes due jobs once more while shutting down, fails to submit them and
    still advances their next run time; our Scheduler does not, so the run is caught up later."""
    past = dt.datetime.now(UTC) - dt.timedelta(hours=1)
    store_jobs(fresh_app, quarterly_reports=past)  # a paused scheduler, shut down with the job due
    stored = stored_next_run(fresh_app, "quarterly-reports")
    assert stored is not None and abs(stored - past) < dt.timedelta(milliseconds=1)


@pytest.mark.committed
def test_a_job_missed_during_downtime_runs_once(fresh_app: Flask, calls: Calls) -> None:
    first = Runner(fresh_app, "first").start()
    try:
        assert wait_until(lambda: stored_next_run(fresh_app, "quarterly-reports") is not None)
    finally:
        first.halt()
    assert calls.kinds == []
    # Downtime: the quarterly job was due more than a year ago, so several quarters were missed.
    missed = dt.datetime.now(UTC) - dt.timedelta(days=400)
    store_jobs(fresh_app, quarterly_reports=missed)
    job = scheduler.job_spec("quarterly-reports")
    second = Runner(fresh_app, "second").start()
    try:
        assert wait_until(lambda: calls.count("quarterly") >= 1)
        time.sleep(4 * POLL)
        assert calls.kinds == ["quarterly"]  # once, not once per missed quarter
        now = dt.datetime.now(UTC)
        assert stored_next_run(fresh_app, "quarterly-reports") == job.trigger().get_next_fire_time(None, now)
    finally:
        second.halt()


@pytest.mark.committed
def test_a_failing_job_does_not_stop_the_scheduler(fresh_app: Flask, calls: Calls,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    calls.fail = {"quarterly"}
    past = dt.datetime.now(UTC) - dt.timedelta(hours=1)
    store_jobs(fresh_app, quarterly_reports=past)
    runner = Runner(fresh_app, "scheduler").start()
    try:
        assert wait_until(lambda: calls.count("quarterly") == 1)
        assert wait_until(lambda: any("quarterly-reports failed" in r.getMessage() for r in caplog.records))
        time.sleep(3 * POLL)  # a few lock checks later it still runs
        assert runner.thread.is_alive() and not runner.errors
        assert stored_next_run(fresh_app, "quarterly-reports") > dt.datetime.now(UTC)
    finally:
        runner.halt()
    store_jobs(fresh_app, monthly_reports=past)
    again = Runner(fresh_app, "again").start()
    try:
        assert wait_until(lambda: calls.count("monthly") == 1)
    finally:
        again.halt()


@pytest.mark.committed
def test_the_scheduler_creates_no_tables(fresh_app: Flask, calls: Calls) -> None:
    with fresh_app.app_context():
        engine = db.engine
        before = set(inspect(engine).get_table_names())
    assert "apscheduler_jobs" in before
    runner = Runner(fresh_app, "scheduler").start()
    try:
        assert wait_until(lambda: stored_next_run(fresh_app, "deadline-warnings") is not None)
    finally:
        runner.halt()
    assert set(inspect(engine).get_table_names()) == before


@pytest.mark.committed
def test_the_scheduler_refuses_a_database_without_migrations(tmp_path: Path) -> None:
    with dbutil.fresh_database(tmp_path) as url:
        app = make_app(url, str(tmp_path))
        try:
            with pytest.raises(scheduler.SchedulerError, match="bio-register init"):
                scheduler.run_scheduler(app, poll=POLL, stop_event=threading.Event())
            with app.app_context():
                assert inspect(db.engine).get_table_names() == []
        finally:
            with app.app_context():
                db.engine.dispose()


@pytest.mark.committed
def test_a_scheduler_that_loses_its_connection_goes_back_to_standby(
        fresh_app: Flask, calls: Calls, caplog: pytest.LogCaptureFixture) -> None:
    if not dbutil.on_postgresql():
        pytest.skip("a file lock cannot be lost while the process lives")
    caplog.set_level(logging.INFO, logger="bio_register.scheduler")
    runner = Runner(fresh_app, "scheduler").start()
    admin = create_engine(fresh_app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT")
    try:
        assert wait_until(lambda: logged(caplog, "scheduler", "scheduler running"))
        with admin.connect() as conn:
            killed = conn.scalar(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": scheduler.APPLICATION_NAME})
        assert killed == 1
        assert wait_until(lambda: logged(caplog, "scheduler", "lost its lock"))
        # nobody else holds it, so it takes it again
        assert wait_until(lambda: sum(r.threadName == "scheduler" and "scheduler running" in r.getMessage()
                                      for r in list(caplog.records)) == 2)
    finally:
        runner.halt()
        admin.dispose()
