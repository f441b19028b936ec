"""Reading uploaded spreadsheets: the bad input of issue 10, each handled or refused by row and column."""

from __future__ import annotations

import pytest

from bio_register.errors import ValidationFailed
from bio_register.spreadsheet import read_table
from tests.imports import sheets

LIMIT = 10 * 1024 * 1024


def values(table) -> list[tuple[int, list]]:
    return [(n, [c for c in cells]) for n, cells in table.rows]


def test_formula_without_a_computed_value_is_refused_with_its_cell(app_ctx) -> None:
    data = sheets.xlsx([["2021-001", "=TODAY()"]], ["Nr.", "Datum ontdekt"])
    table = read_table(data, "register.xlsx", max_bytes=LIMIT)
    assert len(table.problems) == 1
    assert "Rij 2, kolom B" in table.problems[0] and "formule" in table.problems[0]


def test_formula_with_a_computed_value_gives_that_value(app_ctx) -> None:
    data = sheets.xlsx([["2021-001", '=UPPER("ja")']], ["Nr.", "Datalek"], cached={"B2": "JA"})
    table = read_table(data, "register.xlsx", max_bytes=LIMIT)
    assert table.problems == []
    assert table.rows[1] == (2, ["2021-001", "JA"])


def test_merged_header_is_refused_naming_row_and_columns(app_ctx) -> None:
    data = sheets.xlsx([["1", "a", "b"]], ["Nr.", "Datum", None], merge="B1:C1")
    table = read_table(data, "register.xlsx", max_bytes=LIMIT)
    assert table.merged_header
    assert any("Rij 1, kolom B–C" in p and "samengevoegde" in p for p in table.problems)


def test_merged_cells_below_the_header_give_their_value_to_every_row(app_ctx) -> None:
    data = sheets.xlsx([["1", "Phishing"], ["2", None], ["3", "Storing"]], ["Nr.", "Categorie"], merge="B2:B3")
    table = read_table(data, "register.xlsx", max_bytes=LIMIT)
    assert table.problems == []
    assert [cells[1] for _, cells in table.rows[1:]] == ["Phishing", "Phishing", "Storing"]
    assert any("B2:B3" in note for note in table.notes)


def test_an_empty_row_in_the_middle_is_skipped_and_said(app_ctx) -> None:
    data = sheets.xlsx([["1", "a"], [None, None], ["3", "c"], [None, None]], ["Nr.", "Titel"])
    table = read_table(data, "register.xlsx", max_bytes=LIMIT)
    assert [n for n, _ in table.rows] == [1, 2, 4]
    assert table.notes == ["Rij 3 is leeg en is overgeslagen."]


def test_a_50_mb_file_is_refused_before_reading(app_ctx) -> None:
    data = b"x" * (50 * 1024 * 1024)
    with pytest.raises(ValidationFailed, match="50 MB; de grens is 10 MB"):
        read_table(data, "groot.csv", max_bytes=LIMIT)


def test_windows_1252_csv_with_e_trema(app_ctx) -> None:
    data = sheets.csv_bytes([["1", "Gegevens van mevrouw Boëtius gemaild"]], ["Nr.", "Omschrijving"],
                            encoding="cp1252")
    table = read_table(data, "register.csv", max_bytes=LIMIT)
    assert table.rows[1][1][1] == "Gegevens van mevrouw Boëtius gemaild"
    assert any("Windows-1252" in note for note in table.notes)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_csv_with_or_without_bom_and_comma(app_ctx, encoding: str) -> None:
    data = sheets.csv_bytes([["1", "Café"]], ["Nr.", "Titel"], delimiter=",", encoding=encoding)
    table = read_table(data, "register.csv", max_bytes=LIMIT)
    assert table.rows == [(1, ["Nr.", "Titel"]), (2, ["1", "Café"])]
    assert table.notes == []


def test_formula_text_in_a_csv_is_refused_with_its_cell(app_ctx) -> None:
    data = sheets.csv_bytes([["1", "=HYPERLINK(\"http://x\")"]], ["Nr.", "Titel"])
    table = read_table(data, "register.csv", max_bytes=LIMIT)
    assert any(p.startswith("Rij 2, kolom B: lijkt een formule") for p in table.problems)


@pytest.mark.parametrize(("name", "data", "message"), [
    ("register.xls", b"\xd0\xcf\x11\xe0", "oude Excel-formaat"),
    ("register.pdf", b"%PDF", ".xlsx- of .csv"),
    ("register.xlsx", b"PK\x03\x04 not really a zip", "kan niet worden gelezen"),
    ("register.xlsx", b"", "kan niet worden gelezen"),
])
def test_unreadable_files_are_refused_with_a_message(app_ctx, name: str, data: bytes, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        read_table(data, name, max_bytes=LIMIT)


def test_a_table_that_starts_lower_and_further_right_keeps_excel_numbers(app_ctx) -> None:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet["B3"], sheet["C3"], sheet["B4"], sheet["C4"] = "Nr.", "Titel", "1", "=NOW()"
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table(buffer.getvalue(), "register.xlsx", max_bytes=LIMIT)
    assert table.rows == [(3, [None, "Nr.", "Titel"]), (4, [None, "1", None])]  # padded to the widest row
    assert table.problems[0].startswith("Rij 4, kolom C: een formule zonder berekende waarde")


def test_a_header_merged_over_two_rows_is_refused_too(app_ctx) -> None:
    data = sheets.xlsx([["Datum", None], ["1", "01-01-2021"]], ["Nr.", "Ontdekt"], merge="A1:A2")
    table = read_table(data, "register.xlsx", max_bytes=LIMIT)
    assert any(p.startswith("Rij 1, kolom A: samengevoegde cellen in de kopregel (A1:A2)") for p in table.problems)
