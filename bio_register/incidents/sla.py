"""Target handling times (issue 22): how long an open incident of each severity may take.

Per organisation, a target in whole days per severity. An organisation without targets of its own
inherits its parent's, else the defaults below. Elapsed time runs from the moment the organisation
became aware — the AP clock's moment: the FG's ``aware_at`` when the datalek is assessed, else the
discovery — to now, in elapsed hours (a day is 24 hours, across daylight-saving changes too).

The overdue condition is one SQL expression (:func:`overdue_clause`), so a list marks its rows in
the query that reads them. Never commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, case, delete, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from bio_register.accounts.models import User
from bio_register.audit import services as audit
from bio_register.breaches.models import BreachAssessment
from bio_register.database import UTCDateTime
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.incidents.models import OPEN_STATUSES, HandlingTarget, Incident, Severity
from bio_register.organisations.models import Organisation
from bio_register.timeutil import hours_between
from bio_register.validation import Errors

#: the target handling time in days when neither the organisation nor its parent set one
DEFAULT_DAYS: dict[Severity, int] = {
    Severity.KRITIEK: 2, Severity.HOOG: 5, Severity.MIDDEN: 20, Severity.LAAG: 60,
}
#: most severe first (the order of the form and of the page)
SEVERITIES = (Severity.KRITIEK, Severity.HOOG, Severity.MIDDEN, Severity.LAAG)
MIN_DAYS, MAX_DAYS = 1, 365

OWN, PARENT, DEFAULT = "own", "parent", "default"


@dataclass(frozen=True)
class Targets:
    """The targets that apply to an organisation and where they come from."""

    days: dict[Severity, int]
    source: str  # OWN, PARENT or DEFAULT
    parent: Organisation | None = None


def _own(organisation_id: int) -> dict[Severity, int]:
    return {t.severity: t.days for t in db.session.scalars(
        select(HandlingTarget).where(HandlingTarget.organisation_id == organisation_id))}


def targets_for(organisation: Organisation) -> Targets:
    """The organisation's own targets, else its parent's, else the defaults."""
    own = _own(organisation.id)
    if own:
        return Targets({s: own.get(s, DEFAULT_DAYS[s]) for s in SEVERITIES}, OWN)
    if organisation.parent is not None:
        inherited = _own(organisation.parent.id)
        if inherited:
            return Targets({s: inherited.get(s, DEFAULT_DAYS[s]) for s in SEVERITIES}, PARENT, organisation.parent)
    return Targets(dict(DEFAULT_DAYS), DEFAULT)


def _check_days(errors: Errors, severity: Severity, value: Any) -> int | None:
    if isinstance(value, str):
        value = value.strip()
        if value.isdigit() or (value.startswith("-") and value[1:].isdigit()):
            value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(severity.value, _("Vul een geheel aantal dagen in."))
        return None
    if not MIN_DAYS <= value <= MAX_DAYS:
        errors.add(severity.value, _("Kies een streeftijd van %(min)d tot en met %(max)d dagen.",
                                     min=MIN_DAYS, max=MAX_DAYS))
        return None
    return value


def set_targets(actor: User, organisation: Organisation, values: Mapping[str, Any]) -> Targets:
    """Give the organisation targets of its own (all four severities), audited with before and
    after. Raises ValidationFailed (422) for anything but whole days from 1 to 365."""
    errors = Errors()
    days = {s: _check_days(errors, s, values.get(s.value)) for s in SEVERITIES}
    errors.raise_if_any()
    before = targets_for(organisation)
    db.session.execute(delete(HandlingTarget).where(HandlingTarget.organisation_id == organisation.id))
    db.session.add_all(HandlingTarget(organisation_id=organisation.id, severity=s, days=d)
                       for s, d in days.items() if d is not None)
    db.session.flush()
    after = targets_for(organisation)
    _audit(actor, organisation, before, after)
    return after


def inherit_targets(actor: User, organisation: Organisation) -> Targets:
    """Drop the organisation's own targets: it inherits again (its parent's, else the defaults)."""
    before = targets_for(organisation)
    db.session.execute(delete(HandlingTarget).where(HandlingTarget.organisation_id == organisation.id))
    db.session.flush()
    after = targets_for(organisation)
    _audit(actor, organisation, before, after)
    return after


def _audit(actor: User, organisation: Organisation, before: Targets, after: Targets) -> None:
    def values(targets: Targets) -> dict[str, Any]:
        return {"handling_target_source": targets.source,
                **{f"handling_target_{s.value}": targets.days[s] for s in SEVERITIES}}

    changes = audit.diff(values(before), values(after))
    if changes:
        audit.record(actor, "organisation", organisation.id, "handling_targets", changes,
                     organisation_id=organisation.id)


# --- the overdue condition in SQL ------------------------------------------------------------------

class hours_since(FunctionElement[float]):  # noqa: N801 - a SQL function's name
    """Elapsed hours from the first timestamp to the second (both UTC), in SQL."""

    type = Float()
    inherit_cache = True


@compiles(hours_since, "sqlite")
def _hours_since_sqlite(element: hours_since, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = list(element.clauses)
    return f"((julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)})) * 24.0)"


@compiles(hours_since, "postgresql")
def _hours_since_postgresql(element: hours_since, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = list(element.clauses)
    return f"(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)})) / 3600.0)"


def awareness_expr() -> ColumnElement[dt.datetime]:
    """The AP clock's moment for the incident row: the assessment's aware_at, else the discovery."""
    aware = select(BreachAssessment.aware_at).where(
        BreachAssessment.incident_id == Incident.id).correlate(Incident).scalar_subquery()
    return func.coalesce(aware, Incident.discovered_at, type_=UTCDateTime())


def target_days_expr() -> ColumnElement[int]:
    """The target in days for the incident row: its organisation's own, else the parent's, else the default."""
    own = select(HandlingTarget.days).where(
        HandlingTarget.organisation_id == Incident.organisation_id,
        HandlingTarget.severity == Incident.severity).correlate(Incident).scalar_subquery()
    child = aliased(Organisation)
    inherited = select(HandlingTarget.days).join(child, child.parent_id == HandlingTarget.organisation_id).where(
        child.id == Incident.organisation_id, HandlingTarget.severity == Incident.severity,
    ).correlate(Incident).scalar_subquery()
    default = case(*((Incident.severity == s, literal(d)) for s, d in DEFAULT_DAYS.items()), else_=None)
    return func.coalesce(own, inherited, default)


def overdue_clause(now: dt.datetime) -> ColumnElement[bool]:
    """True for an open incident with a severity whose elapsed time since awareness exceeds its target."""
    moment = literal(now, UTCDateTime())
    return and_(Incident.status.in_(OPEN_STATUSES), Incident.severity.is_not(None),
                hours_since(awareness_expr(), moment) > target_days_expr() * 24)


def overdue_flag(now: dt.datetime) -> ColumnElement[bool]:
    """:func:`overdue_clause` as a column (a list's badge): never NULL."""
    return case((overdue_clause(now), True), else_=False)


def elapsed_hours(incident: Incident, now: dt.datetime) -> float:
    """The elapsed hours since the incident's awareness moment (in Python, for one incident)."""
    from bio_register.breaches.services import awareness

    assessment = db.session.scalar(select(BreachAssessment).where(BreachAssessment.incident_id == incident.id))
    return hours_between(awareness(incident, assessment), now)
