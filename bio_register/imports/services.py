"""Import of an organisation's existing register (XLSX or CSV) as incidents. Never commits.

The steps: read the file, map its columns to our fields (:class:`ColumnMapping`, saved per
organisation), build a :func:`preview` that names every problem by row and column, and
:func:`run_import` all rows or none. What every register import does alike (reading, guessing the
mapping, naming problems, all or nothing, the upload kept between the steps) is the shared engine,
:mod:`bio_register.imports.engine`; this module says what an incident register's rows mean.

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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bio_register.accounts.models import User
from bio_register.audit import services as audit
from bio_register.breaches import services as breaches
from bio_register.database import utcnow
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.i18n import lazy_gettext as _l
from bio_register.imports import engine
from bio_register.imports.engine import (
    DEFAULT_MAX_MB,
    EMPTY,
    MAX_CATEGORY_VALUES,
    MAX_ROWS,
    MIB,
    PENDING_TTL,
    CellProblem,
    ImportField,
    ImportRefused,
    Sheet,
    discard_expired,
    finish,
    normalise,
    parse_datetime,
    parse_yes_no,
)
from bio_register.imports.engine import RowReader as _Reader
from bio_register.imports.models import ImportMapping, PendingImport
from bio_register.incidents import labels
from bio_register.incidents import services as incidents
from bio_register.incidents.models import CLOSED_STATUSES, Category, Incident, Severity, Status
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission, has_permission

max_bytes = engine.max_bytes

#: the engine's names this module has always offered (the views, the CLI and the tests use them from here)
__all__ = ["DEFAULT_MAX_MB", "MAX_CATEGORY_VALUES", "MAX_ROWS", "MIB", "PENDING_TTL", "CellProblem", "ColumnMapping",
           "ImportField", "ImportRefused", "Preview", "PreviewRow", "Sheet", "discard_expired", "finish",
           "max_bytes", "normalise", "parse_datetime", "parse_yes_no", "preview", "run_import", "store_upload"]

#: the kind of a pending upload of this import (the verwerkingen import has its own)
KIND = "incidents"
MAX_ORIGINAL_REFERENCE = 60

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

# --- the mapping ---------------------------------------------------------------------------------------

class ColumnMapping(engine.ColumnMapping):
    """Our field → the sheet's header; the sheet's category text (normalised) → a category or ""."""

    @classmethod
    def from_json(cls, data: Any) -> ColumnMapping:
        """From a JSON object ``{"columns": {field: header}, "categories": {text: category}}``."""
        mapping = engine.mapping_from_json(data, FIELDS, (c.value for c in Category))
        return cls(mapping.columns, mapping.categories)


def saved_mapping(organisation: Organisation) -> ColumnMapping | None:
    row = db.session.get(ImportMapping, organisation.id)
    if row is None:
        return None
    return ColumnMapping(dict(row.columns or {}), dict(row.categories or {}))


def guess_mapping(sheet: Sheet, saved: ColumnMapping | None = None) -> ColumnMapping:
    """Columns from the saved mapping where this file has that header, else from the header names;
    categories from the saved table, else from our names and common words."""
    columns = engine.guess_columns(sheet, FIELDS, saved.columns if saved is not None else None)
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


# --- the preview ---------------------------------------------------------------------------------------

@dataclass
class PreviewRow(engine.Row):
    #: the historical AP decision, when the sheet has one: (notify, decided_at, motivation, meldnummer, submitted_at)
    decision: tuple[bool, dt.datetime, str, str | None, dt.datetime | None] | None = None
    status: Status = Status.AFGEHANDELD
    closed_at: dt.datetime | None = None
    original_reference: str = ""


Preview = engine.Preview[PreviewRow]
_RowReader = _Reader[PreviewRow]
_EMPTY = EMPTY


def preview(organisation: Organisation, sheet: Sheet, mapping: ColumnMapping, *,
            now: dt.datetime | None = None) -> Preview:
    """Every row as it would be imported, with each problem named by row and column."""
    now = now or utcnow()
    existing: dict[str | None, str] = {}
    seen: dict[str, int] = {}

    def load_existing() -> None:
        existing.update(db.session.execute(
            select(Incident.original_reference, Incident.reference)
            .where(Incident.organisation_id == organisation.id, Incident.original_reference.is_not(None))).all())

    def title_problems() -> list[str]:
        if not mapping.columns.get("title") and not mapping.columns.get("description"):
            return [_("Kies een kolom voor de titel of de omschrijving.")]
        return []

    def read_row(number: int, cells: list[Any]) -> PreviewRow:
        row = _preview_row(sheet, mapping, number, cells, now)
        _check_reference_unique(row, engine.cell_of(sheet, cells, mapping, "original_reference")[1], existing, seen)
        return row

    return engine.build_preview(sheet, mapping, FIELDS, read_row, extra_problems=title_problems,
                                before_rows=load_existing)


def _check_reference_unique(row: PreviewRow, column: str | None, existing: Mapping[str | None, str],
                            seen: dict[str, int]) -> None:
    """The old register's number is imported once: not again, and not twice in one file."""
    ref = row.original_reference
    if not ref:
        return
    if ref in existing:
        row.problems.append(engine.problem_text(row.number, column, _("„%(ref)s” is al geïmporteerd als %(ours)s.",
                                                                      ref=ref, ours=existing[ref])))
    elif ref in seen:
        row.problems.append(engine.problem_text(row.number, column, _("„%(ref)s” staat ook al in rij %(other)d.",
                                                                      ref=ref, other=seen[ref])))
    else:
        seen[ref] = row.number


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
    decisions = 0

    def write(row: PreviewRow) -> Incident:
        nonlocal decisions
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
        return incident

    try:
        imported: list[Incident] = engine.apply_rows(
            result_preview, write, order=lambda r: (r.values["discovered_at"], r.number), progress=progress)
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
    if not has_permission(actor, Permission.INCIDENT_WRITE, organisation.id):
        raise ValidationFailed(_("U kunt voor deze organisatie geen incidenten vastleggen."), field="organisation")
    return engine.store_pending(actor, organisation, filename, content, kind=KIND, max_bytes=max_bytes, now=now)


def find_pending(user_id: int | None, pending_id: int, *, now: dt.datetime | None = None) -> PendingImport | None:
    """The user's own pending upload of an incident import while it lasts; None for anyone else's,
    or an expired one. (Whether they may still write incidents in its organisation is the route's check.)"""
    return engine.find_pending(user_id, pending_id, kind=KIND, now=now)


def mapping_of(pending: PendingImport, sheet: Sheet) -> ColumnMapping:
    if pending.columns is not None:
        return ColumnMapping(dict(pending.columns), dict(pending.categories or {}))
    return guess_mapping(sheet, saved_mapping(pending.organisation))


def choose_mapping(actor: User, pending: PendingImport, mapping: ColumnMapping) -> None:
    """The user's choice in step 2: kept on the upload and saved for the organisation."""
    engine.choose_on_pending(pending, mapping)
    save_mapping(actor, pending.organisation, mapping)


def category_rows(sheet: Sheet, mapping: ColumnMapping) -> Iterable[tuple[str, str]]:
    """(sheet text, chosen category or "") for the category table."""
    for value in sheet.distinct_values(mapping.columns.get("category")):
        yield value, mapping.categories.get(normalise(value), guess_category(value) or "")
