"""Import of an organisation's existing register (XLSX or CSV) as incidents. Never commits.

The steps: read the file (:func:`bio_register.spreadsheet.read_table`), map its columns to our
fields (:class:`Mapping`, saved per organisation), build a :func:`preview` that names every
problem by row and column, and :func:`run_import` all rows or none.

Datalekken (a choice, see the README): ``is_datalek`` is always imported. When the sheet says
whether the AP was notified, that historical decision is copied as a decision *taken before
BIO-register* (the FG of the time took it outside this tool), recorded by the importing user
and audited as ``import`` with file and row; "ja" needs the AP's meldnummer and the date of the
melding. A closed datalek without that decision is refused, because the register keeps the rule
that a datalek is not closed before the decision on the AP-melding (AVG art. 33(5)). No FG
assessment (ENISA score) is invented.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bio_register import spreadsheet
from bio_register.accounts.models import User
from bio_register.audit import services as audit
from bio_register.breaches import services as breaches
from bio_register.database import utcnow
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.i18n import lazy_gettext as _l
from bio_register.imports.models import ImportMapping, PendingImport
from bio_register.incidents import labels
from bio_register.incidents import services as incidents
from bio_register.incidents.models import CLOSED_STATUSES, Category, Incident, Severity, Status
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission, has_permission
from bio_register.spreadsheet import Table, column_letter
from bio_register.timeutil import DEFAULT_TZ, AmbiguousLocalTime, LocalTimeError, to_utc

DEFAULT_MAX_MB = 10
MIB = 1024 * 1024
PENDING_TTL = dt.timedelta(hours=4)
MAX_ORIGINAL_REFERENCE = 60
MAX_ROWS = 20_000
MAX_CATEGORY_VALUES = 200


@dataclass(frozen=True)
class ImportField:
    key: str
    label: Any
    required: bool = False
    #: header names (normalised) that probably mean this field
    guesses: tuple[str, ...] = ()
    hint: Any = None


FIELDS: tuple[ImportField, ...] = (
    ImportField("original_reference", _l("Nummer in het oude register"), True,
                ("nummer", "nr", "volgnummer", "registratienummer", "kenmerk", "id", "referentie",
                 "incidentnummer", "meldingnummer", "nummer incident"),
                _l("Blijft bewaard en voorkomt dat hetzelfde incident twee keer wordt geïmporteerd.")),
    ImportField("title", _l("Titel"), False, ("titel", "onderwerp", "korte omschrijving", "incident"),
                _l("Zonder titel wordt de eerste regel van de omschrijving de titel.")),
    ImportField("description", _l("Omschrijving"), False,
                ("omschrijving", "beschrijving", "wat is er gebeurd", "toelichting", "omschrijving incident"),
                _l("Zonder omschrijving wordt de titel ook de omschrijving.")),
    ImportField("discovered_at", _l("Ontdekt op"), True,
                ("ontdekt op", "datum ontdekt", "ontdekt", "datum ontdekking", "datum melding", "gemeld op",
                 "datum"), _l("Bepaalt het jaar van de referentie.")),
    ImportField("occurred_at", _l("Opgetreden op"), False,
                ("opgetreden op", "datum incident", "datum voorval", "datum opgetreden", "opgetreden")),
    ImportField("is_datalek", _l("Datalek (ja/nee)"), True,
                ("datalek", "datalek?", "datalek ja/nee", "persoonsgegevens", "persoonsgegevens betrokken")),
    ImportField("category", _l("Categorie"), False, ("categorie", "soort", "type", "soort incident")),
    ImportField("severity", _l("Ernst"), False, ("ernst", "prioriteit", "impact")),
    ImportField("status", _l("Status"), False, ("status", "stand"),
                _l("Zonder status: afgehandeld.")),
    ImportField("reporter", _l("Melder"), False, ("melder", "gemeld door", "naam melder")),
    ImportField("cause", _l("Oorzaak"), False, ("oorzaak",)),
    ImportField("lessons_learned", _l("Geleerde lessen"), False,
                ("geleerde lessen", "lessen", "verbeterpunten", "lessons learned")),
    ImportField("closed_at", _l("Afgesloten op"), False,
                ("afgesloten op", "afgehandeld op", "datum afgehandeld", "datum afgesloten", "gesloten op",
                 "datum gereed"), _l("Zonder datum: het moment van ontdekken.")),
    ImportField("ap_notify", _l("Gemeld bij de AP (ja/nee)"), False,
                ("gemeld bij ap", "ap gemeld", "melding ap", "gemeld aan ap", "ap-melding", "ap melding",
                 "gemeld bij de ap", "melding ap (ja/nee)"),
                _l("Het besluit over de AP-melding zoals het destijds is genomen.")),
    ImportField("ap_meldnummer", _l("Meldnummer van de AP"), False,
                ("meldnummer", "meldnummer ap", "ap meldnummer", "ap-meldnummer", "kenmerk ap")),
    ImportField("ap_submitted_at", _l("Datum melding aan de AP"), False,
                ("datum melding ap", "datum ap-melding", "datum ap melding", "gemeld bij ap op",
                 "datum melding aan ap", "gemeld aan ap op")),
    ImportField("ap_motivation", _l("Motivering van het besluit"), False,
                ("motivering", "motivatie", "motivering besluit", "toelichting besluit", "reden niet melden")),
)
FIELD_KEYS = tuple(f.key for f in FIELDS)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
AP_FIELDS = ("ap_notify", "ap_meldnummer", "ap_submitted_at", "ap_motivation")

YES = {"ja", "j", "yes", "y", "true", "waar", "1", "x"}
NO = {"nee", "n", "no", "false", "onwaar", "0", "-"}

STATUS_WORDS: dict[str, Status] = {
    "nieuw": Status.NIEUW, "open": Status.NIEUW, "gemeld": Status.NIEUW,
    "in behandeling": Status.IN_BEHANDELING, "in_behandeling": Status.IN_BEHANDELING, "lopend": Status.IN_BEHANDELING,
    "in onderzoek": Status.IN_BEHANDELING, "bezig": Status.IN_BEHANDELING,
    "afgehandeld": Status.AFGEHANDELD, "gesloten": Status.AFGEHANDELD, "afgesloten": Status.AFGEHANDELD,
    "gereed": Status.AFGEHANDELD, "opgelost": Status.AFGEHANDELD, "klaar": Status.AFGEHANDELD,
    "ingetrokken": Status.INGETROKKEN, "geen incident": Status.INGETROKKEN, "vervallen": Status.INGETROKKEN,
}
SEVERITY_WORDS: dict[str, Severity] = {
    "laag": Severity.LAAG, "low": Severity.LAAG, "gering": Severity.LAAG,
    "midden": Severity.MIDDEN, "middel": Severity.MIDDEN, "gemiddeld": Severity.MIDDEN, "medium": Severity.MIDDEN,
    "hoog": Severity.HOOG, "high": Severity.HOOG,
    "kritiek": Severity.KRITIEK, "kritisch": Severity.KRITIEK, "critical": Severity.KRITIEK,
    "zeer hoog": Severity.KRITIEK,
}
#: words often used in municipal registers, for the first guess of the category table
CATEGORY_WORDS: dict[str, Category] = {
    "verkeerde ontvanger": Category.WRONG_RECIPIENT_EMAIL, "e-mail verkeerde ontvanger": Category.WRONG_RECIPIENT_EMAIL,
    "mail verkeerd verzonden": Category.WRONG_RECIPIENT_EMAIL, "e-mail": Category.WRONG_RECIPIENT_EMAIL,
    "brief verkeerd adres": Category.WRONG_RECIPIENT_POST, "post verkeerde ontvanger": Category.WRONG_RECIPIENT_POST,
    "post": Category.WRONG_RECIPIENT_POST, "brief": Category.WRONG_RECIPIENT_POST,
    "verlies": Category.LOST_STOLEN_DEVICE, "diefstal": Category.LOST_STOLEN_DEVICE,
    "laptop kwijt": Category.LOST_STOLEN_DEVICE, "telefoon kwijt": Category.LOST_STOLEN_DEVICE,
    "papier kwijt": Category.LOST_STOLEN_PAPER, "dossier kwijt": Category.LOST_STOLEN_PAPER,
    "publicatie": Category.PUBLISHED_BY_MISTAKE, "website": Category.PUBLISHED_BY_MISTAKE,
    "autorisatie": Category.EXCESSIVE_ACCESS, "toegangsrechten": Category.EXCESSIVE_ACCESS,
    "phishing": Category.PHISHING, "malware": Category.MALWARE_RANSOMWARE, "ransomware": Category.MALWARE_RANSOMWARE,
    "virus": Category.MALWARE_RANSOMWARE, "storing": Category.UNAVAILABILITY, "uitval": Category.UNAVAILABILITY,
    "overig": Category.OTHER, "anders": Category.OTHER,
}

_DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def normalise(text: Any) -> str:
    """A header or cell value as compared: lower case, single spaces, no trailing colon."""
    return " ".join(spreadsheet.cell_text(text).lower().split()).rstrip(" :.?").strip()


def max_bytes(config: Mapping[str, Any]) -> int:
    """The largest file an import reads, in bytes, from the settings (``IMPORT_MAX_MB``)."""
    return int(config.get("IMPORT_MAX_MB", DEFAULT_MAX_MB)) * MIB


# --- the sheet ---------------------------------------------------------------------------------------

@dataclass
class Sheet:
    """A read file: its header (column index → header text) and its data rows."""

    filename: str
    table: Table
    headers: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, content: bytes, filename: str, *, max_bytes: int = DEFAULT_MAX_MB * MIB,
             limits: spreadsheet.ReadLimits = spreadsheet.DEFAULT_LIMITS) -> Sheet:
        table = spreadsheet.read_table(content, filename, max_bytes=max_bytes, limits=limits)
        sheet = cls(filename, table)
        if table.header is not None:
            sheet.headers = [spreadsheet.cell_text(v).strip() for v in table.header[1]]
        return sheet

    def column_name(self, index: int) -> str:
        header = self.headers[index] if index < len(self.headers) else ""
        return f"{column_letter(index)} ({header})" if header else column_letter(index)

    def header_options(self) -> list[tuple[str, str]]:
        """(header, "B: header") for every named column, for the mapping form."""
        return [(h, f"{column_letter(i)}: {h}") for i, h in enumerate(self.headers) if h]

    def index_of(self, header: str | None) -> int | None:
        if not header:
            return None
        for index, name in enumerate(self.headers):
            if name == header:
                return index
        return None

    def distinct_values(self, header: str | None) -> list[str]:
        """The different texts in a column (as written, first spelling kept), for the category table."""
        index = self.index_of(header)
        if index is None:
            return []
        seen: dict[str, str] = {}
        for _number, cells in self.table.body:
            value = spreadsheet.cell_text(cells[index] if index < len(cells) else None).strip()
            if value and normalise(value) not in seen:
                seen[normalise(value)] = value
        return sorted(seen.values(), key=str.lower)[:MAX_CATEGORY_VALUES]


# --- the mapping ---------------------------------------------------------------------------------------

@dataclass
class ColumnMapping:
    """Our field → the sheet's header; the sheet's category text (normalised) → a category or ""."""

    columns: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"columns": dict(self.columns), "categories": dict(self.categories)}

    @classmethod
    def from_json(cls, data: Any) -> ColumnMapping:
        """From a JSON object ``{"columns": {field: header}, "categories": {text: category}}``."""
        if not isinstance(data, dict):
            raise ValidationFailed(_("De koppeling moet een JSON-object zijn met columns en categories."),
                                   field="mapping")
        columns, categories = data.get("columns", {}), data.get("categories", {})
        if not isinstance(columns, dict) or not isinstance(categories, dict):
            raise ValidationFailed(_("De koppeling moet een JSON-object zijn met columns en categories."),
                                   field="mapping")
        unknown = sorted(set(columns) - set(FIELD_KEYS))
        if unknown:
            raise ValidationFailed(_("Onbekende velden in de koppeling: %(names)s.", names=", ".join(unknown)),
                                   field="mapping")
        bad = sorted(str(v) for v in categories.values() if v not in ("", *(c.value for c in Category)))
        if bad:
            raise ValidationFailed(_("Onbekende categorieën in de koppeling: %(names)s.", names=", ".join(bad)),
                                   field="mapping")
        return cls({k: str(v) for k, v in columns.items() if v},
                   {normalise(k): str(v) for k, v in categories.items()})




def saved_mapping(organisation: Organisation) -> ColumnMapping | None:
    row = db.session.get(ImportMapping, organisation.id)
    if row is None:
        return None
    return ColumnMapping(dict(row.columns or {}), dict(row.categories or {}))


def guess_mapping(sheet: Sheet, saved: ColumnMapping | None = None) -> ColumnMapping:
    """Columns from the saved mapping where this file has that header, else from the header names;
    categories from the saved table, else from our names and common words."""
    columns: dict[str, str] = {}
    headers = set(sheet.headers)
    if saved is not None:
        columns.update({k: v for k, v in saved.columns.items() if v in headers and k in FIELD_BY_KEY})
    used = set(columns.values())
    by_name = {normalise(h): h for h in sheet.headers if h}
    for fld in FIELDS:
        if fld.key in columns:
            continue
        for guess in fld.guesses:
            header = by_name.get(guess)
            if header and header not in used:
                columns[fld.key] = header
                used.add(header)
                break
    mapping = ColumnMapping(columns, dict(saved.categories) if saved else {})
    for value in sheet.distinct_values(columns.get("category")):
        guessed = guess_category(value)
        if guessed:  # what cannot be guessed stays a problem until someone chooses (even "none")
            mapping.categories.setdefault(normalise(value), guessed)
    return mapping


def guess_category(text: str) -> str | None:
    key = normalise(text)
    for category in Category:
        if key in (category.value, normalise(labels.CATEGORY[category])):
            return category.value
    if key in CATEGORY_WORDS:
        return CATEGORY_WORDS[key].value
    return None


def save_mapping(actor: User | None, organisation: Organisation, mapping: ColumnMapping, *,
                 actor_label: str | None = None) -> ImportMapping:
    """Keep the mapping for the organisation's next import (audited when it changes)."""
    row = db.session.get(ImportMapping, organisation.id)
    before = {"columns": row.columns, "categories": row.categories} if row is not None else None
    after = mapping.to_json()
    if row is None:
        row = ImportMapping(organisation_id=organisation.id)
        db.session.add(row)
    elif before == after:
        return row
    row.columns, row.categories = after["columns"], after["categories"]
    row.updated_by_id = actor.id if actor else None
    row.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "import_mapping", organisation.id, "update" if before else "create",
                 {"mapping": {"before": before, "after": after}}, organisation_id=organisation.id,
                 actor_label=actor_label)
    return row


# --- reading cells -------------------------------------------------------------------------------------

class CellProblem(Exception):
    """A cell that cannot be used; the message says why (without the row and column)."""


def parse_datetime(value: Any, tz: str = DEFAULT_TZ) -> dt.datetime | None:
    """A cell as a UTC time: an Excel date, or ``31-12-2021``, ``31-12-2021 14:30`` (Dutch time),
    or ISO ``2021-12-31 14:30``. An hour that occurs twice (autumn) is read as the first."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        local = value.replace(tzinfo=None) if value.tzinfo is None else value
    elif isinstance(value, dt.date):
        local = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        match = _DUTCH_DATE.match(text)
        if match:
            day, month, year, hour, minute, second = match.groups()
        else:
            match = _ISO_DATE.match(text)
            if not match:
                raise CellProblem(_("„%(text)s” is geen datum; schrijf bijvoorbeeld 31-12-2021 of "
                                    "31-12-2021 14:30.", text=text[:40]))
            year, month, day, hour, minute, second = match.groups()
        try:
            local = dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                int(second or 0))
        except ValueError:
            raise CellProblem(_("„%(text)s” is geen bestaande datum of tijd.", text=text[:40])) from None
    else:
        raise CellProblem(_("„%(text)s” is geen datum; schrijf bijvoorbeeld 31-12-2021.",
                            text=spreadsheet.cell_text(value)[:40]))
    if not 1970 <= local.year < 2100:
        raise CellProblem(_("Het jaar %(year)d ligt niet tussen 1970 en 2100.", year=local.year))
    try:
        return to_utc(local, tz)
    except AmbiguousLocalTime:
        return to_utc(local, tz, fold=0)
    except LocalTimeError:
        raise CellProblem(_("%(text)s bestaat niet in Nederlandse tijd (de klok ging toen een uur vooruit).",
                            text=local.strftime("%d-%m-%Y %H:%M"))) from None


def parse_yes_no(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    key = normalise(value)
    if not key:
        return None
    if key in YES:
        return True
    if key in NO:
        return False
    raise CellProblem(_("„%(text)s”: vul ja of nee in.", text=spreadsheet.cell_text(value)[:40]))


# --- the preview ---------------------------------------------------------------------------------------

@dataclass
class PreviewRow:
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: the historical AP decision, when the sheet has one: (notify, decided_at, motivation, meldnummer, submitted_at)
    decision: tuple[bool, dt.datetime, str, str | None, dt.datetime | None] | None = None
    status: Status = Status.AFGEHANDELD
    closed_at: dt.datetime | None = None
    original_reference: str = ""


@dataclass
class Preview:
    sheet: Sheet
    mapping: ColumnMapping
    rows: list[PreviewRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        return self.sheet.table.notes

    @property
    def all_problems(self) -> list[str]:
        return [*self.problems, *(p for row in self.rows for p in row.problems)]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.all_problems

    @property
    def rows_with_problems(self) -> int:
        return sum(1 for row in self.rows if row.problems)


class ImportRefused(ValidationFailed):
    """The file has problems: nothing is imported. ``preview`` names every one."""

    def __init__(self, preview: Preview) -> None:
        problems = preview.all_problems or [_("Het bestand bevat geen rijen om te importeren.")]
        super().__init__(_("Niets geïmporteerd. %(problems)s.", problems=spreadsheet.summarise(problems)),
                         field="file")
        self.preview = preview


def _cell(sheet: Sheet, cells: list[Any], mapping: ColumnMapping, key: str) -> tuple[Any, str | None]:
    """The raw cell for our field and its column's name (None when the field is not mapped)."""
    index = sheet.index_of(mapping.columns.get(key))
    if index is None:
        return None, None
    return (cells[index] if index < len(cells) else None), sheet.column_name(index)


def _problem(number: int, column: str | None, message: str) -> str:
    if column:
        return str(_("Rij %(row)d, kolom %(col)s: %(message)s", row=number, col=column, message=message))
    return str(_("Rij %(row)d: %(message)s", row=number, message=message))


def preview(organisation: Organisation, sheet: Sheet, mapping: ColumnMapping, *,
            now: dt.datetime | None = None) -> Preview:
    """Every row as it would be imported, with each problem named by row and column."""
    now = now or utcnow()
    result = Preview(sheet, mapping, problems=list(sheet.table.problems))
    if sheet.table.header is None:
        result.problems.append(_("Het bestand is leeg."))
        return result
    if sheet.table.merged_header:
        return result
    result.problems.extend(_sheet_problems(sheet, mapping))
    if result.problems:
        return result
    existing = dict(db.session.execute(
        select(Incident.original_reference, Incident.reference)
        .where(Incident.organisation_id == organisation.id, Incident.original_reference.is_not(None))).all())
    seen: dict[str, int] = {}
    for number, cells in sheet.table.body:
        row = _preview_row(sheet, mapping, number, cells, now)
        _check_reference_unique(row, _cell(sheet, cells, mapping, "original_reference")[1], existing, seen)
        result.rows.append(row)
    return result


def _sheet_problems(sheet: Sheet, mapping: ColumnMapping) -> list[str]:
    """What is wrong with the file as a whole or with the mapping (before any row is read)."""
    assert sheet.table.header is not None
    problems = []
    header_row = sheet.table.header[0]
    named = [h for h in sheet.headers if h]
    for header in sorted({h for h in named if named.count(h) > 1}):
        problems.append(_("Rij %(row)d: de kop „%(header)s” staat boven meer dan één kolom; geef elke "
                          "kolom een eigen kop.", row=header_row, header=header))
    for key, header in mapping.columns.items():
        if key not in FIELD_BY_KEY:
            problems.append(_("Onbekend veld in de koppeling: %(name)s.", name=key))
        elif header and sheet.index_of(header) is None:
            problems.append(_("De kolom „%(header)s” (voor %(field)s) staat niet in het bestand.",
                              header=header, field=FIELD_BY_KEY[key].label))
    problems.extend(_("Kies de kolom voor „%(field)s”: die is nodig.", field=fld.label)
                    for fld in FIELDS if fld.required and not mapping.columns.get(fld.key))
    if not mapping.columns.get("title") and not mapping.columns.get("description"):
        problems.append(_("Kies een kolom voor de titel of de omschrijving."))
    if len(sheet.table.body) > MAX_ROWS:
        problems.append(_("Het bestand heeft %(n)d rijen; importeer hoogstens %(max)d rijen tegelijk.",
                          n=len(sheet.table.body), max=MAX_ROWS))
    return problems


def _check_reference_unique(row: PreviewRow, column: str | None, existing: Mapping[str | None, str],
                            seen: dict[str, int]) -> None:
    """The old register's number is imported once: not again, and not twice in one file."""
    ref = row.original_reference
    if not ref:
        return
    if ref in existing:
        row.problems.append(_problem(row.number, column, _("„%(ref)s” is al geïmporteerd als %(ours)s.", ref=ref,
                                                           ours=existing[ref])))
    elif ref in seen:
        row.problems.append(_problem(row.number, column, _("„%(ref)s” staat ook al in rij %(other)d.", ref=ref,
                                                           other=seen[ref])))
    else:
        seen[ref] = row.number


def _text(row: PreviewRow, column: str | None, value: Any, *, limit: int | None = None) -> str | None:
    text = spreadsheet.cell_text(value).strip()
    if isinstance(value, dt.datetime):
        text = value.strftime("%d-%m-%Y %H:%M")
    if limit is not None and len(text) > limit:
        row.problems.append(_problem(row.number, column, _("langer dan %(n)d tekens.", n=limit)))
        return None
    return text or None


@dataclass
class _RowReader:
    """One data row being read: its cells by our field, and the problems found, named by row and column."""

    sheet: Sheet
    mapping: ColumnMapping
    cells: list[Any]
    row: PreviewRow
    now: dt.datetime

    def cell(self, key: str) -> tuple[Any, str | None]:
        return _cell(self.sheet, self.cells, self.mapping, key)

    def column(self, key: str) -> str | None:
        return self.cell(key)[1]

    def problem(self, column: str | None, message: str) -> None:
        self.row.problems.append(_problem(self.row.number, column, message))

    def named(self, column: str | None) -> bool:
        """Whether a problem already names this cell."""
        return bool(column) and any(p.startswith(_problem(self.row.number, column, "")) for p in self.row.problems)

    def parse(self, key: str, parser: Callable[[Any], Any]) -> Any:
        value, column = self.cell(key)
        try:
            return parser(value)
        except CellProblem as problem:
            self.problem(column, str(problem))
            return None

    def text(self, key: str, *, limit: int | None = None) -> str | None:
        value, column = self.cell(key)
        return _text(self.row, column, value, limit=limit)

    def word(self, key: str, lookup: Callable[[str], Any], message: Callable[[str], str]) -> Any:
        """A cell that is one of a list of words: what ``lookup`` finds for it (a problem when
        nothing), or :data:`_EMPTY` for an empty cell."""
        value, column = self.cell(key)
        word = normalise(value)
        if not word:
            return _EMPTY
        found = lookup(word)
        if found is None:
            self.problem(column, message(spreadsheet.cell_text(value)[:40]))
        return found


#: what a conversion returns for a cell that gives the field no value (the field is left out)
_EMPTY: Any = object()


def _datetime(reader: _RowReader, key: str) -> Any:
    return reader.parse(key, parse_datetime)


def _datalek(reader: _RowReader, key: str) -> Any:
    is_datalek = reader.parse(key, parse_yes_no)
    column = reader.column(key)
    if is_datalek is None and column and not any(column in p for p in reader.row.problems):
        reader.problem(column, _("leeg; vul ja of nee in."))
    return bool(is_datalek)


def _free_text(reader: _RowReader, key: str) -> Any:
    return reader.text(key) if reader.column(key) else _EMPTY


def _category(reader: _RowReader, key: str) -> Any:
    def lookup(word: str) -> str | None:
        chosen = reader.mapping.categories.get(word)
        return chosen if chosen is not None else guess_category(word)

    chosen = reader.word(key, lookup, lambda text: _("onbekende categorie „%(text)s”; kies in de tabel "
                                                     "welke categorie dit is.", text=text))
    return chosen if chosen is _EMPTY else chosen or None


def _severity(reader: _RowReader, key: str) -> Any:
    severity = reader.word(key, SEVERITY_WORDS.get,
                           lambda text: _("„%(text)s”: kies laag, midden, hoog of kritiek.", text=text))
    return severity if severity is _EMPTY else severity.value if severity else None


#: our incident fields read from a row, in the order their problems are named: (field, conversion)
_CONVERSIONS: tuple[tuple[str, Callable[[_RowReader, str], Any]], ...] = (
    ("discovered_at", _datetime),
    ("occurred_at", _datetime),
    ("is_datalek", _datalek),
    ("reporter", _free_text),
    ("cause", _free_text),
    ("lessons_learned", _free_text),
    ("category", _category),
    ("severity", _severity),
)


def _preview_row(sheet: Sheet, mapping: ColumnMapping, number: int, cells: list[Any], now: dt.datetime) -> PreviewRow:
    reader = _RowReader(sheet, mapping, cells, PreviewRow(number), now)
    row = reader.row
    _read_reference(reader)
    data = _title_and_description(reader)
    for key, convert in _CONVERSIONS:
        value = convert(reader, key)
        if value is not _EMPTY:
            data[key] = value
    _read_status(reader)
    closed_at = _read_closed(reader, data.get("discovered_at"))
    _check_as_new_incident(reader, data)
    if closed_at and row.values.get("discovered_at") and closed_at < row.values["discovered_at"]:
        reader.problem(reader.column("closed_at"), _("ligt vóór het moment van ontdekken."))
    _preview_decision(reader)
    return row


def _read_reference(reader: _RowReader) -> None:
    column = reader.column("original_reference")
    reader.row.original_reference = reader.text("original_reference", limit=MAX_ORIGINAL_REFERENCE) or ""
    if not reader.row.original_reference and column:
        reader.problem(column, _("leeg; elk incident heeft een nummer nodig."))


def _title_and_description(reader: _RowReader) -> dict[str, Any]:
    """Either may stand in for the other: a title from the description's first line, or the
    title as the description."""
    title = reader.text("title")
    description = reader.text("description")
    if not title and description:
        first_line = " ".join(description.splitlines()[0].split())
        title = first_line if len(first_line) <= incidents.MAX_TITLE else first_line[:incidents.MAX_TITLE - 1] + "…"
    if not description and title:
        description = title
    return {"title": title, "description": description}


def _read_status(reader: _RowReader) -> None:
    status = reader.word("status", STATUS_WORDS.get, lambda text: _(
        "onbekende status „%(text)s”; gebruik nieuw, in behandeling, afgehandeld of ingetrokken.", text=text))
    if status is not _EMPTY:
        reader.row.status = status or Status.AFGEHANDELD


def _read_closed(reader: _RowReader, discovered_at: dt.datetime | None) -> dt.datetime | None:
    """When a closed incident was closed (else when it was discovered); none for an open one."""
    row = reader.row
    closed_at: dt.datetime | None = reader.parse("closed_at", parse_datetime)
    column = reader.column("closed_at")
    if row.status in CLOSED_STATUSES:
        row.closed_at = closed_at or discovered_at
        if closed_at and closed_at > reader.now + incidents.CLOCK_SKEW:
            reader.problem(column, _("deze datum ligt in de toekomst."))
    elif closed_at is not None:
        reader.problem(column, _("ingevuld, maar de status is %(status)s.", status=labels.STATUS[row.status]))
    return closed_at


def _check_as_new_incident(reader: _RowReader, data: dict[str, Any]) -> None:
    """The rules of a new incident, each problem named by its column (once per cell)."""
    row = reader.row
    try:
        row.values = incidents.check_new(data, now=reader.now)
    except ValidationFailed as error:
        for name, messages in error.errors.items():
            column = reader.column(name) if name in FIELD_BY_KEY else None
            if name in ("title", "description") and not column:
                column = reader.column("title") or reader.column("description")
            for message in messages:
                if not reader.named(column):
                    reader.problem(column, message)
        row.values = {k: v for k, v in data.items() if v is not None}


@dataclass
class _DecisionCells:
    """The historical decision on the AP-melding as the sheet gives it, and where."""

    notify: bool | None
    meldnummer: str | None
    submitted_at: dt.datetime | None
    motivation: str | None
    notify_column: str | None
    meld_column: str | None
    date_column: str | None


def _preview_decision(reader: _RowReader) -> None:
    """The historical decision on the AP-melding, when the sheet has one, as the row's ``decision``."""
    row = reader.row
    cells_read = _decision_cells(reader)
    if cells_read is None:
        return
    if not row.values.get("is_datalek"):
        for column, given in ((cells_read.notify_column, cells_read.notify is not None),
                              (cells_read.meld_column, cells_read.meldnummer),
                              (cells_read.date_column, cells_read.submitted_at)):
            if given:
                reader.problem(column, _("ingevuld, maar het is geen datalek."))
        return
    if cells_read.notify is None:
        if row.status == Status.AFGEHANDELD:
            reader.problem(cells_read.notify_column or str(FIELD_BY_KEY["ap_notify"].label), _(
                "een afgehandeld datalek heeft het besluit over de AP-melding nodig (ja of nee); "
                "vul het in, of importeer het datalek als in behandeling zodat de FG besluit."))
        return
    _check_decision(reader, cells_read)
    decided_at = cells_read.submitted_at or row.values.get("discovered_at") or reader.now
    text = _("Besluit genomen vóór BIO-register, overgenomen uit het oude register (%(file)s, rij %(row)d).",
             file=reader.sheet.filename, row=row.number)
    if cells_read.motivation:
        text += " " + _("Motivering in het register: %(text)s", text=cells_read.motivation)
    row.decision = (cells_read.notify, decided_at, text, cells_read.meldnummer, cells_read.submitted_at)


def _decision_cells(reader: _RowReader) -> _DecisionCells | None:
    """The decision's cells, read; None when the yes/no cell itself cannot be read (said as a problem)."""
    notify_value, notify_column = reader.cell("ap_notify")
    try:
        notify = parse_yes_no(notify_value)
    except CellProblem as problem:
        reader.problem(notify_column, str(problem))
        return None
    meldnummer = reader.text("ap_meldnummer", limit=50)
    submitted_at = reader.parse("ap_submitted_at", parse_datetime)
    motivation = reader.text("ap_motivation", limit=breaches.MAX_TEXT - 500)
    return _DecisionCells(notify, meldnummer, submitted_at, motivation, notify_column,
                          reader.column("ap_meldnummer"), reader.column("ap_submitted_at"))


def _check_decision(reader: _RowReader, decision: _DecisionCells) -> None:
    """A decision to notify needs the meldnummer and the date; one not to notify has neither."""
    notify, meldnummer, submitted_at = decision.notify, decision.meldnummer, decision.submitted_at
    if notify and not meldnummer:
        reader.problem(decision.meld_column or str(FIELD_BY_KEY["ap_meldnummer"].label),
                       _("gemeld bij de AP, maar het meldnummer ontbreekt."))
    if notify and submitted_at is None:
        reader.problem(decision.date_column or str(FIELD_BY_KEY["ap_submitted_at"].label),
                       _("gemeld bij de AP, maar de datum van de melding ontbreekt."))
    discovered = reader.row.values.get("discovered_at")
    if submitted_at is not None:
        if submitted_at > reader.now + incidents.CLOCK_SKEW:
            reader.problem(decision.date_column, _("deze datum ligt in de toekomst."))
        elif discovered is not None and submitted_at.date() < discovered.date():
            reader.problem(decision.date_column, _("de melding ligt vóór het ontdekken."))
    if not notify and (meldnummer or submitted_at):
        reader.problem(decision.meld_column if meldnummer else decision.date_column,
                       _("ingevuld, maar volgens het register is niet gemeld bij de AP."))


# --- the import ---------------------------------------------------------------------------------------------

@dataclass
class ImportResult:
    filename: str
    imported: list[Incident]
    decisions: int

    @property
    def count(self) -> int:
        return len(self.imported)

    @property
    def datalekken(self) -> int:
        return sum(1 for i in self.imported if i.is_datalek)

    def per_year(self) -> list[tuple[int, int, str, str]]:
        """(year, count, first reference, last reference) per year."""
        years: dict[int, list[Incident]] = {}
        for incident in self.imported:
            years.setdefault(incident.year, []).append(incident)
        out = []
        for year in sorted(years):
            items = sorted(years[year], key=lambda i: i.number)
            out.append((year, len(items), items[0].reference, items[-1].reference))
        return out


def run_import(actor: User | None, organisation: Organisation, sheet: Sheet, mapping: ColumnMapping, *,
               recorded_by: User | None = None, now: dt.datetime | None = None, actor_label: str | None = None,
               progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import every row or none: any problem raises :class:`ImportRefused` before anything is
    written, and a failure while writing leaves the caller's transaction to roll back.

    Rows get references in the order they were discovered, per year of discovery. ``recorded_by``
    is the user the historical AP decisions are recorded by (``actor`` when it is a user).
    """
    now = now or utcnow()
    result_preview = preview(organisation, sheet, mapping, now=now)
    if not result_preview.ok:
        raise ImportRefused(result_preview)
    recorded_by = recorded_by or actor
    if recorded_by is None and any(row.decision for row in result_preview.rows):
        raise ValidationFailed(_("Het bestand bevat besluiten over de AP-melding: geef aan door wie ze "
                                 "worden vastgelegd (--user)."), field="user")
    imported: list[Incident] = []
    decisions = 0
    ordered = sorted(result_preview.rows, key=lambda r: (r.values["discovered_at"], r.number))
    try:
        for row in ordered:
            source = _("%(file)s, rij %(row)d", file=sheet.filename, row=row.number)
            incident = incidents.import_incident(
                actor, organisation, row.values, original_reference=row.original_reference, status=row.status,
                closed_at=row.closed_at, source=source, now=now, actor_label=actor_label)
            if row.decision is not None:
                notify, decided_at, motivation, meldnummer, submitted_at = row.decision
                assert recorded_by is not None
                breaches.record_imported_decision(actor, incident, notify, decided_at, motivation, meldnummer,
                                                  submitted_at, recorded_by=recorded_by, source=source,
                                                  actor_label=actor_label)
                decisions += 1
            imported.append(incident)
            if progress is not None:
                progress(1)
    except IntegrityError:
        raise ValidationFailed(_("Niets geïmporteerd: tegelijk is een incident met een van deze nummers "
                                 "vastgelegd. Probeer het opnieuw om te zien welk."), field="file") from None
    result = ImportResult(sheet.filename, imported, decisions)
    audit.record(actor, "register_import", organisation.id, "import", audit.created({
        "file": sheet.filename, "rows": result.count, "datalekken": result.datalekken, "decisions": decisions,
        "references": [f"{first} … {last}" for _y, _n, first, last in result.per_year()],
        "mapping": mapping.columns,
    }), organisation_id=organisation.id, actor_label=actor_label)
    return result


# --- files between the steps ------------------------------------------------------------------------------

def store_upload(actor: User, organisation: Organisation, filename: str, content: bytes, *,
                 max_bytes: int = DEFAULT_MAX_MB * MIB, now: dt.datetime | None = None) -> PendingImport:
    """Keep an uploaded file for the next steps (after checking it can be read at all)."""
    now = now or utcnow()
    if not has_permission(actor, Permission.INCIDENT_WRITE, organisation.id):
        raise ValidationFailed(_("U kunt voor deze organisatie geen incidenten vastleggen."), field="organisation")
    filename = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255] or "bestand"
    Sheet.read(content, filename, max_bytes=max_bytes)  # refuses what is too large or unreadable, before it is stored
    discard_expired(now)
    pending = PendingImport(organisation_id=organisation.id, user_id=actor.id, filename=filename,
                            content=content, size=len(content), created_at=now, expires_at=now + PENDING_TTL)
    db.session.add(pending)
    db.session.flush()
    audit.record(actor, "pending_import", pending.id, "upload",
                 audit.created({"file": filename, "size": len(content)}), organisation_id=organisation.id)
    return pending


def discard_expired(now: dt.datetime | None = None) -> None:
    db.session.execute(delete(PendingImport).where(PendingImport.expires_at < (now or utcnow())))


def find_pending(user_id: int | None, pending_id: int, *, now: dt.datetime | None = None) -> PendingImport | None:
    """The user's own pending upload while it lasts; None for anyone else's, or an expired one.
    (Whether they may still write incidents in its organisation is the route's check.)"""
    pending = db.session.get(PendingImport, pending_id)
    if pending is None or user_id is None or pending.user_id != user_id or pending.expires_at < (now or utcnow()):
        return None
    return pending


def finish(pending: PendingImport) -> None:
    db.session.delete(pending)
    db.session.flush()


def mapping_of(pending: PendingImport, sheet: Sheet) -> ColumnMapping:
    if pending.columns is not None:
        return ColumnMapping(dict(pending.columns), dict(pending.categories or {}))
    return guess_mapping(sheet, saved_mapping(pending.organisation))


def choose_mapping(actor: User, pending: PendingImport, mapping: ColumnMapping) -> None:
    """The user's choice in step 2: kept on the upload and saved for the organisation."""
    pending.columns, pending.categories = dict(mapping.columns), dict(mapping.categories)
    db.session.flush()
    save_mapping(actor, pending.organisation, mapping)


def category_rows(sheet: Sheet, mapping: ColumnMapping) -> Iterable[tuple[str, str]]:
    """(sheet text, chosen category or "") for the category table."""
    for value in sheet.distinct_values(mapping.columns.get("category")):
        yield value, mapping.categories.get(normalise(value), guess_category(value) or "")
