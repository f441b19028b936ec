"""The content check and the file names: what is accepted, what is refused, and why."""

from __future__ import annotations

import pytest

from bio_register.attachments import detect
from tests.attachments import samples


@pytest.mark.parametrize(("data", "expected"), [
    (samples.PDF, detect.PDF),
    (samples.PNG, detect.PNG),
    (samples.JPEG, detect.JPEG),
    (samples.CSV, detect.TEXT),
    (b"Gesprek met de melder om 10:15.\nGeen verdere actie.\n", detect.TEXT),
    (samples.EML, detect.EML),
    (samples.docx(), detect.DOCX),
    (samples.xlsx(), detect.XLSX),
    (samples.odt(), detect.ODT),
    (samples.odt(b"application/vnd.oasis.opendocument.spreadsheet"), detect.ODS),
], ids=["pdf", "png", "jpeg", "csv", "text", "eml", "docx", "xlsx", "odt", "ods"])
def test_accepted_kinds(data: bytes, expected: str) -> None:
    assert detect.detect(data) == expected


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty"),
    (samples.HTML, "markup"),
    (b"   \n\t<html><p>hoi</p></html>", "markup"),
    (b"Zie hieronder.\n<script>fetch('/api')</script>\n", "markup"),
    (samples.SVG, "markup"),
    (samples.GIF, "type"),
    (samples.EXE, "type"),
    (samples.ELF, "type"),
    (samples.LATIN1, "encoding"),
    (b"\x01\x02 bin\xe4r \x03", "type"),
    (b"tekst met een NUL\x00erin", "type"),
    (samples.plain_zip(), "type"),
    (samples.docx(macro=True), "macro"),
    (samples.odt(macro=True), "macro"),
    (samples.odt(b"application/x-evil"), "type"),
    (b"PK\x03\x04 geen echte zip", "type"),
], ids=["empty", "html", "html-indented", "script", "svg", "gif", "exe", "elf", "latin1", "binary", "nul", "zip",
        "docm", "odt-macro", "odf-unknown", "broken-zip"])
def test_refused_kinds(data: bytes, reason: str) -> None:
    assert detect.detect(data) == detect.Refusal(reason)


def test_a_zip_that_declares_too_much_is_refused_without_unpacking(monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = samples.zipped({"[Content_Types].xml": samples.CONTENT_TYPES, "word/document.xml": b"0" * 50_000})
    assert len(bomb) < 5_000  # it compresses: only the central directory's declared sizes tell
    monkeypatch.setattr(detect, "MAX_UNPACKED", 40_000)
    assert detect.detect(bomb) == detect.Refusal("zipbomb")
    monkeypatch.setattr(detect, "MAX_ZIP_ENTRIES", 1)
    assert detect.detect(samples.docx()) == detect.Refusal("zipbomb")


def test_an_email_needs_real_headers() -> None:
    assert detect.detect(b"From: a@example.nl\nSubject: x\n\nbody") == detect.EML
    # a text that merely starts with a colon line, or has no From, is plain text
    assert detect.detect(b"Notitie: gebeld\nActie: geen\n\nklaar") == detect.TEXT
    assert detect.detect(b"From a@example.nl Fri Nov 20\nSubject: x\n\nbody") == detect.TEXT


@pytest.mark.parametrize(("raw", "clean"), [
    ("bewijs.pdf", "bewijs.pdf"),
    ("C:\\Users\\jansen\\Documents\\verslag.docx", "verslag.docx"),
    ("../../etc/passwd", "passwd"),
    ("foto\u202egpj.exe", "foto gpj.exe"),            # right-to-left override cannot disguise the name
    ("  .verborgen.txt  ", "verborgen.txt"),
    ('a<b>c:"d"|e?f*.txt', "a_b_c__d__e_f_.txt"),
    ("Verslag e\u0301e\u0301n.pdf", "Verslag één.pdf"),  # NFC
    ("", "bijlage"),
    (None, "bijlage"),
    ("\x00\x01", "bijlage"),
])
def test_clean_filename(raw: str | None, clean: str) -> None:
    assert detect.clean_filename(raw) == clean


def test_long_names_keep_their_extension() -> None:
    name = detect.clean_filename("x" * 500 + ".xlsx")
    assert len(name) == detect.MAX_NAME and name.endswith("x.xlsx")


def test_content_disposition_plain_and_non_ascii() -> None:
    assert detect.content_disposition("bewijs.pdf") == 'attachment; filename="bewijs.pdf"'
    header = detect.content_disposition("Verslag Één – 20 nov €.pdf")
    assert header.startswith('attachment; filename="Verslag Een _ 20 nov _.pdf"; ')
    assert header.endswith("filename*=UTF-8''Verslag%20%C3%89%C3%A9n%20%E2%80%93%2020%20nov%20%E2%82%AC.pdf")
    assert header.isascii()


def test_size_labels(app_ctx) -> None:
    from bio_register.attachments.services import size_label

    assert [size_label(n) for n in (812, 14 * 1024, int(2.4 * 1024 * 1024), 20 * 1024 * 1024)] == [
        "812 bytes", "14 kB", "2,4 MB", "20 MB"]
