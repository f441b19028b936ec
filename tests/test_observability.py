"""Operations: readiness, the scheduler's heartbeat, Prometheus metrics, request ids and JSON logs."""

from __future__ import annotations

import datetime as dt
import io
import ipaddress
import json
import logging
import os
import re
import smtplib
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.logging import default_handler
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import select

from bio_register import MIGRATIONS_DIR, scheduler
from bio_register.config import ConfigError, load_settings
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.notifications.models import OutboxMessage
from bio_register.notifications.services import MAX_ATTEMPTS
from bio_register.observability import heartbeat, logs, metrics, request_id, state
from bio_register.observability.models import SchedulerHeartbeat, SchedulerJobRun
from tests import dbutil, factories
from tests.conftest import make_app

TOKEN = "m" * 40
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")


# --- readiness ----------------------------------------------------------------------------------

def test_ready_at_head_answers_200_with_the_scheduler_and_the_outbox(client: FlaskClient) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    heads = sorted(state.migration_heads(MIGRATIONS_DIR))
    assert body["status"] == "ok" and body["reasons"] == []
    assert body["database"] == {"revision": heads, "head": heads}
    assert body["outbox"] == {"unsent": 0, "oldest_unsent_age_seconds": None, "retrying": 0, "failed": 0}
    # no scheduler runs in the tests: a warning, not a reason to leave the load balancer
    assert body["scheduler"]["active"] == 0 and body["scheduler"]["stale"] is True
    assert any("scheduler" in warning for warning in body["warnings"])


def test_liveness_stays_without_the_database(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_database(*_: Any, **__: Any) -> Any:
        raise AssertionError("/health must not touch the database")

    monkeypatch.setattr(db.session, "execute", no_database)
    monkeypatch.setattr(db.session, "scalars", no_database)
    assert client.get("/health").get_json() == {"status": "ok"}


def test_ready_reports_the_outbox_backlog(client: FlaskClient) -> None:
    now = utcnow()
    db.session.add_all([
        OutboxMessage(recipient="a@example.nl", subject="s", body="b", created_at=now - dt.timedelta(hours=2)),
        OutboxMessage(recipient="b@example.nl", subject="s", body="b", attempts=2, last_error="refused"),
        OutboxMessage(recipient="c@example.nl", subject="s", body="b", attempts=MAX_ATTEMPTS, last_error="refused"),
        OutboxMessage(recipient="d@example.nl", subject="s", body="b", sent_at=now),
    ])
    db.session.commit()
    body = client.get("/health/ready").get_json()
    assert body["status"] == "ok"
    outbox = body["outbox"]
    assert (outbox["unsent"], outbox["retrying"], outbox["failed"]) == (2, 1, 1)
    assert 7190 < outbox["oldest_unsent_age_seconds"] < 7300
    assert any("given up" in warning for warning in body["warnings"])
    assert any("oldest unsent e-mail" in warning for warning in body["warnings"])


def test_ready_reports_a_fresh_heartbeat_and_warns_about_a_stale_one(client: FlaskClient) -> None:
    now = utcnow()
    with client.application.app_context():
        heartbeat.beat("host-a:1", "active", now - dt.timedelta(hours=1), now - dt.timedelta(seconds=5))
        heartbeat.beat("host-b:2", "standby", now - dt.timedelta(hours=1), now - dt.timedelta(seconds=3))
    body = client.get("/health/ready").get_json()
    assert body["scheduler"]["active"] == 1 and body["scheduler"]["standby"] == 1
    assert body["scheduler"]["stale"] is False and 4 <= body["scheduler"]["heartbeat_age_seconds"] < 60
    assert not any("scheduler" in warning for warning in body["warnings"])

    with client.application.app_context():
        heartbeat.beat("host-a:1", "active", now - dt.timedelta(hours=1), now - dt.timedelta(minutes=10))
    response = client.get("/health/ready")
    assert response.status_code == 200  # decided: a stopped scheduler keeps the web workers in
    body = response.get_json()
    assert body["scheduler"]["stale"] is True and body["scheduler"]["heartbeat_age_seconds"] >= 600
    assert any("heartbeat" in warning for warning in body["warnings"])


def _migrated_to(url: str, tmp_path: Path, revision: str | None) -> Flask:
    app = make_app(url, str(tmp_path))
    if revision is not None:
        with app.app_context():
            upgrade(directory=str(MIGRATIONS_DIR), revision=revision)
            db.engine.dispose()
    return app


@pytest.mark.committed
def test_ready_answers_503_on_a_database_at_an_older_revision(tmp_path: Path) -> None:
    with dbutil.fresh_database(tmp_path) as url:
        app = _migrated_to(url, tmp_path, "0011_covering_date_index")
        try:
            response = app.test_client().get("/health/ready")
            assert response.status_code == 503
            body = response.get_json()
            assert body["status"] == "unavailable"
            assert body["database"]["revision"] == ["0011_covering_date_index"]
            assert "0011_covering_date_index" in body["reasons"][0] and "bio-register init" in body["reasons"][0]
            assert app.test_client().get("/health").status_code == 200  # alive all the same

            with app.app_context():
                upgrade(directory=str(MIGRATIONS_DIR))
            assert app.test_client().get("/health/ready").status_code == 200
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.mark.committed
def test_ready_answers_503_on_an_empty_database(tmp_path: Path) -> None:
    with dbutil.fresh_database(tmp_path) as url:
        app = _migrated_to(url, tmp_path, None)
        try:
            response = app.test_client().get("/health/ready")
            assert response.status_code == 503
            assert response.get_json()["reasons"][0].startswith("database does not answer, or has no schema")
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.mark.committed
def test_ready_answers_503_when_the_database_does_not_answer(tmp_path: Path) -> None:
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:9/none", str(tmp_path))
    response = app.test_client().get("/health/ready")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
    assert "nobody" not in response.get_data(as_text=True)  # no connection details to the public


# --- the scheduler's heartbeat and job runs -------------------------------------------------------

@pytest.fixture
def fresh_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setattr(scheduler, "_app", None)
    monkeypatch.setattr(scheduler, "generate_due_reports", lambda kind, now: (0, 0))
    with dbutil.fresh_database(tmp_path) as url:
        application = _migrated_to(url, tmp_path, "head")
        try:
            yield application
        finally:
            with application.app_context():
                db.session.remove()
                db.engine.dispose()


def _heartbeats(app: Flask) -> dict[str, str]:
    with app.app_context():
        try:
            return {row.id: row.role for row in db.session.scalars(select(SchedulerHeartbeat))}
        finally:
            db.session.remove()


def _wait_until(condition: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())


@pytest.mark.committed
def test_the_scheduler_writes_its_heartbeat_active_then_standby_and_removes_it(
        fresh_app: Flask) -> None:
    stops = [threading.Event(), threading.Event()]
    threads = [threading.Thread(target=scheduler.run_scheduler, args=(fresh_app,),
                                kwargs={"poll": 0.05, "stop_event": stop}, daemon=True) for stop in stops]
    threads[0].start()
    try:
        assert _wait_until(lambda: list(_heartbeats(fresh_app).values()) == ["active"])
        threads[1].start()  # a second scheduler: standby while the first holds the lock
        assert _wait_until(lambda: sorted(_heartbeats(fresh_app).values()) == ["active", "standby"])
        response = fresh_app.test_client().get("/health/ready").get_json()
        assert response["scheduler"]["active"] == 1 and response["scheduler"]["standby"] == 1
        assert response["scheduler"]["stale"] is False

        stops[0].set()  # the active one stops cleanly: its row goes, the standby takes over
        threads[0].join(timeout=10)
        assert _wait_until(lambda: list(_heartbeats(fresh_app).values()) == ["active"])
    finally:
        for stop, thread in zip(stops, threads, strict=True):
            stop.set()
            if thread.is_alive():
                thread.join(timeout=10)
    assert _heartbeats(fresh_app) == {}


def test_the_job_wrapper_records_each_run(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler, "_app", app)
    monkeypatch.setattr(scheduler, "generate_due_reports", lambda kind, now: (1, 0))
    scheduler.monthly_reports()

    def broken(kind: str, now: dt.datetime) -> tuple[int, int]:
        raise RuntimeError("the PDF renderer fell over")

    monkeypatch.setattr(scheduler, "generate_due_reports", broken)
    scheduler.quarterly_reports()
    with app.app_context():
        runs = {run.job_id: run for run in db.session.scalars(select(SchedulerJobRun))}
    assert runs["monthly-reports"].succeeded and runs["monthly-reports"].last_success_at is not None
    assert not runs["quarterly-reports"].succeeded and runs["quarterly-reports"].last_success_at is None
    assert runs["quarterly-reports"].duration_seconds >= 0
    assert utcnow() - runs["quarterly-reports"].finished_at < dt.timedelta(minutes=1)


# --- metrics: who may read them ----------------------------------------------------------------

@pytest.fixture
def metrics_access(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "METRICS_ALLOW", (ipaddress.ip_network("10.1.2.0/24"),
                                                      ipaddress.ip_network("2001:db8::/32")))


def _as_unknown_url(client: FlaskClient, response: Any, method: str = "GET") -> bool:
    """The response is the one an unknown URL gets (the page links to itself: the path aside)."""
    unknown = client.open("/no-such-page", method=method)
    return (response.status_code == unknown.status_code == 404
            and response.data.replace(b"/metrics", b"/x") == unknown.data.replace(b"/no-such-page", b"/x"))


@pytest.mark.usefixtures("metrics_access")
def test_metrics_with_the_token(client: FlaskClient) -> None:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "bio_register_http_request_duration_seconds_count" in response.get_data(as_text=True)


@pytest.mark.usefixtures("metrics_access")
@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer " + "x" * 40}, {"Authorization": f"Bearer {TOKEN[:-1]}"},
    {"Authorization": f"Basic {TOKEN}"}, {"Authorization": TOKEN},
], ids=["none", "wrong", "one-short", "not-bearer", "no-scheme"])
def test_metrics_without_the_right_token_is_an_unknown_url(client: FlaskClient, headers: dict[str, str]) -> None:
    assert _as_unknown_url(client, client.get("/metrics", headers=headers))


@pytest.mark.usefixtures("metrics_access")
@pytest.mark.parametrize(("address", "allowed"), [
    ("10.1.2.3", True), ("2001:db8::5", True), ("::ffff:10.1.2.9", True),
    ("10.1.3.1", False), ("127.0.0.1", False), ("2001:db9::1", False),
])
def test_metrics_for_allowed_addresses_only(client: FlaskClient, address: str, allowed: bool) -> None:
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert response.status_code == (200 if allowed else 404)


@pytest.mark.usefixtures("metrics_access")
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_metrics_answers_other_methods_as_an_unknown_url(client: FlaskClient, method: str) -> None:
    response = client.open("/metrics", method=method, headers={"Authorization": f"Bearer {TOKEN}"})
    assert _as_unknown_url(client, response, method)


def test_metrics_are_off_without_a_token_or_addresses(client: FlaskClient) -> None:
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 404


def test_may_read_compares_the_token_and_the_addresses() -> None:
    config = {"METRICS_TOKEN": TOKEN, "METRICS_ALLOW": (ipaddress.ip_network("192.0.2.0/28"),)}
    assert metrics.may_read(config, f"bearer  {TOKEN} ", None)
    assert not metrics.may_read(config, "Bearer ", "198.51.100.1")
    assert metrics.may_read(config, None, "192.0.2.15")
    assert not metrics.may_read(config, None, "192.0.2.16")
    assert not metrics.may_read(config, None, "not-an-address")
    assert not metrics.may_read({"METRICS_TOKEN": "", "METRICS_ALLOW": ()}, "Bearer ", "192.0.2.1")


# --- metrics: what they say --------------------------------------------------------------------

def _scrape(client: FlaskClient) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _sample(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + ("{" if labels else " ")) and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no sample {name} {labels} in the metrics")


@pytest.mark.usefixtures("metrics_access")
def test_metrics_name_the_endpoint_never_the_path(client: FlaskClient) -> None:
    user = factories.user([("verbindingsofficier", "DIE")])
    item = factories.incident("DIE")
    token = factories.token(user)
    auth = {"Authorization": f"Bearer {token}"}
    before = _scrape(client)
    for _ in range(3):
        assert client.get(f"/api/v1/incidents/{item.id}", headers=auth).status_code == 200
    assert client.get("/api/v1/incidents/2147483647", headers=auth).status_code == 404
    assert client.get(f"/unknown/{uuid.uuid4().hex}").status_code == 404
    text = _scrape(client)
    labels = {"endpoint": "incidents_api.get_incident", "method": "GET"}

    def count(scrape: str, status: str) -> float:
        try:
            return _sample(scrape, "bio_register_http_request_duration_seconds_count", status=status, **labels)
        except AssertionError:
            return 0.0

    assert count(text, "2xx") - count(before, "2xx") == 3
    assert count(text, "4xx") - count(before, "4xx") == 1
    assert _sample(text, "bio_register_http_request_duration_seconds_count", status="2xx", **labels) >= 3
    assert _sample(text, "bio_register_http_request_duration_seconds_count", endpoint="unmatched", status="4xx") >= 1
    assert f"/api/v1/incidents/{item.id}" not in text and "/unknown/" not in text


@pytest.mark.usefixtures("metrics_access")
def test_metrics_have_every_documented_name(client: FlaskClient, app: Flask) -> None:
    with app.app_context():
        heartbeat.record_job_run("deadline-warnings", utcnow() - dt.timedelta(seconds=2), True)
        heartbeat.record_job_run("monthly-reports", utcnow(), False)
        heartbeat.beat("host-a:1", "active", utcnow())
    client.get("/health")
    text = _scrape(client)
    for name in ("bio_register_http_request_duration_seconds_count",
                 "bio_register_http_request_duration_seconds_bucket",
                 "bio_register_http_request_duration_seconds_sum", "bio_register_db_pool_checked_out",
                 "bio_register_db_pool_size", "bio_register_database_up", "bio_register_schema_at_head",
                 "bio_register_outbox_unsent", "bio_register_outbox_retrying", "bio_register_outbox_failed",
                 "bio_register_outbox_oldest_unsent_age_seconds", "bio_register_scheduler_heartbeat_age_seconds",
                 "bio_register_scheduler_active", "bio_register_scheduler_standby",
                 "bio_register_scheduler_job_last_run_timestamp_seconds",
                 "bio_register_scheduler_job_last_run_success", "bio_register_scheduler_job_last_run_duration_seconds",
                 "bio_register_scheduler_job_last_success_timestamp_seconds", "bio_register_ap_clocks_open",
                 "bio_register_ap_clocks_overdue", "bio_register_webhook_deliveries_pending",
                 "bio_register_webhook_deliveries_failed"):
        assert re.search(rf"^{name}[ {{]", text, re.MULTILINE), f"{name} missing"
    assert _sample(text, "bio_register_database_up") == 1 and _sample(text, "bio_register_schema_at_head") == 1
    assert _sample(text, "bio_register_scheduler_job_last_run_success", job="deadline-warnings") == 1
    assert _sample(text, "bio_register_scheduler_job_last_run_success", job="monthly-reports") == 0
    assert _sample(text, "bio_register_scheduler_job_last_run_duration_seconds", job="deadline-warnings") >= 2
    assert _sample(text, "bio_register_scheduler_active") == 1
    assert _sample(text, "bio_register_db_pool_size") >= 1


@pytest.mark.usefixtures("metrics_access")
def test_metrics_count_the_running_and_overdue_ap_clocks(client: FlaskClient) -> None:
    now = utcnow()
    factories.incident("DIE", is_datalek=True, discovered_at=now - dt.timedelta(hours=2))  # running
    factories.incident("DIE", is_datalek=True, discovered_at=now - dt.timedelta(hours=80))  # overdue
    factories.decide_not_to_notify(  # the clock stopped
        factories.incident("DIE", is_datalek=True, discovered_at=now - dt.timedelta(hours=90)))
    factories.incident("DIE", is_datalek=True, status="afgehandeld",  # closed
                       discovered_at=now - dt.timedelta(hours=100))
    factories.incident("DIE", is_datalek=False, discovered_at=now - dt.timedelta(hours=100))  # no datalek
    text = _scrape(client)
    assert _sample(text, "bio_register_ap_clocks_open") == 2
    assert _sample(text, "bio_register_ap_clocks_overdue") == 1


@pytest.mark.usefixtures("metrics_access")
def test_metrics_count_webhook_deliveries_pending_and_failed_apart_from_e_mail(client: FlaskClient) -> None:
    endpoint = factories.webhook("DIE")
    now = utcnow()

    def delivery(**values: Any) -> OutboxMessage:
        return OutboxMessage(kind="webhook", webhook_endpoint_id=endpoint.id, recipient="hooks.example.nl",
                             subject="incident.logged", body="{}", **values)

    db.session.add_all([
        delivery(), delivery(attempts=2, next_attempt_at=now + dt.timedelta(minutes=5), http_status=503),
        delivery(attempts=6, failed_at=now, last_error="Geen antwoord binnen 5 seconden."),
        delivery(attempts=1, sent_at=now, http_status=204),
    ])
    db.session.commit()
    text = _scrape(client)
    assert _sample(text, "bio_register_webhook_deliveries_pending") == 2
    assert _sample(text, "bio_register_webhook_deliveries_failed") == 1
    assert _sample(text, "bio_register_outbox_unsent") == 0 and _sample(text, "bio_register_outbox_failed") == 0
    ready = client.get("/health/ready").get_json()
    assert ready["outbox"]["unsent"] == 0  # the e-mail outbox: webhooks are not e-mail


@pytest.mark.usefixtures("metrics_access")
def test_metrics_when_the_database_does_not_answer_still_count_requests(
        client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    def down(_session: Any) -> Any:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(state, "schema_revisions", down)
    text = _scrape(client)
    assert _sample(text, "bio_register_database_up") == 0
    assert "bio_register_http_request_duration_seconds_count" in text and "bio_register_outbox_unsent" not in text


def test_multiprocess_mode_adds_up_the_workers(tmp_path: Path) -> None:
    """Two worker processes count requests into PROMETHEUS_MULTIPROC_DIR; a third one's scrape
    sees both (the documented set-up for several gunicorn workers)."""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(root)}
    worker = ("from bio_register.observability import metrics\n"
              "metrics.observe_request('main.health', 'GET', 200, 0.002)\n")
    for _ in range(2):
        subprocess.run([sys.executable, "-c", worker], env=env, check=True, timeout=60)  # noqa: S603
    scrape = ("from bio_register.observability import metrics\n"
              "print(metrics.exposition([]).decode())\n")
    out = subprocess.run([sys.executable, "-c", scrape], env=env, check=True, timeout=60,  # noqa: S603
                         capture_output=True, text=True).stdout
    assert _sample(out, "bio_register_http_request_duration_seconds_count", endpoint="main.health", status="2xx") == 2


# --- request ids ----------------------------------------------------------------------------------

def test_a_sane_request_id_is_echoed(client: FlaskClient) -> None:
    for value in ("abc-123", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "Root=1-67891233-abcdef012345678912345678"):
        assert client.get("/health", headers={"X-Request-ID": value}).headers["X-Request-ID"] == value


@pytest.mark.parametrize("value", ["", "a" * 129, "two words", "bad\"quote", "ü-nicode", "semi;colon"])
def test_an_odd_request_id_is_replaced_by_a_new_uuid4(client: FlaskClient, value: str) -> None:
    assert UUID4.match(client.get("/health", headers={"X-Request-ID": value}).headers["X-Request-ID"])


def test_every_response_has_a_request_id(client: FlaskClient) -> None:
    seen = set()
    for path in ("/health", "/login", "/no-such-page", "/api/v1/incidents", "/incidenten"):
        rid = client.get(path).headers.get("X-Request-ID")
        assert rid and UUID4.match(rid), path
        seen.add(rid)
    assert len(seen) == 5
    assert UUID4.match(request_id(None))


# --- JSON logs ----------------------------------------------------------------------------------

@pytest.fixture
def json_log(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """The application's logging in JSON mode, written to a buffer."""
    stream = io.StringIO()
    package = logging.getLogger("bio_register")
    level = package.level
    monkeypatch.setitem(app.config, "LOG_FORMAT", "json")
    handler = logs.configure(app, stream)
    assert handler is not None
    package.setLevel(logging.DEBUG)  # everything the application says, debug lines included
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)
        package.setLevel(level)
        app.logger.addHandler(default_handler)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_json_lines_parse_and_carry_the_request(client: FlaskClient, json_log: io.StringIO) -> None:
    client.get("/health", headers={"X-Request-ID": "req-json-1"})
    client.get("/no-such-page", headers={"X-Request-ID": "req-json-2"})
    lines = _lines(json_log)  # every line is JSON (json.loads raised otherwise)
    access = {line["request_id"]: line for line in lines if line["logger"] == "bio_register.access"}
    health = access["req-json-1"]
    assert health["route"] == "main.health" and health["status"] == 200 and health["method"] == "GET"
    assert health["level"] == "INFO" and isinstance(health["duration_ms"], float)
    assert dt.datetime.fromisoformat(health["time"]).tzinfo is not None
    assert access["req-json-2"]["status"] == 404 and access["req-json-2"]["route"] is None


def test_json_lines_name_the_user_and_the_organisation(client: FlaskClient, json_log: io.StringIO) -> None:
    user = factories.user([("verbindingsofficier", "DIE")])
    item = factories.incident("DIE")
    token = factories.token(user)
    client.get(f"/api/v1/incidents/{item.id}", headers={"Authorization": f"Bearer {token}", "X-Request-ID": "r-3"})
    line = next(line for line in _lines(json_log) if line.get("request_id") == "r-3")
    assert line["user_id"] == user.id and line["organisation"] == item.organisation_id
    assert line["route"] == "incidents_api.get_incident"


@pytest.mark.committed
def test_json_logging_survives_a_migration(tmp_path: Path) -> None:
    """Alembic's env.py would replace the root logger's handlers with its own text one (``bio-register
    serve`` migrates in the process that then serves)."""
    stream = io.StringIO()
    with dbutil.fresh_database(tmp_path) as url:
        package = logging.getLogger("bio_register")
        level = package.level
        app = make_app(url, str(tmp_path), LOG_FORMAT="json")
        handler = logs.configure(app, stream)
        assert handler is not None
        try:
            with app.app_context():
                upgrade(directory=str(MIGRATIONS_DIR))
            logging.getLogger("bio_register.test").warning("after the migration")
            assert logs.json_configured()
            assert _lines(stream)[-1]["message"] == "after the migration"
        finally:
            logging.getLogger().removeHandler(handler)
            package.setLevel(level)
            app.logger.addHandler(default_handler)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def test_json_mode_is_off_by_default(app: Flask) -> None:
    assert app.config["LOG_FORMAT"] == "text"
    assert logs.configure(app) is None
    assert not logs.json_configured()


def test_json_lines_mask_e_mail_addresses_and_keep_exceptions(json_log: io.StringIO) -> None:
    log = logging.getLogger("bio_register.test")
    try:
        raise smtplib.SMTPRecipientsRefused({"jan.jansen@diemen.nl": (550, b"no such user")})
    except smtplib.SMTPRecipientsRefused as error:
        log.warning("not sent: %s", error, exc_info=True)
    line = _lines(json_log)[-1]
    assert "jan.jansen" not in json.dumps(line) and "<e-mail>" in line["message"]
    assert "SMTPRecipientsRefused" in line["exception"]
    assert logs.mask("mail a.b-c+d@sub.example.nl now") == "mail <e-mail> now"


def test_personal_data_never_reaches_the_log(client: FlaskClient, json_log: io.StringIO,
                                             monkeypatch: pytest.MonkeyPatch,
                                             caplog: pytest.LogCaptureFixture) -> None:
    """A verbindingsofficier logs a datalek with a recognisable title and description; the FG's
    e-mail (whose subject and body quote the title) is refused by the SMTP server naming the FG's
    address. None of it is in the log, formatted or raw."""
    caplog.set_level(logging.DEBUG)
    title, description = "Herkenbare titel XYZZY-4711", "Herkenbare beschrijving PLUGH-0815 van het lek"
    fg = factories.user([("fg", "DIE")], email="fg.geheim@diemen.nl")
    officer = factories.user([("verbindingsofficier", "DIE")], email="vo.geheim@diemen.nl")
    token = factories.token(officer)

    def refuse(config: Any, message: Any) -> None:
        raise smtplib.SMTPRecipientsRefused({message.recipient: (550, b"5.1.1 " + message.subject.encode())})

    monkeypatch.setattr("bio_register.notifications.services.send", refuse)
    response = client.post("/api/v1/incidents", headers={"Authorization": f"Bearer {token}", "X-Request-ID": "pii-1"},
                           json={"organisation": "DIE", "title": title, "description": description,
                                 "discovered_at": "2026-11-01T10:00:00+01:00", "is_datalek": True})
    assert response.status_code == 201, response.get_data(as_text=True)
    with client.application.app_context():
        outbox = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == fg.email)).one()
        assert title in outbox.subject and outbox.attempts == 1  # it was tried, and failed
    formatted = json_log.getvalue()
    raw = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    assert "pii-1" in formatted and '"status":201' in formatted
    for secret in ("XYZZY-4711", "PLUGH-0815", fg.email, officer.email, "geheim@"):
        assert secret not in formatted, secret
        assert secret not in raw, secret
    with client.application.app_context():
        assert db.engine.hide_parameters  # a logged database error shows no bound values either


# --- settings -------------------------------------------------------------------------------------

def test_settings_parse(tmp_path: Path) -> None:
    settings = load_settings({"BIO_REGISTER_INSTANCE_PATH": str(tmp_path), "BIO_REGISTER_LOG_FORMAT": "JSON",
                              "BIO_REGISTER_METRICS_TOKEN": TOKEN,
                              "BIO_REGISTER_METRICS_ALLOW": "10.0.0.5, 192.0.2.0/24,2001:db8::/32"})
    assert settings["LOG_FORMAT"] == "json" and settings["METRICS_TOKEN"] == TOKEN
    assert [str(n) for n in settings["METRICS_ALLOW"]] == ["10.0.0.5/32", "192.0.2.0/24", "2001:db8::/32"]
    defaults = load_settings({"BIO_REGISTER_INSTANCE_PATH": str(tmp_path)})
    assert (defaults["LOG_FORMAT"], defaults["METRICS_TOKEN"], defaults["METRICS_ALLOW"]) == ("text", "", ())


@pytest.mark.parametrize(("name", "value", "message"), [
    ("LOG_FORMAT", "xml", "LOG_FORMAT"),
    ("METRICS_TOKEN", "short", "METRICS_TOKEN"),
    ("METRICS_ALLOW", "10.0.0.0/33", "METRICS_ALLOW"),
    ("METRICS_ALLOW", "prometheus.example.nl", "METRICS_ALLOW"),
])
def test_bad_settings_are_refused(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({"BIO_REGISTER_INSTANCE_PATH": str(tmp_path), f"BIO_REGISTER_{name}": value})
