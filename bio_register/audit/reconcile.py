"""State reconciliation: does the register agree with its audit log?

The hash chain (:func:`bio_register.audit.services.verify_chain`) proves that the *log* was not
changed. It cannot see a change made to the register's own rows with SQL, past the application.
This module replays the log to rebuild, for each tracked table, the value of each tracked field
of each row, and compares it with the row in the database. It reports

* every field whose value in the database differs from the value the log last recorded;
* every row without a creation event (inserted past the application);
* every row the log created and never deleted that is missing (deleted past the application).

What is tracked is declared in :func:`_tracked`: per audit entity its table, the fields whose
*every* change the services record (with the value after the change), the actions that create
and delete a row, and the values a creation implies without naming them. Fields the services
change without recording the new value (``updated_at``, ``version``, counters) are not tracked.
Control assessments, a history whose events name only what changed against the previous
assessment, have their own pass (:func:`_reconcile_assessments`).

It streams: rows and events are read per block of :data:`BLOCK` ids, so memory does not grow
with the register (the 1,000,000-incident benchmark: see ``benchmarks/README.md``). Knows no Flask;
reads only, never commits.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, scoped_session

from bio_register.accounts.models import ApiToken, Membership, User
from bio_register.attachments.models import Attachment
from bio_register.audit.models import AuditEvent
from bio_register.audit.services import _jsonable
from bio_register.breaches.models import ApDecision, ApNotification, BreachAssessment, CbwReport, DataSubjectDecision
from bio_register.breaches.services import ASSESSMENT_FIELDS
from bio_register.compliance.models import ControlAssessment
from bio_register.findings import services as findings
from bio_register.findings.models import Finding as AuditFinding  # a bevinding; this module's Finding is a difference
from bio_register.incident_reports.models import IncidentReport
from bio_register.incidents.models import Incident, TimelineEntry
from bio_register.incidents.services import EDITABLE
from bio_register.measures.models import Measure
from bio_register.organisations.models import Organisation
from bio_register.processing.models import ProcessingActivity, Processor
from bio_register.processing.services import ACTIVITY_FIELDS, PROCESSOR_FIELDS
from bio_register.reporting.models import Report

#: ids per block: one SELECT of rows and one of events per block
BLOCK = 5_000


@dataclass(frozen=True)
class Tracked:
    """One audit entity whose rows are reconciled with the log."""

    entity: str
    model: Any
    #: audit field → the column (or joined column) that holds it
    fields: Mapping[str, Any]
    #: outer joins needed by ``fields``: (target, onclause)
    joins: tuple[tuple[Any, Any], ...] = ()
    creates: frozenset[str] = frozenset({"create"})
    deletes: frozenset[str] = frozenset()
    #: values a creation event implies for fields it does not name
    defaults: Mapping[str, Any] = field(default_factory=dict)
    #: fields compared as numbers ("4.25" == "4.250")
    numeric: frozenset[str] = frozenset()
    #: the field naming the incident (its reference) whose purge deletes the row with it (cascade)
    purged_with: str | None = None

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)


def _tracked() -> tuple[Tracked, ...]:
    parent = aliased(Organisation)
    incident_of = {model: aliased(Incident) for model in (BreachAssessment, ApDecision, ApNotification,
                                                          DataSubjectDecision, CbwReport, TimelineEntry,
                                                          IncidentReport, Attachment)}

    def incident_ref(model: Any) -> tuple[Any, tuple[tuple[Any, Any], ...]]:
        alias = incident_of[model]
        return alias.reference, ((alias, alias.id == model.incident_id),)

    def child(entity: str, model: Any, names: tuple[str, ...], *, creates: frozenset[str] = frozenset({"create"}),
              **extra: Any) -> Tracked:
        reference, joins = incident_ref(model)
        return Tracked(entity, model, {"incident": reference, **{n: getattr(model, n) for n in names}},
                       joins=joins, creates=creates, purged_with="incident", **extra)

    user_of_membership, org_of_membership, user_of_token = aliased(User), aliased(Organisation), aliased(User)
    return (
        Tracked("incident", Incident,
                {"reference": Incident.reference, "status": Incident.status,
                 **{name: getattr(Incident, name) for name in EDITABLE}},
                creates=frozenset({"create", "import"}), deletes=frozenset({"purge"})),
        child("timeline_entry", TimelineEntry, ("kind", "text", "occurred_at")),
        child("breach_assessment", BreachAssessment, (*ASSESSMENT_FIELDS, "enisa_score", "enisa_band"),
              numeric=frozenset({"enisa_score"})),
        child("ap_decision", ApDecision, ("notify", "motivation"), creates=frozenset({"create", "import"})),
        child("ap_notification", ApNotification, ("kind", "submitted_at", "meldnummer"),
              creates=frozenset({"create", "import"})),
        child("data_subject_decision", DataSubjectDecision,
              ("notify", "ground", "explanation", "notified_at", "channel")),
        child("cbw_report", CbwReport, ("phase", "recipient", "submitted_at", "reference")),
        child("incident_report", IncidentReport, ("reported_at", "personal_data", "contact")),
        Tracked("measure", Measure,
                {"title": Measure.title, "description": Measure.description, "owner": Measure.owner,
                 "due_date": Measure.due_date, "status": Measure.status}),
        Tracked("processing_activity", ProcessingActivity,
                {name: getattr(ProcessingActivity, name) for name in ACTIVITY_FIELDS}),
        Tracked("processor", Processor, {name: getattr(Processor, name) for name in PROCESSOR_FIELDS}),
        Tracked("finding", AuditFinding, {name: getattr(AuditFinding, name) for name in findings.FIELDS}),
        Tracked("organisation", Organisation,
                {"code": Organisation.code, "name": Organisation.name,
                 "reference_prefix": Organisation.reference_prefix, "parent": parent.code,
                 "two_factor_required": Organisation.two_factor_required},
                joins=((parent, parent.id == Organisation.parent_id),),
                defaults={"two_factor_required": False}),
        Tracked("user", User, {"email": User.email, "name": User.name, "active": User.active}),
        Tracked("membership", Membership,
                {"user": user_of_membership.email, "organisation": org_of_membership.code, "role": Membership.role},
                joins=((user_of_membership, user_of_membership.id == Membership.user_id),
                       (org_of_membership, org_of_membership.id == Membership.organisation_id)),
                deletes=frozenset({"delete"})),
        Tracked("api_token", ApiToken,
                {"user": user_of_token.email, "name": ApiToken.name, "expires_at": ApiToken.expires_at,
                 "revoked_at": ApiToken.revoked_at},
                joins=((user_of_token, user_of_token.id == ApiToken.user_id),), defaults={"revoked_at": None}),
        child("attachment", Attachment, ("filename", "content_type", "size", "sha256", "removed_at"),
              creates=frozenset({"upload"}), defaults={"removed_at": None}),
        Tracked("report", Report,
                {"kind": Report.kind, "period": Report.period, "scope": Report.scope, "version": Report.version,
                 "sha256": Report.sha256},
                creates=frozenset({"generate"})),
    )


@dataclass(frozen=True)
class Finding:
    """One disagreement between a row and the log."""

    table: str
    row_id: int
    #: "changed", "unlogged_insert" or "unlogged_delete"
    kind: str
    field: str | None = None
    database: Any = None
    logged: Any = None
    last_seq: int | None = None

    def __str__(self) -> str:
        last = f" (last event {self.last_seq})" if self.last_seq is not None else ""
        if self.kind == "changed":
            return (f"{self.table} {self.row_id} {self.field}: database {_show(self.database)}, "
                    f"audit log {_show(self.logged)}{last}")
        if self.kind == "unlogged_insert":
            return f"{self.table} {self.row_id}: row without a creation event in the audit log"
        return f"{self.table} {self.row_id}: missing from the database, its deletion was not logged{last}"


def _show(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit - 1] + "…"


@dataclass
class Reconciliation:
    """The outcome: findings (up to ``limit`` kept), their total, and the rows compared per table."""

    findings: list[Finding] = field(default_factory=list)
    total: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    limit: int = 1000

    @property
    def ok(self) -> bool:
        return self.total == 0

    def add(self, finding: Finding) -> None:
        self.total += 1
        if len(self.findings) < self.limit:
            self.findings.append(finding)


@dataclass
class _State:
    values: dict[str, Any]
    created: bool
    deleted: bool
    last_seq: int


def reconcile(session: Session | scoped_session[Any], *, limit: int = 1000, block: int = BLOCK,
              progress: Callable[[str, int, int], None] | None = None) -> Reconciliation:
    """Compare every tracked table with the state the audit log implies (see the module)."""
    outcome = Reconciliation(limit=limit)
    purged = _purged_references(session)
    for spec in _tracked():
        _reconcile_one(session, spec, purged, outcome, block, progress)
    _reconcile_assessments(session, outcome, block, progress)
    return outcome


def _purged_references(session: Session | scoped_session[Any]) -> set[str]:
    """References of incidents removed by the retention purge (their children went with them)."""
    references = set()
    for changes in session.scalars(select(AuditEvent.changes).where(AuditEvent.entity == "incident",
                                                                    AuditEvent.action == "purge")):
        before = json.loads(changes).get("reference", {}).get("before")
        if before:
            references.add(before)
    return references


def _highest_id(session: Session | scoped_session[Any], spec: Tracked) -> int:
    highest = session.scalar(select(func.max(spec.model.id))) or 0
    logged = session.scalar(
        select(AuditEvent.entity_id).where(AuditEvent.entity == spec.entity)
        .order_by(func.length(AuditEvent.entity_id).desc(), AuditEvent.entity_id.desc()).limit(1))
    if logged is not None and logged.isdigit():
        highest = max(highest, int(logged))
    return int(highest)


def _reconcile_one(session: Session | scoped_session[Any], spec: Tracked, purged: set[str],
                   outcome: Reconciliation, block: int, progress: Callable[[str, int, int], None] | None) -> None:
    highest = _highest_id(session, spec)
    names = list(spec.fields)
    query = select(spec.model.id, *(spec.fields[name].label(f"f_{index}") for index, name in enumerate(names)))
    query = query.select_from(spec.model)
    for target, onclause in spec.joins:
        query = query.outerjoin(target, onclause)
    compared = 0
    for low in range(1, highest + 1, block):
        high = min(low + block - 1, highest)
        rows = {row[0]: row[1:] for row in session.execute(query.where(spec.model.id.between(low, high)))}
        states = dict(_replay(session, spec, low, high))
        for row_id in sorted(set(rows) | set(states)):
            state = states.get(row_id)
            row = rows.get(row_id)
            if row is not None:
                compared += 1
            _compare(spec, names, row_id, row, state, purged, outcome)
        if progress is not None:
            progress(spec.table, high, highest)
    outcome.rows[spec.table] = compared


def _replay(session: Session | scoped_session[Any], spec: Tracked, low: int, high: int) -> Iterator[tuple[int, _State]]:
    """The state the log implies for the rows ``low``..``high`` (events in sequence order)."""
    states: dict[int, _State] = {}
    events = session.execute(
        select(AuditEvent.entity_id, AuditEvent.seq, AuditEvent.action, AuditEvent.changes)
        .where(AuditEvent.entity == spec.entity, AuditEvent.entity_id.in_([str(i) for i in range(low, high + 1)]))
        .order_by(AuditEvent.seq))
    for entity_id, seq, action, changes_json in events:
        row_id = int(entity_id)
        changes = json.loads(changes_json) if changes_json else {}
        if action in spec.creates:
            state = states[row_id] = _State(dict(spec.defaults), created=True, deleted=False, last_seq=seq)
        else:
            state = states.setdefault(row_id, _State({}, created=False, deleted=False, last_seq=seq))
            state.last_seq = seq
            if action in spec.deletes:
                state.deleted = True
                continue
        for name, change in changes.items():
            if name in spec.fields and isinstance(change, dict) and "after" in change:
                state.values[name] = change["after"]
    yield from states.items()


def _compare(spec: Tracked, names: list[str], row_id: int, row: Any, state: _State | None, purged: set[str],
             outcome: Reconciliation) -> None:
    if row is None:
        if state is None or state.deleted or not state.created:
            return  # never created by the application, or deleted as logged
        if spec.purged_with and state.values.get(spec.purged_with) in purged:
            return  # went with its purged incident
        outcome.add(Finding(spec.table, row_id, "unlogged_delete", last_seq=state.last_seq))
        return
    if state is None or not state.created:
        outcome.add(Finding(spec.table, row_id, "unlogged_insert"))
        return
    if state.deleted:  # deleted in the log, yet here: put back past the application
        outcome.add(Finding(spec.table, row_id, "unlogged_insert", last_seq=state.last_seq))
        return
    for index, name in enumerate(names):
        if name not in state.values:
            continue  # the log never said: nothing to compare
        database, logged = _jsonable(row[index]), state.values[name]
        if not _same(database, logged, numeric=name in spec.numeric):
            outcome.add(Finding(spec.table, row_id, "changed", name, database, logged, state.last_seq))


def _same(database: Any, logged: Any, *, numeric: bool) -> bool:
    if database == logged:
        return True
    if numeric and database is not None and logged is not None:
        try:
            return Decimal(str(database)) == Decimal(str(logged))
        except InvalidOperation:
            return False
    return False


# --- the statement of applicability: a history of assessments ----------------------------------------

#: the fields of a control assessment its events name (compliance.services._snapshot)
ASSESSED = ("applicable", "justification", "status", "evidence", "evidence_links", "owner", "proposed")
_ASSESSMENT_ACTIONS = frozenset({"assess", "propose"})


def _reconcile_assessments(session: Session | scoped_session[Any], outcome: Reconciliation, block: int,
                           progress: Callable[[str, int, int], None] | None) -> None:
    """``control_assessments`` keeps every assessment as a new row, and its event names only what
    differs from the previous assessment of the same control in the same organisation (the first:
    every field that is not empty). So the state is carried along the rows of one (organisation,
    control) in id order. Read per organisation; the ids the log knows are gathered to find rows
    deleted past the application."""
    table = ControlAssessment.__tablename__
    columns = [getattr(ControlAssessment, name) for name in ASSESSED]
    organisation_ids = list(session.scalars(select(ControlAssessment.organisation_id).distinct()
                                            .order_by(ControlAssessment.organisation_id)))
    present: set[int] = set()
    for done, organisation_id in enumerate(organisation_ids, start=1):
        rows = session.execute(select(ControlAssessment.id, ControlAssessment.control_id, *columns)
                               .where(ControlAssessment.organisation_id == organisation_id)
                               .order_by(ControlAssessment.control_id, ControlAssessment.id)).all()
        events: dict[int, list[tuple[int, str, dict[str, Any]]]] = {}
        ids = [row[0] for row in rows]
        for start in range(0, len(ids), block):
            for entity_id, seq, action, changes_json in session.execute(
                    select(AuditEvent.entity_id, AuditEvent.seq, AuditEvent.action, AuditEvent.changes)
                    .where(AuditEvent.entity == "control_assessment",
                           AuditEvent.entity_id.in_([str(i) for i in ids[start:start + block]]))
                    .order_by(AuditEvent.seq)):
                events.setdefault(int(entity_id), []).append((seq, action, json.loads(changes_json or "{}")))
        state: dict[str, Any] = {}
        control = None
        for row in rows:
            row_id, control_id, values = row[0], row[1], row[2:]
            present.add(row_id)
            if control_id != control:  # the first assessment of a control: empty fields go unnamed
                control, state = control_id, dict.fromkeys(ASSESSED)
            logged = events.get(row_id, [])
            if not any(action in _ASSESSMENT_ACTIONS for _seq, action, _changes in logged):
                outcome.add(Finding(table, row_id, "unlogged_insert"))
                state = {}  # what the next one changed is relative to a row the log does not know
                continue
            state = dict(state)
            for _seq, _action, logged_changes in logged:
                for name in ASSESSED:
                    change = logged_changes.get(name)
                    if isinstance(change, dict) and "after" in change:
                        state[name] = change["after"]
            last_seq = logged[-1][0]
            for name, value in zip(ASSESSED, values, strict=True):
                if name in state and not _same(_jsonable(value), state[name], numeric=False):
                    outcome.add(Finding(table, row_id, "changed", name, _jsonable(value), state[name], last_seq))
        if progress is not None:
            progress(table, done, len(organisation_ids))
    outcome.rows[table] = len(present)
    missing: dict[int, int] = {}
    for entity_id, seq in session.execute(select(AuditEvent.entity_id, AuditEvent.seq)
                                          .where(AuditEvent.entity == "control_assessment")):
        if entity_id.isdigit() and int(entity_id) not in present:
            missing[int(entity_id)] = max(seq, missing.get(int(entity_id), 0))
    for row_id in sorted(missing):
        outcome.add(Finding(table, row_id, "unlogged_delete", last_seq=missing[row_id]))
