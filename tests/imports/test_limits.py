"""What reading an uploaded spreadsheet may cost (issue 18, item 5): a zip bomb, too many rows or
columns and a slow file are refused within seconds with a message naming the limit, never a 500,
and the worker that refused it goes on serving."""

from __future__ import annotations

import functools
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.imports.models import PendingImport
from bio_register.spreadsheet import MAX_COLUMNS, MAX_ROWS, ReadLimits, read_table
from tests.conftest import csrf_token
from tests.imports import sheets
from tests.imports.test_views import UPLOAD, as_officer, raw_upload, upload

LIMIT = 10 * 1024 * 1024
BOMB_MESSAGE = r"Het Excel-bestand is uitgepakt 600 MB; de grens is 50 MB uitgepakt\."


@functools.cache
def bomb() -> bytes:
    """About 645 KB that unpack to 600 MB; built once (well under a second)."""
    data = sheets.bomb(600)
    assert len(data) < 1024 * 1024
    return data


@pytest.fixture
def no_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl must not even open the file: the zip's central directory alone refuses it."""
    import openpyxl

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("openpyxl opened a file the central directory should have refused")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_openpyxl_reads_xml_through_defusedxml() -> None:
    import defusedxml.ElementTree
    import openpyxl.xml
    from openpyxl.worksheet import _reader
    from openpyxl.xml import functions

    assert openpyxl.xml.DEFUSEDXML is True
    assert functions.iterparse is defusedxml.ElementTree.iterparse
    assert functions.fromstring is defusedxml.ElementTree.fromstring
    assert _reader.iterparse is defusedxml.ElementTree.iterparse  # the sheet's rows


def test_entity_expansion_in_a_sheet_is_refused_unread(app_ctx) -> None:
    laughs = (b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "lollollollollollol">'
              + b"".join(b'<!ENTITY %s "%s">' % (bytes([c]), b"&%s;" % bytes([c - 1]) * 10) for c in b"bcdefghij")
              + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    data = sheets.with_sheet([b'<row r="1"><c r="A1" t="inlineStr"><is><t>&j;</t></is></c></row>'], start=laughs)
    started = time.monotonic()
    with pytest.raises(ValidationFailed, match="kan niet worden gelezen"):
        read_table(data, "lol.xlsx", max_bytes=LIMIT)
    assert time.monotonic() - started < 5


def test_a_zip_bomb_is_refused_by_its_central_directory_before_openpyxl_opens_it(app_ctx, no_openpyxl) -> None:
    data = bomb()
    started = time.monotonic()
    with pytest.raises(ValidationFailed, match=BOMB_MESSAGE):
        read_table(data, "register.xlsx", max_bytes=LIMIT)
    assert time.monotonic() - started < 1


def test_the_web_import_refuses_the_bomb_within_seconds(client: FlaskClient, no_openpyxl) -> None:
    as_officer(client)
    data = bomb()
    started = time.monotonic()
    response = raw_upload(client, data, "register.xlsx")
    elapsed = time.monotonic() - started
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Het Excel-bestand is uitgepakt 600 MB; de grens is 50 MB uitgepakt." in html
    assert elapsed < 5, f"the bomb took {elapsed:.1f} s to refuse"
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0


class _Server:
    """The test app behind Werkzeug's single-threaded server: like one synchronous gunicorn worker,
    it answers one request at a time, so a request it is stuck on keeps every other one waiting."""

    def __init__(self, app: Flask) -> None:
        from werkzeug.serving import make_server

        self._server = make_server("127.0.0.1", 0, app, threaded=False)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="one-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


@pytest.fixture
def one_worker(app: Flask) -> Iterator[_Server]:
    server = _Server(app)
    yield server
    server.stop()


def test_the_worker_refusing_a_bomb_goes_on_serving(client: FlaskClient, one_worker: _Server) -> None:
    """The bomb is posted to a real server (from another thread) and a second request follows
    at once: both are answered within 5 seconds, the bomb with the Dutch refusal."""
    as_officer(client)
    token = csrf_token(client, UPLOAD)
    cookie = client.get_cookie("bio_register_session")
    assert cookie is not None
    headers = {"Cookie": f"bio_register_session={cookie.value}",
               # the session is bound to the browser that logged in (session protection "strong")
               "User-Agent": client.environ_base["HTTP_USER_AGENT"],
               "Content-Type": "multipart/form-data; boundary=b"}
    body = (f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            '--b\r\nContent-Disposition: form-data; name="organisation"\r\n\r\nDIE\r\n'
            '--b\r\nContent-Disposition: form-data; name="file"; filename="register.xlsx"\r\n'
            'Content-Type: application/octet-stream\r\n\r\n').encode() + bomb() + b"\r\n--b--\r\n"
    answers: dict[str, Any] = {}

    def post_bomb() -> None:
        request = urllib.request.Request(one_worker.url + UPLOAD, data=body, headers=headers,  # noqa: S310
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310  # our own test server
                answers["bomb"] = (response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            with error:
                answers["bomb"] = (error.code, error.read().decode())
        answers["bomb_done"] = time.monotonic()

    started = time.monotonic()
    poster = threading.Thread(target=post_bomb, name="bomb")
    poster.start()
    with urllib.request.urlopen(one_worker.url + "/health", timeout=5) as health:  # noqa: S310
        assert health.status == 200
    health_done = time.monotonic()
    poster.join(timeout=10)
    status, html = answers["bomb"]
    assert status == 422
    assert "Het Excel-bestand is uitgepakt 600 MB; de grens is 50 MB uitgepakt." in html
    assert answers["bomb_done"] - started < 5 and health_done - started < 5


def test_a_part_packed_suspiciously_small_is_refused(app_ctx, no_openpyxl) -> None:
    # 3 MB unpacked (well within the 50 MB) but packed about a thousand to one
    data = sheets.with_sheet([b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 1000], repeat=60, level=9)
    with pytest.raises(ValidationFailed, match=r"verdacht sterk ingepakt \(xl/worksheets/sheet1\.xml: [\d.]+ keer "
                                               r"zo klein\); de grens is 200 keer"):
        read_table(data, "register.xlsx", max_bytes=LIMIT)


def test_too_many_rows_are_refused_while_reading(app_ctx) -> None:
    data = sheets.with_sheet([sheets.rows_xml(MAX_ROWS + 1)])
    with pytest.raises(ValidationFailed, match=re.escape("meer dan 25.000 rijen; de grens is 25.000 rijen")):
        read_table(data, "register.xlsx", max_bytes=LIMIT)


def test_one_row_numbered_a_million_counts_as_a_million_rows(app_ctx) -> None:
    # openpyxl gives every missing row above it as an empty one: reading them would take minutes
    data = sheets.with_sheet([sheets.rows_xml(1, first=1_048_576)])
    started = time.monotonic()
    with pytest.raises(ValidationFailed, match=re.escape("meer dan 25.000 rijen")):
        read_table(data, "register.xlsx", max_bytes=LIMIT)
    assert time.monotonic() - started < 5


def test_a_cell_in_the_last_column_is_refused_by_the_column_limit(app_ctx) -> None:
    data = sheets.with_sheet([sheets.rows_xml(1, column="XFD")])
    with pytest.raises(ValidationFailed, match=re.escape("Rij 1 heeft 16.384 kolommen; de grens is 200 kolommen")):
        read_table(data, "register.xlsx", max_bytes=LIMIT)


def test_rows_and_columns_up_to_the_limits_are_read(app_ctx) -> None:
    limits = ReadLimits(rows=3, columns=2)
    table = read_table(sheets.csv_bytes([["1", "a"], ["2", "b"]], ["Nr.", "Titel"]), "r.csv", max_bytes=LIMIT,
                       limits=limits)
    assert [n for n, _ in table.rows] == [1, 2, 3]
    with pytest.raises(ValidationFailed, match="meer dan 3 rijen; de grens is 3 rijen"):
        read_table(sheets.csv_bytes([["1", "a"], ["2", "b"], ["3", "c"]], ["Nr.", "Titel"]), "r.csv",
                   max_bytes=LIMIT, limits=limits)
    with pytest.raises(ValidationFailed, match="Rij 2 heeft 3 kolommen; de grens is 2 kolommen"):
        read_table(sheets.csv_bytes([["1", "a", "x"]], ["Nr.", "Titel"]), "r.csv", max_bytes=LIMIT, limits=limits)
    table = read_table(sheets.xlsx([["1", "a"], ["2", "b"]], ["Nr.", "Titel"]), "r.xlsx", max_bytes=LIMIT,
                       limits=limits)
    assert [n for n, _ in table.rows] == [1, 2, 3]
    with pytest.raises(ValidationFailed, match="Rij 2 heeft 3 kolommen; de grens is 2 kolommen"):
        read_table(sheets.xlsx([["1", "a", "x"]], ["Nr.", "Titel"]), "r.xlsx", max_bytes=LIMIT, limits=limits)


def test_a_csv_over_the_row_or_column_limit_is_refused(app_ctx) -> None:
    with pytest.raises(ValidationFailed, match=re.escape("meer dan 25.000 rijen")):
        read_table(b"1;x\r\n" * (MAX_ROWS + 1), "register.csv", max_bytes=LIMIT)
    with pytest.raises(ValidationFailed, match="Rij 1 heeft 201 kolommen; de grens is 200 kolommen"):
        read_table(";".join(["x"] * (MAX_COLUMNS + 1)).encode(), "register.csv", max_bytes=LIMIT)


def test_a_file_not_read_within_the_time_budget_is_refused(app_ctx) -> None:
    data = sheets.xlsx(sheets.ROWS)
    with pytest.raises(ValidationFailed, match="duurt langer dan 0 seconden, de grens"):
        read_table(data, "register.xlsx", max_bytes=LIMIT, limits=ReadLimits(seconds=0))
    with pytest.raises(ValidationFailed, match="duurt langer dan 0 seconden, de grens"):
        read_table(sheets.csv_bytes(sheets.ROWS), "register.csv", max_bytes=LIMIT, limits=ReadLimits(seconds=0))
    assert len(read_table(data, "register.xlsx", max_bytes=LIMIT).rows) == 4  # the default budget is ample


def test_the_web_import_names_the_row_limit(client: FlaskClient) -> None:
    as_officer(client)
    response = upload(client, b"Nr.;Titel\r\n" + b"1;x\r\n" * MAX_ROWS, "register.csv")
    assert response.status_code == 422
    assert "Het bestand heeft meer dan 25.000 rijen; de grens is 25.000 rijen." in response.get_data(as_text=True)


def test_the_web_import_names_the_column_limit(client: FlaskClient) -> None:
    as_officer(client)
    data = sheets.with_sheet([sheets.rows_xml(1, column="HZ")])  # column 234
    response = upload(client, data)
    assert response.status_code == 422
    assert "Rij 1 heeft 234 kolommen; de grens is 200 kolommen." in response.get_data(as_text=True)


def test_limits_are_not_a_nuisance_for_a_normal_register(app_ctx) -> None:
    data = sheets.xlsx([[f"2021-{n:03d}", "04-01-2021", "x" * 50, "nee", "", "", "", "", ""] for n in range(500)])
    assert len(read_table(data, "register.xlsx", max_bytes=LIMIT).rows) == 501


def test_the_command_line_refuses_the_bomb_and_has_more_time(app: Flask, app_ctx, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from bio_register import spreadsheet
    from tests import factories

    factories.organisation("DIE")
    path = tmp_path / "register.xlsx"
    path.write_bytes(bomb())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["bio", "import-register", str(path), "--organisation", "DIE", "--dry-run"])
    assert result.exit_code == 1
    assert "Het Excel-bestand is uitgepakt 600 MB; de grens is 50 MB uitgepakt." in result.stderr
    # a web upload's time budget does not hold for the command, which no worker waits for
    monkeypatch.setattr(spreadsheet, "DEFAULT_LIMITS", ReadLimits(seconds=0))
    path.write_bytes(sheets.xlsx(sheets.ROWS))
    result = runner.invoke(args=["bio", "import-register", str(path), "--organisation", "DIE", "--dry-run"])
    assert result.exit_code == 0, result.stderr
