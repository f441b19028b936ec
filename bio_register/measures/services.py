"""Maatregelen: rules for creating, editing, following and linking measures. Never commits.

A measure belongs to one organisation. It can be linked to incidents of that same organisation
("measure taken") and to controls or overheidsmaatregelen of any catalog. Links are given as
ids, or the way a person types them: an incident reference (``DIE-2026-0007``) or a
:class:`ControlRef` (catalog key and code, ``("BIO2-1.3", "5.24.03")``). Every change is
audited with its before and after.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload
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
from bio_register.i18n import gettext as _
from bio_register.incidents.models import Incident
from bio_register.measures.labels import status_label
from bio_register.measures.models import (
    OPEN_MEASURE_STATUSES,
    Measure,
    MeasureStatus,
    measure_controls,
    measure_incidents,
)
from bio_register.measures.rules import is_overdue, local_today
from bio_register.organisations.models import Organisation
from bio_register.paging import Page
from bio_register.permissions import Permission, Principal, get_scoped, has_permission, organisation_scope
from bio_register.validation import Errors

MAX_TITLE = 200
MAX_TEXT = 20_000
MAX_OWNER = 200
MAX_LINKS = 100
#: ids are 32-bit integers in the database; a larger one exists nowhere (and PostgreSQL refuses it)
MAX_ID = 2**31 - 1
LATEST_DUE = dt.date(2099, 12, 31)

#: status → statuses it may move to
TRANSITIONS: dict[MeasureStatus, frozenset[MeasureStatus]] = {
    MeasureStatus.GEPLAND: frozenset({MeasureStatus.IN_UITVOERING, MeasureStatus.VERVALLEN}),
    MeasureStatus.IN_UITVOERING: frozenset({MeasureStatus.GEREED, MeasureStatus.VERVALLEN}),
    MeasureStatus.GEREED: frozenset({MeasureStatus.IN_UITVOERING}),   # reopen
    MeasureStatus.VERVALLEN: frozenset(),
}

FIELDS = ("title", "description", "owner", "due_date")
LINKS = ("incidents", "controls")
EDITABLE = (*FIELDS, *LINKS)


class ControlRef(NamedTuple):
    """A control as a person names it: the catalog key and the code within that catalog."""

    catalog: str
    code: str

    def __str__(self) -> str:
        return f"{self.catalog} {self.code}"


# --- small helpers -----------------------------------------------------------------------------

def control_label(control: Control) -> str:
    return f"{control.catalog.key} {control.code}"


def snapshot(measure: Measure) -> dict[str, Any]:
    return {
        "title": measure.title, "description": measure.description, "owner": measure.owner,
        "due_date": measure.due_date,
        "incidents": sorted(i.reference for i in measure.incidents),
        "controls": sorted(control_label(c) for c in measure.controls),
    }


# --- validation -------------------------------------------------------------------------------------

def _clean(errors: Errors, data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """The plain fields, cleaned; problems go to ``errors``. ``partial``: only the keys given."""
    out: dict[str, Any] = {}
    if not partial or "title" in data:
        out["title"] = errors.text("title", data.get("title"), max_length=MAX_TITLE, required=True,
                                   single_line=True)
    if "description" in data:
        out["description"] = errors.text("description", data.get("description"), max_length=MAX_TEXT)
    if "owner" in data:
        out["owner"] = errors.text("owner", data.get("owner"), max_length=MAX_OWNER, single_line=True)
    if "due_date" in data:
        value = data["due_date"]
        if value is not None and (isinstance(value, dt.datetime) or not isinstance(value, dt.date)):
            errors.add("due_date", _("Geef een datum."))
        else:
            out["due_date"] = value
    return out


def _check_due(errors: Errors, due_date: dt.date | None, created_on: dt.date) -> None:
    if due_date is None:
        return
    if due_date < created_on:
        errors.add("due_date", _("Een maatregel kan niet eerder klaar moeten zijn dan hij is aangemaakt "
                                 "(%(d)s).", d=created_on.strftime("%d-%m-%Y")))
    elif due_date > LATEST_DUE:
        errors.add("due_date", _("Kies een datum vóór 2100."))


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _word(value: str) -> str:
    """A typed reference or code: no control characters (PostgreSQL refuses NUL), spaces collapsed."""
    return " ".join("".join(ch for ch in value if ch.isprintable() or ch.isspace()).split())


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


def _resolve_incidents(errors: Errors, actor: User | None, organisation_id: int, values: Any) -> list[Incident]:
    """Incidents by id or reference; each must be of ``organisation_id`` and readable by ``actor``.

    An unknown incident and another organisation's look the same (nothing is revealed).
    """
    values = _as_list(errors, "incidents", values)
    ids = {v for v in values if _is_id(v) and 0 < v <= MAX_ID}
    refs = {_word(v).upper() for v in values if isinstance(v, str) and _word(v)}
    found: list[Incident] = []
    if ids or refs:
        found = list(db.session.scalars(select(Incident).where(or_(Incident.id.in_(sorted(ids)),
                                                                   Incident.reference.in_(sorted(refs))))))
    allowed = [i for i in found if i.organisation_id == organisation_id
               and (actor is None or has_permission(actor, Permission.INCIDENT_READ, i.organisation_id))]
    by_id = {i.id: i for i in allowed}
    by_ref = {i.reference: i for i in allowed}
    result: dict[int, Incident] = {}
    for value in values:
        if _is_id(value):
            incident = by_id.get(value)
        elif isinstance(value, str) and _word(value):
            incident = by_ref.get(_word(value).upper())
        else:
            errors.add("incidents", _("Geef een incident met zijn nummer of referentie."))
            continue
        if incident is None:
            errors.add("incidents", _("Incident %(ref)s bestaat niet of hoort niet bij deze organisatie.",
                                      ref=_word(str(value))))
        else:
            result.setdefault(incident.id, incident)
    return list(result.values())


def _control_ref(value: Any) -> ControlRef | None:
    if isinstance(value, Mapping) and set(value) == {"catalog", "code"}:
        value = (value["catalog"], value["code"])
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return ControlRef(_word(value[0]), _word(value[1]))
    return None


def _find_controls(values: list[Any]) -> list[Control]:
    """The controls named in ``values`` by id or by (catalog key, code), in one query."""
    ids = {v for v in values if _is_id(v) and 0 < v <= MAX_ID}
    refs = {ref for v in values if (ref := _control_ref(v)) is not None and ref.catalog and ref.code}
    conditions: list[ColumnElement[bool]] = []
    if ids:
        conditions.append(Control.id.in_(sorted(ids)))
    conditions += [and_(func.upper(ControlCatalog.key) == ref.catalog.upper(), Control.code == ref.code)
                   for ref in sorted(refs)]
    if not conditions:
        return []
    return list(db.session.scalars(
        select(Control).join(Control.catalog).options(contains_eager(Control.catalog)).where(or_(*conditions))
    ).unique())


class _ControlIndex:
    """The controls found, by id and by (catalog key in capitals, code)."""

    def __init__(self, found: list[Control]) -> None:
        self.by_id = {c.id: c for c in found}
        self.by_ref = {(c.catalog.key.upper(), c.code): c for c in found}
        self._catalogs: set[str] | None = None

    def not_found(self, ref: ControlRef) -> str:
        """Why ``ref`` names no control: an unknown catalog, or a code not in it."""
        if self._catalogs is None:  # only on this error path
            self._catalogs = {k.upper() for k in db.session.scalars(select(ControlCatalog.key))}
        reason: str  # gettext comes untyped from flask_babel
        if ref.catalog.upper() not in self._catalogs:
            reason = _("Onbekende catalogus „%(catalog)s”.", catalog=ref.catalog)
        else:
            reason = _("Nummer „%(code)s” komt niet voor in catalogus %(catalog)s.", code=ref.code,
                       catalog=ref.catalog)
        return reason


def _lookup_control(errors: Errors, index: _ControlIndex, value: Any) -> Control | None:
    """The control ``value`` names, or None with the reason in ``errors``."""
    if _is_id(value):
        control = index.by_id.get(value)
        if control is None:
            errors.add("controls", _("Beheersmaatregel of overheidsmaatregel %(id)s bestaat niet.", id=value))
        return control
    ref = _control_ref(value)
    if ref is None:
        errors.add("controls", _("Geef een beheersmaatregel met catalogus en nummer."))
        return None
    if not (ref.catalog and ref.code):
        errors.add("controls", _("Geef bij een beheersmaatregel zowel de catalogus als het nummer."))
        return None
    control = index.by_ref.get((ref.catalog.upper(), ref.code))
    if control is None:
        errors.add("controls", index.not_found(ref))
    return control


def _resolve_controls(errors: Errors, values: Any) -> list[Control]:
    """Controls by id or by (catalog key, code); the catalog key is matched case-insensitively."""
    values = _as_list(errors, "controls", values)
    index = _ControlIndex(_find_controls(values))
    result: dict[int, Control] = {}
    for value in values:
        control = _lookup_control(errors, index, value)
        if control is not None:
            result.setdefault(control.id, control)
    return list(result.values())


# --- commands ---------------------------------------------------------------------------------------

def create_measure(actor: User | None, organisation: Organisation, data: Mapping[str, Any],
                   *, now: dt.datetime | None = None, actor_label: str | None = None) -> Measure:
    """Create a measure (status gepland). ``data``: title (required), description, owner,
    due_date (a date, not before today in Amsterdam), incidents and controls to link."""
    now = now or utcnow()
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ValidationFailed.collect({name: [_("Onbekend veld.")] for name in sorted(unknown)})
    errors = Errors()
    values = _clean(errors, data, partial=False)
    incidents = _resolve_incidents(errors, actor, organisation.id, data.get("incidents"))
    controls = _resolve_controls(errors, data.get("controls"))
    _check_due(errors, values.get("due_date"), local_today(now))
    errors.raise_if_any()

    measure = Measure(
        organisation=organisation, status=MeasureStatus.GEPLAND, created_by_id=actor.id if actor else None,
        created_at=now, updated_at=now, version=1, incidents=incidents, controls=controls, **values,
    )
    db.session.add(measure)
    db.session.flush()
    audit.record(actor, "measure", measure.id, "create",
                 audit.created({**snapshot(measure), "status": measure.status, "organisation": organisation.code}),
                 organisation_id=organisation.id, actor_label=actor_label)
    _record_incident_links(actor, measure, [], incidents, actor_label=actor_label, created=True)
    return measure


def _record_incident_links(actor: User | None, measure: Measure, before: Iterable[Incident],
                           after: Iterable[Incident], *, actor_label: str | None = None,
                           created: bool = False) -> None:
    """A link is a fact about the incident too: each incident linked or unlinked gets its own audit
    event, so the incident's timeline finds it by the incident alone (``measure_link``,
    ``measure_unlink``; the fields are not the incident's own, and the state reconciliation skips them)."""
    old = {i.id: i for i in before}
    new = {i.id: i for i in after}
    for incident_id in sorted(set(new) - set(old)):
        audit.record(actor, "incident", incident_id, "measure_link",
                     {"measure": {"before": None, "after": measure.id},
                      "measure_title": {"before": None, "after": measure.title},
                      **({"measure_created": {"before": None, "after": True}} if created else {})},
                     organisation_id=new[incident_id].organisation_id, actor_label=actor_label)
    for incident_id in sorted(set(old) - set(new)):
        audit.record(actor, "incident", incident_id, "measure_unlink",
                     {"measure": {"before": measure.id, "after": None},
                      "measure_title": {"before": measure.title, "after": None}},
                     organisation_id=old[incident_id].organisation_id, actor_label=actor_label)


def _check_version(measure: Measure, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != measure.version:
        raise Conflict(_("Iemand anders heeft deze maatregel intussen opgeslagen (versie %(v)d). "
                         "Bekijk de nieuwe gegevens en breng uw wijziging opnieuw aan.", v=measure.version),
                       field="version")


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        # Someone else's save committed first. The session cannot go on after a failed flush: the
        # boundary rolls back, so what is shown next (the conflict, the stored values) is read afresh.
        raise Conflict(_("Iemand anders heeft deze maatregel intussen opgeslagen. Laad hem opnieuw."),
                       field="version") from None


def _apply(actor: User | None, measure: Measure, values: Mapping[str, Any], action: str,
           now: dt.datetime) -> Measure:
    """Set ``values``; when anything changed, bump the version and audit before/after."""
    before = snapshot(measure)
    incidents_before = list(measure.incidents)
    for name, value in values.items():
        setattr(measure, name, value)
    changes = audit.diff(before, snapshot(measure))
    if not changes:
        return measure
    measure.updated_at = now
    flag_modified(measure, "updated_at")  # an UPDATE, so the version moves even when only links changed
    _flush_or_conflict()
    audit.record(actor, "measure", measure.id, action, changes, organisation_id=measure.organisation_id)
    if "incidents" in changes:
        _record_incident_links(actor, measure, incidents_before, measure.incidents)
    return measure


def update_measure(actor: User | None, measure: Measure, data: Mapping[str, Any],
                   expected_version: int | None, *, now: dt.datetime | None = None) -> Measure:
    """Change fields and (when given) replace the linked incidents or controls.

    A stale ``expected_version`` raises :class:`Conflict`.
    """
    now = now or utcnow()
    _check_version(measure, expected_version)
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ValidationFailed.collect({name: [_("Dit veld kan niet worden gewijzigd.")] for name in sorted(unknown)})
    errors = Errors()
    values = _clean(errors, data, partial=True)
    if "incidents" in data:
        values["incidents"] = _resolve_incidents(errors, actor, measure.organisation_id, data["incidents"])
    if "controls" in data:
        values["controls"] = _resolve_controls(errors, data["controls"])
    if "due_date" in values:
        _check_due(errors, values["due_date"], local_today(measure.created_at))
    errors.raise_if_any()
    return _apply(actor, measure, values, "update", now)


def link_incident(actor: User | None, measure: Measure, incident: Incident | int | str,
                  *, expected_version: int | None = None, now: dt.datetime | None = None) -> Measure:
    """Link an incident of the measure's organisation (by object, id or reference)."""
    _check_version(measure, expected_version)
    errors = Errors()
    found = _resolve_incidents(errors, actor, measure.organisation_id,
                               [incident.id if isinstance(incident, Incident) else incident])
    errors.raise_if_any()
    if found[0] in measure.incidents:
        return measure
    return _apply(actor, measure, {"incidents": [*measure.incidents, found[0]]}, "link", now or utcnow())


def unlink_incident(actor: User | None, measure: Measure, incident: Incident,
                    *, expected_version: int | None = None, now: dt.datetime | None = None) -> Measure:
    _check_version(measure, expected_version)
    remaining = [i for i in measure.incidents if i.id != incident.id]
    return _apply(actor, measure, {"incidents": remaining}, "unlink", now or utcnow())


def link_control(actor: User | None, measure: Measure, control: Control | int | ControlRef,
                 *, expected_version: int | None = None, now: dt.datetime | None = None) -> Measure:
    """Link a control (by object, id or :class:`ControlRef`); an unknown one names ``controls``."""
    _check_version(measure, expected_version)
    errors = Errors()
    found = _resolve_controls(errors, [control.id if isinstance(control, Control) else control])
    errors.raise_if_any()
    if found[0] in measure.controls:
        return measure
    return _apply(actor, measure, {"controls": [*measure.controls, found[0]]}, "link", now or utcnow())


def unlink_control(actor: User | None, measure: Measure, control: Control,
                   *, expected_version: int | None = None, now: dt.datetime | None = None) -> Measure:
    _check_version(measure, expected_version)
    remaining = [c for c in measure.controls if c.id != control.id]
    return _apply(actor, measure, {"controls": remaining}, "unlink", now or utcnow())


def allowed_transitions(measure: Measure) -> list[MeasureStatus]:
    return sorted(TRANSITIONS[measure.status], key=list(MeasureStatus).index)


def change_status(actor: User | None, measure: Measure, new_status: MeasureStatus | str,
                  expected_version: int | None, reason: str | None = None,
                  *, now: dt.datetime | None = None) -> Measure:
    """gepland → in_uitvoering → gereed; gepland or in_uitvoering → vervallen; gereed → in_uitvoering."""
    now = now or utcnow()
    _check_version(measure, expected_version)
    try:
        target = MeasureStatus(new_status)
    except ValueError:
        raise ValidationFailed(_("Onbekende status."), field="status") from None
    current = measure.status
    if target not in TRANSITIONS[current]:
        raise ValidationFailed(_("Van „%(a)s” kan een maatregel niet naar „%(b)s”.",
                                 a=status_label(current), b=status_label(target)), field="status")
    errors = Errors()
    reason = errors.text("reason", reason, max_length=MAX_TEXT)
    errors.raise_if_any()

    before_completed = measure.completed_at
    measure.status = target
    measure.updated_at = now
    measure.completed_at = now if target == MeasureStatus.GEREED else None
    _flush_or_conflict()
    changes: dict[str, Any] = {"status": {"before": current.value, "after": target.value}}
    if before_completed != measure.completed_at:
        changes["completed_at"] = {"before": audit._jsonable(before_completed),
                                   "after": audit._jsonable(measure.completed_at)}
    if reason:
        changes["reason"] = {"before": None, "after": reason}
    action = "reopen" if current == MeasureStatus.GEREED else "status"
    audit.record(actor, "measure", measure.id, action, changes, organisation_id=measure.organisation_id)
    return measure


# --- queries ---------------------------------------------------------------------------------------------

def get_measure(user: Principal | None, measure_id: int, permission: Permission = Permission.MEASURE_READ) -> Measure:
    """The measure if the user holds ``permission`` in its organisation; else 404."""
    return get_scoped(Measure, measure_id, user, permission)


def can_edit(user: Principal | None, measure: Measure) -> bool:
    return has_permission(user, Permission.MEASURE_WRITE, measure.organisation_id)


@dataclass
class MeasureFilter:
    organisation: str | None = None
    status: Sequence[MeasureStatus] = ()
    open_only: bool = False
    overdue_only: bool = False
    incident_id: int | None = None
    control_id: int | None = None
    q: str | None = None


def filtered(user: Principal | None, flt: MeasureFilter, today: dt.date) -> Select[Measure]:
    """The measures the user may read that match the filter: open ones first, by due date."""
    stmt = select(Measure).where(organisation_scope(user, Permission.MEASURE_READ, Measure.organisation_id))
    if flt.organisation:
        stmt = stmt.where(Measure.organisation_id.in_(
            select(Organisation.id).where(Organisation.code == flt.organisation.upper())))
    if flt.status:
        stmt = stmt.where(Measure.status.in_(list(flt.status)))
    if flt.open_only or flt.overdue_only:
        stmt = stmt.where(Measure.status.in_(OPEN_MEASURE_STATUSES))
    if flt.overdue_only:
        stmt = stmt.where(Measure.due_date.is_not(None), Measure.due_date < today)
    if flt.incident_id is not None:
        stmt = stmt.where(Measure.incidents.any(Incident.id == flt.incident_id) if 0 < flt.incident_id <= MAX_ID
                          else false())
    if flt.control_id is not None:
        stmt = stmt.where(Measure.controls.any(Control.id == flt.control_id) if 0 < flt.control_id <= MAX_ID
                          else false())
    if flt.q:
        for word in flt.q.lower().split()[:8]:
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            stmt = stmt.where(or_(
                func.lower(Measure.title).like(pattern, escape="\\"),
                func.lower(Measure.description).like(pattern, escape="\\"),
                func.lower(Measure.owner).like(pattern, escape="\\"),
            ))
    open_first = case((Measure.status.in_(OPEN_MEASURE_STATUSES), 0), else_=1)
    return stmt.order_by(open_first, Measure.due_date.is_(None), Measure.due_date, Measure.id.desc())


def list_measures(user: Principal | None, flt: MeasureFilter, page: int = 1, per_page: int = 25,
                  *, today: dt.date | None = None) -> Page[Measure]:
    """One page of measures with their incidents and controls: a fixed number of queries."""
    stmt = filtered(user, flt, today or local_today())
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(db.session.scalars(
        stmt.options(selectinload(Measure.incidents), selectinload(Measure.controls))
        .limit(per_page).offset((page - 1) * per_page)
    ).unique())
    return Page(items, page, per_page, total)


def overdue_measures(user: Principal | None, today: dt.date | None = None, limit: int = 10) -> list[Measure]:
    """Open measures past their due date, the longest overdue first (one query)."""
    today = today or local_today()
    return list(db.session.scalars(
        select(Measure)
        .where(organisation_scope(user, Permission.MEASURE_READ, Measure.organisation_id),
               Measure.status.in_(OPEN_MEASURE_STATUSES), Measure.due_date.is_not(None),
               Measure.due_date < today)
        .order_by(Measure.due_date, Measure.id).limit(limit)
    ))


def for_incident(user: Principal | None, incident: Incident) -> list[Measure]:
    """The measures linked to ``incident`` that the user may read (one query)."""
    return list(db.session.scalars(
        select(Measure)
        .join(measure_incidents, measure_incidents.c.measure_id == Measure.id)
        .where(measure_incidents.c.incident_id == incident.id,
               organisation_scope(user, Permission.MEASURE_READ, Measure.organisation_id))
        .order_by(Measure.created_at, Measure.id)
    ))


def for_control(user: Principal | None, organisation: Organisation, control: Control) -> list[Measure]:
    """The organisation's maatregelen linked to ``control`` that the user may read, open ones first
    by due date, with their incidents (two queries)."""
    return list(db.session.scalars(
        select(Measure)
        .join(measure_controls, measure_controls.c.measure_id == Measure.id)
        .where(measure_controls.c.control_id == control.id, Measure.organisation_id == organisation.id,
               organisation_scope(user, Permission.MEASURE_READ, Measure.organisation_id))
        .options(selectinload(Measure.incidents))
        .order_by(case((Measure.status.in_(OPEN_MEASURE_STATUSES), 0), else_=1), Measure.due_date.is_(None),
                  Measure.due_date, Measure.id.desc())
    ))


def controls_to_link(measure: Measure, query: str, limit: int = 20) -> list[Control]:
    """Beheersmaatregelen and overheidsmaatregelen of the measure's organisation's catalog(s) whose
    number starts with ``query`` or whose title holds its words, not linked yet (two queries)."""
    catalog_ids = [c.id for c in compliance.catalogs_of(measure.organisation)]
    linked = {c.id for c in measure.controls}
    found = compliance.search_controls(catalog_ids, query, limit=limit + len(linked))
    return [c for c in found if c.id not in linked][:limit]


def to_link_to_control(user: Principal | None, organisation: Organisation, control: Control, query: str,
                       limit: int = 20) -> list[Measure]:
    """The organisation's maatregelen the user may change whose title, description or owner holds
    each word of ``query``, not linked to ``control`` yet: open ones first (one query)."""
    words = " ".join(query.split())[:100].lower().split()[:8]
    if not words:
        return []
    stmt = select(Measure).where(
        Measure.organisation_id == organisation.id,
        organisation_scope(user, Permission.MEASURE_WRITE, Measure.organisation_id),
        ~Measure.controls.any(Control.id == control.id))
    for word in words:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(func.lower(Measure.title).like(pattern, escape="\\"),
                              func.lower(Measure.description).like(pattern, escape="\\"),
                              func.lower(Measure.owner).like(pattern, escape="\\")))
    open_first = case((Measure.status.in_(OPEN_MEASURE_STATUSES), 0), else_=1)
    return list(db.session.scalars(stmt.order_by(open_first, Measure.id.desc()).limit(limit)))


def catalogs() -> list[ControlCatalog]:
    """The imported catalogs, for choosing where a control code comes from."""
    return list(db.session.scalars(select(ControlCatalog).order_by(ControlCatalog.key)))


@dataclass(frozen=True)
class HistoryItem:
    at: dt.datetime
    kind: str            # create, update, status, reopen, link, unlink
    actor: str
    changes: Mapping[str, Any]


def history(measure: Measure) -> list[HistoryItem]:
    """The audit log's events for this measure, oldest first (one query)."""
    events = db.session.execute(
        select(AuditEvent.occurred_at, AuditEvent.action, AuditEvent.changes, AuditEvent.actor_label, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.entity == "measure", AuditEvent.entity_id == str(measure.id))
        .order_by(AuditEvent.seq)
    )
    return [HistoryItem(at=at, kind=action, actor=name or label, changes=json.loads(changes))
            for at, action, changes, label, name in events]


__all__ = [
    "TRANSITIONS",
    "ControlRef",
    "HistoryItem",
    "MeasureFilter",
    "Page",
    "allowed_transitions",
    "can_edit",
    "catalogs",
    "change_status",
    "controls_to_link",
    "create_measure",
    "filtered",
    "for_control",
    "for_incident",
    "get_measure",
    "history",
    "is_overdue",
    "link_control",
    "link_incident",
    "list_measures",
    "local_today",
    "overdue_measures",
    "to_link_to_control",
    "unlink_control",
    "unlink_incident",
    "update_measure",
]
