"""PDF building blocks shared by every reportlab document (reports and exports alike).

No Flask, no database: ``bio_register`` may import this, never the other way round.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape  # nosec B406 # escapes text for markup; parses nothing

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

#: a table row must fit on a page: long text is cut into pieces of this many characters and lines
CHUNK = 1200
MAX_LINES = 25


def markup(text: str | None) -> str:
    """Text as Paragraph markup that shows literally: ``<``, ``>`` and ``&`` escaped, line breaks kept."""
    if not text:
        return ""
    return escape(text.replace("\r\n", "\n").replace("\r", "\n")).replace("\n", "<br/>")


def fit(text: str, font: str, size: float, width: float) -> str:
    """The text, shortened with "…" until it fits ``width`` points."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def split(text: str, size: int = CHUNK, max_lines: int = MAX_LINES) -> list[str]:
    """Long text in pieces of at most ``size`` characters and ``max_lines`` lines, cut at line ends
    or spaces where possible, so that each piece fits in one table row on one page."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks = ["\n".join(lines[i:i + max_lines]) for i in range(0, len(lines), max_lines)] or [""]
    pieces: list[str] = []
    for block in blocks:
        rest = block
        while len(rest) > size:
            cut = rest.rfind("\n", 0, size)
            if cut < size // 2:
                cut = rest.rfind(" ", 0, size)
            if cut < size // 2:
                cut = size
            pieces.append(rest[:cut])
            rest = rest[cut:].lstrip("\n ")
        pieces.append(rest)
    return pieces


class TwoPassCanvas(Canvas):
    """A canvas that keeps every page until the document is complete, then calls
    :meth:`decorate` with the page count — for "pagina X van Y" and running headers."""

    if TYPE_CHECKING:  # reportlab's own page state, which types-reportlab leaves out
        _pagesize: tuple[float, float]
        _pageNumber: int  # noqa: N815 (reportlab's name)

        def _startPage(self) -> None: ...  # noqa: N802 (reportlab's name)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.decorate(total)
            super().showPage()
        super().save()

    def decorate(self, total: int) -> None:
        """Draw the page furniture of the current page (``self._pageNumber`` of ``total``)."""
