"""What kind of file an upload is, decided by its content — never by its name or the browser's
Content-Type — and how its name may be shown and sent back.

This is the one place that says which files BIO-register accepts as evidence:

============================  ==================================================================  ==========
kind                          recognised by                                                       stored as
============================  ==================================================================  ==========
PDF                           starts with ``%PDF-``                                               application/pdf
PNG                           the 8-byte PNG signature                                            image/png
JPEG                          starts with ``FF D8 FF``                                            image/jpeg
Word / Excel / PowerPoint     a zip whose central directory lists ``[Content_Types].xml`` and     the OOXML type
(docx, xlsx, pptx)            ``word/document.xml``, ``xl/workbook.xml`` or
                              ``ppt/presentation.xml``; no macros (``vbaProject.bin``)
OpenDocument (odt, ods, odp)  a zip whose small ``mimetype`` entry names the ODF type; no         the ODF type
                              macros (``Basic/``, ``Scripts/``)
e-mail (.eml)                 RFC 5322 header lines in ASCII at the start (``From:`` and          message/rfc822
                              ``Date:``, ``Subject:`` or ``Message-ID:``), no NUL byte
text / CSV                    valid UTF-8 (a BOM allowed), no NUL byte, and not markup            text/plain
                              (HTML, SVG, XML: active content a browser might run)
============================  ==================================================================  ==========

Everything else is refused: GIF and other images, HTML and SVG, XML, executables and scripts in a
binary format, archives (a plain zip, or a zip that is no office document), macro-enabled office
files. A zip is never extracted: only its central directory (names and declared sizes) is read,
plus the few bytes of an OpenDocument ``mimetype`` entry; a zip that declares more than
``MAX_UNPACKED`` bytes or more than ``MAX_ZIP_ENTRIES`` entries is refused as a possible zip bomb.
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from urllib.parse import quote

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TEXT = "text/plain"
EML = "message/rfc822"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"

MAX_UNPACKED = 1024 * 1024 * 1024       # 1 GiB declared in a zip's central directory
MAX_ZIP_ENTRIES = 10_000
_OOXML_MAIN = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
_ODF_TYPES = {ODT, ODS, ODP}
_MARKUP = ("<html", "<script", "<svg", "<!doctype", "<?xml", "<body", "<iframe", "<head", "<object",
           "<embed", "<meta")
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")


@dataclass(frozen=True)
class Refusal:
    """Why a file is refused: ``reason`` is a key the service turns into a Dutch message."""

    reason: str  # "type", "markup", "macro", "zipbomb", "empty", "encoding"


def detect(data: bytes) -> str | Refusal:
    """The content type of ``data`` (one of the table above), or why it is refused."""
    if not data:
        return Refusal("empty")
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _office(data)
    if b"\x00" in data:
        return Refusal("type")
    if _is_email(data):
        return EML
    return _text(data)


def _office(data: bytes) -> str | Refusal:
    """An OOXML or OpenDocument file, judged by the zip's central directory alone."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > MAX_UNPACKED:
                return Refusal("zipbomb")
            names = {e.filename for e in entries}
            lowered = {name.lower() for name in names}
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size > 200 or info.compress_size > 200:
                    return Refusal("type")
                kind = archive.read(info).decode("ascii", "replace").strip()
                if kind not in _ODF_TYPES:
                    return Refusal("type")
                if any(name.startswith(("basic/", "scripts/")) for name in lowered):
                    return Refusal("macro")
                return kind
            if "[Content_Types].xml" in names:
                if any(name.endswith("vbaproject.bin") for name in lowered):
                    return Refusal("macro")
                for main, kind in _OOXML_MAIN.items():
                    if main in names:
                        return kind
            return Refusal("type")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError,
            RuntimeError, struct.error, OverflowError, UnicodeDecodeError):
        return Refusal("type")


def _is_email(data: bytes) -> bool:
    """RFC 5322 headers (ASCII) up to the first empty line, with From and a Date/Subject/Message-ID."""
    head = data[:64 * 1024].replace(b"\r\n", b"\n")
    block, separator, _body = head.partition(b"\n\n")
    if not separator or not block.isascii():
        return False
    names: set[bytes] = set()
    for line in block.split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if not names:
                return False
            continue   # a folded continuation of the previous header
        if not _HEADER_LINE.match(line):
            return False
        names.add(line.split(b":", 1)[0].strip().lower())
    return b"from" in names and bool(names & {b"date", b"subject", b"message-id"})


def _looks_like_windows_text(data: bytes) -> bool:
    """Readable Windows-1252 text: no NUL, and no control characters besides tab and line ends."""
    sample = data[:64 * 1024]
    if b"\x00" in sample:
        return False
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return not any(ord(c) < 32 and c not in "\t\r\n" for c in text)


def _text(data: bytes) -> str | Refusal:
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        # Text from Windows (Excel's "CSV" is Windows-1252): say how to save it, not "wrong type".
        return Refusal("encoding" if _looks_like_windows_text(body) else "type")
    start = text[:8192].lstrip().lower()
    if start.startswith("<") or any(tag in start for tag in _MARKUP):
        return Refusal("markup")
    return TEXT


# --- file names ----------------------------------------------------------------------------------

MAX_NAME = 200
_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._()+,\- ]")


def clean_filename(raw: str | None) -> str:
    """The name to keep and show: the last path part, NFC, without control or format characters
    (so no right-to-left override spoofing ``gpj.exe``), without characters Windows forbids or
    leading dots, at most ``MAX_NAME`` characters with the extension kept; ``bijlage`` when empty."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in name)
    name = _FORBIDDEN.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[:MAX_NAME - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:MAX_NAME].rstrip(" .")
    return name or "bijlage"


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII ``filename`` for old clients and, when the name is not plain
    ASCII, the exact name as ``filename*`` (RFC 6266 and RFC 5987, UTF-8 percent-encoded)."""
    decomposed = unicodedata.normalize("NFKD", filename)
    fallback = "".join(ch for ch in decomposed if not unicodedata.combining(ch))   # é → e
    fallback = _ASCII_UNSAFE.sub("_", fallback).strip(" .") or "bijlage"
    header = f'attachment; filename="{fallback}"'
    if fallback != filename:
        header += "; filename*=UTF-8''" + quote(filename, safe="")
    return header
