"""Query helpers that depend on the session's database (above :mod:`bio_register.extensions`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY

from bio_register.extensions import db


def among_ids(column: Any, ids: list[int]) -> ColumnElement[bool]:
    """``column IN (ids)`` for a list of ids that may be long (a page of hundreds of incidents).

    On PostgreSQL ``column = ANY(:ids)`` with the list as one array parameter: ``IN`` would put a
    placeholder per id into the statement, which the driver parses again on every run (a few
    milliseconds for 500 ids) and which differs for every length. Elsewhere plain ``IN``.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("ids", list(ids), type_=ARRAY(Integer)))
    result: ColumnElement[bool] = column.in_(ids)
    return result
