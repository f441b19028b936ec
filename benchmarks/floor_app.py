"""The application of ``benchmarks/floor.py``: BIO-register as gunicorn serves it (``bio_register.wsgi``)
plus three probes that measure the least a request for the API list's first page can cost here. They
exist only in this benchmark; the application never has them.

- ``/_floor/select1``: a route of the application (the same request pipeline as ``/health``) that
  sends one prepared ``SELECT 1`` on a plain psycopg connection: the price of one round trip.
- ``/_floor/list``: a route of the application that reads what ``GET /api/v1/incidents?per_page=50``
  (or ``per_page=N``) returns for a caller with a role in one organisation (the same columns and rows, newest first,
  with the organisation's code) in *one* prepared statement that also checks the token's hash, on a
  plain psycopg connection, and encodes the rows with orjson. No organisation tree, no total, no
  cursor, no ORM, no query-string parsing: less than the API can do, so an upper bound for it.
- ``/_floor/list-bare``: the same work in a bare WSGI callable in front of the application (no
  Flask at all): the upper bound for any Python path through this server.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from typing import Any

import orjson
import psycopg
from flask import Response, request

from bio_register.incidents.services import ROW_COLUMNS
from bio_register.pipeline import public
from bio_register.wsgi import app

_ENUMS = {"category", "severity", "impact_confidentiality", "impact_integrity", "impact_availability", "status"}
_COLUMNS = ", ".join(f"i.{name}::text" if name in _ENUMS else f"i.{name}" for name in ROW_COLUMNS)
NAMES = (*ROW_COLUMNS, "organisation")
#: the first page of the caller's incidents, newest first, for a valid token whose user holds roles
#: in organisations (their own organisations, without the ones below them: the benchmark's middle
#: caller is a verbindingsofficier of one municipality); per organisation an index range of the
#: (organisation_id, discovered_at, id) index, as the API reads it
LIST_SQL = (
    f"SELECT {_COLUMNS}, o.code FROM ("  # noqa: S608  (the column names are the code's own constants)
    "  SELECT m.organisation_id FROM api_tokens t JOIN users u ON u.id = t.user_id"
    "  JOIN memberships m ON m.user_id = u.id"
    "  WHERE t.token_hash = %(digest)s AND t.revoked_at IS NULL AND u.active AND t.expires_at > now()) s "
    "CROSS JOIN LATERAL (SELECT * FROM incidents i WHERE i.organisation_id = s.organisation_id"
    "  ORDER BY i.discovered_at DESC, i.id DESC LIMIT %(limit)s) i "
    "JOIN organisations o ON o.id = i.organisation_id "
    "ORDER BY i.discovered_at DESC, i.id DESC LIMIT %(limit)s"
)

_connection: psycopg.Connection[Any] | None = None


def connection() -> psycopg.Connection[Any]:
    """One plain connection per worker process (made after gunicorn forks)."""
    global _connection
    if _connection is None:
        url = os.environ["BIO_REGISTER_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        _connection = psycopg.connect(url, autocommit=True)
    return _connection


def _digest(authorization: str) -> str:
    secret = authorization.partition(" ")[2].strip()
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _per_page(query: str) -> int:
    """``per_page=N`` (1–100) from the query string, else 50: the API list's sizes."""
    value = query.partition("per_page=")[2].partition("&")[0] if query.startswith("per_page=") else ""
    return min(max(int(value), 1), 100) if value.isdigit() else 50


def first_page(authorization: str, query: str) -> bytes | None:
    per_page = _per_page(query)
    rows = connection().execute(LIST_SQL, {"digest": _digest(authorization), "limit": per_page + 1},
                                prepare=True).fetchall()
    if not rows:
        return None
    items = [dict(zip(NAMES, row, strict=True)) for row in rows[:per_page]]
    return orjson.dumps({"items": items, "page": 1, "per_page": per_page}, option=orjson.OPT_SORT_KEYS)


@app.route("/_floor/select1")
@public
def floor_select1() -> Any:
    connection().execute("SELECT 1", prepare=True).fetchall()
    return {"status": "ok"}


@app.route("/_floor/list")
@public
def floor_list() -> Any:
    body = first_page(request.headers.get("Authorization", ""), request.query_string.decode("ascii", "replace"))
    if body is None:
        return {"status": "unauthorised"}, 401
    return Response(body, mimetype="application/json")


def floor_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO") == "/_floor/list-bare":
        body = first_page(environ.get("HTTP_AUTHORIZATION", ""), environ.get("QUERY_STRING", ""))
        if body is None:
            start_response("401 Unauthorized", [("Content-Type", "text/plain")])
            return [b"unauthorised"]
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
    return app(environ, start_response)
