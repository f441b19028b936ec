"""The audit log as CSV for Dutch Excel, streamed: one row per changed field (an event without
changed fields gets one row). Every cell is neutralised so a spreadsheet never runs a value as a
formula (CSV injection: =, +, -, @ at the start), with :func:`bio_register.spreadsheet.neutralise`.

No request globals: the caller passes the events (``browse.iter_events``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from bio_register.audit.browse import EventRow
from bio_register.spreadsheet import neutralise
from bio_register.timeutil import DEFAULT_TZ, to_local

HEADERS = ["Tijdstip", "Volgnummer", "Gebruiker", "Organisatie", "Soort object", "Objectnummer", "Actie", "Veld",
           "Ervoor", "Erna"]
DATETIME_FORMAT = "%d-%m-%Y %H:%M:%S"
#: rows written per chunk of the response
CHUNK_ROWS = 500


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def rows(events: Iterable[EventRow], tz: str = DEFAULT_TZ) -> Iterator[list[str]]:
    """The cells, one row per changed field, every one neutralised."""
    for event in events:
        head = [to_local(event.occurred_at, tz).strftime(DATETIME_FORMAT), str(event.seq), event.actor,
                event.organisation or "", event.entity, event.entity_id, event.action]
        fields = event.changes.items() if event.changes else [("", {})]
        for name, change in fields:
            change = change if isinstance(change, dict) else {"before": None, "after": change}
            yield [neutralise(cell) for cell in
                   (*head, name, _value(change.get("before")), _value(change.get("after")))]


def csv_chunks(events: Iterable[EventRow], tz: str = DEFAULT_TZ) -> Iterator[bytes]:
    """UTF-8 with a byte order mark and ``;`` between fields, in chunks of :data:`CHUNK_ROWS` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in HEADERS])
    first = True
    count = 0
    for row in rows(events, tz):
        writer.writerow(row)
        count += 1
        if count % CHUNK_ROWS == 0:
            yield _take(buffer, first)
            first = False
    yield _take(buffer, first)


def _take(buffer: io.StringIO, first: bool) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8-sig" if first else "utf-8")
