"""Small files of each kind, made here (no fixtures on disk)."""

from __future__ import annotations

import io
import zipfile

from tests.factories import PDF_BYTES

PDF = PDF_BYTES
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00;"
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>\n'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
CSV = "\ufeffnaam;afdeling;datum\nJansen;Burgerzaken;20-11-2026\nÉlodie;Sociaal domein;21-11-2026\n".encode()
LATIN1 = "Verslag van de ontdekking door de heer Müller".encode("latin-1")
EML = (b"Return-Path: <a.jansen@example.nl>\r\nFrom: A. Jansen <a.jansen@example.nl>\r\n"
       b"To: Burgerzaken <bz@example.nl>\r\nSubject: Brief naar verkeerd adres\r\n"
       b"Date: Fri, 20 Nov 2026 09:15:00 +0100\r\nMIME-Version: 1.0\r\n"
       b"Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Zie bijlage.</p></body></html>\r\n")


def zipped(entries: dict[str, bytes], *, stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(zipfile.ZipInfo(stored_first), entries[stored_first], compress_type=zipfile.ZIP_STORED)
        for name, data in entries.items():
            if name != stored_first:
                archive.writestr(name, data)
    return buffer.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def docx(*, macro: bool = False) -> bytes:
    entries = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": b"<Relationships/>",
               "word/document.xml": b"<w:document/>"}
    if macro:
        entries["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0" + b"\x00" * 100
    return zipped(entries)


def xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["A1"] = "Logboek"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def odt(kind: bytes = b"application/vnd.oasis.opendocument.text", *, macro: bool = False) -> bytes:
    entries = {"mimetype": kind, "content.xml": b"<office:document-content/>",
               "META-INF/manifest.xml": b"<manifest:manifest/>"}
    if macro:
        entries["Basic/Standard/Module1.xml"] = b"<script:module/>"
    return zipped(entries, stored_first="mimetype")


def plain_zip() -> bytes:
    return zipped({"bewijs/foto.png": PNG, "bewijs/notitie.txt": b"notitie"})
