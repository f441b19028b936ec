"""The datalekkenregister (AVG art. 33 lid 5): every datalek, notified or not, as CSV, XLSX or PDF.

Art. 33(5) asks the controller to document every personal-data breach: the facts, the effects
and the remedial action, and for a decision not to notify the AP its reasoning. A row here holds
that, together with the FG's assessment, the decision in force (and the ones it superseded), the
AP meldnummer(s) and whether the first notification was on time, and the art. 34 decision on
informing the data subjects.

No request globals: the caller passes the incidents (non-datalekken are left out) and gets bytes
back. :func:`register_rows` loads the breach records in a fixed number of queries, whatever the
number of incidents. Spreadsheet cells go through
:func:`bio_register.spreadsheet.neutralise`, so no value is ever run as a formula; PDF text
is XML-escaped, so user text is shown literally.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, TypeVar

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from bio_register import spreadsheet
from bio_register.accounts.models import User
from bio_register.breaches import catalog
from bio_register.breaches.catalog import GROUND_LABELS, KIND_LABELS
from bio_register.breaches.models import (
    ApDecision,
    ApNotification,
    BreachAssessment,
    BreachTemplate,
    DataSubjectDecision,
    NotificationKind,
)
from bio_register.breaches.services import ap_deadline, awareness
from bio_register.extensions import db
from bio_register.i18n import format_hours
from bio_register.i18n import lazy_gettext as _l
from bio_register.incidents import labels
from bio_register.incidents.models import Incident
from bio_register.timeutil import DEFAULT_TZ, hours_between, to_local
from reports.pdf import TwoPassCanvas, fit, markup, split

TITLE = "Datalekkenregister (art. 33 lid 5 AVG)"
SHEET_TITLE = "Datalekkenregister"
DATETIME_FORMAT = "%d-%m-%Y %H:%M"
#: ids per ``IN (…)``: below SQLite's oldest parameter limit (999); a register rarely holds more
BATCH = 900

T = TypeVar("T")

@dataclass(frozen=True)
class RegisterRow:
    """One datalek as the register shows it: every value already a (Dutch) display string."""

    reference: str
    organisation: str
    title: str
    status: str
    category: str
    from_template: str
    description: str
    discovered_at: str
    aware_at: str
    ap_deadline: str
    data_categories: str
    special_categories: str
    bsn: str
    criminal_data: str
    subject_categories: str
    subjects_count: str
    records_count: str
    nature: str
    unintelligible: str
    processor: str
    cross_border: str
    ongoing: str
    likely_consequences: str
    measures_taken: str
    cause: str
    lessons_learned: str
    enisa_score: str
    enisa_band: str
    decision: str
    motivation: str
    decided_by: str
    decided_at: str
    earlier_decisions: str
    meldnummers: str
    notified_at: str
    on_time: str
    subjects_informed: str
    subjects_ground: str
    subjects_explanation: str
    subjects_informed_at: str
    subjects_channel: str
    #: for the summary (not a column): notified to the AP (initial melding), on time or late
    #: (None when not notified), data subjects informed (art. 34 decision in force)
    notified: bool = False
    late: bool | None = None
    informed: bool = False


#: (field, Dutch header) in column order
COLUMNS: list[tuple[str, str]] = [
    ("reference", "Referentie"),
    ("organisation", "Organisatie"),
    ("title", "Titel"),
    ("status", "Status"),
    ("category", "Categorie"),
    ("from_template", "Uit sjabloon"),
    ("description", "Wat is er gebeurd (feiten)"),
    ("discovered_at", "Ontdekt op"),
    ("aware_at", "Bewust geworden op"),
    ("ap_deadline", "AP-termijn (72 uur)"),
    ("data_categories", "Soorten persoonsgegevens"),
    ("special_categories", "Bijzondere persoonsgegevens (art. 9)"),
    ("bsn", "BSN"),
    ("criminal_data", "Strafrechtelijke gegevens (art. 10)"),
    ("subject_categories", "Categorieën betrokkenen"),
    ("subjects_count", "Aantal betrokkenen (ca.)"),
    ("records_count", "Aantal records (ca.)"),
    ("nature", "Aard (geraakt)"),
    ("unintelligible", "Onbegrijpelijk (versleuteld)"),
    ("processor", "Verwerker"),
    ("cross_border", "Grensoverschrijdend"),
    ("ongoing", "Nog gaande"),
    ("likely_consequences", "Waarschijnlijke gevolgen"),
    ("measures_taken", "Genomen maatregelen"),
    ("cause", "Oorzaak"),
    ("lessons_learned", "Geleerde lessen"),
    ("enisa_score", "ENISA-score (advies)"),
    ("enisa_band", "ENISA-ernst"),
    ("decision", "Besluit AP-melding"),
    ("motivation", "Motivering"),
    ("decided_by", "Besloten door"),
    ("decided_at", "Besloten op"),
    ("earlier_decisions", "Eerdere (vervangen) besluiten"),
    ("meldnummers", "AP-meldnummer(s)"),
    ("notified_at", "Gemeld bij de AP op"),
    ("on_time", "Binnen 72 uur gemeld"),
    ("subjects_informed", "Betrokkenen geïnformeerd (art. 34)"),
    ("subjects_ground", "Grond om niet te informeren"),
    ("subjects_explanation", "Toelichting betrokkenen"),
    ("subjects_informed_at", "Betrokkenen geïnformeerd op"),
    ("subjects_channel", "Wijze van informeren"),
]

HEADERS: list[str] = [header for _, header in COLUMNS]
LABEL: dict[str, str] = dict(COLUMNS)

_WIDTHS = {"reference": 16, "organisation": 20, "title": 40, "description": 60, "category": 28, "from_template": 24,
           "discovered_at": 17, "aware_at": 17, "ap_deadline": 17, "data_categories": 40,
           "special_categories": 30, "subject_categories": 30, "processor": 24, "likely_consequences": 50,
           "measures_taken": 50, "cause": 40, "lessons_learned": 40, "motivation": 60, "decided_by": 20,
           "decided_at": 17, "earlier_decisions": 40, "meldnummers": 40, "notified_at": 17, "on_time": 40,
           "subjects_ground": 40, "subjects_explanation": 50, "subjects_informed_at": 17, "subjects_channel": 30}


# --- building the rows ------------------------------------------------------------------------------------

def _when(value: dt.datetime | None, tz: str) -> str:
    return to_local(value, tz).strftime(DATETIME_FORMAT) if value is not None else ""


def _yes_no(value: bool) -> str:
    return str(_l("ja")) if value else str(_l("nee"))


def _labels(keys: Iterable[str], mapping: dict[str, Any]) -> str:
    """Dutch labels joined; a key no longer in the catalog is shown as stored."""
    return ", ".join(str(mapping.get(key, key)) for key in keys or ())


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def _score(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start:start + BATCH]


def _load(model: Any, ids: list[int], order: Sequence[Any], options: Sequence[Any] = ()) -> list[Any]:
    """All rows of ``model`` for the incidents: one query per :data:`BATCH` of ids."""
    out: list[Any] = []
    for chunk in _chunks(ids):
        out.extend(db.session.scalars(select(model).where(model.incident_id.in_(chunk)).order_by(*order)
                                      .options(*options)))
    return out


def _grouped(items: Iterable[Any]) -> dict[int, list[Any]]:
    groups: dict[int, list[Any]] = {}
    for item in items:
        groups.setdefault(item.incident_id, []).append(item)
    return groups


def _nature(assessment: BreachAssessment) -> str:
    parts = [str(label) for flag, label in (
        (assessment.nature_confidentiality, _l("vertrouwelijkheid")),
        (assessment.nature_integrity, _l("integriteit")),
        (assessment.nature_availability, _l("beschikbaarheid"))) if flag]
    return ", ".join(parts) if parts else str(_l("geen"))


def _decision_word(decision: ApDecision) -> str:
    return str(_l("melden")) if decision.notify else str(_l("niet melden"))


def _earlier(decisions: Sequence[ApDecision], tz: str) -> str:
    """The superseded decisions, newest first, each with its motivation:
    ``2 (melden, 01-07-2026 12:00, FG: motivering; niet melden, …)``."""
    if not decisions:
        return ""
    parts = [f"{_decision_word(d)}, {_when(d.decided_at, tz)}, {d.decided_by.name}: {d.motivation}" for d in decisions]
    return f"{len(decisions)} ({'; '.join(parts)})"


def _meldnummers(notifications: Sequence[ApNotification], tz: str) -> str:
    return "; ".join(f"{n.meldnummer} ({KIND_LABELS[n.kind]}, {_when(n.submitted_at, tz)})" for n in notifications)


def _on_time(incident: Incident, assessment: BreachAssessment | None, decision: ApDecision | None,
             initial: ApNotification | None) -> str:
    if initial is None:
        if decision is None:
            return ""
        return str(_l("nog niet gemeld")) if decision.notify else str(_l("n.v.t. (besloten niet te melden)"))
    if initial.submitted_at <= ap_deadline(incident, assessment):
        return str(_l("ja"))
    hours = hours_between(awareness(incident, assessment), initial.submitted_at)
    reason = initial.late_reason or str(_l("geen reden vastgelegd"))
    return str(_l("te laat (%(h)s na bewustwording); reden: %(reason)s", h=format_hours(hours), reason=reason))


#: (field, how its text follows from the incident); ``tz`` for times
_INCIDENT_FIELDS: dict[str, Callable[[Incident, str], str]] = {
    "reference": lambda i, tz: i.reference,
    "organisation": lambda i, tz: i.organisation.name,
    "title": lambda i, tz: i.title,
    "status": lambda i, tz: labels.status_label(i.status),
    "category": lambda i, tz: labels.category_label(i.category) if i.category else "",
    "description": lambda i, tz: i.description or "",
    "discovered_at": lambda i, tz: _when(i.discovered_at, tz),
    "cause": lambda i, tz: i.cause or "",
    "lessons_learned": lambda i, tz: i.lessons_learned or "",
}

#: … from the FG's assessment (empty while there is none)
_ASSESSMENT_FIELDS: dict[str, Callable[[BreachAssessment, str], str]] = {
    "aware_at": lambda a, tz: _when(a.aware_at, tz),
    "data_categories": lambda a, tz: _labels(a.data_categories, catalog.DATA_CATEGORIES),
    "special_categories": lambda a, tz: _labels(a.special_categories, catalog.SPECIAL_CATEGORIES),
    "bsn": lambda a, tz: _yes_no(a.bsn),
    "criminal_data": lambda a, tz: _yes_no(a.criminal_data),
    "subject_categories": lambda a, tz: _labels(a.subject_categories, catalog.SUBJECT_CATEGORIES),
    "subjects_count": lambda a, tz: _number(a.subjects_count),
    "records_count": lambda a, tz: _number(a.records_count),
    "nature": lambda a, tz: _nature(a),
    "unintelligible": lambda a, tz: _yes_no(a.unintelligible),
    "processor": lambda a, tz: f"{_yes_no(True)}: {a.processor_name}" if a.processor_involved else _yes_no(False),
    "cross_border": lambda a, tz: _yes_no(a.cross_border),
    "ongoing": lambda a, tz: _yes_no(a.ongoing),
    "likely_consequences": lambda a, tz: a.likely_consequences or "",
    "measures_taken": lambda a, tz: a.measures_taken or "",
    "enisa_score": lambda a, tz: _score(a.enisa_score),
    "enisa_band": lambda a, tz: str(a.enisa_band.value) if a.enisa_band else "",
}

#: … from the AP decision in force (without one, the decision column says so and the rest is empty)
_DECISION_FIELDS: dict[str, Callable[[ApDecision, str], str]] = {
    "decision": lambda d, tz: _decision_word(d),
    "motivation": lambda d, tz: d.motivation,
    "decided_by": lambda d, tz: d.decided_by.name,
    "decided_at": lambda d, tz: _when(d.decided_at, tz),
}

#: … from the art. 34 decision in force (empty while there is none)
_SUBJECT_FIELDS: dict[str, Callable[[DataSubjectDecision, str], str]] = {
    "subjects_informed": lambda s, tz: _yes_no(s.notify),
    "subjects_ground": lambda s, tz: str(GROUND_LABELS[s.ground]) if s.ground else "",
    "subjects_explanation": lambda s, tz: s.explanation or "",
    "subjects_informed_at": lambda s, tz: _when(s.notified_at, tz),
    "subjects_channel": lambda s, tz: s.channel or "",
}


def _fields(table: Mapping[str, Callable[[T, str], str]], source: T | None, tz: str) -> dict[str, str]:
    """The texts of ``table``'s fields from ``source``, or empty ones when there is no source."""
    if source is None:
        return dict.fromkeys(table, "")
    return {name: text(source, tz) for name, text in table.items()}


def _deadline(incident: Incident, assessment: BreachAssessment | None, tz: str) -> str:
    deadline = _when(ap_deadline(incident, assessment), tz)
    return deadline if assessment is not None else f"{deadline} {_l('(voorlopig, vanaf de ontdekking)')}"


def _row(incident: Incident, assessment: BreachAssessment | None, decisions: list[ApDecision],
         notifications: list[ApNotification], subject_decisions: list[DataSubjectDecision], tz: str) -> RegisterRow:
    decision = decisions[0] if decisions else None
    initial = next((n for n in notifications if n.kind == NotificationKind.INITIAL), None)
    fields = {
        **_fields(_INCIDENT_FIELDS, incident, tz),
        **_fields(_ASSESSMENT_FIELDS, assessment, tz),
        **_fields(_DECISION_FIELDS, decision, tz),
        **_fields(_SUBJECT_FIELDS, subject_decisions[0] if subject_decisions else None, tz),
        "ap_deadline": _deadline(incident, assessment, tz),
        "earlier_decisions": _earlier(decisions[1:], tz),
        "meldnummers": _meldnummers(notifications, tz),
        "notified_at": _when(initial.submitted_at, tz) if initial else "",
        "on_time": _on_time(incident, assessment, decision, initial),
        "from_template": "",
    }
    if decision is None:
        fields["decision"] = str(_l("nog geen besluit"))
    late = None if initial is None else initial.submitted_at > ap_deadline(incident, assessment)
    return RegisterRow(**fields, notified=initial is not None, late=late,
                       informed=bool(subject_decisions and subject_decisions[0].notify))


def register_rows(incidents: Iterable[Incident], tz: str = DEFAULT_TZ) -> list[RegisterRow]:
    """A row per datalek among ``incidents``, in the given order; other incidents are left out.

    Four queries (one per breach table, per :data:`BATCH` ids) whatever the number of datalekken;
    the incidents' organisations come with the incidents (joined) and the deciders with the
    decisions.
    """
    leaks = [incident for incident in incidents if incident.is_datalek]
    if not leaks:
        return []
    ids = [incident.id for incident in leaks]
    assessments = {a.incident_id: a for a in _load(BreachAssessment, ids, [BreachAssessment.id])}
    # the decider's name comes with the decision (joined), without the user's memberships (selectin)
    decisions = _grouped(_load(ApDecision, ids, [ApDecision.decided_at.desc(), ApDecision.id.desc()],
                               [joinedload(ApDecision.decided_by).lazyload(User.memberships)]))
    notifications = _grouped(_load(ApNotification, ids, [ApNotification.submitted_at, ApNotification.id],
                                   [lazyload(ApNotification.recorded_by)]))
    subjects = _grouped(_load(DataSubjectDecision, ids,
                              [DataSubjectDecision.decided_at.desc(), DataSubjectDecision.id.desc()],
                              [lazyload(DataSubjectDecision.decided_by)]))
    # the templates' names, only when a datalek was logged from one (one query)
    templates = _template_names({i.breach_template_id for i in leaks if i.breach_template_id is not None})
    return [replace(_row(incident, assessments.get(incident.id), decisions.get(incident.id, []),
                         notifications.get(incident.id, []), subjects.get(incident.id, []), tz),
                    from_template=templates.get(incident.breach_template_id or 0, "")) for incident in leaks]


def _template_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {row.id: row.name for row in db.session.execute(
        select(BreachTemplate.id, BreachTemplate.name).where(BreachTemplate.id.in_(sorted(ids))))}


#: the row's fields that are no column, only counted in the summary
SUMMARY_FIELDS = ("notified", "late", "informed")


@dataclass(frozen=True)
class SummaryLine:
    """One line of the register's summary: a category (or the total) and its counts."""

    label: str
    count: int
    notified: int
    on_time: int
    late: int
    informed: int


def summary(rows: Sequence[RegisterRow]) -> list[SummaryLine]:
    """Counts per category (in the order of first appearance, the uncategorised last) and the total:
    datalekken, notified to the AP, of those on time and late, data subjects informed."""
    def line(label: str, group: Sequence[RegisterRow]) -> SummaryLine:
        return SummaryLine(label, len(group), sum(r.notified for r in group),
                           sum(r.late is False for r in group), sum(r.late is True for r in group),
                           sum(r.informed for r in group))

    groups: dict[str, list[RegisterRow]] = {}
    for row in rows:
        groups.setdefault(row.category or str(_l("geen categorie")), []).append(row)
    none = str(_l("geen categorie"))
    ordered = sorted(groups, key=lambda label: (label == none, label))
    return [*(line(label, groups[label]) for label in ordered), line(str(_l("Totaal")), rows)]


def _cells(row: RegisterRow) -> list[str]:
    return [getattr(row, key) for key, _ in COLUMNS]


# --- CSV and XLSX -------------------------------------------------------------------------------------------

def to_csv(rows: Iterable[RegisterRow]) -> bytes:
    """UTF-8 with a byte order mark and ``;`` between fields (Dutch Excel); every cell neutralised."""
    return spreadsheet.to_csv(HEADERS, (_cells(row) for row in rows))


def to_xlsx(rows: Iterable[RegisterRow]) -> bytes:
    """One sheet "Datalekkenregister": a bold, frozen header row and a row per datalek, all strings."""
    return spreadsheet.to_xlsx(SHEET_TITLE, COLUMNS, (_cells(row) for row in rows), widths=_WIDTHS, wrap=True)


# --- PDF ------------------------------------------------------------------------------------------------------

PAGE = landscape(A4)
MARGIN = 14 * mm
FONT, BOLD = "Helvetica", "Helvetica-Bold"  # built in; WinAnsi covers é, ë, ï, €
LABEL_WIDTH = 44 * mm
#: characters per table row of long text: a row never outgrows a page (a 20 000-character text
#: becomes many rows, which split across pages)
EMPTY = "—"

#: the block per datalek: ("pair", left, right) is two label/value pairs side by side,
#: ("wide", key) a label/value pair across the table
LAYOUT: list[tuple[str, ...]] = [
    ("pair", "organisation", "status"),
    ("pair", "category", "from_template"),
    ("pair", "discovered_at", "aware_at"),
    ("wide", "ap_deadline"),
    ("wide", "description"),
    ("pair", "data_categories", "special_categories"),
    ("pair", "bsn", "criminal_data"),
    ("pair", "subject_categories", "subjects_count"),
    ("pair", "nature", "records_count"),
    ("pair", "unintelligible", "processor"),
    ("pair", "cross_border", "ongoing"),
    ("wide", "likely_consequences"),
    ("pair", "enisa_score", "enisa_band"),
    ("wide", "measures_taken"),
    ("wide", "cause"),
    ("wide", "lessons_learned"),
    ("pair", "decision", "decided_at"),
    ("pair", "decided_by", "earlier_decisions"),
    ("wide", "motivation"),
    ("pair", "meldnummers", "notified_at"),
    ("wide", "on_time"),
    ("pair", "subjects_informed", "subjects_informed_at"),
    ("pair", "subjects_ground", "subjects_channel"),
    ("wide", "subjects_explanation"),
]

_TITLE_STYLE = ParagraphStyle("title", fontName=BOLD, fontSize=16, leading=20, spaceAfter=4)
_INTRO_STYLE = ParagraphStyle("intro", fontName=FONT, fontSize=9, leading=12, spaceAfter=8)
_HEAD_STYLE = ParagraphStyle("head", fontName=BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=3,
                             keepWithNext=1)
_LABEL_STYLE = ParagraphStyle("label", fontName=BOLD, fontSize=7.5, leading=9.5, alignment=TA_LEFT)
_VALUE_STYLE = ParagraphStyle("value", fontName=FONT, fontSize=8, leading=10, alignment=TA_LEFT)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(markup(text) or EMPTY, style)


def _block(row: RegisterRow, width: float) -> Table:
    value_width = (width - 2 * LABEL_WIDTH) / 2
    data: list[list[Any]] = []
    style: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5b1")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for item in LAYOUT:
        if item[0] == "pair":
            left, right = item[1], item[2]
            data.append([_p(LABEL[left], _LABEL_STYLE), _p(getattr(row, left), _VALUE_STYLE),
                         _p(LABEL[right], _LABEL_STYLE), _p(getattr(row, right), _VALUE_STYLE)])
            style.append(("BACKGROUND", (2, len(data) - 1), (2, len(data) - 1), colors.HexColor("#eef1f4")))
        else:
            key = item[1]
            for index, piece in enumerate(split(getattr(row, key))):
                label = LABEL[key] if index == 0 else ""
                data.append([_p(label, _LABEL_STYLE) if label else "", _p(piece, _VALUE_STYLE), "", ""])
                style.append(("SPAN", (1, len(data) - 1), (3, len(data) - 1)))
    style.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef1f4")))
    return Table(data, colWidths=[LABEL_WIDTH, value_width, LABEL_WIDTH, value_width], style=TableStyle(style),
                 splitByRow=1, hAlign="LEFT")


SUMMARY_HEADERS = ("Categorie", "Datalekken", "Gemeld aan de AP", "Op tijd gemeld", "Te laat gemeld",
                   "Betrokkenen geïnformeerd")


def _summary_table(lines: Sequence[SummaryLine], width: float) -> Table:
    """The counts per category and in total, before the datalekken one by one."""
    data: list[list[Any]] = [[_p(h, _LABEL_STYLE) for h in SUMMARY_HEADERS]]
    for item in lines:
        data.append([_p(item.label, _VALUE_STYLE), *(
            _p(str(n), _VALUE_STYLE) for n in (item.count, item.notified, item.on_time, item.late, item.informed))])
    first = width * 0.35
    style = TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5b1")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f4")),
        ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#eef1f4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ])
    return Table(data, colWidths=[first, *([(width - first) / 5] * 5)], style=style, repeatRows=1, hAlign="LEFT")


def _numbered_canvas(header: str, generated: str) -> type[Canvas]:
    """A canvas that draws the running header and "pagina X van N" once the page count is known."""

    class NumberedCanvas(TwoPassCanvas):
        def decorate(self, total: int) -> None:
            width, height = self._pagesize
            left, right_edge = MARGIN + 6, width - MARGIN - 6  # in line with the frame's padding
            self.saveState()
            self.setFillColor(colors.HexColor("#333333"))
            right = f"Gegenereerd op {generated}"
            self.setFont(FONT, 8)
            self.drawRightString(right_edge, height - MARGIN + 12, right)
            room = right_edge - left - stringWidth(right, FONT, 8) - 12
            self.setFont(BOLD, 8)
            self.drawString(left, height - MARGIN + 12, fit(header, BOLD, 8, room))
            self.setStrokeColor(colors.HexColor("#9aa5b1"))
            self.setLineWidth(0.5)
            self.line(left, height - MARGIN + 8, right_edge, height - MARGIN + 8)
            self.setFont(FONT, 8)
            self.drawRightString(right_edge, MARGIN - 14, f"pagina {self._pageNumber} van {total}")
            self.drawString(left, MARGIN - 14, "Vertrouwelijk: bevat gegevens over datalekken")
            self.restoreState()

    return NumberedCanvas


def to_pdf(rows: Sequence[RegisterRow], *, organisation_label: str, generated_at: dt.datetime,
           tz: str = DEFAULT_TZ) -> bytes:
    """The register on A4 landscape: a title, the scope and generation time and "pagina X van N"
    on every page, then a block per datalek with the facts, effects, measures, the decision and its
    motivation, the meldnummer(s) and the decision on informing the data subjects."""
    rows = list(rows)
    generated = _when(generated_at, tz)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN + 6, bottomMargin=MARGIN + 4, title=TITLE,
                            subject=f"{TITLE}: {organisation_label}", author="BIO-register", creator="BIO-register")
    story: list[Flowable] = [
        Paragraph(markup(TITLE), _TITLE_STYLE),
        Paragraph(markup(f"Reikwijdte: {organisation_label}. Gegenereerd op {generated} (Europe/Amsterdam). "
                         f"Aantal datalekken: {len(rows)}.") + "<br/>" + markup(
            "Elk datalek, gemeld of niet: de feiten, de gevolgen en de genomen maatregelen, met het besluit "
            "over de melding aan de Autoriteit Persoonsgegevens en de motivering daarvan. De ENISA-score is "
            "een advies; de FG besluit."), _INTRO_STYLE),
    ]
    if not rows:
        story.append(Paragraph(markup("Geen datalekken in deze selectie."), _VALUE_STYLE))
    else:
        story.append(Paragraph(markup("Samenvatting"), _HEAD_STYLE))
        story.append(_summary_table(summary(rows), doc.width))
        story.append(PageBreak())
    for row in rows:
        story.append(Paragraph(f"{markup(row.reference)} — {markup(row.title)}", _HEAD_STYLE))
        story.append(_block(row, doc.width))
        story.append(Spacer(1, 4 * mm))
    header = f"{TITLE} — {organisation_label}"
    doc.build(story, canvasmaker=_numbered_canvas(header, generated))
    return buffer.getvalue()


__all__ = ["COLUMNS", "HEADERS", "LAYOUT", "TITLE", "RegisterRow", "SummaryLine", "markup", "register_rows", "summary",
           "to_csv", "to_pdf", "to_xlsx"]

