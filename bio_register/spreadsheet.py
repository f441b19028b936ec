"""Spreadsheets: output shared by the exports (CSV for Dutch Excel and XLSX, formula-safe), and
reading an uploaded .xlsx or .csv for the imports (row numbers as the sheet shows them).

Every text cell is neutralised so a spreadsheet never runs a value as a formula (OWASP, CSV
injection), and in the XLSX every cell is stored as a string, never as a formula.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
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


def _string_cell(sheet: Any, value: Any, font: Font | None = None, *, wrap: bool = False) -> Cell:
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    cell = WriteOnlyCell(sheet, value=neutralise(text))
    cell.data_type = "s"  # a string, never a formula, whatever the text looks like
    if wrap:
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    if font is not None:
        cell.font = font
    return cell


def to_xlsx(title: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]], *,
            widths: Mapping[str, int] | None = None, wrap: bool = False) -> bytes:
    """One sheet: a bold, frozen header row from ``columns`` (key, header), then the rows, all strings."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, (key, _header) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = (widths or {}).get(key, 14)
    bold = Font(bold=True)
    sheet.append([_string_cell(sheet, header, bold) for _, header in columns])
    for row in rows:
        sheet.append([_string_cell(sheet, value, wrap=wrap) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading an uploaded spreadsheet (imports) ------------------------------------------------------

#: text that a spreadsheet would have run as a formula (``=SOM(A1)``, ``+A1``, ``@naam``)
FORMULA_LIKE = re.compile(r"^[=+@]\s*[A-Za-z_(]")


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


def read_table(data: bytes, filename: str, *, max_bytes: int) -> Table:
    """Read an uploaded ``.xlsx`` or ``.csv``. A file that cannot be read at all raises
    :class:`ValidationFailed`; problems in its cells are collected in ``Table.problems``."""
    check_size(len(data), max_bytes)
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        table = _read_xlsx(data)
    elif suffix in (".csv", ".txt"):
        table = _read_csv(data)
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


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    table = Table()
    try:
        values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise _unreadable_xlsx() from None
    try:
        rows, merged = _read_sheets(table, values.worksheets[0], formulas.worksheets[0])
    except Exception:  # a broken workbook is the user's file, not our bug
        raise _unreadable_xlsx() from None
    finally:
        values.close()
        formulas.close()
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


def _read_sheets(table: Table, sheet: Any, formula_sheet: Any) -> tuple[list[tuple[int, list[Any]]],
                                                                        list[tuple[int, int, int, int]]]:
    """The rows of the first sheet (computed values) and its merged ranges; a formula without a
    computed value is a problem of ``table``."""
    # some programs write a wrong <dimension>; read every cell there is instead
    sheet.reset_dimensions()
    formula_sheet.reset_dimensions()
    merged = _merged_ranges(formula_sheet)
    rows = [(number, list(cells)) for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)]
    for number, cells in enumerate(formula_sheet.iter_rows(values_only=True), start=1):
        for index, raw in enumerate(cells):
            if _uncomputed(raw, rows, number, index):
                table.problems.append(_(
                    "Rij %(row)d, kolom %(col)s: een formule zonder berekende waarde (%(formula)s). "
                    "Open het bestand in Excel, laat het rekenen en sla het op, of vervang de formule "
                    "door de waarde.", row=number, col=column_letter(index), formula=raw[:40]))
    return rows, merged


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


def _merged_ranges(sheet: Any) -> list[tuple[int, int, int, int]]:
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
    finally:
        source.close()
    return found


def _read_csv(data: bytes) -> Table:
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
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ValidationFailed(_("Het CSV-bestand is niet goed opgebouwd: %(error)s.", error=str(exc)),
                               field="file") from None
    table.rows = [(number, [cell.strip() for cell in cells]) for number, cells in enumerate(records, start=1)]
    for number, cells in table.rows:
        for index, cell in enumerate(cells):
            if FORMULA_LIKE.match(cell):
                table.problems.append(_("Rij %(row)d, kolom %(col)s: lijkt een formule (%(text)s); een CSV-bestand "
                                        "bevat alleen waarden.", row=number, col=column_letter(index),
                                        text=cell[:40]))
    return table
