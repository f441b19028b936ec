"""The spreadsheet import engine shared by every register import (incidents, verwerkingen). Never commits.

What every import does the same way lives here: reading the file (:class:`Sheet`, on top of
:func:`bio_register.spreadsheet.read_table`), the fields a register offers (:class:`ImportField`,
with the header names that probably mean them), guessing and choosing the column mapping
(:class:`ColumnMapping`, :func:`guess_columns`, :func:`chosen_columns`), reading cells with each
problem named by row and column (:class:`RowReader`, :func:`parse_datetime`, :func:`parse_yes_no`,
:func:`parse_list`), the preview (:func:`build_preview`: every problem of every row, nothing
written), all or nothing (:class:`ImportRefused`, :func:`apply_rows`) and the uploaded file kept
between the steps (:func:`store_pending`, :func:`find_pending`; a ``kind`` per import).

What a register's rows mean (which fields, which words, which service creates the records) is the
register's own module: :mod:`bio_register.imports.services` for incidents,
:mod:`bio_register.processing.importing` for verwerkingen.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import delete

from bio_register import spreadsheet
from bio_register.accounts.models import User
from bio_register.audit import services as audit
from bio_register.database import utcnow
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.imports.models import PendingImport
from bio_register.organisations.models import Organisation
from bio_register.spreadsheet import Table, column_letter
from bio_register.timeutil import DEFAULT_TZ, AmbiguousLocalTime, LocalTimeError, to_utc

DEFAULT_MAX_MB = 10
MIB = 1024 * 1024
PENDING_TTL = dt.timedelta(hours=4)
MAX_ROWS = 20_000
MAX_CATEGORY_VALUES = 200
#: the texts shown as an example of each column on the mapping page
EXAMPLE_ROWS = 20

YES = {"ja", "j", "yes", "y", "true", "waar", "1", "x"}
NO = {"nee", "n", "no", "false", "onwaar", "0", "-"}

_DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
#: what separates the items of a list in one cell: a semicolon or a new line
_LIST_SEPARATOR = re.compile(r"[;\n\r]+")


def normalise(text: Any) -> str:
    """A header or cell value as compared: lower case, single spaces, no trailing colon."""
    return " ".join(spreadsheet.cell_text(text).lower().split()).rstrip(" :.?").strip()


def max_bytes(config: Mapping[str, Any]) -> int:
    """The largest file an import reads, in bytes, from the settings (``IMPORT_MAX_MB``)."""
    return int(config.get("IMPORT_MAX_MB", DEFAULT_MAX_MB)) * MIB


@dataclass(frozen=True)
class ImportField:
    key: str
    label: Any
    required: bool = False
    #: header names (normalised) that probably mean this field
    guesses: tuple[str, ...] = ()
    hint: Any = None


# --- the sheet ---------------------------------------------------------------------------------------

@dataclass
class Sheet:
    """A read file: its header (column index → header text) and its data rows."""

    filename: str
    table: Table
    headers: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, content: bytes, filename: str, *, max_bytes: int = DEFAULT_MAX_MB * MIB,
             limits: spreadsheet.ReadLimits = spreadsheet.DEFAULT_LIMITS) -> Sheet:
        table = spreadsheet.read_table(content, filename, max_bytes=max_bytes, limits=limits)
        sheet = cls(filename, table)
        if table.header is not None:
            sheet.headers = [spreadsheet.cell_text(v).strip() for v in table.header[1]]
        return sheet

    def column_name(self, index: int) -> str:
        header = self.headers[index] if index < len(self.headers) else ""
        return f"{column_letter(index)} ({header})" if header else column_letter(index)

    def header_options(self) -> list[tuple[str, str]]:
        """(header, "B: header") for every named column, for the mapping form."""
        return [(h, f"{column_letter(i)}: {h}") for i, h in enumerate(self.headers) if h]

    def index_of(self, header: str | None) -> int | None:
        if not header:
            return None
        for index, name in enumerate(self.headers):
            if name == header:
                return index
        return None

    def distinct_values(self, header: str | None) -> list[str]:
        """The different texts in a column (as written, first spelling kept), for the category table."""
        index = self.index_of(header)
        if index is None:
            return []
        seen: dict[str, str] = {}
        for _number, cells in self.table.body:
            value = spreadsheet.cell_text(cells[index] if index < len(cells) else None).strip()
            if value and normalise(value) not in seen:
                seen[normalise(value)] = value
        return sorted(seen.values(), key=str.lower)[:MAX_CATEGORY_VALUES]

    def examples(self) -> dict[str, str]:
        """The first value under each header, to help choose on the mapping page."""
        out: dict[str, str] = {}
        for index, header in enumerate(self.headers):
            for _number, cells in self.table.body[:EXAMPLE_ROWS]:
                value = cells[index] if index < len(cells) else None
                text = spreadsheet.cell_text(value).strip()
                if text:
                    out[header] = text[:60]
                    break
        return out


# --- the mapping ---------------------------------------------------------------------------------------

@dataclass
class ColumnMapping:
    """Our field → the sheet's header; the sheet's category text (normalised) → a category or ""
    (for a register that has a column whose words are chosen in a table; empty otherwise)."""

    columns: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"columns": dict(self.columns), "categories": dict(self.categories)}


def mapping_from_json(data: Any, fields: Sequence[ImportField], categories: Iterable[str] = ()) -> ColumnMapping:
    """A mapping from a JSON object ``{"columns": {field: header}, "categories": {text: category}}``,
    checked against the register's ``fields`` and its ``categories`` (the values a text may map to)."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("De koppeling moet een JSON-object zijn met columns en categories."),
                               field="mapping")
    columns, chosen = data.get("columns", {}), data.get("categories", {})
    if not isinstance(columns, dict) or not isinstance(chosen, dict):
        raise ValidationFailed(_("De koppeling moet een JSON-object zijn met columns en categories."),
                               field="mapping")
    unknown = sorted(set(columns) - {f.key for f in fields})
    if unknown:
        raise ValidationFailed(_("Onbekende velden in de koppeling: %(names)s.", names=", ".join(unknown)),
                               field="mapping")
    allowed = {"", *categories}
    bad = sorted(str(v) for v in chosen.values() if v not in allowed)
    if bad:
        raise ValidationFailed(_("Onbekende categorieën in de koppeling: %(names)s.", names=", ".join(bad)),
                               field="mapping")
    return ColumnMapping({k: str(v) for k, v in columns.items() if v},
                         {normalise(k): str(v) for k, v in chosen.items()})


def guess_columns(sheet: Sheet, fields: Sequence[ImportField],
                  saved: Mapping[str, str] | None = None) -> dict[str, str]:
    """Columns from the saved mapping where this file has that header, else from the header names
    (each header used once; the fields' guesses in order)."""
    by_key = {f.key for f in fields}
    headers = set(sheet.headers)
    columns = {k: v for k, v in (saved or {}).items() if v in headers and k in by_key}
    used = set(columns.values())
    by_name = {normalise(h): h for h in sheet.headers if h}
    for fld in fields:
        if fld.key in columns:
            continue
        for guess in fld.guesses:
            header = by_name.get(guess)
            if header and header not in used:
                columns[fld.key] = header
                used.add(header)
                break
    return columns


def chosen_columns(sheet: Sheet, fields: Sequence[ImportField], form: Mapping[str, str],
                   errors: list[str]) -> dict[str, str]:
    """The columns chosen on the mapping page (``col-<field>`` → header); a header not in the
    file goes to ``errors``."""
    headers = set(sheet.headers)
    columns: dict[str, str] = {}
    for fld in fields:
        value = form.get(f"col-{fld.key}", "")
        if value and value not in headers:
            errors.append(_("Kies voor „%(field)s” een kolom uit het bestand.", field=fld.label))
        elif value:
            columns[fld.key] = value
    return columns


# --- reading cells -------------------------------------------------------------------------------------

class CellProblem(Exception):
    """A cell that cannot be used; the message says why (without the row and column)."""


def parse_datetime(value: Any, tz: str = DEFAULT_TZ) -> dt.datetime | None:
    """A cell as a UTC time: an Excel date, or ``31-12-2021``, ``31-12-2021 14:30`` (Dutch time),
    or ISO ``2021-12-31 14:30``. An hour that occurs twice (autumn) is read as the first."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        local = value.replace(tzinfo=None) if value.tzinfo is None else value
    elif isinstance(value, dt.date):
        local = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        match = _DUTCH_DATE.match(text)
        if match:
            day, month, year, hour, minute, second = match.groups()
        else:
            match = _ISO_DATE.match(text)
            if not match:
                raise CellProblem(_("„%(text)s” is geen datum; schrijf bijvoorbeeld 31-12-2021 of "
                                    "31-12-2021 14:30.", text=text[:40]))
            year, month, day, hour, minute, second = match.groups()
        try:
            local = dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                int(second or 0))
        except ValueError:
            raise CellProblem(_("„%(text)s” is geen bestaande datum of tijd.", text=text[:40])) from None
    else:
        raise CellProblem(_("„%(text)s” is geen datum; schrijf bijvoorbeeld 31-12-2021.",
                            text=spreadsheet.cell_text(value)[:40]))
    if not 1970 <= local.year < 2100:
        raise CellProblem(_("Het jaar %(year)d ligt niet tussen 1970 en 2100.", year=local.year))
    try:
        return to_utc(local, tz)
    except AmbiguousLocalTime:
        return to_utc(local, tz, fold=0)
    except LocalTimeError:
        raise CellProblem(_("%(text)s bestaat niet in Nederlandse tijd (de klok ging toen een uur vooruit).",
                            text=local.strftime("%d-%m-%Y %H:%M"))) from None


def parse_date(value: Any) -> dt.date | None:
    """A cell as a calendar date: an Excel date, ``31-12-2021`` or ISO ``2021-12-31`` (a time is ignored)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise CellProblem(_("„%(text)s” is geen datum; schrijf bijvoorbeeld 31-12-2021.",
                            text=spreadsheet.cell_text(value)[:40]))
    text = value.strip()
    match = _DUTCH_DATE.match(text)
    if match:
        day, month, year = match.groups()[:3]
    else:
        match = _ISO_DATE.match(text)
        if not match:
            raise CellProblem(_("„%(text)s” is geen datum; schrijf bijvoorbeeld 31-12-2021.", text=text[:40]))
        year, month, day = match.groups()[:3]
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise CellProblem(_("„%(text)s” is geen bestaande datum.", text=text[:40])) from None


def parse_yes_no(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    key = normalise(value)
    if not key:
        return None
    if key in YES:
        return True
    if key in NO:
        return False
    raise CellProblem(_("„%(text)s”: vul ja of nee in.", text=spreadsheet.cell_text(value)[:40]))


def parse_list(value: Any) -> list[str]:
    """The items of a list cell, separated by ``;`` or new lines, trimmed, empty ones left out."""
    text = spreadsheet.cell_text(value)
    return [" ".join(item.split()) for item in _LIST_SEPARATOR.split(text) if item.strip()]


# --- the preview ---------------------------------------------------------------------------------------

@dataclass
class Row:
    """One data row as it would be imported: its values for our fields, and its problems."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


RowT = TypeVar("RowT", bound=Row)


@dataclass
class Preview(Generic[RowT]):
    sheet: Sheet
    mapping: ColumnMapping
    rows: list[RowT] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        return self.sheet.table.notes

    @property
    def all_problems(self) -> list[str]:
        return [*self.problems, *(p for row in self.rows for p in row.problems)]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.all_problems

    @property
    def rows_with_problems(self) -> int:
        return sum(1 for row in self.rows if row.problems)


class ImportRefused(ValidationFailed):
    """The file has problems: nothing is imported. ``preview`` names every one."""

    def __init__(self, preview: Preview[Any]) -> None:
        problems = preview.all_problems or [_("Het bestand bevat geen rijen om te importeren.")]
        super().__init__(_("Niets geïmporteerd. %(problems)s.", problems=spreadsheet.summarise(problems)),
                         field="file")
        self.preview = preview


def cell_of(sheet: Sheet, cells: list[Any], mapping: ColumnMapping, key: str) -> tuple[Any, str | None]:
    """The raw cell for our field and its column's name (None when the field is not mapped)."""
    index = sheet.index_of(mapping.columns.get(key))
    if index is None:
        return None, None
    return (cells[index] if index < len(cells) else None), sheet.column_name(index)


def problem_text(number: int, column: str | None, message: str) -> str:
    if column:
        return str(_("Rij %(row)d, kolom %(col)s: %(message)s", row=number, col=column, message=message))
    return str(_("Rij %(row)d: %(message)s", row=number, message=message))


def sheet_problems(sheet: Sheet, mapping: ColumnMapping, fields: Sequence[ImportField]) -> list[str]:
    """What is wrong with the file as a whole or with the mapping (before any row is read)."""
    assert sheet.table.header is not None
    by_key = {f.key: f for f in fields}
    problems = []
    header_row = sheet.table.header[0]
    named = [h for h in sheet.headers if h]
    for header in sorted({h for h in named if named.count(h) > 1}):
        problems.append(_("Rij %(row)d: de kop „%(header)s” staat boven meer dan één kolom; geef elke "
                          "kolom een eigen kop.", row=header_row, header=header))
    for key, header in mapping.columns.items():
        if key not in by_key:
            problems.append(_("Onbekend veld in de koppeling: %(name)s.", name=key))
        elif header and sheet.index_of(header) is None:
            problems.append(_("De kolom „%(header)s” (voor %(field)s) staat niet in het bestand.",
                              header=header, field=by_key[key].label))
    problems.extend(_("Kies de kolom voor „%(field)s”: die is nodig.", field=fld.label)
                    for fld in fields if fld.required and not mapping.columns.get(fld.key))
    if len(sheet.table.body) > MAX_ROWS:
        problems.append(_("Het bestand heeft %(n)d rijen; importeer hoogstens %(max)d rijen tegelijk.",
                          n=len(sheet.table.body), max=MAX_ROWS))
    return problems


def build_preview(sheet: Sheet, mapping: ColumnMapping, fields: Sequence[ImportField],
                  read_row: Callable[[int, list[Any]], RowT], *,
                  extra_problems: Callable[[], list[str]] | None = None,
                  before_rows: Callable[[], None] | None = None) -> Preview[RowT]:
    """Every row as it would be imported, with each problem named by row and column. Rows are read
    only when the file and the mapping are in order (``extra_problems`` adds the register's own
    checks of the mapping; ``before_rows`` runs once before the first row, e.g. to load what exists)."""
    result: Preview[RowT] = Preview(sheet, mapping, problems=list(sheet.table.problems))
    if sheet.table.header is None:
        result.problems.append(_("Het bestand is leeg."))
        return result
    if sheet.table.merged_header:
        return result
    result.problems.extend(sheet_problems(sheet, mapping, fields))
    if extra_problems is not None:
        result.problems.extend(extra_problems())
    if result.problems:
        return result
    if before_rows is not None:
        before_rows()
    for number, cells in sheet.table.body:
        result.rows.append(read_row(number, cells))
    return result


def apply_rows(preview: Preview[RowT], write: Callable[[RowT], Any], *,
               order: Callable[[RowT], Any] | None = None,
               progress: Callable[[int], None] | None = None) -> list[Any]:
    """All or nothing: a preview with any problem raises :class:`ImportRefused` before anything is
    written; then ``write`` each row (in ``order``). A failure while writing propagates, and the
    caller's unit of work rolls back whatever was written."""
    if not preview.ok:
        raise ImportRefused(preview)
    written = []
    for row in sorted(preview.rows, key=order) if order else preview.rows:
        written.append(write(row))
        if progress is not None:
            progress(1)
    return written


def text_of(row: Row, column: str | None, value: Any, *, limit: int | None = None) -> str | None:
    text = spreadsheet.cell_text(value).strip()
    if isinstance(value, dt.datetime):
        text = value.strftime("%d-%m-%Y %H:%M")
    if limit is not None and len(text) > limit:
        row.problems.append(problem_text(row.number, column, _("langer dan %(n)d tekens.", n=limit)))
        return None
    return text or None


#: what a conversion returns for a cell that gives the field no value (the field is left out)
EMPTY: Any = object()


@dataclass
class RowReader(Generic[RowT]):
    """One data row being read: its cells by our field, and the problems found, named by row and column."""

    sheet: Sheet
    mapping: ColumnMapping
    cells: list[Any]
    row: RowT
    now: dt.datetime

    def cell(self, key: str) -> tuple[Any, str | None]:
        return cell_of(self.sheet, self.cells, self.mapping, key)

    def column(self, key: str) -> str | None:
        return self.cell(key)[1]

    def problem(self, column: str | None, message: str) -> None:
        self.row.problems.append(problem_text(self.row.number, column, message))

    def named(self, column: str | None) -> bool:
        """Whether a problem already names this cell."""
        return bool(column) and any(p.startswith(problem_text(self.row.number, column, ""))
                                    for p in self.row.problems)

    def parse(self, key: str, parser: Callable[[Any], Any]) -> Any:
        value, column = self.cell(key)
        try:
            return parser(value)
        except CellProblem as problem:
            self.problem(column, str(problem))
            return None

    def text(self, key: str, *, limit: int | None = None) -> str | None:
        value, column = self.cell(key)
        return text_of(self.row, column, value, limit=limit)

    def word(self, key: str, lookup: Callable[[str], Any], message: Callable[[str], str]) -> Any:
        """A cell that is one of a list of words: what ``lookup`` finds for it (a problem when
        nothing), or :data:`EMPTY` for an empty cell."""
        value, column = self.cell(key)
        word = normalise(value)
        if not word:
            return EMPTY
        found = lookup(word)
        if found is None:
            self.problem(column, message(spreadsheet.cell_text(value)[:40]))
        return found

    def words(self, key: str, lookup: Callable[[str], Any], message: Callable[[str], str]) -> Any:
        """A list cell (items separated by ``;`` or new lines) whose items are each one of a list of
        words: what ``lookup`` finds for each, in order, once (a problem per unknown item), or
        :data:`EMPTY` when the field is not mapped."""
        value, column = self.cell(key)
        if column is None:
            return EMPTY
        found: list[Any] = []
        for item in parse_list(value):
            match = lookup(normalise(item))
            if match is None:
                self.problem(column, message(item[:40]))
            elif match not in found:
                found.append(match)
        return found


# --- files between the steps ------------------------------------------------------------------------------

def clean_filename(filename: str | None) -> str:
    return (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255] or "bestand"


def store_pending(actor: User, organisation: Organisation, filename: str, content: bytes, *, kind: str,
                  max_bytes: int = DEFAULT_MAX_MB * MIB, now: dt.datetime | None = None) -> PendingImport:
    """Keep an uploaded file of an import of ``kind`` for the next steps (after checking it can be
    read at all: a file too large or unreadable is refused with the reason, before it is stored).
    Whether ``actor`` may import into ``organisation`` is the caller's check."""
    now = now or utcnow()
    filename = clean_filename(filename)
    Sheet.read(content, filename, max_bytes=max_bytes)
    discard_expired(now)
    pending = PendingImport(organisation_id=organisation.id, user_id=actor.id, kind=kind, filename=filename,
                            content=content, size=len(content), created_at=now, expires_at=now + PENDING_TTL)
    db.session.add(pending)
    db.session.flush()
    audit.record(actor, "pending_import", pending.id, "upload",
                 audit.created({"file": filename, "size": len(content), "kind": kind}),
                 organisation_id=organisation.id)
    return pending


def discard_expired(now: dt.datetime | None = None) -> None:
    db.session.execute(delete(PendingImport).where(PendingImport.expires_at < (now or utcnow())))


def find_pending(user_id: int | None, pending_id: int, *, kind: str,
                 now: dt.datetime | None = None) -> PendingImport | None:
    """The user's own pending upload of this kind while it lasts; None for anyone else's, another
    kind's, or an expired one. (Whether they may still import into its organisation is the route's check.)"""
    pending = db.session.get(PendingImport, pending_id)
    if (pending is None or user_id is None or pending.user_id != user_id or pending.kind != kind
            or pending.expires_at < (now or utcnow())):
        return None
    return pending


def finish(pending: PendingImport) -> None:
    db.session.delete(pending)
    db.session.flush()


def choose_on_pending(pending: PendingImport, mapping: ColumnMapping) -> None:
    """The user's choice in step 2, kept on the upload."""
    pending.columns, pending.categories = dict(mapping.columns), dict(mapping.categories)
    db.session.flush()
