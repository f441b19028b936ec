"""``BIO_REGISTER_LOG_FORMAT=json``: one JSON object per line, with the request's context.

Every line has ``time`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``; a line written
while a request is handled also ``request_id``, ``route`` (the Flask endpoint, never the path or
query string), ``user_id`` and ``organisation`` (the id of the organisation of the object the route
acts on) when known. The access line of each request (logger ``bio_register.access``) adds
``method``, ``status`` and ``duration_ms``. An exception's traceback is in ``exception``.

Personal data stays out: messages name records by id, never by title or description; e-mail
addresses are masked in every line as a last line of defence (an SMTP error may quote one); the
database engine hides the values bound to a failed statement (``hide_parameters``).

The default (``text``) leaves logging as it was: nothing is configured here.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sys
from typing import IO, Any

import orjson
from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

#: the attribute that marks the handler installed here (replaced, never doubled, by a second app)
MARK = "bio_register_json"
ACCESS_LOGGER = "bio_register.access"
#: where the request's id is kept in the WSGI environment (set by ``observability._observe_requests``)
REQUEST_ID_KEY = "bio_register.request_id"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: fields an access line passes through ``extra``
_EXTRA = ("method", "status", "duration_ms")


def mask(text: str) -> str:
    """``text`` with every e-mail address replaced by ``<e-mail>``."""
    return _EMAIL.sub("<e-mail>", text) if "@" in text else text


def request_context() -> dict[str, Any]:
    """``request_id``, ``route``, ``user_id``, ``organisation`` of the current request (those known)."""
    if not has_request_context():
        return {}
    context: dict[str, Any] = {"request_id": request.environ.get(REQUEST_ID_KEY), "route": request.endpoint}
    caller = g.get("api_caller")  # an API token's caller
    if caller is not None:
        user_id = caller.user_id
    else:  # Flask-Login's user, only if this request loaded it (the anonymous user has no id)
        user_id = getattr(g.get("_login_user"), "id", None)
    if user_id is not None:
        context["user_id"] = user_id
    organisation = g.get("organisation_id")
    if organisation is not None:
        context["organisation"] = organisation
    return context


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask(record.getMessage()),
        }
        entry.update(request_context())
        for name in _EXTRA:
            value = record.__dict__.get(name)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = mask(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = mask(record.exc_text)
        return orjson.dumps(entry, default=str).decode()


def configure(app: Flask, stream: IO[str] | None = None) -> logging.Handler | None:
    """In JSON mode: one handler on the root logger writing JSON lines to ``stream`` (stderr),
    Flask's own handler taken off, the application's loggers at INFO (the rest stay at the root's
    level, WARNING). Returns the handler; None in text mode (nothing changed)."""
    if app.config.get("LOG_FORMAT") != "json":
        return None
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, MARK, False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    setattr(handler, MARK, True)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    app.logger.removeHandler(default_handler)  # its records reach the root's JSON handler instead
    package = logging.getLogger("bio_register")
    if package.level == logging.NOTSET:
        package.setLevel(logging.INFO)
    return handler


def json_configured() -> bool:
    """Whether :func:`configure` installed the JSON handler (Alembic's logging set-up keeps it then)."""
    return any(getattr(h, MARK, False) for h in logging.getLogger().handlers)
