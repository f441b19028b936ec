"""``/health/ready`` for the load balancer and ``/metrics`` for Prometheus.

``/health`` (in ``main``) stays the liveness answer: the process runs, no database. ``/health/ready``
answers 200 only when the database answers and its schema is at the Alembic head of the running
code, else 503 with the reasons. It also reports the scheduler's heartbeat and the e-mail outbox,
as information and ``warnings``: a scheduler that stopped, or mail piling up, is no reason to take
a web worker out of the load balancer (it would not help, and would take the site down with it).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import NotFound

from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.observability import metrics, state
from bio_register.pipeline import Rejected, public

bp = Blueprint("ops", __name__)

#: where ``register`` keeps the head revision(s) read at start-up
HEADS_KEY = "bio_register.migration_heads"
#: an unsent e-mail older than this is worth a warning (the scheduler retries every five minutes)
OUTBOX_WARN_AFTER_SECONDS = 30 * 60

#: every method, so that any request to /metrics without access answers as an unknown URL does
#: (404; no 405 naming the allowed methods)
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


def _answer(report: dict[str, Any], status: int) -> Response:
    response = jsonify(report)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/health/ready")
@public
def ready() -> Any:
    """Readiness: 200 when the database answers and the schema is at head; 503 otherwise."""
    now = utcnow()
    heads: frozenset[str] = current_app.extensions[HEADS_KEY]
    report: dict[str, Any] = {"status": "ok", "reasons": [], "warnings": [],
                              "database": {"revision": None, "head": sorted(heads)}}

    def unavailable(reason: str) -> Rejected:
        report["status"] = "unavailable"
        report["reasons"].append(reason)
        # Rejected: the pipeline rolls the (possibly failed) transaction back, then answers
        return Rejected(lambda: _answer(report, 503), 503)

    try:
        revisions = state.schema_revisions(db.session)
    except SQLAlchemyError as error:
        return unavailable(f"database does not answer, or has no schema ({type(error).__name__})")
    report["database"]["revision"] = sorted(revisions)
    if revisions != heads:
        return unavailable(f"schema at {', '.join(sorted(revisions)) or 'no revision'}, this code expects "
                           f"{', '.join(sorted(heads))}: run 'bio-register init'")
    try:
        scheduler = state.scheduler_state(db.session, now, with_jobs=False)
        outbox = state.outbox_backlog(db.session, now)
    except SQLAlchemyError as error:
        return unavailable(f"database query failed ({type(error).__name__})")
    report["scheduler"] = {
        "heartbeat_age_seconds": _round(scheduler.active_age_seconds),
        "active": scheduler.active, "standby": scheduler.standby, "stale": scheduler.stale,
    }
    report["outbox"] = {
        "unsent": outbox.unsent, "oldest_unsent_age_seconds": _round(outbox.oldest_unsent_age_seconds),
        "retrying": outbox.retrying, "failed": outbox.failed,
    }
    if scheduler.stale:
        report["warnings"].append(
            f"no active scheduler has written a heartbeat in the last {state.STALE_AFTER_SECONDS:.0f} s"
            + (f" ({scheduler.standby} on standby)" if scheduler.standby else "")
            + ": deadline warnings and scheduled reports are not made")
    if outbox.failed:
        report["warnings"].append(f"{outbox.failed} e-mail(s) given up after repeated failures")
    if (outbox.oldest_unsent_age_seconds or 0) > OUTBOX_WARN_AFTER_SECONDS:
        report["warnings"].append(f"the oldest unsent e-mail has waited {outbox.oldest_unsent_age_seconds:.0f} s")
    return _answer(report, 200)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@bp.route("/metrics", endpoint="metrics", methods=ALL_METHODS, provide_automatic_options=False)
@public  # the route is public to the pipeline; the view lets in only METRICS_TOKEN or METRICS_ALLOW
def metrics_page() -> Any:
    """Prometheus metrics, for a Bearer token or an allowed address only; anyone else gets the
    404 of an unknown URL."""
    if request.method != "GET" or not metrics.may_read(current_app.config, request.headers.get("Authorization"),
                                                       request.remote_addr):
        raise NotFound()  # werkzeug's, as for an unknown URL (the domain error renders another page)
    now = utcnow()
    heads: frozenset[str] = current_app.extensions[HEADS_KEY]
    read: dict[str, Any] = {}
    try:
        read["at_head"] = state.schema_revisions(db.session) == heads
        if read["at_head"]:
            read["outbox"] = state.outbox_backlog(db.session, now)
            read["scheduler"] = state.scheduler_state(db.session, now)
            read["ap_clocks"] = state.ap_clocks(db.session, now)
            read["webhooks"] = state.webhook_backlog(db.session)
    except SQLAlchemyError:
        # the request metrics still go out; the pipeline rolls the failed transaction back
        body = metrics.exposition(metrics.state_metrics(database_up=False, **read))
        return Rejected(lambda: _metrics_response(body), 200)
    return _metrics_response(metrics.exposition(metrics.state_metrics(database_up=True, **read)))


def _metrics_response(body: bytes) -> Response:
    return Response(body, 200, {"Content-Type": PROMETHEUS_TEXT, "Cache-Control": "no-store"})
