"""Spreadsheets: output shared by the exports (CSV for Dutch Excel and XLSX, formula-safe), and
reading an uploaded .xlsx or .csv for the imports (row numbers as the sheet shows them).

Every text cell is neutralised so a spreadsheet never runs a value as a formula (OWASP, CSV
injection), and in the XLSX every cell is stored as a string, never as a formula.

Reading an upload costs bounded time and memory (:class:`ReadLimits`): an .xlsx is a zip, so its
central directory is checked before openpyxl opens it (the unpacked size of all its parts, each
part's compression ratio, the number of parts: a zip bomb of a few hundred KB that unpacks to
hundreds of MB is refused at once), and while the sheet is read its rows and columns are counted
and a time budget is checked. openpyxl parses the XML with defusedxml (installed as our
dependency; openpyxl uses it by itself), so no entity expansion or external entity is ever followed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from bio_register.errors import ValidationFailed
from bio_register.i18n import gettext as _

#: a value starting with one of these may be run as a formula by a spreadsheet
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A string that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte order mark and ``;`` between fields, as Dutch Excel expects."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise(header) for header in headers])
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _string_cell(sheet: Any, value: Any, font: Font | None = None, *, wrap: bool = False,
                 like: Cell | None = None) -> Cell:
    """A text cell. ``like``: a cell whose style to copy (its style array), which spares registering
    the same alignment and font with the workbook again for each of thousands of cells."""
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    cell = WriteOnlyCell(sheet, value=neutralise(text))
    cell.data_type = "s"  # a string, never a formula, whatever the text looks like
    if like is not None:
        cell._style = copy(like._style)  # type: ignore[attr-defined]  # openpyxl keeps the style array private
        return cell
    if wrap:
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    if font is not None:
        cell.font = font
    return cell


def to_xlsx(title: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]], *,
            widths: Mapping[str, int] | None = None, wrap: bool = False,
            notes: Sequence[tuple[str, str]] | None = None, notes_title: str = "Toelichting") -> bytes:
    """One sheet: a bold, frozen header row from ``columns`` (key, header), then the rows, all strings.
    ``notes``: a second sheet ``notes_title`` of (term, explanation) lines, e.g. what each column means."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, (key, _header) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = (widths or {}).get(key, 14)
    bold = Font(bold=True)
    sheet.append([_string_cell(sheet, header, bold) for _, header in columns])
    body = _string_cell(sheet, "", wrap=wrap)  # the style every body cell shares
    for row in rows:
        sheet.append([_string_cell(sheet, value, like=body) for value in row])
    if notes:
        explained = workbook.create_sheet(notes_title)
        explained.column_dimensions["A"].width = 28
        explained.column_dimensions["B"].width = 100
        for term, text in notes:
            explained.append([_string_cell(explained, term, bold), _string_cell(explained, text, wrap=True)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading an uploaded spreadsheet (imports) ------------------------------------------------------

#: text that a spreadsheet would have run as a formula (``=SOM(A1)``, ``+A1``, ``@naam``)
FORMULA_LIKE = re.compile(r"^[=+@]\s*[A-Za-z_(]")

#: the parts of an .xlsx together, unpacked, as its zip's central directory declares them
#: (zipfile never unpacks more than a part declares, so a lie only makes the part unreadable)
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
#: unpacked ÷ packed size of one part; Excel's own sheets stay far below (about 5 to 30)
MAX_COMPRESSION_RATIO = 200
#: a part smaller than this is not judged by its ratio (a tiny, very regular part is harmless)
RATIO_MIN_BYTES = 1024 * 1024
MAX_ZIP_ENTRIES = 1_000
#: rows as the sheet numbers them (empty ones count: they cost as much to read); a little above
#: the register import's own 20,000 rows, so its message about that limit can still be shown
MAX_ROWS = 25_000
MAX_COLUMNS = 200
#: reading one file, from opening to the last row: below gunicorn's worker timeout (30 s), with
#: room for the rest of the request; 20,000 rows of 12 columns take 3 to 10 s, by the server's load
MAX_SECONDS = 20.0


@dataclass(frozen=True)
class ReadLimits:
    """What reading one uploaded spreadsheet may cost; a file over a limit is refused with
    :class:`ValidationFailed` naming the limit, before or while it is read."""

    unpacked_bytes: int = MAX_UNPACKED_BYTES
    compression_ratio: int = MAX_COMPRESSION_RATIO
    zip_entries: int = MAX_ZIP_ENTRIES
    rows: int = MAX_ROWS
    columns: int = MAX_COLUMNS
    seconds: float = MAX_SECONDS


DEFAULT_LIMITS = ReadLimits()


@dataclass
class Table:
    """The cells of a sheet's first worksheet (or a CSV), with each row's number as the sheet shows it.

    ``problems`` are reasons to refuse the file (each names its row and column); ``notes`` are
    things done that the user should know (an empty row skipped, a CSV's encoding).
    """

    rows: list[tuple[int, list[Any]]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    merged_header: bool = False

    @property
    def header(self) -> tuple[int, list[Any]] | None:
        return self.rows[0] if self.rows else None

    @property
    def body(self) -> list[tuple[int, list[Any]]]:
        return self.rows[1:]


def column_letter(index: int) -> str:
    """0 → A, 27 → AB."""
    return get_column_letter(index + 1)


def cell_text(value: Any) -> str:
    """A cell as text, as the catalogs' text import wants it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def summarise(problems: Sequence[str], limit: int = 10) -> str:
    """The first ``limit`` problems joined, and how many more there are."""
    shown = "; ".join(problems[:limit])
    if len(problems) > limit:
        shown += "; " + _("en nog %(n)d", n=len(problems) - limit)
    return shown


def read_table(data: bytes, filename: str, *, max_bytes: int, limits: ReadLimits = DEFAULT_LIMITS) -> Table:
    """Read an uploaded ``.xlsx`` or ``.csv``. A file that cannot be read at all, or not within
    ``limits``, raises :class:`ValidationFailed`; problems in its cells are collected in ``Table.problems``."""
    check_size(len(data), max_bytes)
    suffix = Path(filename or "").suffix.lower()
    budget = _Budget(limits)
    if suffix in (".xlsx", ".xlsm"):
        table = _read_xlsx(data, budget)
    elif suffix in (".csv", ".txt"):
        table = _read_csv(data, budget)
    elif suffix == ".xls":
        raise ValidationFailed(_("Dit is het oude Excel-formaat (.xls). Sla het bestand in Excel op als "
                                 ".xlsx en probeer het opnieuw."), field="file")
    else:
        raise ValidationFailed(_("Gebruik een .xlsx- of .csv-bestand."), field="file")
    _drop_empty_rows(table)
    return table


def check_size(size: int, max_bytes: int) -> None:
    """Refuse a file over the limit before reading it, with both sizes in the message."""
    if size > max_bytes:
        raise ValidationFailed(_("Het bestand is %(size)s MB; de grens is %(max)s MB. Splits het bestand "
                                 "of vraag de beheerder de grens te verhogen.",
                                 size=_megabytes(size), max=_megabytes(max_bytes)), field="file")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",").replace(",0", "")


def _number(value: float) -> str:
    """20000 → 20.000, as Dutch writes it."""
    return f"{value:,.0f}".replace(",", ".")


class _Budget:
    """The limits of one read, and the moment its time is up; counted as the rows come in."""

    def __init__(self, limits: ReadLimits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.seconds

    def check_time(self) -> None:
        if time.monotonic() >= self.deadline:
            raise ValidationFailed(_("Het lezen van het bestand duurt langer dan %(seconds)s seconden, de grens. "
                                     "Splits het bestand, of sla het op als CSV.",
                                     seconds=_number(self.limits.seconds)), field="file")

    def check_row(self, number: int, width: int) -> None:
        """Row ``number`` (counted from 1) with ``width`` cells is within the limits."""
        if number > self.limits.rows:
            raise ValidationFailed(_("Het bestand heeft meer dan %(max)s rijen; de grens is %(max)s rijen. "
                                     "Splits het bestand.", max=_number(self.limits.rows)), field="file")
        if width > self.limits.columns:
            raise ValidationFailed(_("Rij %(row)d heeft %(n)s kolommen; de grens is %(max)s kolommen. Verwijder "
                                     "de kolommen die niet nodig zijn (ook lege kolommen met opmaak).",
                                     row=number, n=_number(width), max=_number(self.limits.columns)),
                                   field="file")
        self.check_time()

    def rows(self, source: Iterable[Sequence[Any]]) -> Iterable[tuple[int, Sequence[Any]]]:
        """``source``'s rows numbered from 1, each checked before it is passed on."""
        for number, cells in enumerate(source, start=1):
            self.check_row(number, len(cells))
            yield number, cells

    def check_zip(self, data: bytes) -> None:
        """Judge an .xlsx by its zip's central directory alone, before anything is unpacked."""
        limits = self.limits
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                entries = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError,
                RuntimeError, OverflowError, UnicodeDecodeError):
            raise _unreadable_xlsx() from None
        if len(entries) > limits.zip_entries:
            raise ValidationFailed(_("Het Excel-bestand bestaat uit %(n)s onderdelen; de grens is %(max)s. Open "
                                     "het in Excel en sla het opnieuw op als .xlsx.",
                                     n=_number(len(entries)), max=_number(limits.zip_entries)), field="file")
        unpacked = sum(entry.file_size for entry in entries)
        if unpacked > limits.unpacked_bytes:
            raise ValidationFailed(_("Het Excel-bestand is uitgepakt %(size)s MB; de grens is %(max)s MB uitgepakt. "
                                     "Splits het bestand, of sla het op als CSV.",
                                     size=_megabytes(unpacked), max=_megabytes(limits.unpacked_bytes)),
                                   field="file")
        for entry in entries:
            ratio = entry.file_size / max(entry.compress_size, 1)
            if entry.file_size >= RATIO_MIN_BYTES and ratio > limits.compression_ratio:
                raise ValidationFailed(_("Het Excel-bestand is verdacht sterk ingepakt (%(name)s: %(ratio)s keer "
                                         "zo klein); de grens is %(max)s keer. Open het in Excel en sla het "
                                         "opnieuw op als .xlsx, of sla het op als CSV.",
                                         name=entry.filename[:60], ratio=_number(ratio),
                                         max=_number(limits.compression_ratio)), field="file")


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _drop_empty_rows(table: Table) -> None:
    """Leave out empty rows; one between data rows is mentioned (the trailing ones are not)."""
    kept = [(n, cells) for n, cells in table.rows if not all(_is_empty(c) for c in cells)]
    if kept:
        first, last = kept[0][0], kept[-1][0]
        for number, cells in table.rows:
            if first < number < last and all(_is_empty(c) for c in cells):
                table.notes.append(_("Rij %(row)d is leeg en is overgeslagen.", row=number))
    table.rows = kept


def _unreadable_xlsx() -> ValidationFailed:
    return ValidationFailed(_("Het Excel-bestand kan niet worden gelezen. Open het in Excel en sla het "
                              "opnieuw op als .xlsx."), field="file")


def _read_xlsx(data: bytes, budget: _Budget) -> Table:
    from openpyxl import load_workbook

    budget.check_zip(data)  # before openpyxl unpacks any of it
    table = Table()
    books: list[Any] = []

    def first_sheet(*, data_only: bool) -> Any:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
        books.append(book)
        budget.check_time()
        return book.worksheets[0]

    try:
        rows, merged = _read_sheets(table, first_sheet, budget)
    except ValidationFailed:
        raise  # a limit, named in its message
    except Exception:  # a broken workbook is the user's file, not our bug
        raise _unreadable_xlsx() from None
    finally:
        for book in books:
            book.close()
    table.rows = _padded(rows)
    header_row = next((n for n, cells in table.rows if not all(_is_empty(c) for c in cells)), None)
    for bounds in merged:
        _apply_merged(table, bounds, header_row)
    return table


def _padded(rows: list[tuple[int, list[Any]]]) -> list[tuple[int, list[Any]]]:
    """openpyxl gives the cells from A, so a row's cells line up with the column letters; rows are
    padded to the widest, as the sheet shows them, and their texts stripped."""
    width = max((len(cells) for _n, cells in rows), default=0)
    return [(n, [c.strip() if isinstance(c, str) else c for c in cells] + [None] * (width - len(cells)))
            for n, cells in rows]


def _read_sheets(table: Table, first_sheet: Callable[..., Any],
                 budget: _Budget) -> tuple[list[tuple[int, list[Any]]], list[tuple[int, int, int, int]]]:
    """The rows of the first sheet (computed values) and its merged ranges; a formula without a
    computed value is a problem of ``table``. Every pass over the sheet checks ``budget``.

    The sheet is read as written (formulas as formulas) first; only when it holds a formula is it
    read once more for the values Excel computed (without one, both readings are the same)."""
    formula_sheet = first_sheet(data_only=False)
    # some programs write a wrong <dimension>; read every cell there is instead
    formula_sheet.reset_dimensions()
    merged = _merged_ranges(formula_sheet, budget)
    written = [(number, list(cells)) for number, cells in budget.rows(formula_sheet.iter_rows(values_only=True))]
    if not any(_may_be_formula(value) for _number, cells in written for value in cells):
        return written, merged
    sheet = first_sheet(data_only=True)
    sheet.reset_dimensions()
    rows = [(number, list(cells)) for number, cells in budget.rows(sheet.iter_rows(values_only=True))]
    for number, cells in written:
        for index, raw in enumerate(cells):
            if _uncomputed(raw, rows, number, index):
                table.problems.append(_(
                    "Rij %(row)d, kolom %(col)s: een formule zonder berekende waarde (%(formula)s). "
                    "Open het bestand in Excel, laat het rekenen en sla het op, of vervang de formule "
                    "door de waarde.", row=number, col=column_letter(index), formula=raw[:40]))
    return rows, merged


#: what a cell read as written holds when it is no formula (openpyxl gives a formula as "=…" or
#: as an object of its own, such as an array formula)
_PLAIN_VALUES = (int, float, bool, dt.datetime, dt.date, dt.time, dt.timedelta, type(None))


def _may_be_formula(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("=")
    return not isinstance(value, _PLAIN_VALUES)


def _uncomputed(raw: Any, rows: list[tuple[int, list[Any]]], number: int, index: int) -> bool:
    """Whether the cell holds a formula whose computed value the workbook lacks."""
    if not (isinstance(raw, str) and raw.startswith("=") and number <= len(rows)):
        return False
    cells = rows[number - 1][1]
    return (cells[index] if index < len(cells) else None) is None


def _apply_merged(table: Table, bounds: tuple[int, int, int, int], header_row: int | None) -> None:
    """Merged cells in the header are a problem; below it the top-left value holds for every cell."""
    min_col, min_row, max_col, max_row = bounds
    span = f"{column_letter(min_col - 1)}{min_row}:{column_letter(max_col - 1)}{max_row}"
    if header_row is not None and min_row <= header_row <= max_row:
        table.merged_header = True
        columns = (column_letter(min_col - 1) if min_col == max_col
                   else f"{column_letter(min_col - 1)}–{column_letter(max_col - 1)}")
        table.problems.append(_(
            "Rij %(row)d, kolom %(columns)s: samengevoegde cellen in de kopregel (%(span)s). "
            "Maak de samenvoeging ongedaan en geef elke kolom één eigen kop in één regel.",
            row=header_row, columns=columns, span=span))
        return
    top = table.rows[min_row - 1][1] if min_row <= len(table.rows) else []
    value = top[min_col - 1] if min_col - 1 < len(top) else None
    for row in range(min_row, min(max_row, len(table.rows)) + 1):
        cells = table.rows[row - 1][1]
        for col in range(min_col - 1, min(max_col, len(cells))):
            cells[col] = value
    table.notes.append(_("Samengevoegde cellen %(span)s: de waarde geldt voor elke cel.", span=span))


def _merged_ranges(sheet: Any, budget: _Budget) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a read-only worksheet, read from its XML (read-only mode skips them)."""
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.xml.functions import iterparse

    found = []
    source = sheet._get_source()
    try:
        for _event, element in iterparse(source):
            if element.tag.endswith("}mergeCell") and element.get("ref"):
                min_col, min_row, max_col, max_row = range_boundaries(element.get("ref"))
                # A merge is a block of cells ("A1:B2"); a whole-row or whole-column ref ("A:B") is
                # not one Excel writes, and its open ends are no bounds to apply.
                if min_col is None or min_row is None or max_col is None or max_row is None:
                    continue
                found.append((min_col, min_row, max_col, max_row))
            elif element.tag.endswith("}row"):
                element.clear()
                budget.check_time()
    finally:
        source.close()
    return found


def _read_csv(data: bytes, budget: _Budget) -> Table:
    table = Table()
    text = None
    for encoding, label in (("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252")):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "cp1252":
            table.notes.append(_("Het CSV-bestand is gelezen als %(encoding)s.", encoding=label))
        break
    if text is None:
        raise ValidationFailed(_("De tekens in het CSV-bestand zijn niet te lezen (geen UTF-8 of Windows-1252). "
                                 "Sla het in Excel op als „CSV UTF-8”."), field="file")
    if "\x00" in text:
        raise ValidationFailed(_("Het CSV-bestand bevat NUL-tekens; is het wel een CSV-bestand?"), field="file")
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count) if first_line else ";"
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        table.rows = [(number, [cell.strip() for cell in cells]) for number, cells in budget.rows(records)]
    except csv.Error as exc:
        raise ValidationFailed(_("Het CSV-bestand is niet goed opgebouwd: %(error)s.", error=str(exc)),
                               field="file") from None
    for number, cells in table.rows:
        for index, cell in enumerate(cells):
            if FORMULA_LIKE.match(cell):
                table.problems.append(_("Rij %(row)d, kolom %(col)s: lijkt een formule (%(text)s); een CSV-bestand "
                                        "bevat alleen waarden.", row=number, col=column_letter(index),
                                        text=cell[:40]))
    return table
