"""Build the spreadsheets the import tests read (XLSX through openpyxl, CSV as bytes)."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

HEADER = ["Nr.", "Datum ontdekt", "Omschrijving", "Datalek", "Categorie", "Status", "Gemeld bij AP",
          "Meldnummer", "Datum melding AP"]

ROWS = [
    ["2021-001", "04-01-2021 09:15", "Brief met BSN naar verkeerd adres gestuurd", "ja", "Brief verkeerd adres",
     "afgehandeld", "nee", "", ""],
    ["2021-002", "12-03-2021", "Phishingmail, twee medewerkers klikten op de link", "nee", "Phishing",
     "afgehandeld", "", "", ""],
    ["2022-001", "31-12-2022 14:30", "Laptop van een wijkteammedewerker gestolen uit auto", "ja", "Diefstal",
     "afgehandeld", "ja", "M-2023-00012", "02-01-2023 10:00"],
]


def xlsx(rows: Sequence[Sequence[Any]], header: Sequence[Any] | None = HEADER, *, merge: str | None = None,
         cached: dict[str, str] | None = None) -> bytes:
    """A workbook with one sheet; ``merge`` merges a range; ``cached`` gives formula cells a
    computed value (openpyxl itself writes formulas without one, like a file never opened in Excel)."""
    book = Workbook()
    sheet = book.active
    if header is not None:
        sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    if cached:
        data = _with_cached_values(data, cached)
    return data


def _with_cached_values(data: bytes, cached: dict[str, str]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                for ref, value in cached.items():
                    text = re.sub(rf'(<c r="{ref}"[^>]*>\s*<f>[^<]*</f>)\s*<v\s*/?>(</v>)?',
                                  rf'\1<v>{value}</v>', text)
                    text = re.sub(rf'(<c r="{ref}")([^>]*>)', r'\1 t="str"\2', text, count=1)
                content = text.encode()
            target.writestr(item, content)
    return out.getvalue()


def csv_bytes(rows: Sequence[Sequence[Any]], header: Sequence[Any] | None = HEADER, *, delimiter: str = ";",
              encoding: str = "utf-8-sig") -> bytes:
    lines = []
    for row in ([header] if header is not None else []) + [list(r) for r in rows]:
        lines.append(delimiter.join(str(cell) for cell in row))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


SHEET = "xl/worksheets/sheet1.xml"
SHEET_START = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_END = b"</sheetData></worksheet>"


class _RepeatingDeflate:
    """zipfile's compressor for a part written as the same chunk over and over: the chunk is
    deflated once and its bytes repeated. A full flush after each chunk makes deflate forget
    everything before it, so every later copy packs to exactly the same bytes (the first one,
    packed from the empty start, may differ)."""

    def __init__(self, level: int) -> None:
        self._zlib = zlib.compressobj(level, zlib.DEFLATED, -15)  # raw deflate, as in a zip
        self._packed: dict[bytes, bytes] = {}
        self._seen: set[bytes] = set()

    def compress(self, data: bytes) -> bytes:
        if data in self._packed:
            return self._packed[data]
        packed = self._zlib.compress(data) + self._zlib.flush(zlib.Z_FULL_FLUSH)
        if data in self._seen:
            self._packed[data] = packed
        self._seen.add(data)
        return packed

    def flush(self) -> bytes:
        return self._zlib.flush()


def with_sheet(parts: Sequence[bytes], *, repeat: int = 1, start: bytes = SHEET_START, end: bytes = SHEET_END,
               level: int = 6) -> bytes:
    """A valid workbook (made by openpyxl) whose first sheet's XML is replaced by ``parts`` written
    ``repeat`` times (between ``start`` and ``end``), streamed into the zip: a sheet of hundreds of
    MB costs only its CRC, as each repeated part is deflated once."""
    source = zipfile.ZipFile(io.BytesIO(xlsx([], ["Nr."])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target:
        for item in source.infolist():
            if item.filename != SHEET:
                target.writestr(item, source.read(item.filename))
                continue
            with target.open(SHEET, "w") as sheet:
                sheet._compressor = _RepeatingDeflate(level)  # type: ignore[attr-defined]  # zipfile's own
                sheet.write(start)
                for _ in range(repeat):
                    for part in parts:
                        sheet.write(part)
                sheet.write(end)
    return out.getvalue()


def bomb(unpacked_mb: int = 600) -> bytes:
    """An .xlsx zip bomb: a sheet of ``unpacked_mb`` MB of the same row over and over (each
    followed by a run of spaces, which XML ignores and deflate packs best), well under 1 MB."""
    row = b'<row><c t="inlineStr"><is><t>zip bomb</t></is></c></row>'
    chunk = row + b" " * (1024 * 1024 - len(row))  # 1 MB
    return with_sheet([chunk], repeat=unpacked_mb, level=9)


def rows_xml(count: int, first: int = 1, column: str = "A") -> bytes:
    """``count`` numbered rows with one text cell each, from row ``first`` in ``column``."""
    return b"".join(b'<row r="%d"><c r="%s%d" t="inlineStr"><is><t>%d</t></is></c></row>'
                    % (n, column.encode(), n, n) for n in range(first, first + count))
