"""Report data sets from the database (as the plain dataclasses of ``reports.data``), the archive
of generated PDFs, and the annual figures. Periods are cut in Amsterdam time."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import selectinload

from bio_register.accounts.models import User
from bio_register.audit import services as audit
from bio_register.breaches import apform
from bio_register.breaches.models import (
    ApDecision,
    ApNotification,
    BreachAssessment,
    CbwCase,
    CbwReport,
    DataSubjectDecision,
    NotificationKind,
)
from bio_register.breaches.services import AP_DEADLINE, cbw_clock
from bio_register.compliance import services as compliance
from bio_register.compliance.models import ControlKind
from bio_register.database import utcnow
from bio_register.errors import NotPermitted, ValidationFailed
from bio_register.extensions import db
from bio_register.findings import labels as finding_labels
from bio_register.findings import services as findings
from bio_register.i18n import gettext as _
from bio_register.incidents import sla
from bio_register.incidents.labels import CATEGORY, SEVERITY, STATUS
from bio_register.incidents.models import OPEN_STATUSES, Category, Incident, Severity, Status, TimelineEntry
from bio_register.measures.labels import STATUS as MEASURE_STATUS
from bio_register.measures.models import OPEN_MEASURE_STATUSES, Measure
from bio_register.organisations.models import Organisation
from bio_register.permissions import AllOrganisations, Permission, Principal, organisation_ids_with
from bio_register.reporting import accountability, ensia
from bio_register.reporting.models import Report, ReportKind
from bio_register.timeutil import DEFAULT_TZ, Period, quarter, to_local, to_utc
from reports import data as rd

ALL = "all"
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")
QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


# --- periods and scopes --------------------------------------------------------------------------------

def month(year: int, number: int, tz: str = DEFAULT_TZ) -> Period:
    start = to_utc(dt.datetime(year, number, 1), tz)
    end = to_utc(dt.datetime(year + (number == 12), 1 if number == 12 else number + 1, 1), tz)
    return Period(f"{year}-{number:02d}", start, end)


def parse_period(kind: ReportKind | str, text: str, *, now: dt.datetime | None = None) -> Period:
    """``2026-Q3`` or ``2026-10``; refused when malformed, or when the period has not ended yet."""
    now = now or utcnow()
    kind = ReportKind(kind)
    text = (text or "").strip()
    if kind == ReportKind.ANNUAL:
        return _annual_period(text, now)
    match = (QUARTER_RE if kind == ReportKind.QUARTERLY else MONTH_RE).match(text)
    if not match:
        example = "2026-Q3" if kind == ReportKind.QUARTERLY else "2026-10"
        raise ValidationFailed(_("Geen geldige periode: %(p)s (bijvoorbeeld %(e)s).", p=text[:20], e=example),
                               field="period")
    year, part = int(match.group(1)), int(match.group(2))
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("Kies een jaar tussen 2000 en 2100."), field="period")
    period = quarter(year, part) if kind == ReportKind.QUARTERLY else month(year, part)
    if period.end > now:
        raise ValidationFailed(_("De periode %(p)s is nog niet voorbij; een rapportage gaat over een afgesloten "
                                 "periode.", p=period.label), field="period")
    return period


YEAR_RE = re.compile(r"^(\d{4})$")


def _annual_period(text: str, now: dt.datetime, tz: str = DEFAULT_TZ) -> Period:
    """``2026``: a whole year (cut in Amsterdam time) that has begun. The year still running is
    allowed: its accountability shows the state of the moment it is made (and says so)."""
    if not YEAR_RE.match(text):
        raise ValidationFailed(_("Geen geldig jaar: %(p)s (bijvoorbeeld 2026).", p=text[:20]), field="period")
    try:
        year = ensia.year_of(int(text), now=now, tz=tz)
    except ValidationFailed as error:
        raise ValidationFailed(error.message, field="period") from None
    return Period(str(year.year), year.start, year.end)


def previous_period(kind: ReportKind | str, now: dt.datetime, tz: str = DEFAULT_TZ) -> Period:
    """The last period that ended before ``now`` (cut in Amsterdam time)."""
    local = to_local(now, tz)
    if ReportKind(kind) == ReportKind.QUARTERLY:
        q = (local.month - 1) // 3 + 1
        return quarter(local.year - 1, 4) if q == 1 else quarter(local.year, q - 1)
    return month(local.year - 1, 12) if local.month == 1 else month(local.year, local.month - 1)


def recent_periods(kind: ReportKind | str, now: dt.datetime, count: int, tz: str = DEFAULT_TZ) -> list[Period]:
    """The ``count`` periods that ended last before ``now``, newest first: what the reporting page
    offers to choose from (a report is about a period that has ended)."""
    periods = [previous_period(kind, now, tz)]
    while len(periods) < count:
        periods.append(previous_period(kind, periods[-1].start, tz))
    return periods


def file_name(report: Report, tz: str = DEFAULT_TZ) -> str:
    """The download's file name in Dutch: ``kwartaalrapportage-DIE-2026-K3-v1-20261001.pdf``,
    ``maandrapportage-incidentopvolging-alle-2026-10-v2-20261101.pdf`` (the date in local time)."""
    kind = {ReportKind.QUARTERLY: "kwartaalrapportage", ReportKind.MONTHLY: "maandrapportage-incidentopvolging",
            ReportKind.ANNUAL: "jaarverantwoording-informatiebeveiliging"}[report.kind]
    scope = "alle" if report.scope == ALL else report.scope
    period = report.period.replace("-Q", "-K")
    return f"{kind}-{scope}-{period}-v{report.version}-{to_local(report.generated_at, tz):%Y%m%d}.pdf"


def last_day(period: Period, tz: str = DEFAULT_TZ) -> str:
    """The period's last day in words: "30 september 2026"."""
    last = to_local(period.end - dt.timedelta(seconds=1), tz)
    return f"{last.day} {MONTHS[last.month - 1]} {last.year}"


def period_label(kind: ReportKind, period: Period, tz: str = DEFAULT_TZ) -> str:
    first = to_local(period.start, tz)
    last = to_local(period.end - dt.timedelta(seconds=1), tz)
    if kind == ReportKind.MONTHLY:
        return f"{MONTHS[first.month - 1]} {first.year}"
    q = (first.month - 1) // 3 + 1
    return (f"{q}e kwartaal {first.year} ({first.day} {MONTHS[first.month - 1]} – "
            f"{last.day} {MONTHS[last.month - 1]} {last.year})")


def municipalities() -> list[Organisation]:
    """The organisations served by another (Duo+'s municipalities), else every organisation."""
    children = list(db.session.scalars(select(Organisation).where(Organisation.parent_id.is_not(None))
                                       .order_by(Organisation.code)))
    return children or list(db.session.scalars(select(Organisation).order_by(Organisation.code)))


@dataclass(frozen=True)
class Scope:
    code: str                       # an organisation code, or "all"
    label: str
    organisations: list[Organisation]
    organisation: Organisation | None


def resolve_scope(code: str) -> Scope:
    code = (code or "").strip()
    if code.lower() == ALL:
        orgs = list(db.session.scalars(select(Organisation).order_by(Organisation.code)))
        top = next((o for o in orgs if o.parent_id is None and any(c.parent_id == o.id for c in orgs)), None)
        names = ", ".join(o.name.removeprefix("Gemeente ") for o in orgs if top is None or o.parent_id == top.id)
        label = f"{top.name} ({names})" if top else _("Alle organisaties")
        return Scope(ALL, label, orgs, None)
    org = db.session.scalar(select(Organisation).where(Organisation.code == code.upper()))
    if org is None:
        raise ValidationFailed(_("Onbekende organisatie: %(c)s.", c=code[:20]), field="scope")
    return Scope(org.code, org.name, [org], org)


# --- the quarterly data set ------------------------------------------------------------------------------

def _in_period(org_ids: list[int], period: Period) -> Any:
    return and_(Incident.organisation_id.in_(org_ids), Incident.discovered_at >= period.start,
                Incident.discovered_at < period.end)


@dataclass
class Tally:
    """A period's incidents counted in the database (never loaded one by one: a large
    organisation logs thousands a quarter)."""

    total: int = 0
    datalekken: int = 0
    significant: int = 0
    category: Counter[Any] = field(default_factory=Counter)
    severity: Counter[Any] = field(default_factory=Counter)
    status: Counter[Any] = field(default_factory=Counter)


def _tally(org_ids: list[int], period: Period) -> Tally:
    """One GROUP BY query over the few combinations of category, severity, status and flags."""
    tally = Tally()
    rows = db.session.execute(
        select(Incident.category, Incident.severity, Incident.status, Incident.is_datalek,
               Incident.is_significant_cbw, func.count())
        .where(_in_period(org_ids, period))
        .group_by(Incident.category, Incident.severity, Incident.status, Incident.is_datalek,
                  Incident.is_significant_cbw))
    for category, severity, status, is_datalek, significant, n in rows:
        tally.total += n
        tally.datalekken += n if is_datalek else 0
        tally.significant += n if significant else 0
        tally.category[category] += n
        tally.severity[severity] += n
        tally.status[status] += n
    return tally


def _trend(org_ids: list[int], periods: list[Period]) -> dict[str, tuple[int, int]]:
    """(incidents, of which datalekken) per period, in one query."""
    bucket = case(*((and_(Incident.discovered_at >= p.start, Incident.discovered_at < p.end), p.label)
                    for p in periods), else_=None)
    rows = db.session.execute(
        select(bucket, func.count(), func.coalesce(func.sum(case((Incident.is_datalek.is_(True), 1), else_=0)), 0))
        .where(Incident.organisation_id.in_(org_ids), Incident.discovered_at >= min(p.start for p in periods),
               Incident.discovered_at < max(p.end for p in periods))
        .group_by(bucket))
    return {label: (int(n), int(leaks)) for label, n, leaks in rows if label is not None}


def _breakdown(current: Counter[Any], previous: Counter[Any], labels: dict[Any, Any], order: Iterable[Any],
               none_label: str) -> list[rd.Count]:
    out = []
    for value in [*order, None]:
        if current.get(value) or previous.get(value):
            label = str(labels[value]) if value is not None else none_label
            out.append(rd.Count(label, current.get(value, 0), previous.get(value, 0)))
    return out


def _awareness(incidents: list[Incident]) -> dict[int, dt.datetime]:
    ids = [i.id for i in incidents]
    aware = {i.id: i.discovered_at for i in incidents}
    if ids:
        for incident_id, aware_at in db.session.execute(
                select(BreachAssessment.incident_id, BreachAssessment.aware_at)
                .where(BreachAssessment.incident_id.in_(ids))):
            aware[incident_id] = aware_at
    return aware


def _latest(model: Any, ids: list[int], order: Any) -> dict[int, Any]:
    latest: dict[int, Any] = {}
    if ids:
        for row in db.session.scalars(select(model).where(model.incident_id.in_(ids)).order_by(order, model.id)):
            latest[row.incident_id] = row
    return latest


def _latest_notify(model: Any, org_ids: list[int], period: Period) -> dict[int, bool]:
    """Per datalek of the period: ``notify`` of the decision in force (the newest), in one query."""
    latest: dict[int, bool] = {}
    for incident_id, notify in db.session.execute(
            select(model.incident_id, model.notify).join(Incident, Incident.id == model.incident_id)
            .where(_in_period(org_ids, period), Incident.is_datalek.is_(True))
            .order_by(model.decided_at, model.id)):
        latest[incident_id] = notify
    return latest


def breach_figures(org_ids: list[int], period: Period) -> rd.BreachFigures:
    leak_ids = list(db.session.scalars(select(Incident.id).where(_in_period(org_ids, period),
                                                                 Incident.is_datalek.is_(True))))
    decisions = _latest_notify(ApDecision, org_ids, period)
    subjects = _latest_notify(DataSubjectDecision, org_ids, period)
    initial = list(db.session.scalars(
        select(ApNotification).join(Incident, Incident.id == ApNotification.incident_id)
        .where(Incident.organisation_id.in_(org_ids), ApNotification.kind == NotificationKind.INITIAL,
               ApNotification.submitted_at >= period.start, ApNotification.submitted_at < period.end)))
    notified_incidents = list(db.session.scalars(select(Incident).where(
        Incident.id.in_([n.incident_id for n in initial])))) if initial else []
    aware = _awareness(notified_incidents)
    late = sum(1 for n in initial if n.submitted_at > aware[n.incident_id] + AP_DEADLINE)
    return rd.BreachFigures(
        datalekken=len(leak_ids), notified=len(initial), notified_on_time=len(initial) - late, notified_late=late,
        not_notified=sum(1 for i in leak_ids if i in decisions and not decisions[i]),
        undecided=sum(1 for i in leak_ids if i not in decisions),
        subjects_informed=sum(1 for i in leak_ids if subjects.get(i)),
        open_at_ap=apform.count_open_at_ap_in(org_ids, period.end))


def cbw_figures(org_ids: list[int], period: Period, significant: int) -> rd.CbwFigures:
    reports = list(db.session.scalars(
        select(CbwReport).join(Incident, Incident.id == CbwReport.incident_id)
        .where(Incident.organisation_id.in_(org_ids), CbwReport.submitted_at >= period.start,
               CbwReport.submitted_at < period.end)))
    by_phase = Counter(r.phase.value for r in reports)
    late = 0
    if reports:
        incidents = {i.id: i for i in db.session.scalars(select(Incident).where(
            Incident.id.in_({r.incident_id for r in reports})))}
        all_reports: dict[int, list[CbwReport]] = {}
        for r in db.session.scalars(select(CbwReport).where(CbwReport.incident_id.in_(list(incidents)))):
            all_reports.setdefault(r.incident_id, []).append(r)
        assessments = {a.incident_id: a for a in db.session.scalars(
            select(BreachAssessment).where(BreachAssessment.incident_id.in_(list(incidents))))}
        handled = {row.incident_id: row.handled_at for row in db.session.execute(
        select(CbwCase.incident_id, CbwCase.handled_at).where(
            CbwCase.incident_id.in_(list(incidents))))}
        for r in reports:
            clock = cbw_clock(incidents[r.incident_id], assessments.get(r.incident_id), all_reports[r.incident_id],
                              handled_at=handled.get(r.incident_id))
            deadline = clock.deadline(r.phase)
            late += deadline is not None and r.submitted_at > deadline
    return rd.CbwFigures(significant, by_phase.get("early_warning", 0), by_phase.get("notification", 0),
                         by_phase.get("final", 0), late)


def measure_figures(org_ids: list[int], period: Period, tz: str = DEFAULT_TZ) -> rd.MeasureFigures:
    last_day = to_local(period.end - dt.timedelta(seconds=1), tz).date()
    opened = db.session.scalar(select(func.count()).select_from(Measure).where(
        Measure.organisation_id.in_(org_ids), Measure.created_at >= period.start, Measure.created_at < period.end))
    completed = db.session.scalar(select(func.count()).select_from(Measure).where(
        Measure.organisation_id.in_(org_ids), Measure.completed_at >= period.start,
        Measure.completed_at < period.end))
    overdue = db.session.scalar(select(func.count()).select_from(Measure).where(
        Measure.organisation_id.in_(org_ids), Measure.status.in_(OPEN_MEASURE_STATUSES),
        Measure.due_date.is_not(None), Measure.due_date < last_day, Measure.created_at < period.end))
    return rd.MeasureFigures(opened or 0, completed or 0, overdue or 0)


def finding_figures(organisations: list[Organisation], period: Period, tz: str = DEFAULT_TZ) -> rd.FindingFigures:
    """The findings open at the end of the period, per organisation, and those whose re-test date had
    passed by then (the re-test day itself included: the period ends after it), by name."""
    last_day = to_local(period.end - dt.timedelta(seconds=1), tz).date()
    names = {o.id: o.name for o in organisations}
    rows = findings.open_at(list(names), period.end)
    counts: dict[int, list[int]] = {}
    overdue: list[rd.FindingLine] = []
    for finding in rows:
        tally = counts.setdefault(finding.organisation_id, [0, 0])
        tally[0] += 1
        if finding.retest_on is not None and finding.retest_on <= last_day:
            tally[1] += 1
            overdue.append(rd.FindingLine(
                organisation=names[finding.organisation_id], title=finding.title,
                source=str(finding_labels.SOURCE[finding.source]),
                severity=str(finding_labels.SEVERITY[finding.severity]),
                found_on=finding.found_on.strftime("%d-%m-%Y"), retest_on=finding.retest_on.strftime("%d-%m-%Y")))
    per_organisation = sorted((rd.FindingCount(names[org_id], o, d) for org_id, (o, d) in counts.items()),
                              key=lambda c: c.organisation)
    return rd.FindingFigures(per_organisation=per_organisation, overdue=overdue)


def _status_of(assessment: Any) -> str:
    """A gap's implementation status (a gap is always assessed, and not in full)."""
    return assessment.status.value if assessment.status is not None else "—"


def compliance_figures(organisations: list[Organisation], period: Period,
                       previous: Period) -> list[rd.ComplianceFigures]:
    catalogs = [c for c in compliance.catalogs() if c.key.startswith("BIO2")] or compliance.catalogs()
    if not catalogs:
        return []
    catalog = catalogs[-1]
    out = []
    controls = {c.id: c for c in compliance.controls_of(catalog)}
    kind = compliance.overview_kind(catalog)  # asked once (a count query), passed on
    counted = "overheidsmaatregel" if kind == ControlKind.MEASURE else "beheersmaatregel"
    now_states = compliance.compliance_of_many(organisations, catalog, now=period.end, as_of=period.end, kind=kind,
                                              with_measures=False)
    # of the quarter before only the figures are shown: its gaps need no incidents or maatregelen
    befores = compliance.compliance_of_many(organisations, catalog, now=previous.end, as_of=previous.end,
                                           kind=kind, with_measures=False, with_incidents=False)
    for org, now_state, before in zip(organisations, now_states, befores, strict=True):
        if not now_state.total.assessed and not before.total.assessed:
            continue
        before_groups = {g.code: g for g in before.groups}
        groups = [rd.ComplianceGroup(
            g.code, g.title, g.total, g.volledig, g.gedeeltelijk, g.niet, g.assessed - g.applicable,
            g.total - g.assessed, g.percentage, before_groups[g.code].percentage if g.code in before_groups else None)
            for g in now_state.groups]
        gaps = [rd.ControlLine(g.control.code, g.control.title_nl, f"{_status_of(g.assessment)} geïmplementeerd")
                for g in now_state.gaps[:10]]
        linked = compliance.incidents_per_control(org.id, list(controls), period.end - dt.timedelta(days=365))
        most = [rd.ControlLine(controls[cid].code, controls[cid].title_nl,
                               f"{n} incident{'en' if n != 1 else ''}") for cid, n in linked.most_common(5)]
        total = now_state.total
        aspects = rd.AspectFigures(total.applicable, total.opzet_voldoet, total.bestaan_voldoet,
                                   total.werking_voldoet, total.werking_expired, kind=counted)
        out.append(rd.ComplianceFigures(org.name, catalog.name, now_state.total.percentage,
                                        before.total.percentage, groups, gaps, most, aspects))
    return out


def attention_items(org_ids: list[int], period: Period, breaches: rd.BreachFigures, measures: rd.MeasureFigures,
                    cbw: rd.CbwFigures, found: rd.FindingFigures | None = None) -> list[str]:
    items = []
    open_leaks = list(db.session.scalars(select(Incident).where(
        Incident.organisation_id.in_(org_ids), Incident.is_datalek.is_(True), Incident.status.in_(OPEN_STATUSES),
        Incident.discovered_at < period.end)))
    decided = _latest(ApDecision, [i.id for i in open_leaks], ApDecision.decided_at)
    aware = _awareness(open_leaks)
    overdue = [i for i in open_leaks if i.id not in decided and aware[i.id] + AP_DEADLINE < period.end]
    if overdue:
        items.append(f"{_count(len(overdue), 'open datalek', 'open datalekken')} zonder besluit van de FG terwijl "
                     f"de AP-termijn verstreken is: {', '.join(i.reference for i in overdue[:8])}.")
    if breaches.notified_late:
        items.append(f"{_count(breaches.notified_late, 'AP-melding is', 'AP-meldingen zijn')} na de termijn van "
                     "72 uur gedaan.")
    if cbw.late:
        items.append(f"{_count(cbw.late, 'Cbw-melding aan de CSIRT is', 'Cbw-meldingen aan de CSIRT zijn')} na de "
                     "termijn gedaan.")
    if measures.overdue:
        items.append(f"{_count(measures.overdue, 'maatregel is', 'maatregelen zijn')} over de uiterste datum en "
                     "nog niet gereed.")
    if found is not None and found.overdue:
        items.append(f"{_count(len(found.overdue), 'bevinding is', 'bevindingen zijn')} over de hertestdatum en "
                     f"nog niet opgelost of geaccepteerd: {', '.join(f.title for f in found.overdue[:8])}.")
    serious = list(db.session.scalars(select(Incident).where(
        Incident.organisation_id.in_(org_ids), Incident.status.in_(OPEN_STATUSES),
        Incident.severity.in_([Severity.HOOG, Severity.KRITIEK]),
        Incident.discovered_at < period.end - dt.timedelta(days=30))))
    if serious:
        what = _count(len(serious), "incident met ernst hoog of kritiek staat",
                      "incidenten met ernst hoog of kritiek staan")
        items.append(f"{what} langer dan 30 dagen open: {', '.join(i.reference for i in serious[:8])}.")
    past_target = list(db.session.scalars(select(Incident.reference).where(
        Incident.organisation_id.in_(org_ids), Incident.discovered_at < period.end, sla.overdue_clause(period.end))
        .order_by(Incident.discovered_at, Incident.id)))
    if past_target:
        what = _count(len(past_target), "open incident staat", "open incidenten staan")
        items.append(f"{what} langer open dan de streeftijd voor hun ernst: {', '.join(past_target[:8])}.")
    return items


def _count(count: int, one: str, many: str) -> str:
    """"1 open datalek", "3 open datalekken": the report's text is Dutch, whatever the reader's locale."""
    return f"{count} {one if count == 1 else many}"


def quarterly_data(scope: Scope, period: Period, *, version: int, generated_at: dt.datetime) -> rd.QuarterlyReport:
    org_ids = [o.id for o in scope.organisations]
    year, q = int(period.label[:4]), int(period.label[-1])
    previous = quarter(year - 1, 4) if q == 1 else quarter(year, q - 1)
    current, before = _tally(org_ids, period), _tally(org_ids, previous)
    y, n = year, q
    periods = []
    for _step in range(8):
        periods.append(quarter(y, n))
        y, n = (y - 1, 4) if n == 1 else (y, n - 1)
    counted = _trend(org_ids, periods)
    trend = []
    for p in reversed(periods):
        total, leaks = counted.get(p.label, (0, 0))
        trend.append(rd.TrendPoint(p.label, total - leaks, leaks))
    breaches = breach_figures(org_ids, period)
    cbw = cbw_figures(org_ids, period, current.significant)
    measures = measure_figures(org_ids, period)
    found = finding_figures(scope.organisations, period)
    return rd.QuarterlyReport(
        scope=scope.label, period=period.label, period_label=period_label(ReportKind.QUARTERLY, period),
        generated_at=generated_at, version=version,
        incidents=rd.Count("Beveiligingsincidenten (incl. datalekken)", current.total, before.total),
        datalekken=rd.Count("Datalekken", current.datalekken, before.datalekken),
        by_category=_breakdown(current.category, before.category, CATEGORY, list(Category), "Nog niet bepaald"),
        by_severity=_breakdown(current.severity, before.severity, SEVERITY, list(Severity), "Nog niet bepaald"),
        by_status=_breakdown(current.status, before.status, STATUS, list(Status), "—"),
        trend=trend, breaches=breaches, cbw=cbw, measures=measures,
        compliance=compliance_figures(scope.organisations if scope.organisation else municipalities(), period,
                                      previous),
        attention=attention_items(org_ids, period, breaches, measures, cbw, found), findings=found,
        organisations=[o.name for o in scope.organisations] if scope.organisation is None else [],
        compliance_as_of=last_day(period), compliance_previous_as_of=last_day(previous),
    )


# --- the monthly data set --------------------------------------------------------------------------------

def _monthly_item(incident: Incident, entries: list[TimelineEntry], measures: list[Measure],
                  tz: str = DEFAULT_TZ) -> rd.MonthlyIncident:
    actions = [f"{to_local(e.occurred_at, tz):%d-%m} {e.kind.value}: {e.text[:140]}" for e in entries[-6:]]
    actions += [f"maatregel: {m.title} ({MEASURE_STATUS[m.status]})" for m in measures]
    return rd.MonthlyIncident(
        reference=incident.reference, title=incident.title, status=str(STATUS[incident.status]),
        severity=str(SEVERITY[incident.severity]) if incident.severity else "—",
        category=str(CATEGORY[incident.category]) if incident.category else "—",
        discovered=f"{to_local(incident.discovered_at, tz):%d-%m-%Y %H:%M}",
        closed=f"{to_local(incident.closed_at, tz):%d-%m-%Y %H:%M}" if incident.closed_at else None,
        actions=actions)


def monthly_data(scope: Scope, period: Period, *, version: int, generated_at: dt.datetime) -> rd.MonthlyReport:
    org_ids = [o.id for o in scope.organisations]
    stmt = select(Incident).where(Incident.organisation_id.in_(org_ids)).order_by(Incident.discovered_at)
    opened = list(db.session.scalars(stmt.where(Incident.discovered_at >= period.start,
                                                Incident.discovered_at < period.end)))
    closed = list(db.session.scalars(stmt.where(Incident.closed_at >= period.start, Incident.closed_at < period.end)))
    still_open = list(db.session.scalars(stmt.where(Incident.discovered_at < period.end,
                                                    Incident.status.in_(OPEN_STATUSES))))
    ids = {i.id for i in opened + closed + still_open}
    entries: dict[int, list[TimelineEntry]] = {}
    measures: dict[int, list[Measure]] = {}
    if ids:
        for e in db.session.scalars(select(TimelineEntry).where(TimelineEntry.incident_id.in_(ids),
                                                                TimelineEntry.occurred_at < period.end)
                                    .order_by(TimelineEntry.occurred_at)):
            entries.setdefault(e.incident_id, []).append(e)
        for m in db.session.scalars(select(Measure).options(selectinload(Measure.incidents))
                                    .join(Measure.incidents).where(Incident.id.in_(ids))):
            for incident in m.incidents:
                if incident.id in ids:
                    measures.setdefault(incident.id, []).append(m)

    def items(rows: list[Incident]) -> list[rd.MonthlyIncident]:
        return [_monthly_item(i, entries.get(i.id, []), measures.get(i.id, [])) for i in rows]

    return rd.MonthlyReport(scope.label, period.label, period_label(ReportKind.MONTHLY, period), generated_at,
                            version, items(opened), items(closed), items(still_open))


# --- annual figures -----------------------------------------------------------------------------------------

def annual_figures(organisation: Organisation, year: int, tz: str = DEFAULT_TZ) -> rd.AnnualFigures:
    """The year's numbers for the annual accounts: beveiligingsincidenten (not datalekken), datalekken,
    and the datalekken notified to the AP — counted by the year of discovery (Amsterdam time)."""
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("Kies een jaar tussen 2000 en 2100."), field="year")
    start, end = to_utc(dt.datetime(year, 1, 1), tz), to_utc(dt.datetime(year + 1, 1, 1), tz)
    incidents, leaks = db.session.execute(
        select(func.count().filter(Incident.is_datalek.is_(False)), func.count().filter(Incident.is_datalek.is_(True)))
        .select_from(Incident)
        .where(Incident.organisation_id == organisation.id, Incident.discovered_at >= start,
               Incident.discovered_at < end, Incident.status != Status.INGETROKKEN)).one()
    notified = db.session.scalar(
        select(func.count(func.distinct(ApNotification.incident_id)))
        .join(Incident, Incident.id == ApNotification.incident_id)
        .where(Incident.organisation_id == organisation.id, Incident.is_datalek.is_(True),
               Incident.discovered_at >= start, Incident.discovered_at < end,
               Incident.status != Status.INGETROKKEN, ApNotification.kind == NotificationKind.INITIAL)) or 0
    return rd.AnnualFigures(organisation.name.removeprefix("Gemeente "), year, incidents, leaks, notified)


# --- the annual accountability and the jaarverslag paragraph ---------------------------------------------------

#: what the jaarverslag paragraph tells besides the figures: compliance, findings and maatregelen; who
#: reads it must read these in the organisation (every role that reads incidents does)
PARAGRAPH_READS = (Permission.COMPLIANCE_READ, Permission.FINDING_READ, Permission.MEASURE_READ)


def jaarverslag(organisation: Organisation, year: ensia.Year, tz: str = DEFAULT_TZ,
               figures: rd.AnnualFigures | None = None) -> accountability.Jaarverslag:
    """The draft informatieveiligheid paragraph for the jaarverslag (newest BIO2 catalog); ``figures``
    when the caller has counted the year's figures already."""
    s = accountability.state(organisation, ensia.default_catalog(), year, full=False)
    return accountability.jaarverslag(s, figures or annual_figures(organisation, year.year, tz))


def annual_accountability(scope: Scope, period: Period, *, version: int, generated_at: dt.datetime,
                          audit_anchor: str | None = None) -> rd.AnnualAccountability:
    """The data of the annual accountability PDF of one organisation (never "all")."""
    if scope.organisation is None:
        raise ValidationFailed(_("Een jaarverantwoording gaat over één organisatie; kies een organisatie."),
                               field="scope")
    year = ensia.year_of(int(period.label), now=generated_at)
    s = accountability.state(scope.organisation, ensia.default_catalog(), year)
    return accountability.annual_data(s, annual_figures(scope.organisation, year.year), version=version,
                                      generated_at=generated_at, audit_anchor=audit_anchor)


# --- the archive ---------------------------------------------------------------------------------------------

def latest_version(kind: ReportKind, period: str, scope: str) -> int:
    return db.session.scalar(select(func.max(Report.version)).where(
        Report.kind == kind, Report.period == period, Report.scope == scope)) or 0


def generate(kind: ReportKind | str, period_text: str, scope_code: str, *, actor: User | None = None,
             actor_label: str | None = None, now: dt.datetime | None = None) -> Report:
    """Compute, render and store a report: version 1, or the next version when one exists.
    Never commits; a failure stores nothing. ``actor`` (None: the scheduler) must generate reports
    in the scope's organisation — for "all", in every organisation."""
    from reports import render

    now = now or utcnow()
    kind = ReportKind(kind)
    period = parse_period(kind, period_text, now=now)
    scope = resolve_scope(scope_code)
    if actor is not None:
        _check_may_generate(actor, scope)
    version = latest_version(kind, period.label, scope.code) + 1
    anchor = str(audit.chain_head())  # printed on the report: the archive anchors the chain outside the database
    if kind == ReportKind.ANNUAL:
        pdf = render.render_annual(annual_accountability(scope, period, version=version, generated_at=now,
                                                         audit_anchor=anchor))
    elif kind == ReportKind.QUARTERLY:
        pdf = render.render_quarterly(dataclasses.replace(
            quarterly_data(scope, period, version=version, generated_at=now), audit_anchor=anchor))
    else:
        pdf = render.render_monthly(dataclasses.replace(
            monthly_data(scope, period, version=version, generated_at=now), audit_anchor=anchor))
    label = actor_label or (actor.email if actor else "scheduler")
    report = Report(kind=kind, period=period.label, scope=scope.code,
                    organisation_id=scope.organisation.id if scope.organisation else None, version=version,
                    generated_at=now, generated_by_id=actor.id if actor else None, generated_by_label=label,
                    sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), pdf=pdf)
    db.session.add(report)
    db.session.flush()
    audit.record(actor, "report", report.id, "generate",
                 audit.created({"kind": kind, "period": period.label, "scope": scope.code, "version": version,
                                "sha256": report.sha256}),
                 organisation_id=report.organisation_id, actor_label=None if actor else label)
    return report


def _check_may_generate(actor: Principal, scope: Scope) -> None:
    """An organisation outside the actor's scope is unknown to them, like one that does not exist."""
    covered = organisation_ids_with(actor, Permission.REPORT_GENERATE)
    if isinstance(covered, AllOrganisations):
        return
    if scope.organisation is None:
        raise NotPermitted(_("Een rapportage over alle organisaties maakt alleen wie alle organisaties ziet."),
                           field="scope")
    if scope.organisation.id not in covered:
        raise ValidationFailed(_("Onbekende organisatie: %(c)s.", c=scope.code), field="scope")


def scopes_for(user: Principal | None) -> list[str]:
    """The scopes ``user`` may generate reports for: covering every organisation, those the
    scheduler makes (each municipality, and "all"); else each organisation in their scope."""
    covered = organisation_ids_with(user, Permission.REPORT_GENERATE)
    if isinstance(covered, AllOrganisations):
        return scopes_for_schedule()
    if not covered:
        return []
    return list(db.session.scalars(select(Organisation.code).where(Organisation.id.in_(sorted(covered)))
                                   .order_by(Organisation.code)))


def scopes_for_schedule() -> list[str]:
    return [o.code for o in municipalities()] + [ALL]


def missing_scopes(kind: ReportKind | str, period: Period) -> list[str]:
    """The scopes (each municipality, and Duo+ as a whole) without a report of this kind for this
    period yet: what the scheduler still has to make (so a second run, or a second scheduler, adds
    nothing)."""
    kind = ReportKind(kind)
    return [scope for scope in scopes_for_schedule() if not latest_version(kind, period.label, scope)]


def reports_for(user: Principal | None, *, kind: ReportKind | None = None, limit: int = 200) -> list[Report]:
    """The archive as far as the user may read it, newest first."""
    ids = organisation_ids_with(user, Permission.REPORT_READ)
    stmt = (select(Report).options(selectinload(Report.generated_by))
            .order_by(Report.generated_at.desc(), Report.id.desc()).limit(limit))
    if not isinstance(ids, AllOrganisations):
        if not ids:
            return []
        stmt = stmt.where(Report.organisation_id.in_(sorted(ids)))
    if kind is not None:
        stmt = stmt.where(Report.kind == kind)
    return list(db.session.scalars(stmt))
