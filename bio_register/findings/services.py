"""Findings (bevindingen): recording, changing, listing, and the figures the report and the digest use.
Never commits.

A finding belongs to one organisation; it names the controls it concerns (of the catalogs that
organisation uses) and the maatregelen of that organisation that resolve it. Its status is open,
in behandeling, opgelost or geaccepteerd; accepting the risk needs a motivation. A finding is
*overdue* when its re-test date has passed (Amsterdam time) and it is neither resolved nor accepted.
Every change is audited with its before and after (entity ``finding``), which is also its history.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from bio_register.accounts.models import User
from bio_register.audit import services as audit
from bio_register.audit.models import AuditEvent
from bio_register.compliance import services as compliance
from bio_register.compliance.models import Control, ControlCatalog
from bio_register.database import utcnow
from bio_register.errors import Conflict, ValidationFailed
from bio_register.extensions import db
from bio_register.findings.models import (
    OPEN_FINDING_STATUSES,
    Finding,
    FindingSource,
    FindingStatus,
    finding_controls,
)
from bio_register.i18n import gettext as _
from bio_register.incidents.models import Severity
from bio_register.measures.models import Measure
from bio_register.organisations.models import Organisation
from bio_register.paging import Page
from bio_register.permissions import Permission, Principal, get_scoped, has_permission, organisation_scope
from bio_register.timeutil import DEFAULT_TZ, to_local
from bio_register.validation import Errors

MAX_TITLE = 200
MAX_TEXT = 20_000
MAX_LINKS = 100
MAX_ID = 2**31 - 1
#: a motivation for accepting a risk says why: at least this many characters
MIN_MOTIVATION = 10
EARLIEST = dt.date(1990, 1, 1)
LATEST = dt.date(2099, 12, 31)

FIELDS = ("source", "found_on", "title", "description", "severity", "status", "motivation", "retest_on")
LINKS = ("controls", "measures")
EDITABLE = (*FIELDS, *LINKS)


def local_today(now: dt.datetime | None = None, tz: str = DEFAULT_TZ) -> dt.date:
    """Today's date on the wall in ``tz``: re-tests fall due on local days."""
    return to_local(now or utcnow(), tz).date()


def control_label(control: Control) -> str:
    return f"{control.catalog.key} {control.code}"


def is_open(finding: Finding) -> bool:
    return finding.status in OPEN_FINDING_STATUSES


def is_overdue(finding: Finding, today: dt.date) -> bool:
    """Its re-test date has passed and it is neither resolved nor accepted."""
    return is_open(finding) and finding.retest_on is not None and finding.retest_on < today


def _overdue_clause(today: dt.date) -> ColumnElement[bool]:
    return and_(Finding.status.in_(OPEN_FINDING_STATUSES), Finding.retest_on.is_not(None), Finding.retest_on < today)


# --- snapshots (what the audit log records) ---------------------------------------------------------

def snapshot(finding: Finding) -> dict[str, Any]:
    return {**{name: getattr(finding, name) for name in FIELDS},
            "controls": sorted(control_label(c) for c in finding.controls),
            "measures": sorted(m.title for m in finding.measures)}


# --- validation ----------------------------------------------------------------------------------------

def _date(errors: Errors, name: str, value: Any, *, required: bool = False) -> dt.date | None:
    if value is None or value == "":
        if required:
            errors.add(name, _("Geef een datum."))
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        errors.add(name, _("Geef een datum."))
        return None
    if not EARLIEST <= value <= LATEST:
        errors.add(name, _("Kies een datum tussen 1990 en 2100."))
        return None
    return value


def _enum(errors: Errors, name: str, value: Any, kind: Any, message: str) -> Any:
    if value is None or value == "":
        errors.add(name, message)
        return None
    try:
        return kind(value)
    except ValueError:
        errors.add(name, _("Onbekende keuze: %(value)s.", value=str(value)[:40]))
        return None


def _clean(errors: Errors, data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not partial or "title" in data:
        out["title"] = errors.text("title", data.get("title"), max_length=MAX_TITLE, required=True,
                                   single_line=True)
    for name in ("description", "motivation"):
        if name in data:
            out[name] = errors.text(name, data.get(name), max_length=MAX_TEXT)
    if not partial or "source" in data:
        out["source"] = _enum(errors, "source", data.get("source"), FindingSource,
                              _("Kies de bron van de bevinding."))
    if not partial or "severity" in data:
        out["severity"] = _enum(errors, "severity", data.get("severity"), Severity,
                                _("Kies de ernst van de bevinding."))
    if "status" in data:
        out["status"] = _enum(errors, "status", data.get("status"), FindingStatus, _("Kies een status."))
    if not partial or "found_on" in data:
        out["found_on"] = _date(errors, "found_on", data.get("found_on"), required=True)
    if "retest_on" in data:
        out["retest_on"] = _date(errors, "retest_on", data.get("retest_on"))
    return out


def _check(errors: Errors, state: Mapping[str, Any], today: dt.date) -> None:
    """Rules across fields, on the state after the change."""
    found_on, retest_on = state.get("found_on"), state.get("retest_on")
    if "found_on" not in errors.errors and found_on is not None and found_on > today:
        errors.add("found_on", _("Een bevinding kan niet in de toekomst gedaan zijn."))
    if "retest_on" not in errors.errors and found_on and retest_on and retest_on < found_on:
        errors.add("retest_on", _("De hertest kan niet vóór de datum van de bevinding liggen (%(d)s).",
                                  d=found_on.strftime("%d-%m-%Y")))
    if state.get("status") == FindingStatus.GEACCEPTEERD and "motivation" not in errors.errors:
        motivation = state.get("motivation") or ""
        if len(motivation) < MIN_MOTIVATION:
            errors.add("motivation", _("Een geaccepteerde bevinding vraagt een motivering: leg uit waarom het "
                                       "risico wordt aanvaard (minstens %(n)d tekens).", n=MIN_MOTIVATION))


def _as_list(errors: Errors, name: str, values: Any) -> list[Any]:
    if values is None:
        return []
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        errors.add(name, _("Geef een lijst."))
        return []
    items = list(values)
    if len(items) > MAX_LINKS:
        errors.add(name, _("Hoogstens %(n)d koppelingen.", n=MAX_LINKS))
        return []
    return items


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def _word(value: str) -> str:
    return " ".join("".join(ch for ch in value if ch.isprintable() or ch.isspace()).split())


def _control_ref(value: Any) -> tuple[str | None, str] | None:
    """(catalog key or None, code) from ``{"catalog", "code"}``, a pair, or a text "KEY CODE" / "CODE"."""
    if isinstance(value, Mapping) and set(value) == {"catalog", "code"}:
        value = (value["catalog"], value["code"])
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, str) for v in value):
        catalog, code = _word(value[0]), _word(value[1])
        return (catalog, code) if catalog and code else None
    if isinstance(value, str):
        words = _word(value).split()
        if len(words) == 1:
            return None, words[0]
        if len(words) == 2:
            return words[0], words[1]
    return None


def _resolve_controls(errors: Errors, organisation: Organisation, values: Any) -> list[Control]:
    """Controls by id, by (catalog key, code) or by code alone, all in the catalogs the organisation
    uses (a code alone: in the newest of them that has it). One query for the controls."""
    items = _as_list(errors, "controls", values)
    if not items:
        return []
    catalogs = compliance.catalogs_of(organisation)
    order = {c.id: i for i, c in enumerate(catalogs)}
    keys = {c.key.upper() for c in catalogs}
    ids = {v for v in items if _is_id(v)}
    refs = {ref: v for v in items if not _is_id(v) and (ref := _control_ref(v)) is not None}
    codes = sorted({code for _key, code in refs})
    found: list[Control] = []
    if ids or codes:
        found = list(db.session.scalars(select(Control).where(
            Control.catalog_id.in_(sorted(order)), or_(Control.id.in_(sorted(ids)), Control.code.in_(codes)))))
    by_id = {c.id: c for c in found}
    by_ref = {(c.catalog.key.upper(), c.code): c for c in found}
    by_code: dict[str, Control] = {}
    for each in sorted(found, key=lambda c: order[c.catalog_id]):
        by_code.setdefault(each.code, each)
    result: dict[int, Control] = {}
    for value in items:
        control: Control | None = None
        if _is_id(value):
            control = by_id.get(value)
            if control is None:
                errors.add("controls", _("Beheersmaatregel %(id)s bestaat niet in de catalogus van deze "
                                         "organisatie.", id=value))
        elif (ref := _control_ref(value)) is None:
            errors.add("controls", _("Geef een beheersmaatregel met zijn nummer, eventueel met de catalogus "
                                     "ervoor (bijvoorbeeld „BIO2-1.3 5.24.01”)."))
            continue
        elif ref[0] is None:
            control = by_code.get(ref[1])
            if control is None:
                errors.add("controls", _("Nummer „%(code)s” komt niet voor in de catalogus van deze organisatie.",
                                         code=ref[1]))
        elif ref[0].upper() not in keys:
            errors.add("controls", _("Catalogus „%(catalog)s” wordt door deze organisatie niet gebruikt.",
                                     catalog=ref[0]))
            continue
        else:
            control = by_ref.get((ref[0].upper(), ref[1]))
            if control is None:
                errors.add("controls", _("Nummer „%(code)s” komt niet voor in catalogus %(catalog)s.",
                                         code=ref[1], catalog=ref[0]))
        if control is not None:
            result.setdefault(control.id, control)
    return sorted(result.values(), key=lambda c: (c.catalog.key, c.sort_key))


def _resolve_measures(errors: Errors, organisation_id: int, values: Any) -> list[Measure]:
    """Maatregelen by id, each of ``organisation_id``; another organisation's looks unknown."""
    items = _as_list(errors, "measures", values)
    ids = [v for v in items if _is_id(v)]
    found = {m.id: m for m in db.session.scalars(
        select(Measure).where(Measure.id.in_(sorted(set(ids))), Measure.organisation_id == organisation_id))
    } if ids else {}
    result: dict[int, Measure] = {}
    for value in items:
        if not _is_id(value):
            errors.add("measures", _("Geef een maatregel met zijn nummer."))
        elif value in found:
            result.setdefault(value, found[value])
        else:
            errors.add("measures", _("Maatregel %(id)s bestaat niet of hoort niet bij deze organisatie.", id=value))
    return list(result.values())


def _refuse_unknown(data: Mapping[str, Any]) -> None:
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ValidationFailed.collect({name: [_("Onbekend veld.")] for name in sorted(unknown)})


def _check_version(finding: Finding, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != finding.version:
        raise Conflict(_("Iemand anders heeft deze bevinding intussen opgeslagen (versie %(v)d). Bekijk de "
                         "nieuwe gegevens en breng uw wijziging opnieuw aan.", v=finding.version), field="version")


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(_("Iemand anders heeft deze bevinding intussen opgeslagen. Laad haar opnieuw."),
                       field="version") from None


# --- commands ----------------------------------------------------------------------------------------

def create_finding(actor: User | None, organisation: Organisation, data: Mapping[str, Any], *,
                   now: dt.datetime | None = None, actor_label: str | None = None,
                   tz: str = DEFAULT_TZ) -> Finding:
    """Record a finding. ``source``, ``found_on`` (not in the future), ``title`` and ``severity`` are
    required; ``status`` defaults to open; geaccepteerd needs a ``motivation``; ``controls`` name
    controls of the organisation's catalogs, ``measures`` are ids of its maatregelen."""
    now = now or utcnow()
    _refuse_unknown(data)
    errors = Errors()
    values = _clean(errors, data, partial=False)
    values.setdefault("status", FindingStatus.OPEN)
    controls = _resolve_controls(errors, organisation, data.get("controls"))
    measures = _resolve_measures(errors, organisation.id, data.get("measures"))
    _check(errors, values, local_today(now, tz))
    errors.raise_if_any()
    finding = Finding(organisation=organisation, created_by_id=actor.id if actor else None, created_at=now,
                      updated_at=now, version=1, controls=controls, measures=measures,
                      closed_at=None if values["status"] in OPEN_FINDING_STATUSES else now, **values)
    db.session.add(finding)
    db.session.flush()
    audit.record(actor, "finding", finding.id, "create",
                 audit.created({**snapshot(finding), "organisation": organisation.code}),
                 organisation_id=organisation.id, actor_label=actor_label)
    return finding


def update_finding(actor: User | None, finding: Finding, data: Mapping[str, Any], expected_version: int | None,
                   *, now: dt.datetime | None = None, tz: str = DEFAULT_TZ) -> Finding:
    """Change fields; ``controls`` and ``measures``, when given, replace the links. A stale version →
    Conflict. Resolving or accepting sets ``closed_at``; reopening clears it."""
    now = now or utcnow()
    _check_version(finding, expected_version)
    _refuse_unknown(data)
    errors = Errors()
    values = _clean(errors, data, partial=True)
    if "controls" in data:
        values["controls"] = _resolve_controls(errors, finding.organisation, data["controls"])
    if "measures" in data:
        values["measures"] = _resolve_measures(errors, finding.organisation_id, data["measures"])
    _check(errors, {**snapshot(finding), **values}, local_today(now, tz))
    errors.raise_if_any()
    before = snapshot(finding)
    was_open = is_open(finding)
    for name, value in values.items():
        setattr(finding, name, value)
    changes = audit.diff(before, snapshot(finding))
    if not changes:
        return finding
    if was_open != is_open(finding):
        finding.closed_at = None if is_open(finding) else now
    finding.updated_at = now
    flag_modified(finding, "updated_at")  # an UPDATE, so the version moves even when only links changed
    _flush_or_conflict()
    audit.record(actor, "finding", finding.id, "update", changes, organisation_id=finding.organisation_id)
    return finding


# --- queries --------------------------------------------------------------------------------------------

def get_finding(user: Principal | None, finding_id: int, permission: Permission = Permission.FINDING_READ) -> Finding:
    return get_scoped(Finding, finding_id, user, permission)


def can_edit(user: Principal | None, finding: Finding) -> bool:
    return has_permission(user, Permission.FINDING_WRITE, finding.organisation_id)


@dataclass
class FindingFilter:
    organisation: str | None = None
    status: Sequence[FindingStatus] = ()
    source: Sequence[FindingSource] = ()
    severity: Sequence[Severity] = ()
    open_only: bool = False
    overdue_only: bool = False
    control_id: int | None = None
    q: str | None = None


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def filtered(user: Principal | None, flt: FindingFilter, today: dt.date) -> Select[Finding]:
    stmt = select(Finding).where(organisation_scope(user, Permission.FINDING_READ, Finding.organisation_id))
    if flt.organisation:
        stmt = stmt.where(Finding.organisation_id.in_(
            select(Organisation.id).where(Organisation.code == flt.organisation.upper())))
    if flt.status:
        stmt = stmt.where(Finding.status.in_(list(flt.status)))
    if flt.source:
        stmt = stmt.where(Finding.source.in_(list(flt.source)))
    if flt.severity:
        stmt = stmt.where(Finding.severity.in_(list(flt.severity)))
    if flt.open_only:
        stmt = stmt.where(Finding.status.in_(OPEN_FINDING_STATUSES))
    if flt.overdue_only:
        stmt = stmt.where(_overdue_clause(today))
    if flt.control_id is not None:
        stmt = stmt.where(Finding.id.in_(select(finding_controls.c.finding_id)
                                         .where(finding_controls.c.control_id == flt.control_id)))
    if flt.q:
        for word in flt.q.lower().split()[:8]:
            pattern = _like(word)
            stmt = stmt.where(or_(func.lower(Finding.title).like(pattern, escape="\\"),
                                  func.lower(Finding.description).like(pattern, escape="\\")))
    return stmt


def _ordered(stmt: Select[Finding]) -> Select[Finding]:
    closed = Finding.status.in_((FindingStatus.OPGELOST, FindingStatus.GEACCEPTEERD))
    return stmt.order_by(closed, Finding.retest_on.is_(None), Finding.retest_on, Finding.found_on.desc(),
                         Finding.id.desc())


def list_findings(user: Principal | None, flt: FindingFilter, page: int = 1, per_page: int = 25,
                  *, today: dt.date | None = None) -> Page[Finding]:
    """One page of findings with their controls and maatregelen: a fixed number of queries. Open ones
    first, by re-test date; then the newest."""
    stmt = filtered(user, flt, today or local_today())
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = list(db.session.scalars(_ordered(stmt).options(selectinload(Finding.controls),
                                                           selectinload(Finding.measures))
                                    .limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items, page, per_page, total)


def for_control(user: Principal | None, organisation: Organisation, control: Control) -> list[Finding]:
    """The organisation's findings concerning ``control``, open ones first (one query)."""
    if not has_permission(user, Permission.FINDING_READ, organisation.id):
        return []
    stmt = select(Finding).join(finding_controls, finding_controls.c.finding_id == Finding.id).where(
        Finding.organisation_id == organisation.id, finding_controls.c.control_id == control.id)
    return list(db.session.scalars(_ordered(stmt)))


def measures_of(organisation_ids: Sequence[int]) -> list[Measure]:
    """The maatregelen of these organisations, to choose from on a finding's form (newest first)."""
    if not organisation_ids:
        return []
    return list(db.session.scalars(select(Measure).where(Measure.organisation_id.in_(list(organisation_ids)))
                                   .order_by(Measure.organisation_id, Measure.id.desc())))


# --- figures: the quarterly report and the digest ---------------------------------------------------

def open_at(org_ids: Sequence[int], end: dt.datetime) -> list[Finding]:
    """The findings of these organisations that were open at ``end``: recorded before it, and not
    resolved or accepted by then (``closed_at``). Oldest re-test first (one query)."""
    if not org_ids:
        return []
    stmt = select(Finding).where(Finding.organisation_id.in_(list(org_ids)), Finding.created_at < end,
                                 or_(Finding.closed_at.is_(None), Finding.closed_at >= end))
    return list(db.session.scalars(stmt.order_by(Finding.organisation_id, Finding.retest_on.is_(None),
                                                 Finding.retest_on, Finding.id)))


def open_for(org_ids: Sequence[int] | None, limit: int = 50) -> list[Finding]:
    """Findings open now in these organisations (None: all), overdue re-tests first (one query)."""
    stmt = select(Finding).where(Finding.status.in_(OPEN_FINDING_STATUSES))
    if org_ids is not None:
        stmt = stmt.where(Finding.organisation_id.in_(sorted(org_ids)))
    return list(db.session.scalars(stmt.order_by(Finding.retest_on.is_(None), Finding.retest_on, Finding.id)
                                   .limit(limit)))


def count_open(org_ids: Sequence[int] | None) -> int:
    stmt = select(func.count()).select_from(Finding).where(Finding.status.in_(OPEN_FINDING_STATUSES))
    if org_ids is not None:
        stmt = stmt.where(Finding.organisation_id.in_(sorted(org_ids)))
    return db.session.scalar(stmt) or 0


# --- history -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HistoryItem:
    at: dt.datetime
    kind: str
    actor: str
    changes: Mapping[str, Any]


def history(finding: Finding) -> list[HistoryItem]:
    """The audit log's events for this finding, oldest first (one query)."""
    events = db.session.execute(
        select(AuditEvent.occurred_at, AuditEvent.action, AuditEvent.changes, AuditEvent.actor_label, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.entity == "finding", AuditEvent.entity_id == str(finding.id))
        .order_by(AuditEvent.seq))
    return [HistoryItem(at=at, kind=action, actor=name or label, changes=json.loads(changes))
            for at, action, changes, label, name in events]


def catalogs_for(organisation: Organisation) -> list[ControlCatalog]:
    """The catalogs whose controls a finding of ``organisation`` may name."""
    return compliance.catalogs_of(organisation)
