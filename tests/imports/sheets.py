"""Build the spreadsheets the import tests read (XLSX through openpyxl, CSV as bytes)."""

from __future__ import annotations

import io
import re
import zipfile
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
