"""Operations: readiness, Prometheus metrics, request ids and JSON logs.

:func:`register` wires it all into the application (one call from ``web.register``):

* ``X-Request-ID`` on every response — the incoming one when it looks sane (at most 128 of
  ``A-Z a-z 0-9 . _ : + / = -``), else a new uuid4 — and in every log line of the request;
* per request, in the process and without a database query: the request's latency (and so their
  count) per endpoint (:mod:`.metrics`) and, with ``BIO_REGISTER_LOG_FORMAT=json``, an access line
  (:mod:`.logs`);
* the routes ``/health/ready`` and ``/metrics`` (:mod:`.views`).

The per-request part is a thin WSGI layer around Flask rather than ``before_request`` and
``after_request`` hooks: a dozen function calls per request instead of a hundred (context-local
proxies, Flask's hook dispatch), which ``benchmarks/instructions.py`` counts on ``/health``.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from flask import Flask

from bio_register.extensions import csrf, db
from bio_register.observability import logs, metrics, state, views

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+/=-]{1,128}")

StartResponse = Callable[..., Any]


def register(app: Flask) -> None:
    logs.configure(app)
    app.extensions[views.HEADS_KEY] = _heads(str(app.extensions["migrate"].directory))
    with app.app_context():
        for engine in db.engines.values():
            metrics.watch_pool(engine)
    app.register_blueprint(views.bp)
    csrf.exempt(views.metrics_page)
    _observe_requests(app)


@functools.cache
def _heads(directory: str) -> frozenset[str]:
    """The Alembic head(s), read once per process: the revision this code needs (not whatever
    scripts a later deployment put on disk)."""
    return state.migration_heads(Path(directory))


def new_request_id() -> str:
    """A random (version 4) UUID as text, made without the ``uuid`` module's Python code."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def request_id(incoming: str | None) -> str:
    """The incoming id when it looks sane, else a new uuid4."""
    if incoming and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return new_request_id()


def _observe_requests(app: Flask) -> None:
    """Wrap the WSGI application: the id and start time when a request comes in; when Flask starts
    the response (its request context still there, for the access line's user and route), the
    header, the latency metric and the access line."""
    wsgi_app = app.wsgi_app
    access = logging.getLogger(logs.ACCESS_LOGGER)
    observe = metrics.observe_request
    clock = time.perf_counter
    sane = _SANE_REQUEST_ID.fullmatch
    key = logs.REQUEST_ID_KEY

    def observed(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = clock()
        incoming = environ.get("HTTP_X_REQUEST_ID")
        rid = environ[key] = incoming if incoming and sane(incoming) else new_request_id()

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seconds = clock() - started
            headers.append((REQUEST_ID_HEADER, rid))
            request = environ.get("werkzeug.request")  # Flask's request object, once it made one
            endpoint = request.endpoint if request is not None else None
            method = environ.get("REQUEST_METHOD", "")
            code = int(status[:3])
            observe(endpoint, method, code, seconds)
            if access.isEnabledFor(logging.INFO):
                access.info("%s %s %d %.1f ms", method, endpoint or "-", code, seconds * 1000,
                            extra={"method": method, "status": code, "duration_ms": round(seconds * 1000, 1)})
            return start_response(status, headers, exc_info)

        return wsgi_app(environ, start)

    app.wsgi_app = observed  # type: ignore[method-assign]  # the WSGI middleware pattern Flask documents
