"""Prometheus metrics: what each request costs, counted in the process, and the state of the
database, read when Prometheus scrapes ``/metrics``.

Per request (cheap, no database): the histogram ``bio_register_http_request_duration_seconds``
per Flask endpoint (never the raw path), method and status class — its ``_count`` is the number of
requests — and the connection pool's ``bio_register_db_pool_checked_out`` / ``_size``.

Per scrape (a handful of count queries, :mod:`bio_register.observability.state`): the e-mail outbox,
the schedulers' heartbeats and each job's last run, the open AP clocks and those past the deadline,
and whether the schema is at the Alembic head.

**Several gunicorn workers.** Each worker counts its own requests. With ``PROMETHEUS_MULTIPROC_DIR``
set (an empty directory, emptied at every start: ``bio_register.gunicorn_config`` does
it) the counters live in files there and every scrape, whichever worker answers it, adds up all
workers (prometheus_client's multiprocess mode). Without it a scrape shows the counters of the one
worker that answered: fine for ``bio-register serve`` and a single worker, misleading with more.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine, event
from sqlalchemy.pool import QueuePool

from bio_register.observability.state import OutboxBacklog, SchedulerState, WebhookBacklog

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
PREFIX = "bio_register_"

# no *_created series: they double the output and say nothing here
disable_created_metrics()  # type: ignore[no-untyped-call]  # prometheus_client leaves it unannotated

#: the metrics counted in this process (in multiprocess mode: written to its files)
REGISTRY = CollectorRegistry(auto_describe=True)
_LABELS = ("endpoint", "method", "status")
LATENCY = Histogram(PREFIX + "http_request_duration_seconds",
                    "Time from a request's arrival to the start of its response, per Flask endpoint, method and "
                    "status class (_count: the number of requests)",
                    _LABELS, registry=REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
POOL_CHECKED_OUT = Gauge(PREFIX + "db_pool_checked_out", "Database connections in use (all live workers)",
                         registry=REGISTRY, multiprocess_mode="livesum")
POOL_SIZE = Gauge(PREFIX + "db_pool_size", "Database connections the pools keep (all live workers)",
                  registry=REGISTRY, multiprocess_mode="livesum")

#: methods counted by name; any other is "other" (a client cannot make new series)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_children: dict[tuple[str | None, str, int], Any] = {}


def observe_request(endpoint: str | None, method: str, status: int, seconds: float) -> None:
    """Count one request. The labelled child is looked up once per (endpoint, method, status)."""
    if method not in _METHODS:
        method = "other"  # before the cache: a client sending made-up methods cannot grow it
    key = (endpoint, method, status)
    child = _children.get(key)
    if child is None:
        child = _children.setdefault(key, LATENCY.labels(endpoint or "unmatched", method, f"{status // 100}xx"))
    child.observe(seconds)


def watch_pool(engine: Engine) -> None:
    """Count the connections of ``engine``'s pool as they are checked out and in."""
    POOL_SIZE.set(engine.pool.size() if isinstance(engine.pool, QueuePool) else 0)
    event.listen(engine, "checkout", _checked_out)
    event.listen(engine, "checkin", _checked_in)


def _checked_out(*_: Any) -> None:
    POOL_CHECKED_OUT.inc()


def _checked_in(*_: Any) -> None:
    POOL_CHECKED_OUT.dec()


# --- who may read them --------------------------------------------------------------------------

def may_read(config: Mapping[str, Any], authorization: str | None, client: str | None) -> bool:
    """A Bearer token equal to ``METRICS_TOKEN`` (compared in constant time), or a client address
    inside ``METRICS_ALLOW``. With neither configured nobody may."""
    token: str = config.get("METRICS_TOKEN") or ""
    if token and authorization:
        scheme, _, secret = authorization.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(secret.strip().encode(), token.encode()):
            return True
    networks: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network] = config.get("METRICS_ALLOW") or ()
    if networks and client:
        try:
            address = ipaddress.ip_address(client)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in networks)
    return False


# --- the scrape ---------------------------------------------------------------------------------

class _Snapshot:
    """A collector of values read once from the database for this scrape."""

    def __init__(self, metrics: Iterable[Metric]) -> None:
        self.metrics = list(metrics)

    def collect(self) -> Iterable[Metric]:
        return self.metrics


def _gauge(name: str, documentation: str, value: float | None) -> GaugeMetricFamily:
    family = GaugeMetricFamily(PREFIX + name, documentation)
    if value is not None:  # no sample at all when unknown: alert with absent()
        family.add_metric([], value)
    return family


def state_metrics(*, database_up: bool, at_head: bool | None = None, outbox: OutboxBacklog | None = None,
                  scheduler: SchedulerState | None = None, ap_clocks: tuple[int, int] | None = None,
                  webhooks: WebhookBacklog | None = None) -> list[Metric]:
    """The per-scrape gauges from what was read (None: not read, e.g. the database did not answer)."""
    metrics: list[Metric] = [_gauge("database_up", "1 when the database answered this scrape", float(database_up))]
    if at_head is not None:
        metrics.append(_gauge("schema_at_head", "1 when the schema is at the Alembic head of this code",
                              float(at_head)))
    if outbox is not None:
        metrics += [
            _gauge("outbox_unsent", "E-mails in the outbox not sent yet (still being tried)", outbox.unsent),
            _gauge("outbox_retrying", "Unsent e-mails whose sending failed at least once", outbox.retrying),
            _gauge("outbox_failed", "E-mails given up after every attempt failed", outbox.failed),
            _gauge("outbox_oldest_unsent_age_seconds", "Age of the oldest unsent e-mail (0: none)",
                   outbox.oldest_unsent_age_seconds or 0.0),
        ]
    if scheduler is not None:
        metrics += [
            _gauge("scheduler_heartbeat_age_seconds", "Seconds since an active scheduler last wrote its heartbeat",
                   scheduler.active_age_seconds),
            _gauge("scheduler_active", "Active schedulers with a fresh heartbeat (1 is right)", scheduler.active),
            _gauge("scheduler_standby", "Standby schedulers with a fresh heartbeat", scheduler.standby),
        ]
        last_run = GaugeMetricFamily(PREFIX + "scheduler_job_last_run_timestamp_seconds",
                                     "When the job's last run ended (Unix time)", labels=["job"])
        last_ok = GaugeMetricFamily(PREFIX + "scheduler_job_last_run_success",
                                    "1 when the job's last run succeeded, 0 when it failed", labels=["job"])
        duration = GaugeMetricFamily(PREFIX + "scheduler_job_last_run_duration_seconds",
                                     "How long the job's last run took", labels=["job"])
        last_success = GaugeMetricFamily(PREFIX + "scheduler_job_last_success_timestamp_seconds",
                                         "When the job last succeeded (Unix time)", labels=["job"])
        for run in scheduler.jobs:
            last_run.add_metric([run.job_id], run.finished_at.timestamp())
            last_ok.add_metric([run.job_id], float(run.succeeded))
            duration.add_metric([run.job_id], run.duration_seconds)
            if run.last_success_at is not None:
                last_success.add_metric([run.job_id], run.last_success_at.timestamp())
        metrics += [last_run, last_ok, duration, last_success]
    if webhooks is not None:
        metrics += [
            _gauge("webhook_deliveries_pending", "Webhook deliveries not delivered yet and still to be tried",
                   webhooks.pending),
            _gauge("webhook_deliveries_failed", "Webhook deliveries given up (every attempt failed, or refused)",
                   webhooks.failed),
        ]
    if ap_clocks is not None:
        metrics += [
            _gauge("ap_clocks_open", "Open datalekken whose 72-hour AP clock runs", ap_clocks[0]),
            _gauge("ap_clocks_overdue", "Of those, the ones past the deadline", ap_clocks[1]),
        ]
    return metrics


def exposition(state: Iterable[Metric]) -> bytes:
    """The text format: this process's (or, in multiprocess mode, all workers') counters, then
    the state read for this scrape."""
    directory = os.environ.get(MULTIPROCESS_ENV)
    if directory:
        registry = CollectorRegistry(auto_describe=False)
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]  # unannotated upstream
        counted = generate_latest(registry)
    else:
        counted = generate_latest(REGISTRY)
    snapshot = CollectorRegistry(auto_describe=False)
    snapshot.register(_Snapshot(state))
    return counted + generate_latest(snapshot)
