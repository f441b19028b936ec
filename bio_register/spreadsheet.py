"""Spreadsheet output shared by the exports: CSV for Dutch Excel and XLSX, formula-safe.

Every text cell is neutralised so a spreadsheet never runs a value as a formula (OWASP, CSV
injection), and in the XLSX every cell is stored as a string, never as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

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


def _string_cell(sheet: Any, value: Any, font: Font | None = None, *, wrap: bool = False) -> WriteOnlyCell:
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
    for index, (key, _) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = (widths or {}).get(key, 14)
    bold = Font(bold=True)
    sheet.append([_string_cell(sheet, header, bold) for _, header in columns])
    for row in rows:
        sheet.append([_string_cell(sheet, value, wrap=wrap) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
