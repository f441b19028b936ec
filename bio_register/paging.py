"""One page of a list: what every list service returns, and what the pages and the API show."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.visitors import InternalTraversal

from bio_register.errors import ValidationFailed
from bio_register.i18n import gettext as _

T = TypeVar("T")

#: the highest page a list may ask for (an absurd number would only make the database skip rows)
MAX_PAGE = 100_000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int
    #: the total is a lower bound: there are more than ``total`` (a search counted up to a limit)
    more: bool = False
    #: the total is PostgreSQL's estimate ("ongeveer"), at least the rows up to this page: a search
    #: over a wide scope, where counting the matches would cost the register's size
    approximate: bool = False
    #: lists with keyset paging (the incident list): the opaque cursors of the page after and the
    #: page before this one (None: no page after; the page before is page 1 or there is none)
    next_cursor: str | None = None
    prev_cursor: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or self.more  # with more, the count went past this page

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


# --- the API lists: a bounded count, an estimate beyond it, keyset cursors ------------------------------

#: an API list counts its ``total`` exactly up to this many matches; beyond, ``total`` is an estimate
#: (``total_is_estimate``): an exact count of a million rows costs a scan of them on every request
EXACT_COUNT_LIMIT = 10_000
_MAX_CURSOR = 400


def encode_cursor(values: Sequence[str | int]) -> str:
    """An opaque cursor (URL-safe base64 of a JSON array): where the next page starts."""
    text = json.dumps(list(values), separators=(",", ":"), ensure_ascii=True)
    return base64.urlsafe_b64encode(text.encode("ascii")).decode("ascii").rstrip("=")


def decode_cursor(value: str) -> list[Any]:
    """The values :func:`encode_cursor` put in ``value``; a clear 422 for anything else (the caller
    checks what the values must be)."""
    try:
        if len(value) > _MAX_CURSOR:
            raise ValueError(value)
        values = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii"))
        if not isinstance(values, list):
            raise ValueError(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid_cursor() from None
    return values


def invalid_cursor() -> ValidationFailed:
    return ValidationFailed(_("Ongeldige cursor: gebruik de link 'next' van de vorige pagina."), field="cursor")


class Explain(Executable, ClauseElement):
    """``EXPLAIN (FORMAT JSON) <statement>`` (PostgreSQL), with the statement's parameters bound as usual."""

    _traverse_internals = [("statement", InternalTraversal.dp_clauseelement)]  # its cache key: the statement's
    inherit_cache = True

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement

    @property
    def _all_selected_columns(self) -> Any:
        # what a result read from the compiled cache maps its columns to, when another EXPLAIN of an
        # equal statement was compiled first
        return self.statement._all_selected_columns


@compiles(Explain, "postgresql")
def _compile_explain(element: Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


def estimate_rows(connection: Connection, explain: Explain, params: dict[str, Any]) -> int:
    """The planner's estimate of the rows ``explain``'s statement returns (PostgreSQL: from the
    table's statistics, without reading the rows; the planning takes a fraction of a millisecond)."""
    plan: Any = connection.execute(explain, params).scalar()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
