"""Playbooks (draaiboeken) per category of incident, and their steps applied to incidents as tasks.

Which playbook applies to an organisation's incidents of a category: the organisation's own (a
``playbooks`` row), else the nearest one above it (Duo+ for its municipalities), else the shipped
default (:mod:`bio_register.playbooks.defaults`). Editing a shipped or inherited playbook copies it
into the organisation (copy-on-edit); removing the own copy brings the inherited one back.

Applying a playbook adds its steps to the incident as tasks (``incident_tasks``), in order, with
their text as it is then. Applying the same category's playbook again is refused (409), so steps are
never doubled; another category's playbook (after the incident was recategorised) is added after
the steps there are. A task is open, gedaan or niet van toepassing, with who changed it when; every
apply and every change is an audit event of the incident, and so part of its timeline.

Who may apply and tick: whoever handles the incident — the verbindingsofficier (``incident:write``),
and the FG on datalekken (``incident:tasks`` without ``incident:write``). No Flask; never commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from bio_register.accounts.models import User
from bio_register.audit import services as audit
from bio_register.database import utcnow
from bio_register.errors import Conflict, NotPermitted, ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.incidents import labels
from bio_register.incidents.models import OPEN_STATUSES, Category, Incident, IncidentTask, TaskState
from bio_register.organisations.models import Organisation
from bio_register.permissions import (
    AllOrganisations,
    Permission,
    Principal,
    has_permission,
    organisation_ids_with,
    organisation_tree,
)
from bio_register.playbooks import defaults
from bio_register.playbooks.models import Playbook
from bio_register.validation import Errors

#: at most this many steps in a playbook, of at most this many characters each
MAX_STEPS = 40
MAX_STEP = 500
MAX_NOTE = 500

SOURCE_DEFAULT = "standaard"
SOURCE_OWN = "eigen"
SOURCE_INHERITED = "overgenomen"


@dataclass(frozen=True)
class PlaybookView:
    """The playbook that applies to one organisation's incidents of one category."""

    category: Category
    steps: list[str]
    #: ``eigen`` (the organisation's own), ``overgenomen`` (of an organisation above it) or ``standaard``
    source: str
    #: the organisation whose playbook it is (None: shipped)
    source_organisation: str | None = None
    #: the organisation's own row, when it has one (its ``version`` for optimistic locking)
    own: Playbook | None = None
    updated_at: dt.datetime | None = None

    @property
    def label(self) -> str:
        return labels.category_label(self.category)

    @property
    def version(self) -> int | None:
        return self.own.version if self.own is not None else None


def _effective(organisation_id: int) -> dict[Category, PlaybookView]:
    """Every category's playbook for the organisation (one query; the tree is read once per
    transaction). Categories with no playbook anywhere are left out."""
    lineage = organisation_tree().lineage(organisation_id)
    rows = {(row.organisation_id, row.category): row for row in db.session.scalars(
        select(Playbook).where(Playbook.organisation_id.in_(lineage)))}
    found: dict[Category, PlaybookView] = {}
    for category in Category:
        view: PlaybookView | None = None
        for depth, org_id in enumerate(lineage):
            row = rows.get((org_id, category))
            if row is not None:
                view = PlaybookView(category, list(row.steps), SOURCE_OWN if depth == 0 else SOURCE_INHERITED,
                                    row.organisation.code, row if depth == 0 else None, row.updated_at)
                break
        if view is None and category in defaults.DEFAULTS:
            view = PlaybookView(category, defaults.steps_of(category), SOURCE_DEFAULT)
        if view is not None and view.steps:
            found[category] = view
    return found


def list_playbooks(organisation: Organisation) -> list[PlaybookView]:
    """The playbooks that apply to the organisation's incidents, in the order of the categories."""
    return list(_effective(organisation.id).values())


def playbook_for(organisation_id: int, category: Category | str | None) -> PlaybookView | None:
    if category is None:
        return None
    return _effective(organisation_id).get(Category(category))


def _steps(errors: Errors, value: Any) -> list[str]:
    if not isinstance(value, list | tuple):
        errors.add("steps", _("Geef de stappen als een lijst."))
        return []
    steps: list[str] = []
    for index, step in enumerate(value):
        text = errors.text(f"steps.{index}", step, max_length=MAX_STEP)
        if text is None and f"steps.{index}" not in errors.errors:
            errors.add(f"steps.{index}", _("Vul de tekst van stap %(n)d in.", n=index + 1))
        if text is not None:
            steps.append(text)
    if not value:
        errors.add("steps", _("Een draaiboek heeft minstens één stap."))
    elif len(value) > MAX_STEPS:
        errors.add("steps", _("Hoogstens %(n)d stappen.", n=MAX_STEPS))
    return steps


def _category(errors: Errors, value: Any, field: str = "category") -> Category | None:
    try:
        return Category(value)
    except ValueError:
        errors.add(field, _("Onbekende categorie."))
        return None


def save_playbook(actor: User | None, organisation: Organisation, category: Category | str, steps: Any, *,
                  version: int | None = None, now: dt.datetime | None = None) -> PlaybookView:
    """Set the organisation's own playbook for ``category`` (copy-on-edit: the first save makes the
    organisation's own copy of the inherited or shipped one). ``version``, when given, must be the
    own copy's version as read (a stale one answers 409). Audited as ``playbook``."""
    now = now or utcnow()
    errors = Errors()
    cat = _category(errors, category)
    cleaned = _steps(errors, steps)
    errors.raise_if_any()
    assert cat is not None
    current = _effective(organisation.id).get(cat)
    own = current.own if current is not None else None
    if own is not None:
        if version is not None and version != own.version:
            raise Conflict(_("Iemand anders heeft dit draaiboek intussen gewijzigd. Lees het opnieuw."))
        before = list(own.steps)
        if before == cleaned:
            return current  # type: ignore[return-value]
        own.steps = cleaned
        own.updated_by_id = actor.id if actor else None
        own.updated_at = now
        db.session.flush()
        audit.record(actor, "playbook", own.id, "update", audit.diff({"steps": before}, {"steps": cleaned}),
                     organisation_id=organisation.id)
    else:
        if version is not None:
            raise Conflict(_("Iemand anders heeft dit draaiboek intussen gewijzigd. Lees het opnieuw."))
        own = Playbook(organisation=organisation, category=cat, steps=cleaned,
                       updated_by_id=actor.id if actor else None, updated_at=now)
        db.session.add(own)
        db.session.flush()
        audit.record(actor, "playbook", own.id, "create", {
            "category": {"before": None, "after": cat.value},
            "steps": {"before": current.steps if current is not None else None, "after": cleaned},
            "copied_from": {"before": None, "after": current.source_organisation or current.source
                            if current is not None else None},
        }, organisation_id=organisation.id)
    view = _effective(organisation.id).get(cat)
    assert view is not None
    return view


def reset_playbook(actor: User | None, organisation: Organisation, category: Category | str) -> bool:
    """Remove the organisation's own playbook of ``category``: the inherited or shipped one applies
    again. Returns whether there was one."""
    errors = Errors()
    cat = _category(errors, category)
    errors.raise_if_any()
    own = db.session.scalar(select(Playbook).where(Playbook.organisation_id == organisation.id,
                                                   Playbook.category == cat))
    if own is None:
        return False
    audit.record(actor, "playbook", own.id, "delete", {"steps": {"before": list(own.steps), "after": None}},
                 organisation_id=organisation.id)
    db.session.delete(own)
    db.session.flush()
    return True


# --- tasks on an incident ------------------------------------------------------------------------------

def may_handle(who: Principal | None, incident: Incident) -> bool:
    """Whether ``who`` may apply a playbook to the incident and tick its steps: the
    verbindingsofficier on any incident, the FG on datalekken."""
    org = incident.organisation_id
    if not has_permission(who, Permission.INCIDENT_TASKS, org):
        return False
    return incident.is_datalek or has_permission(who, Permission.INCIDENT_WRITE, org)


def _check_handle(who: Principal | None, incident: Incident) -> None:
    if not may_handle(who, incident):
        raise NotPermitted(_("Alleen wie dit incident behandelt, werkt de stappen van het draaiboek bij "
                             "(de FG alleen bij datalekken)."))


def tasks_of(incident: Incident) -> list[IncidentTask]:
    """The incident's steps in order (one query)."""
    return list(db.session.scalars(select(IncidentTask).where(IncidentTask.incident_id == incident.id)
                                   .order_by(IncidentTask.position)))


def applied_categories(tasks: Sequence[IncidentTask]) -> set[Category]:
    return {task.playbook_category for task in tasks}


def apply_playbook(actor: User, incident: Incident, category: Category | str | None = None, *,
                   now: dt.datetime | None = None) -> list[IncidentTask]:
    """Add the steps of the playbook for ``category`` (default: the incident's) to the incident.
    422 without a category or a playbook for it, or on a closed incident; 409 when that category's
    playbook was applied already. Returns all the incident's steps."""
    _check_handle(actor, incident)
    now = now or utcnow()
    errors = Errors()
    chosen = category if category not in (None, "") else incident.category
    if chosen is None:
        raise ValidationFailed(_("Dit incident heeft geen categorie: kies eerst een categorie."), field="category")
    cat = _category(errors, chosen)
    errors.raise_if_any()
    assert cat is not None
    if not incident.is_open:
        raise ValidationFailed(_("Dit incident is afgesloten: heropen het eerst."), field="status")
    view = playbook_for(incident.organisation_id, cat)
    if view is None:
        raise ValidationFailed(_("Voor deze categorie is geen draaiboek."), field="category")
    existing = tasks_of(incident)
    if cat in applied_categories(existing):
        raise Conflict(_("Het draaiboek „%(name)s” is al toegepast op dit incident.", name=view.label))
    start = max((task.position for task in existing), default=0) + 1
    added = [IncidentTask(incident_id=incident.id, position=start + n, text=text, playbook_category=cat,
                          state=TaskState.OPEN, created_at=now) for n, text in enumerate(view.steps)]
    db.session.add_all(added)
    db.session.flush()
    audit.record(actor, "incident", incident.id, "playbook_apply", {
        "playbook": {"before": None, "after": cat.value},
        "source": {"before": None, "after": view.source_organisation or view.source},
        "steps": {"before": None, "after": list(view.steps)},
    }, organisation_id=incident.organisation_id)
    return [*existing, *added]


def _state(errors: Errors, field: str, value: Any) -> TaskState | None:
    try:
        return TaskState(value)
    except ValueError:
        errors.add(field, _("Kies open, gedaan of niet van toepassing."))
        return None


def update_tasks(actor: User, incident: Incident, changes: Sequence[Mapping[str, Any]], *,
                 now: dt.datetime | None = None) -> list[IncidentTask]:
    """Set the state (and optionally a note) of some of the incident's steps: ``changes`` is a list
    of ``{"id", "state", "note"?}``. All or nothing: an unknown step or state answers 422 naming
    ``tasks.<n>.<field>``. Each step that changes is audited on the incident (``task``)."""
    _check_handle(actor, incident)
    now = now or utcnow()
    tasks = tasks_of(incident)
    by_id = {task.id: task for task in tasks}
    errors = Errors()
    planned: list[tuple[IncidentTask, TaskState, str | None, bool]] = []
    if not changes:
        errors.add("tasks", _("Geef minstens één stap."))
    for index, change in enumerate(changes):
        task_id = change.get("id")
        task = by_id.get(task_id) if isinstance(task_id, int) else None
        if task is None:
            errors.add(f"tasks.{index}.id", _("Deze stap hoort niet bij dit incident."))
        state = _state(errors, f"tasks.{index}.state", change.get("state"))
        has_note = "note" in change
        note = errors.text(f"tasks.{index}.note", change.get("note"), max_length=MAX_NOTE) if has_note else None
        if task is not None and state is not None:
            planned.append((task, state, note, has_note))
    errors.raise_if_any()
    for task, state, note, has_note in planned:
        new_note = note if has_note else task.note
        if task.state == state and task.note == new_note:
            continue
        before = {"state": task.state.value, "note": task.note}
        task.state, task.note = state, new_note
        task.changed_by, task.changed_at = actor, now
        audit.record(actor, "incident", incident.id, "task", {
            "task": {"before": None, "after": task.text},
            "position": {"before": None, "after": task.position},
            "state": {"before": before["state"], "after": state.value},
            **audit.diff({"note": before["note"]}, {"note": new_note}),
        }, organisation_id=incident.organisation_id)
    db.session.flush()
    return tasks


# --- the weekly digest -----------------------------------------------------------------------------------

def _where(scope: set[int] | AllOrganisations, column: Any) -> Any:
    return None if isinstance(scope, AllOrganisations) else column.in_(sorted(scope))


def open_steps_for(user: Principal, limit: int | None = None) -> list[tuple[Incident, int]]:
    """The open incidents ``user`` handles that have open steps, with how many (one query): the
    verbindingsofficier's incidents, the FG's datalekken. Oldest discovery first."""
    tasks_scope = organisation_ids_with(user, Permission.INCIDENT_TASKS)
    if not tasks_scope:
        return []
    write_scope = organisation_ids_with(user, Permission.INCIDENT_WRITE)
    conditions: list[ColumnElement[bool]] = [Incident.status.in_(OPEN_STATUSES)]
    in_tasks = _where(tasks_scope, Incident.organisation_id)
    if in_tasks is not None:
        conditions.append(in_tasks)
    if not write_scope:
        conditions.append(Incident.is_datalek.is_(True))
    elif not isinstance(write_scope, AllOrganisations):
        conditions.append(or_(Incident.is_datalek.is_(True), Incident.organisation_id.in_(sorted(write_scope))))
    counts = (select(IncidentTask.incident_id, func.count().label("open"))
              .where(IncidentTask.state == TaskState.OPEN).group_by(IncidentTask.incident_id).subquery())
    stmt = (select(Incident, counts.c.open).join(counts, and_(counts.c.incident_id == Incident.id))
            .where(*conditions).order_by(Incident.discovered_at, Incident.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [(incident, open_count) for incident, open_count in db.session.execute(stmt)]
