"""The ENSIA werkbestand: per organisation and year, every BIO measure with the answer an ENSIA
coordinator transfers into the ENSIA self-evaluation, and what supports it (opzet, bestaan, werking,
the explanation, the evidence, open findings and the improvement maatregelen).

This is a working file in BIO-register's own layout, not an import format of ENSIA: the columns and
their meaning are documented in the README ("ENSIA-werkbestand") and on the file's second sheet.

The answer is derived from the assessment in force, never stored separately (:func:`answer`):

========================================  ============================
assessment                                answer
========================================  ============================
none yet                                  nog niet beoordeeld
not applicable                            niet van toepassing (+ reden)
applicable, implementation "volledig"     geïmplementeerd
applicable, implementation "gedeeltelijk" gedeeltelijk
applicable, implementation "niet"         niet
========================================  ============================

The year: the state at the end of the year (31 December, Amsterdam time) — or now, for the year
still running. Assessments and evidence as they stood then (append-only history); the findings open
then; the maatregelen that were open at some time in the year (not the ones that lapsed). A fixed
number of queries, whatever the size of the catalog. Never commits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import load_only

from bio_register import spreadsheet
from bio_register.attachments import evidence as evidence_life
from bio_register.attachments.models import Attachment, EvidenceItem
from bio_register.compliance import services as compliance
from bio_register.compliance.models import (
    ASPECTS,
    Aspect,
    AspectStatus,
    Control,
    ControlAssessment,
    ControlCatalog,
    ControlKind,
)
from bio_register.compliance.models import ImplementationStatus as Level
from bio_register.database import utcnow
from bio_register.errors import NotFound, ValidationFailed
from bio_register.extensions import db
from bio_register.findings.models import Finding, FindingSource, FindingStatus, finding_controls
from bio_register.i18n import gettext as _
from bio_register.measures.models import Measure, MeasureStatus, measure_controls
from bio_register.organisations.models import Organisation
from bio_register.timeutil import DEFAULT_TZ, to_local, to_utc

FIRST_YEAR = 2000
LAST_YEAR = 2100

#: the answer per implementation level of an applicable measure (see the module's table)
ANSWER = {Level.VOLLEDIG: "geïmplementeerd", Level.GEDEELTELIJK: "gedeeltelijk", Level.NIET: "niet"}
NOT_APPLICABLE = "niet van toepassing"
NOT_ASSESSED = "nog niet beoordeeld"
ASPECT_TEXT = {"voldoet": "voldoet", "voldoet_gedeeltelijk": "voldoet gedeeltelijk", "voldoet_niet": "voldoet niet",
               "niet_beoordeeld": "niet beoordeeld"}
#: the workbook is Dutch whatever the reader's language (it feeds the Dutch ENSIA questionnaire)
FINDING_SOURCE_TEXT = {FindingSource.ENSIA_DIGID: "ENSIA-assessment DigiD", FindingSource.ENSIA_SUWINET:
                       "ENSIA-assessment Suwinet", FindingSource.IT_AUDIT: "IT-audit",
                       FindingSource.INTERNE_AUDIT: "interne audit", FindingSource.PENTEST: "penetratietest",
                       FindingSource.INCIDENTEVALUATIE: "evaluatie van een incident"}
FINDING_STATUS_TEXT = {FindingStatus.OPEN: "open", FindingStatus.IN_BEHANDELING: "in behandeling",
                       FindingStatus.OPGELOST: "opgelost", FindingStatus.GEACCEPTEERD: "geaccepteerd"}
MEASURE_STATUS_TEXT = {MeasureStatus.GEPLAND: "gepland", MeasureStatus.IN_UITVOERING: "in uitvoering",
                       MeasureStatus.GEREED: "gereed", MeasureStatus.VERVALLEN: "vervallen"}


# --- the year ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Year:
    """A calendar year in Amsterdam time, and the moment its state is read: its end, or now while it runs."""

    year: int
    start: dt.datetime
    end: dt.datetime
    as_of: dt.datetime

    @property
    def running(self) -> bool:
        return self.as_of < self.end


def year_of(year: Any, *, now: dt.datetime | None = None, tz: str = DEFAULT_TZ) -> Year:
    """The year asked for: a whole number from 2000 up to the current year (a year that has not begun
    has no state yet). Anything else: :class:`ValidationFailed` on the field ``year``."""
    now = now or utcnow()
    if isinstance(year, bool) or not isinstance(year, int):
        raise ValidationFailed(_("Geef een jaar als getal, bijvoorbeeld %(y)d.", y=to_local(now, tz).year),
                               field="year")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(_("Kies een jaar tussen %(a)d en %(b)d.", a=FIRST_YEAR, b=LAST_YEAR), field="year")
    current = to_local(now, tz).year
    if year > current:
        raise ValidationFailed(_("Het jaar %(y)d is nog niet begonnen; kies %(c)d of eerder.", y=year, c=current),
                               field="year")
    start, end = to_utc(dt.datetime(year, 1, 1), tz), to_utc(dt.datetime(year + 1, 1, 1), tz)
    return Year(year, start, end, min(end, now))


def default_catalog() -> ControlCatalog:
    """The newest BIO2 catalog (what ENSIA asks about), else the newest catalog there is."""
    catalogs = compliance.catalogs()
    bio2 = [c for c in catalogs if c.key.startswith("BIO2")]
    if not (bio2 or catalogs):
        raise NotFound(_("Er is nog geen BIO-catalogus ingelezen."))
    return (bio2 or catalogs)[-1]


def catalog_named(key: str | None) -> ControlCatalog:
    if not key:
        return default_catalog()
    catalog = compliance.get_catalog(key)
    if catalog is None:
        raise ValidationFailed(_("Onbekende catalogus: %(c)s.", c=key[:40]), field="catalog")
    return catalog


# --- the rows ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """One piece of evidence: a file, a link, or the assessment's text. Files and links have a life
    (issue 21.2: owner, date, review date); ``valid``: not past its review date on the year's day."""

    kind: str                     # "bestand", "link" or "tekst"
    text: str
    date: dt.date | None = None
    attachment_id: int | None = None
    owner: str | None = None
    review_date: dt.date | None = None
    valid: bool | None = None     # None: no life recorded (the assessment's text)


@dataclass
class EnsiaRow:
    control: Control
    assessment: ControlAssessment | None
    evidence: list[Evidence] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)

    @property
    def answer(self) -> str:
        return answer(self.assessment)

    @property
    def not_applicable_reason(self) -> str:
        a = self.assessment
        return (a.justification or "") if a is not None and not a.applicable else ""

    @property
    def explanation(self) -> str:
        a = self.assessment
        return (a.justification or "") if a is not None and a.applicable else ""

    def aspect(self, name: str) -> Aspect | None:
        """Opzet, bestaan or werking of an applicable measure (None otherwise)."""
        a = self.assessment
        return a.aspect(name) if a is not None and a.applicable else None

    @property
    def expired(self) -> list[Evidence]:
        return [e for e in self.evidence if e.valid is False]

    @property
    def werking_without_valid_evidence(self) -> bool:
        """Werking "voldoet" (or partly) resting only on evidence files that are expired or gone
        (:func:`bio_register.attachments.evidence.werking_shown`)."""
        werking = self.aspect("werking")
        if werking is None or werking.status not in (AspectStatus.VOLDOET, AspectStatus.VOLDOET_GEDEELTELIJK):
            return False
        valid = {e.attachment_id for e in self.evidence if e.attachment_id is not None and e.valid is not False}
        invalid = set(werking.attachment_ids) - valid
        return not evidence_life.werking_shown(werking.attachment_ids, invalid)

    @property
    def warnings(self) -> list[str]:
        out = []
        if self.assessment is not None and self.assessment.proposed:
            out.append("Voorstel uit de overgang naar BIO2, nog niet bevestigd.")
        out += [str(text) for text in compliance.contradictions(self.assessment)]
        if self.werking_without_valid_evidence:
            out.append("De werking rust op bewijs dat verlopen of verwijderd is.")
        return out


def answer(assessment: ControlAssessment | None) -> str:
    """The ENSIA answer derived from the assessment (the module's table)."""
    if assessment is None:
        return NOT_ASSESSED
    if not assessment.applicable:
        return NOT_APPLICABLE
    return ANSWER[assessment.status] if assessment.status is not None else NOT_ASSESSED


@dataclass
class Werkbestand:
    organisation: Organisation
    catalog: ControlCatalog
    year: Year
    rows: list[EnsiaRow]

    def counts(self) -> dict[str, int]:
        """How many measures have each answer, in the order of :data:`ANSWERS`."""
        counted = dict.fromkeys(ANSWERS, 0)
        for row in self.rows:
            counted[row.answer] += 1
        return counted


ANSWERS = (*ANSWER.values(), NOT_APPLICABLE, NOT_ASSESSED)


def werkbestand(organisation: Organisation, catalog: ControlCatalog, year: Year) -> Werkbestand:
    """Every active row of the catalog's statement of applicability — its controls and the
    overheidsmaatregelen under them, in catalog order — with what the ENSIA coordinator needs.
    Moved and withdrawn numbers are left out (no answer is asked for them)."""
    controls = [c for c in compliance.controls_of(catalog) if c.status == "active"]
    as_of = None if year.running else year.as_of
    current = compliance.current_assessments(organisation, catalog, as_of=as_of)
    ids = [c.id for c in controls]
    rows = {c.id: EnsiaRow(c, current.get(c.id)) for c in controls}
    if ids:
        _add_evidence(organisation, rows, year)
        _add_findings(organisation, rows, year)
        _add_measures(organisation, rows, year)
    return Werkbestand(organisation, catalog, year, [rows[i] for i in ids])


def _day_of(year: Year) -> dt.date:
    """The calendar day of the year's state: 31 December, or today while the year runs."""
    return to_local(year.as_of).date() if year.running else dt.date(year.year, 12, 31)


def _add_evidence(organisation: Organisation, rows: Mapping[int, EnsiaRow], year: Year) -> None:
    """The assessment's evidence text and links, and the files present at the year's moment, each
    file and link with its life (owner, date, review date) and its validity on the year's day
    (two queries)."""
    today = _day_of(year)
    lives = [item for item in db.session.scalars(
        select(EvidenceItem).where(EvidenceItem.organisation_id == organisation.id,
                                   EvidenceItem.control_id.in_(list(rows)),
                                   or_(EvidenceItem.retired_at.is_(None), EvidenceItem.retired_at >= year.as_of))
        .order_by(EvidenceItem.id))]
    by_file = {item.attachment_id: item for item in lives if item.attachment_id is not None}
    by_link = {(item.control_id, item.link): item for item in lives if item.link is not None}

    def dated(kind: str, text: str, day: dt.date | None, item: EvidenceItem | None,
              attachment_id: int | None = None) -> Evidence:
        if item is None:
            return Evidence(kind, text, day, attachment_id)
        return Evidence(kind, text, item.evidence_date, attachment_id, item.owner_label, item.review_date,
                        not item.expired_on(today))

    files: dict[int, list[Attachment]] = defaultdict(list)
    for attachment in db.session.scalars(
            select(Attachment).where(Attachment.organisation_id == organisation.id,
                                     Attachment.control_id.in_(list(rows)), Attachment.uploaded_at < year.as_of,
                                     or_(Attachment.removed_at.is_(None), Attachment.removed_at >= year.as_of))
            .order_by(Attachment.uploaded_at, Attachment.id)):
        if attachment.control_id is not None:
            files[attachment.control_id].append(attachment)
    for control_id, row in rows.items():
        a = row.assessment
        if a is not None and a.evidence:
            row.evidence.append(Evidence("tekst", a.evidence, to_local(a.assessed_at).date()))
        if a is not None:
            row.evidence += [dated("link", link, to_local(a.assessed_at).date(), by_link.get((control_id, link)))
                             for link in a.evidence_links or []]
        row.evidence += [dated("bestand", f.filename, to_local(f.uploaded_at).date(), by_file.get(f.id), f.id)
                         for f in files.get(control_id, [])]


def _add_findings(organisation: Organisation, rows: Mapping[int, EnsiaRow], year: Year) -> None:
    """The findings concerning each measure that were open at the year's moment (one query)."""
    found = db.session.execute(
        select(finding_controls.c.control_id, Finding)
        .join(Finding, Finding.id == finding_controls.c.finding_id)
        .where(Finding.organisation_id == organisation.id, finding_controls.c.control_id.in_(list(rows)),
               Finding.created_at < year.as_of, or_(Finding.closed_at.is_(None), Finding.closed_at >= year.as_of))
        .order_by(Finding.found_on, Finding.id))
    for control_id, finding in found:
        rows[control_id].findings.append(finding)


def _add_measures(organisation: Organisation, rows: Mapping[int, EnsiaRow], year: Year) -> None:
    """The maatregelen linked to each measure that were open at some time in the year: made before
    its moment and not finished before it began; lapsed ones (vervallen) left out (one query)."""
    found = db.session.execute(
        select(measure_controls.c.control_id, Measure)
        .join(Measure, Measure.id == measure_controls.c.measure_id)
        .where(Measure.organisation_id == organisation.id, measure_controls.c.control_id.in_(list(rows)),
               Measure.status != MeasureStatus.VERVALLEN, Measure.created_at < year.as_of,
               or_(Measure.completed_at.is_(None), Measure.completed_at >= year.start))
        .order_by(Measure.due_date.is_(None), Measure.due_date, Measure.id)
        # the columns the workbook and the API show (a large municipality links thousands)
        .options(load_only(Measure.id, Measure.title, Measure.owner, Measure.due_date, Measure.status)))
    for control_id, measure in found:
        rows[control_id].measures.append(measure)


# --- as text: the workbook's cells ---------------------------------------------------------------------------

def day(value: dt.date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


def aspect_text(aspect: Aspect | None) -> str:
    """"voldoet (12-11-2026, J. Jansen)"; empty for a measure that is not applicable or not assessed."""
    if aspect is None:
        return ""
    details = ", ".join(filter(None, [day(aspect.assessed_on), aspect.assessed_by or ""]))
    text = ASPECT_TEXT[aspect.status.value]
    return f"{text} ({details})" if details else text


def evidence_text(item: Evidence) -> str:
    """"bestand: beleid.pdf (12-11-2026; eigenaar C. Smit; herzien uiterlijk 12-11-2027)",
    "link: https://… (12-11-2026)", "tekst: … (12-11-2026)"."""
    details = [day(item.date)] if item.date else []
    if item.owner:
        details.append(f"eigenaar {item.owner}")
    if item.review_date:
        details.append(f"herzien uiterlijk {day(item.review_date)}")
    return f"{item.kind}: {item.text}" + (f" ({'; '.join(details)})" if details else "")


def validity_text(row: EnsiaRow, on: dt.date) -> str:
    """"alle 2 stukken geldig op 31-12-2025", "verlopen op 31-12-2025: beleid.pdf"; empty without
    evidence that has a review date."""
    dated = [e for e in row.evidence if e.valid is not None]
    if not dated:
        return ""
    if not row.expired:
        return f"{'het stuk is' if len(dated) == 1 else f'alle {len(dated)} stukken zijn'} geldig op {day(on)}"
    return f"verlopen op {day(on)}: " + ", ".join(e.text for e in row.expired)


def finding_text(finding: Finding) -> str:
    """"Geen MFA op beheeraccounts (IT-audit, 01-10-2026, ernst hoog, open; hertest 01-02-2027)"."""
    parts = [FINDING_SOURCE_TEXT[finding.source], day(finding.found_on), f"ernst {finding.severity.value}",
             FINDING_STATUS_TEXT[finding.status]]
    retest = f"; hertest {day(finding.retest_on)}" if finding.retest_on else ""
    return f"{finding.title} ({', '.join(parts)}{retest})"


def measure_text(measure: Measure) -> str:
    """"MFA invoeren (eigenaar: Teamleider ICT; uiterlijk 31-03-2027; in uitvoering)"."""
    parts = [f"eigenaar: {measure.owner or 'niet vastgelegd'}",
             f"uiterlijk {day(measure.due_date)}" if measure.due_date else "geen uiterste datum",
             MEASURE_STATUS_TEXT[measure.status]]
    return f"{measure.title} ({'; '.join(parts)})"


#: (key, header, meaning): the workbook's columns; the meaning is on the second sheet and in the README
COLUMNS: list[tuple[str, str, str]] = [
    ("code", "Nummer", "Het nummer van de beheersmaatregel of overheidsmaatregel in de BIO-catalogus."),
    ("kind", "Soort", "Beheersmaatregel (ISO/IEC 27002) of overheidsmaatregel (BIO), zoals in de Verklaring van "
     "Toepasselijkheid."),
    ("theme", "Thema / hoofdstuk", "Het thema of hoofdstuk van de BIO waar de beheersmaatregel of "
     "overheidsmaatregel onder valt."),
    ("title", "Titel", "De titel van de beheersmaatregel of overheidsmaatregel (nooit de normtekst)."),
    ("answer", "Antwoord", "Afgeleid uit de beoordeling: geïmplementeerd (implementatie volledig), gedeeltelijk, "
     "niet, niet van toepassing, of nog niet beoordeeld."),
    ("reason", "Reden niet van toepassing", "De motivering, alleen bij „niet van toepassing”."),
    ("opzet", "Opzet", "Voldoet, voldoet gedeeltelijk, voldoet niet of niet beoordeeld, met datum en beoordelaar."),
    ("bestaan", "Bestaan", "Idem voor het bestaan."),
    ("werking", "Werking", "Idem voor de werking."),
    ("explanation", "Toelichting", "De toelichting bij een toepasselijke beheersmaatregel of overheidsmaatregel."),
    ("owner", "Eigenaar", "De eigenaar van de beheersmaatregel of overheidsmaatregel in de beoordeling."),
    ("evidence", "Bewijs", "Per regel: bestand, link of tekst, met de datum van het bewijs, de eigenaar en de "
     "datum waarop het herzien moet zijn (bij een tekst: de datum van de beoordeling)."),
    ("validity", "Geldigheid bewijs", "Of de bestanden en links op 31 december (of vandaag, in het lopende jaar) nog "
     "geldig waren: na de herzieningsdatum is bewijs verlopen."),
    ("findings", "Open bevindingen", "Bevindingen over deze beheersmaatregel of overheidsmaatregel die aan het "
     "eind van het jaar (of nu) open "
     "waren: bron, datum, ernst, status en hertestdatum."),
    ("measures", "Verbetermaatregelen", "Maatregelen (acties na een incident of bevinding) gekoppeld aan deze "
     "beheersmaatregel of overheidsmaatregel die in het jaar liepen: eigenaar, "
     "uiterste datum en status."),
    ("assessed_at", "Beoordeeld op", "Wanneer de beoordeling is vastgelegd (Nederlandse tijd)."),
    ("warnings", "Aandachtspunten", "Een voorstel dat nog bevestigd moet worden, een tegenspraak tussen "
     "implementatie en opzet, bestaan en werking, of werking die op verlopen bewijs rust."),
]
WIDTHS = {"code": 10, "kind": 18, "theme": 28, "title": 50, "answer": 20, "reason": 40, "opzet": 26, "bestaan": 26,
          "werking": 26, "explanation": 50, "owner": 20, "evidence": 50, "validity": 30, "findings": 50, "measures": 50,
          "assessed_at": 17, "warnings": 40}


def cells(row: EnsiaRow, on: dt.date) -> dict[str, str]:
    """One row of the workbook as text, by column key (``on``: the day of the year's state)."""
    control, a = row.control, row.assessment
    return {
        "code": control.code,
        "kind": "overheidsmaatregel" if control.kind == ControlKind.MEASURE else "beheersmaatregel",
        "theme": f"{control.group_code} {control.group_title_nl}",
        "title": control.title_nl,
        "answer": row.answer,
        "reason": row.not_applicable_reason,
        **{name: aspect_text(row.aspect(name)) for name in ASPECTS},
        "explanation": row.explanation,
        "owner": (a.owner or "") if a is not None else "",
        "evidence": "\n".join(evidence_text(item) for item in row.evidence),
        "validity": validity_text(row, on),
        "findings": "\n".join(finding_text(f) for f in row.findings),
        "measures": "\n".join(measure_text(m) for m in row.measures),
        "assessed_at": f"{to_local(a.assessed_at):%d-%m-%Y %H:%M}" if a is not None else "",
        "warnings": "\n".join(row.warnings),
    }


def notes(book: Werkbestand) -> list[tuple[str, str]]:
    """The second sheet: what the file is (and is not), and the meaning of every column."""
    moment = (f"de stand van nu ({to_local(book.year.as_of):%d-%m-%Y %H:%M}); het jaar loopt nog"
              if book.year.running else f"de stand op 31-12-{book.year.year} om middernacht")
    return [
        ("Organisatie", book.organisation.name),
        ("Jaar", str(book.year.year)),
        ("Catalogus", book.catalog.name),
        ("Stand", moment),
        ("Let op", "Een werkbestand uit het BIO-register om de ENSIA-zelfevaluatie in te vullen; geen officieel "
                   "importformaat van ENSIA."),
        *[(header, meaning) for _key, header, meaning in COLUMNS],
    ]


def xlsx(book: Werkbestand) -> bytes:
    columns = [(key, header) for key, header, _meaning in COLUMNS]
    on = _day_of(book.year)
    rows = ([texts[key] for key, _header in columns] for texts in (cells(row, on) for row in book.rows))  # once each
    return spreadsheet.to_xlsx(f"ENSIA {book.year.year}", columns, rows, widths=WIDTHS, wrap=True,
                               notes=notes(book))


def file_name(book: Werkbestand) -> str:
    return f"ensia-werkbestand-{book.organisation.code}-{book.year.year}.xlsx"


# --- as data: the API -------------------------------------------------------------------------------------------

def as_data(book: Werkbestand) -> dict[str, Any]:
    """The same rows for the API (English field names, Dutch values as in the workbook)."""
    return {
        "organisation": book.organisation.code,
        "year": book.year.year,
        "catalog": book.catalog.key,
        "as_of": book.year.as_of,
        "complete_year": not book.year.running,
        "counts": book.counts(),
        "rows": [_row_data(row) for row in book.rows],
    }


def _aspect_data(aspect: Aspect | None) -> dict[str, Any] | None:
    if aspect is None:
        return None
    return {"status": aspect.status.value, "assessed_on": aspect.assessed_on, "assessed_by": aspect.assessed_by}


def _row_data(row: EnsiaRow) -> dict[str, Any]:
    a = row.assessment
    return {
        "control": row.control.code,
        "kind": row.control.kind.value,
        "theme": row.control.group_code,
        "title": row.control.title_nl,
        "answer": row.answer,
        "not_applicable_reason": row.not_applicable_reason or None,
        **{name: _aspect_data(row.aspect(name)) for name in ASPECTS},
        "explanation": row.explanation or None,
        "owner": a.owner if a is not None else None,
        "evidence": [{"kind": e.kind, "text": e.text, "date": e.date, "attachment_id": e.attachment_id,
                      "owner": e.owner, "review_date": e.review_date, "valid": e.valid} for e in row.evidence],
        "open_findings": [{"id": f.id, "title": f.title, "source": f.source.value, "found_on": f.found_on,
                           "severity": f.severity.value, "status": f.status.value, "retest_on": f.retest_on}
                          for f in row.findings],
        "measures": [{"id": m.id, "title": m.title, "owner": m.owner, "due_date": m.due_date,
                      "status": m.status.value} for m in row.measures],
        "assessed_at": a.assessed_at if a is not None else None,
        "proposed": bool(a.proposed) if a is not None else False,
        "warnings": row.warnings,
    }


__all__ = ["ANSWER", "ANSWERS", "COLUMNS", "EnsiaRow", "Evidence", "Werkbestand", "Year", "answer", "as_data",
           "catalog_named", "cells", "default_catalog", "file_name", "werkbestand", "xlsx", "year_of"]
