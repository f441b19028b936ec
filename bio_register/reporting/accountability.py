"""The annual accountability of an organisation: the draft informatieveiligheid paragraph for the
jaarverslag's paragraaf bedrijfsvoering, and the data of the annual accountability PDF that supports
the collegeverklaring / In Control Verklaring (BIO2 5.36.01).

Both read the year as the ENSIA werkbestand does (:class:`bio_register.reporting.ensia.Year`): the
state at the end of 31 December (Dutch time), or now for the year still running. Compliance is
counted over the catalog's overheidsmaatregelen where it has them (else its controls), as the
compliance overview counts. The text is Dutch whatever the reader's language: it goes into Dutch
annual accounts. Never commits; a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import load_only, selectinload

from bio_register.attachments import evidence as evidence_life
from bio_register.compliance import services as compliance
from bio_register.compliance.models import ASPECTS, AspectStatus, Control, ControlAssessment, ControlCatalog
from bio_register.compliance.models import ImplementationStatus as Level
from bio_register.extensions import db
from bio_register.findings.models import OPEN_FINDING_STATUSES, Finding, FindingStatus, finding_measures
from bio_register.incidents.models import Severity
from bio_register.measures.models import Measure, MeasureStatus, measure_controls
from bio_register.organisations.models import Organisation
from bio_register.reporting.ensia import (
    FINDING_SOURCE_TEXT,
    FINDING_STATUS_TEXT,
    MEASURE_STATUS_TEXT,
    Year,
    day,
)
from bio_register.timeutil import to_local
from reports import data as rd

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")
#: how many maatregelen the paragraph names
MAIN_MEASURES = 3


def n(count: int, one: str, many: str) -> str:
    """"1 datalek", "2 datalekken", "0 datalekken"."""
    return f"{count} {one if count == 1 else many}"


def _verb(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def in_words(value: dt.date) -> str:
    """"31 december 2026"."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def _listed(items: Sequence[str]) -> str:
    """"a", "a en b", "a, b en c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} en {items[-1]}"


def percentage(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + "%"


# --- the state of the year ------------------------------------------------------------------------------------

@dataclass
class State:
    """What the year's accountability is made of (read once, used by the paragraph and the PDF)."""

    organisation: Organisation
    catalog: ControlCatalog
    year: Year
    controls: list[Control]
    current: dict[int, ControlAssessment]
    #: findings open at the moment, or closed during the year (oldest first)
    findings: list[Finding]
    #: maatregelen open at the moment, the main ones first (for the paragraph alone: only the main ones)
    open_measures: list[Measure]
    #: maatregelen finished (gereed) during the year
    completed: int
    #: the open maatregelen linked to each control
    measures_by_control: dict[int, list[Measure]]
    #: per control, the evidence files that showed nothing on the year's day (expired or removed)
    invalid: dict[int, set[int]]
    #: how many maatregelen were open at the moment (all of them, also where ``open_measures`` holds
    #: only the main ones)
    open_measure_count: int = 0

    def werking_shown(self, assessment: ControlAssessment) -> bool:
        """Werking "voldoet" with valid evidence on the year's day: what "werking aangetoond" counts
        (issue 21.2, as the compliance figures count it)."""
        werking = assessment.aspect("werking")
        return (werking.status == AspectStatus.VOLDOET
                and evidence_life.werking_shown(werking.attachment_ids, self.invalid.get(assessment.control_id, set())))

    @property
    def moment(self) -> dt.date:
        """The day of the state: 31 December, or today while the year runs."""
        return to_local(self.year.as_of).date() if self.year.running else dt.date(self.year.year, 12, 31)

    @property
    def open_findings(self) -> list[Finding]:
        return [f for f in self.findings if _open_at(f, self.year.as_of)]


def _open_at(finding: Finding, moment: dt.datetime) -> bool:
    return finding.closed_at is None or finding.closed_at >= moment


def state(organisation: Organisation, catalog: ControlCatalog, year: Year, *, full: bool = True) -> State:
    """The year's state. ``full=False`` reads what the jaarverslag paragraph needs and no more: the
    main open maatregelen (chosen and counted in SQL) instead of every open one, no maatregelen per
    control, the findings without their controls and maatregelen (G001 of the benchmark: 24,000
    maatregelen)."""
    kind = compliance.overview_kind(catalog)
    controls = [c for c in compliance.controls_of(catalog, kind=kind) if c.status == "active"]
    current = compliance.current_assessments(organisation, catalog, as_of=None if year.running else year.as_of)
    ids = {c.id for c in controls}
    current = {cid: a for cid, a in current.items() if cid in ids}
    findings_query = (
        select(Finding)
        .where(Finding.organisation_id == organisation.id, Finding.created_at < year.as_of,
               or_(Finding.closed_at.is_(None), Finding.closed_at >= year.start))
        .order_by(Finding.found_on, Finding.id))
    if full:
        findings_query = findings_query.options(selectinload(Finding.controls), selectinload(Finding.measures))
    findings = list(db.session.scalars(findings_query))
    open_condition = (Measure.organisation_id == organisation.id, Measure.status != MeasureStatus.VERVALLEN,
                      Measure.created_at < year.as_of,
                      or_(Measure.completed_at.is_(None), Measure.completed_at >= year.as_of))
    completed = db.session.scalar(
        select(func.count()).select_from(Measure)
        .where(Measure.organisation_id == organisation.id, Measure.status == MeasureStatus.GEREED,
               Measure.completed_at >= year.start, Measure.completed_at < year.as_of)) or 0
    by_control: dict[int, list[Measure]] = defaultdict(list)
    columns = load_only(Measure.id, Measure.title, Measure.owner, Measure.due_date, Measure.status)
    if not full:
        # the main ones: those resolving a finding still open, then by due date (as the sort below)
        resolving = (select(finding_measures.c.measure_id)
                     .join(Finding, Finding.id == finding_measures.c.finding_id)
                     .where(finding_measures.c.measure_id == Measure.id,
                            Finding.status.in_(OPEN_FINDING_STATUSES))
                     .exists())
        open_measures = list(db.session.scalars(
            select(Measure).options(columns).where(*open_condition)
            .order_by(case((resolving, 0), else_=1), case((Measure.due_date.is_(None), 1), else_=0),
                      Measure.due_date, Measure.id)
            .limit(MAIN_MEASURES)))
        open_count = db.session.scalar(select(func.count()).select_from(Measure).where(*open_condition)) or 0
    else:
        open_measures = list(db.session.scalars(select(Measure).options(columns).where(*open_condition)))
        open_count = len(open_measures)
        open_ids = {m.id for m in open_measures}
        resolving_ids = set()
        if open_ids:
            resolving_ids = set(db.session.scalars(
                select(finding_measures.c.measure_id).join(Finding, Finding.id == finding_measures.c.finding_id)
                .where(finding_measures.c.measure_id.in_(sorted(open_ids)),
                       Finding.status.in_(OPEN_FINDING_STATUSES))))
        open_measures.sort(key=lambda m: (m.id not in resolving_ids, m.due_date is None,
                                          m.due_date or dt.date.max, m.id))
        if open_ids and controls:
            by_id = {m.id: m for m in open_measures}
            for control_id, measure_id in db.session.execute(
                    select(measure_controls.c.control_id, measure_controls.c.measure_id)
                    .where(measure_controls.c.measure_id.in_(sorted(open_ids)),
                           measure_controls.c.control_id.in_([c.id for c in controls]))):
                by_control[control_id].append(by_id[measure_id])
    # the evidence files' validity on the year's day (by the review dates as they stand now, as the
    # compliance history reads them: earlier review dates are not kept)
    day = to_local(year.as_of).date() if year.running else dt.date(year.year, 12, 31)
    invalid: dict[int, set[int]] = defaultdict(set)
    for control_id, attachment_id, review_date, retired_at in evidence_life.attachment_lives(
            organisation.id, sorted(current)):
        if review_date < day or (retired_at is not None and retired_at < year.as_of):
            invalid[control_id].add(attachment_id)
    return State(organisation, catalog, year, controls, current, findings, open_measures, completed,
                 dict(by_control), dict(invalid), open_count)


# --- the jaarverslag paragraph --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Jaarverslag:
    organisation: Organisation
    year: int
    as_of: dt.datetime
    complete_year: bool
    figures: rd.AnnualFigures
    paragraphs: list[str]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def _compliance_text(s: State) -> str:
    date = in_words(s.moment)
    applicable = [a for a in s.current.values() if a.applicable]
    not_applicable = len(s.current) - len(applicable)
    unassessed = len(s.controls) - len(s.current)
    where = f"uit de BIO ({s.catalog.name})"
    if not s.current:
        return f"Op {date} was nog geen van de {n(len(s.controls), 'maatregel', 'maatregelen')} {where} beoordeeld."
    sentences = []
    if applicable:
        counted = {level: sum(1 for a in applicable if a.status == level) for level in Level}
        score = 100 * (counted[Level.VOLLEDIG] + 0.5 * counted[Level.GEDEELTELIJK]) / len(applicable)
        werking = sum(1 for a in applicable if s.werking_shown(a))
        sentences.append(
            f"Van de {n(len(applicable), 'toepasselijke maatregel', 'toepasselijke maatregelen')} {where} waren er op "
            f"{date} {counted[Level.VOLLEDIG]} volledig, {counted[Level.GEDEELTELIJK]} gedeeltelijk en "
            f"{counted[Level.NIET]} niet geïmplementeerd; dat is een implementatiegraad van {percentage(score)}.")
        sentences.append(f"Bij {werking} daarvan is de werking aangetoond.")
        expired = sum(1 for a in applicable if a.werking_status == AspectStatus.VOLDOET and not s.werking_shown(a))
        if expired:
            sentences.append(f"Bij {n(expired, 'maatregel', 'maatregelen')} rust de werking op verlopen bewijs.")
    else:
        sentences.append(f"Op {date} was geen van de beoordeelde maatregelen {where} van toepassing.")
    if not_applicable:
        sentences.append(f"{n(not_applicable, 'maatregel is', 'maatregelen zijn')} niet van toepassing verklaard.")
    if unassessed:
        sentences.append(f"{n(unassessed, 'maatregel is', 'maatregelen zijn')} nog niet beoordeeld.")
    return " ".join(sentences)


def _findings_text(s: State) -> str:
    date = in_words(s.moment)
    still_open = s.open_findings
    serious = sum(1 for f in still_open if f.severity in (Severity.HOOG, Severity.KRITIEK))
    overdue = sum(1 for f in still_open if f.retest_on is not None and f.retest_on < s.moment)
    closed = sum(1 for f in s.findings if not _open_at(f, s.year.as_of)
                 and f.status in (FindingStatus.OPGELOST, FindingStatus.GEACCEPTEERD))
    if not still_open:
        text = f"Op {date} stonden er geen bevindingen uit audits, assessments en testen open."
    else:
        text = (f"Op {date} {_verb(len(still_open), 'stond', 'stonden')} er "
                f"{n(len(still_open), 'bevinding', 'bevindingen')} uit audits, assessments en testen open")
        if serious:
            text += f", waarvan {serious} met ernst hoog of kritiek"
        if overdue:
            text += f"; bij {overdue} daarvan is de datum van de hertest verstreken"
        text += "."
    if closed:
        text += (f" In {s.year.year} {_verb(closed, 'is', 'zijn')} {n(closed, 'bevinding', 'bevindingen')} opgelost "
                 "of met motivering geaccepteerd.")
    return text


def _measure_name(measure: Measure) -> str:
    return f"{measure.title} (uiterlijk {in_words(measure.due_date)})" if measure.due_date else measure.title


def _measures_text(s: State) -> str:
    date = in_words(s.moment)
    count = s.open_measure_count
    if not count:
        text = f"Op {date} liepen er geen verbetermaatregelen."
    elif count == 1:
        text = f"Op {date} liep er 1 verbetermaatregel: {_measure_name(s.open_measures[0])}."
    else:
        main = [_measure_name(m) for m in s.open_measures[:MAIN_MEASURES]]
        text = f"Op {date} liepen er {count} verbetermaatregelen; de belangrijkste: {_listed(main)}."
    if s.completed:
        text += (f" In {s.year.year} {_verb(s.completed, 'is', 'zijn')} "
                 f"{n(s.completed, 'maatregel', 'maatregelen')} afgerond.")
    return text


def jaarverslag(s: State, figures: rd.AnnualFigures) -> Jaarverslag:
    """The draft paragraph: the annual figures' sentence, compliance, open findings and the main maatregelen."""
    return Jaarverslag(s.organisation, s.year.year, s.year.as_of, not s.year.running, figures,
                       [figures.sentence, _compliance_text(s), _findings_text(s), _measures_text(s)])


# --- the annual accountability PDF's data ---------------------------------------------------------------------

def _aspect_counts(assessments: Sequence[ControlAssessment], name: str) -> rd.AspectCounts:
    statuses = [a.aspect(name).status for a in assessments]
    return rd.AspectCounts(voldoet=statuses.count(AspectStatus.VOLDOET),
                           gedeeltelijk=statuses.count(AspectStatus.VOLDOET_GEDEELTELIJK),
                           niet=statuses.count(AspectStatus.VOLDOET_NIET),
                           niet_beoordeeld=statuses.count(AspectStatus.NIET_BEOORDEELD))


def _themes(s: State) -> list[rd.ThemeState]:
    groups: dict[str, list[Control]] = {}
    for control in s.controls:
        groups.setdefault(control.group_code, []).append(control)
    out = []
    for code, controls in sorted(groups.items(), key=lambda item: compliance.sort_key(item[0])):
        assessed = [s.current[c.id] for c in controls if c.id in s.current]
        applicable = [a for a in assessed if a.applicable]
        counts = {name: _aspect_counts(applicable, name) for name in ASPECTS}
        # werking "voldoet" on expired evidence is not shown: counted as not (yet) judged, as the figures do
        unshown = sum(1 for a in applicable if a.werking_status == AspectStatus.VOLDOET and not s.werking_shown(a))
        if unshown:
            w = counts["werking"]
            counts["werking"] = rd.AspectCounts(w.voldoet - unshown, w.gedeeltelijk, w.niet,
                                                w.niet_beoordeeld + unshown)
        out.append(rd.ThemeState(
            code, controls[0].group_title_nl, len(controls), len(applicable), len(assessed) - len(applicable),
            len(controls) - len(assessed), sum(a.status == Level.VOLLEDIG for a in applicable),
            sum(a.status == Level.GEDEELTELIJK for a in applicable), sum(a.status == Level.NIET for a in applicable),
            counts["opzet"], counts["bestaan"], counts["werking"]))
    return out


EXCEPTION_STATE = {Level.NIET: "niet geïmplementeerd", Level.GEDEELTELIJK: "gedeeltelijk geïmplementeerd"}


def _measure_line(measure: Measure) -> str:
    due = f"uiterlijk {day(measure.due_date)}" if measure.due_date else "geen uiterste datum"
    return f"{measure.title} ({MEASURE_STATUS_TEXT[measure.status]}, {due}; eigenaar: {measure.owner or '—'})"


def _exceptions(s: State) -> list[tuple[str, list[rd.ExceptionLine]]]:
    out: dict[str, tuple[str, list[rd.ExceptionLine]]] = {}
    for control in s.controls:
        a = s.current.get(control.id)
        if a is None or (a.applicable and a.status not in EXCEPTION_STATE):
            continue
        state_text = "niet van toepassing" if not a.applicable else EXCEPTION_STATE[a.status]  # type: ignore[index]
        heading = f"{control.group_code} {control.group_title_nl}"
        out.setdefault(control.group_code, (heading, []))[1].append(rd.ExceptionLine(
            control.code, control.title_nl, state_text, a.justification or "",
            [_measure_line(m) for m in s.measures_by_control.get(control.id, [])]))
    return [out[code] for code in sorted(out, key=compliance.sort_key)]


def _follow_up(finding: Finding) -> str:
    parts = [_measure_line(m) for m in finding.measures]
    if finding.retest_on:
        parts.append(f"hertest {day(finding.retest_on)}")
    if finding.status == FindingStatus.GEACCEPTEERD and finding.motivation:
        parts.append(f"geaccepteerd: {finding.motivation}")
    return "; ".join(parts) or "nog geen opvolging vastgelegd"


def _finding_lines(s: State) -> list[rd.FindingFollowUp]:
    return [rd.FindingFollowUp(f.title, FINDING_SOURCE_TEXT[f.source], day(f.found_on), f.severity.value,
                           FINDING_STATUS_TEXT[f.status], ", ".join(c.code for c in f.controls), _follow_up(f))
            for f in s.findings]


def period_label(year: Year) -> str:
    if year.running:
        return f"{year.year} (1 januari tot en met {in_words(to_local(year.as_of).date())}; het jaar loopt nog)"
    return f"{year.year} (1 januari – 31 december {year.year})"


def annual_data(s: State, figures: rd.AnnualFigures, *, version: int, generated_at: dt.datetime,
                audit_anchor: str | None = None) -> rd.AnnualAccountability:
    return rd.AnnualAccountability(
        scope=s.organisation.name, period=str(s.year.year), period_label=period_label(s.year),
        as_of=in_words(s.moment), complete_year=not s.year.running, catalog=s.catalog.name,
        generated_at=generated_at, version=version, paragraph=jaarverslag(s, figures).paragraphs,
        themes=_themes(s), exceptions=_exceptions(s), findings=_finding_lines(s), audit_anchor=audit_anchor)
