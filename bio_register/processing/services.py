"""The verwerkingsregister and the verwerkers: creating, changing, listing. Never commits.

A verwerking (processing activity) and a verwerker (processor) belong to one organisation; a
verwerking is linked to verwerkers of that same organisation. Every change is audited with its
before and after (entities ``processing_activity`` and ``processor``), which is also its history.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from bio_register.accounts.models import User
from bio_register.audit import services as audit
from bio_register.audit.models import AuditEvent
from bio_register.database import utcnow
from bio_register.errors import Conflict, ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.organisations.models import Organisation
from bio_register.paging import Page
from bio_register.permissions import Permission, Principal, get_scoped, has_permission, organisation_scope
from bio_register.processing.labels import (
    ART9_GROUNDS,
    DATA_CATEGORIES,
    LEGAL_BASES,
    SPECIAL_CATEGORIES,
    SUBJECT_CATEGORIES,
)
from bio_register.processing.models import ProcessingActivity, ProcessingStatus, Processor
from bio_register.timeutil import DEFAULT_TZ, to_local
from bio_register.validation import Errors

MAX_NAME = 200
MAX_TEXT = 20_000
MAX_SHORT = 500
MAX_LINKS = 100
MAX_ID = 2**31 - 1
EARLIEST = dt.date(1990, 1, 1)
LATEST = dt.date(2099, 12, 31)

ACTIVITY_TEXT = {"name": (MAX_NAME, True), "purpose": (MAX_TEXT, False), "recipients": (MAX_TEXT, False),
                 "outside_eea_details": (MAX_TEXT, False), "retention": (MAX_SHORT, False),
                 "security_measures": (MAX_TEXT, False), "dpia_link": (MAX_SHORT, True), "owner": (MAX_NAME, True)}
ACTIVITY_LISTS = {"subject_categories": SUBJECT_CATEGORIES, "data_categories": DATA_CATEGORIES,
                  "special_categories": SPECIAL_CATEGORIES}
ACTIVITY_FLAGS = ("bsn", "outside_eea", "dpia_required", "dpia_done")
ACTIVITY_FIELDS = ("name", "purpose", "legal_basis", "art9_ground", *ACTIVITY_LISTS, "bsn", "recipients",
                   "outside_eea", "outside_eea_details", "retention", "security_measures", "dpia_required",
                   "dpia_done", "dpia_date", "dpia_link", "owner", "status")
ACTIVITY_EDITABLE = (*ACTIVITY_FIELDS, "processors")

PROCESSOR_TEXT = {"name": (MAX_NAME, True), "contact": (MAX_SHORT, True), "country": (100, True)}
PROCESSOR_FLAGS = ("inside_eea", "agreement_signed")
PROCESSOR_DATES = ("agreement_signed_on", "agreement_expires_on", "agreement_review_on")
PROCESSOR_FIELDS = ("name", "contact", "country", *PROCESSOR_FLAGS, *PROCESSOR_DATES)


def local_today(now: dt.datetime | None = None, tz: str = DEFAULT_TZ) -> dt.date:
    """Today's date on the wall in ``tz``: agreements expire on local days."""
    return to_local(now or utcnow(), tz).date()


# --- snapshots (what the audit log records) ---------------------------------------------------------

def activity_snapshot(activity: ProcessingActivity) -> dict[str, Any]:
    return {**{name: getattr(activity, name) for name in ACTIVITY_FIELDS},
            "processors": sorted(p.name for p in activity.processors)}


def processor_snapshot(processor: Processor) -> dict[str, Any]:
    return {name: getattr(processor, name) for name in PROCESSOR_FIELDS}


# --- validation ----------------------------------------------------------------------------------------

def _date(errors: Errors, name: str, value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        errors.add(name, _("Geef een datum."))
        return None
    if not EARLIEST <= value <= LATEST:
        errors.add(name, _("Kies een datum tussen 1990 en 2100."))
        return None
    return value


def _flag(errors: Errors, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        errors.add(name, _("Geef ja of nee."))
        return False
    return value


def _choices(errors: Errors, name: str, values: Any, allowed: Mapping[str, Any]) -> list[str]:
    if values is None:
        return []
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        errors.add(name, _("Geef een lijst."))
        return []
    out: list[str] = []
    for value in values:
        if not isinstance(value, str) or value not in allowed:
            errors.add(name, _("Onbekende keuze: %(value)s.", value=str(value)[:40]))
        elif value not in out:
            out.append(value)
    return sorted(out, key=list(allowed).index)


def _link(errors: Errors, value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or any(ch.isspace() for ch in value):
        errors.add("dpia_link", _("Geef een webadres dat begint met https:// of http://."))
        return None
    return value


def _clean_activity(errors: Errors, data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (length, single) in ACTIVITY_TEXT.items():
        if name in data or (not partial and name in {"name", "purpose"}):
            out[name] = errors.text(name, data.get(name), max_length=length, single_line=single,
                                    required=name in {"name", "purpose"})
    if "dpia_link" in out:
        out["dpia_link"] = _link(errors, out["dpia_link"])
    if "legal_basis" in data or not partial:
        value = data.get("legal_basis")
        if value in (None, ""):
            errors.add("legal_basis", _("Kies de grondslag (art. 6 lid 1 AVG)."))
        elif value not in LEGAL_BASES:
            errors.add("legal_basis", _("Onbekende grondslag: %(value)s.", value=str(value)[:40]))
        else:
            out["legal_basis"] = value
    if "art9_ground" in data:
        value = data["art9_ground"]
        if value in (None, ""):
            out["art9_ground"] = None
        elif value not in ART9_GROUNDS:
            errors.add("art9_ground", _("Onbekende uitzonderingsgrond: %(value)s.", value=str(value)[:40]))
        else:
            out["art9_ground"] = value
    for name, allowed in ACTIVITY_LISTS.items():
        if name in data:
            out[name] = _choices(errors, name, data[name], allowed)
    for name in ACTIVITY_FLAGS:
        if name in data:
            out[name] = _flag(errors, name, data[name])
    if "dpia_date" in data:
        out["dpia_date"] = _date(errors, "dpia_date", data["dpia_date"])
    if "status" in data:
        try:
            out["status"] = ProcessingStatus(data["status"])
        except ValueError:
            errors.add("status", _("Onbekende status."))
    return out


def _check_activity(errors: Errors, state: Mapping[str, Any]) -> None:
    """Rules across fields, on the state after the change."""
    if errors.errors.keys() & {"special_categories", "art9_ground"}:
        return
    if state.get("special_categories") and not state.get("art9_ground"):
        errors.add("art9_ground", _("Bij bijzondere persoonsgegevens hoort een uitzonderingsgrond uit "
                                    "art. 9 lid 2 AVG: kies de grond waarop deze verwerking is toegestaan."))
    elif state.get("art9_ground") and not state.get("special_categories"):
        errors.add("art9_ground", _("Een uitzonderingsgrond uit art. 9 lid 2 hoort alleen bij bijzondere "
                                    "persoonsgegevens: kies die, of laat de grond leeg."))
    if state.get("outside_eea") and not state.get("outside_eea_details"):
        errors.add("outside_eea_details", _("Noem bij doorgifte buiten de EER de landen en de waarborgen."))
    if (state.get("dpia_date") or state.get("dpia_link")) and not state.get("dpia_done"):
        errors.add("dpia_done", _("Een datum of vindplaats van de DPIA hoort bij een uitgevoerde DPIA."))


def _as_ids(errors: Errors, name: str, values: Any) -> list[int]:
    if values is None:
        return []
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        errors.add(name, _("Geef een lijst."))
        return []
    items = list(values)
    if len(items) > MAX_LINKS:
        errors.add(name, _("Hoogstens %(n)d koppelingen.", n=MAX_LINKS))
        return []
    ids = []
    for value in items:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_ID:
            errors.add(name, _("Geef een nummer."))
        else:
            ids.append(value)
    return ids


def _resolve_processors(errors: Errors, organisation_id: int, values: Any) -> list[Processor]:
    """Verwerkers by id, each of ``organisation_id``; another organisation's looks unknown."""
    ids = _as_ids(errors, "processors", values)
    found = {p.id: p for p in db.session.scalars(
        select(Processor).where(Processor.id.in_(sorted(set(ids))), Processor.organisation_id == organisation_id))
    } if ids else {}
    result: dict[int, Processor] = {}
    for value in ids:
        if value in found:
            result.setdefault(value, found[value])
        else:
            errors.add("processors", _("Verwerker %(id)s bestaat niet of hoort niet bij deze organisatie.", id=value))
    return list(result.values())


def _clean_processor(errors: Errors, data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (length, single) in PROCESSOR_TEXT.items():
        if name in data or (not partial and name == "name"):
            out[name] = errors.text(name, data.get(name), max_length=length, single_line=single,
                                    required=name == "name")
    for name in PROCESSOR_FLAGS:
        if name in data:
            out[name] = _flag(errors, name, data[name])
    for name in PROCESSOR_DATES:
        if name in data:
            out[name] = _date(errors, name, data[name])
    return out


def _check_processor(errors: Errors, state: Mapping[str, Any]) -> None:
    if state.get("agreement_signed_on") and not state.get("agreement_signed"):
        errors.add("agreement_signed", _("Een datum van tekenen hoort bij een getekende verwerkersovereenkomst."))
    signed, expires = state.get("agreement_signed_on"), state.get("agreement_expires_on")
    if signed and expires and expires < signed:
        errors.add("agreement_expires_on", _("De overeenkomst kan niet verlopen vóór ze is getekend."))


def _refuse_unknown(data: Mapping[str, Any], allowed: Sequence[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationFailed.collect({name: [_("Onbekend veld.")] for name in sorted(unknown)})


def _check_version(obj: ProcessingActivity | Processor, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != obj.version:
        raise Conflict(_("Iemand anders heeft dit intussen opgeslagen (versie %(v)d). Bekijk de nieuwe "
                         "gegevens en breng uw wijziging opnieuw aan.", v=obj.version), field="version")


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(_("Iemand anders heeft dit intussen opgeslagen. Laad het opnieuw."),
                       field="version") from None


# --- verwerkingen ------------------------------------------------------------------------------------

def create_activity(actor: User | None, organisation: Organisation, data: Mapping[str, Any], *,
                    now: dt.datetime | None = None, actor_label: str | None = None) -> ProcessingActivity:
    """Record a verwerking. ``name``, ``purpose`` and ``legal_basis`` are required; special
    categories need an art. 9 ground; ``processors`` are ids of the organisation's verwerkers."""
    now = now or utcnow()
    _refuse_unknown(data, ACTIVITY_EDITABLE)
    errors = Errors()
    values = _clean_activity(errors, data, partial=False)
    processors = _resolve_processors(errors, organisation.id, data.get("processors"))
    _check_activity(errors, values)
    errors.raise_if_any()
    activity = ProcessingActivity(
        organisation=organisation, status=values.pop("status", ProcessingStatus.CONCEPT),
        created_by_id=actor.id if actor else None, created_at=now, updated_at=now, version=1,
        processors=processors, **{"subject_categories": [], "data_categories": [], "special_categories": [],
                                  "bsn": False, "outside_eea": False, "dpia_required": False,
                                  "dpia_done": False, **values})
    db.session.add(activity)
    db.session.flush()
    audit.record(actor, "processing_activity", activity.id, "create",
                 audit.created({**activity_snapshot(activity), "organisation": organisation.code}),
                 organisation_id=organisation.id, actor_label=actor_label)
    return activity


def check_new_activity(data: Mapping[str, Any]) -> dict[str, Any]:
    """The rules of a new verwerking (its verwerkers aside) without writing anything, for the
    import's preview: the cleaned values, or :class:`ValidationFailed` naming every field."""
    _refuse_unknown(data, ACTIVITY_FIELDS)
    errors = Errors()
    values = _clean_activity(errors, data, partial=False)
    _check_activity(errors, values)
    errors.raise_if_any()
    return values


def activity_names(organisation_id: int) -> dict[str, str]:
    """The organisation's verwerkingen by lower-case name → their name (one query)."""
    names = db.session.scalars(select(ProcessingActivity.name)
                               .where(ProcessingActivity.organisation_id == organisation_id))
    return {name.lower(): name for name in names}


def update_activity(actor: User | None, activity: ProcessingActivity, data: Mapping[str, Any],
                    expected_version: int | None, *, now: dt.datetime | None = None) -> ProcessingActivity:
    """Change fields; ``processors``, when given, replaces the links. A stale version → Conflict."""
    now = now or utcnow()
    _check_version(activity, expected_version)
    _refuse_unknown(data, ACTIVITY_EDITABLE)
    errors = Errors()
    values = _clean_activity(errors, data, partial=True)
    if "processors" in data:
        values["processors"] = _resolve_processors(errors, activity.organisation_id, data["processors"])
    _check_activity(errors, {**activity_snapshot(activity), **values})
    errors.raise_if_any()
    before = activity_snapshot(activity)
    for name, value in values.items():
        setattr(activity, name, value)
    changes = audit.diff(before, activity_snapshot(activity))
    if not changes:
        return activity
    activity.updated_at = now
    flag_modified(activity, "updated_at")  # an UPDATE, so the version moves even when only links changed
    _flush_or_conflict()
    audit.record(actor, "processing_activity", activity.id, "update", changes,
                 organisation_id=activity.organisation_id)
    return activity


def get_activity(user: Principal | None, activity_id: int,
                 permission: Permission = Permission.PROCESSING_READ) -> ProcessingActivity:
    return get_scoped(ProcessingActivity, activity_id, user, permission)


def can_edit(user: Principal | None, obj: ProcessingActivity | Processor) -> bool:
    return has_permission(user, Permission.PROCESSING_WRITE, obj.organisation_id)


@dataclass
class ActivityFilter:
    organisation: str | None = None
    status: Sequence[ProcessingStatus] = ()
    legal_basis: str | None = None
    q: str | None = None


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def filtered_activities(user: Principal | None, flt: ActivityFilter) -> Select[ProcessingActivity]:
    stmt = select(ProcessingActivity).where(
        organisation_scope(user, Permission.PROCESSING_READ, ProcessingActivity.organisation_id))
    if flt.organisation:
        stmt = stmt.where(ProcessingActivity.organisation_id.in_(
            select(Organisation.id).where(Organisation.code == flt.organisation.upper())))
    if flt.status:
        stmt = stmt.where(ProcessingActivity.status.in_(list(flt.status)))
    if flt.legal_basis:
        stmt = stmt.where(ProcessingActivity.legal_basis == flt.legal_basis if flt.legal_basis in LEGAL_BASES
                          else false())
    if flt.q:
        for word in flt.q.lower().split()[:8]:
            pattern = _like(word)
            stmt = stmt.where(or_(func.lower(ProcessingActivity.name).like(pattern, escape="\\"),
                                  func.lower(ProcessingActivity.purpose).like(pattern, escape="\\"),
                                  func.lower(ProcessingActivity.owner).like(pattern, escape="\\")))
    return stmt.order_by(ProcessingActivity.name, ProcessingActivity.id)


def list_activities(user: Principal | None, flt: ActivityFilter, page: int = 1,
                    per_page: int = 25) -> Page[ProcessingActivity]:
    """One page of verwerkingen with their verwerkers: a fixed number of queries."""
    stmt = filtered_activities(user, flt)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(db.session.scalars(stmt.options(selectinload(ProcessingActivity.processors))
                                    .limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items, page, per_page, total)


def all_activities(user: Principal | None, flt: ActivityFilter,
                   limit: int = 50_000) -> list[ProcessingActivity]:
    """Every verwerking matching the filter, for the export (two queries)."""
    return list(db.session.scalars(filtered_activities(user, flt)
                                   .options(selectinload(ProcessingActivity.processors)).limit(limit)).unique())


# --- verwerkers ------------------------------------------------------------------------------------------

def create_processor(actor: User | None, organisation: Organisation, data: Mapping[str, Any], *,
                     now: dt.datetime | None = None, actor_label: str | None = None) -> Processor:
    now = now or utcnow()
    _refuse_unknown(data, PROCESSOR_FIELDS)
    errors = Errors()
    values = _clean_processor(errors, data, partial=False)
    _check_processor(errors, values)
    errors.raise_if_any()
    processor = Processor(organisation=organisation, created_by_id=actor.id if actor else None,
                          created_at=now, updated_at=now, version=1,
                          **{"inside_eea": True, "agreement_signed": False, **values})
    db.session.add(processor)
    db.session.flush()
    audit.record(actor, "processor", processor.id, "create",
                 audit.created({**processor_snapshot(processor), "organisation": organisation.code}),
                 organisation_id=organisation.id, actor_label=actor_label)
    return processor


def update_processor(actor: User | None, processor: Processor, data: Mapping[str, Any],
                     expected_version: int | None, *, now: dt.datetime | None = None) -> Processor:
    now = now or utcnow()
    _check_version(processor, expected_version)
    _refuse_unknown(data, PROCESSOR_FIELDS)
    errors = Errors()
    values = _clean_processor(errors, data, partial=True)
    _check_processor(errors, {**processor_snapshot(processor), **values})
    errors.raise_if_any()
    before = processor_snapshot(processor)
    for name, value in values.items():
        setattr(processor, name, value)
    changes = audit.diff(before, processor_snapshot(processor))
    if not changes:
        return processor
    processor.updated_at = now
    _flush_or_conflict()
    audit.record(actor, "processor", processor.id, "update", changes, organisation_id=processor.organisation_id)
    return processor


def get_processor(user: Principal | None, processor_id: int,
                  permission: Permission = Permission.PROCESSING_READ) -> Processor:
    return get_scoped(Processor, processor_id, user, permission)


def attention(processor: Processor, today: dt.date) -> list[str]:
    """Why the verwerkersovereenkomst needs attention: ``missing``, ``expired``, ``review``."""
    reasons = []
    if not processor.agreement_signed:
        reasons.append("missing")
    elif processor.agreement_expires_on is not None and processor.agreement_expires_on < today:
        reasons.append("expired")
    if processor.agreement_review_on is not None and processor.agreement_review_on < today:
        reasons.append("review")
    return reasons


def _needs_attention(today: dt.date) -> Any:
    return or_(Processor.agreement_signed.is_(False),
               Processor.agreement_expires_on < today,
               Processor.agreement_review_on < today)


def list_processors(user: Principal | None, organisation: str | None = None, q: str | None = None,
                    page: int = 1, per_page: int = 25, *, attention_only: bool = False,
                    today: dt.date | None = None) -> Page[Processor]:
    """One page of verwerkers with their verwerkingen, by name: a fixed number of queries."""
    stmt = select(Processor).where(organisation_scope(user, Permission.PROCESSING_READ, Processor.organisation_id))
    if organisation:
        stmt = stmt.where(Processor.organisation_id.in_(
            select(Organisation.id).where(Organisation.code == organisation.upper())))
    if q:
        for word in q.lower().split()[:8]:
            stmt = stmt.where(func.lower(Processor.name).like(_like(word), escape="\\"))
    if attention_only:
        stmt = stmt.where(_needs_attention(today or local_today()))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = list(db.session.scalars(stmt.options(selectinload(Processor.activities))
                                    .order_by(Processor.name, Processor.id)
                                    .limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items, page, per_page, total)


def needing_attention(user: Principal | None, today: dt.date, limit: int = 50) -> list[Processor]:
    """Verwerkers whose agreement is missing, expired or past its review date (one query)."""
    return list(db.session.scalars(
        select(Processor)
        .where(organisation_scope(user, Permission.PROCESSING_READ, Processor.organisation_id),
               _needs_attention(today))
        .order_by(Processor.agreement_signed, Processor.agreement_expires_on.is_(None),
                  Processor.agreement_expires_on, Processor.name, Processor.id)
        .limit(limit)))


def processors_of(organisation_id: int) -> list[Processor]:
    """The organisation's verwerkers, to choose from on a verwerking's form."""
    return list(db.session.scalars(select(Processor).where(Processor.organisation_id == organisation_id)
                                   .order_by(Processor.name, Processor.id)))


# --- history -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HistoryItem:
    at: dt.datetime
    kind: str
    actor: str
    changes: Mapping[str, Any]


def history(entity: str, entity_id: int) -> list[HistoryItem]:
    """The audit log's events for a verwerking or verwerker, oldest first (one query)."""
    events = db.session.execute(
        select(AuditEvent.occurred_at, AuditEvent.action, AuditEvent.changes, AuditEvent.actor_label, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id))
        .order_by(AuditEvent.seq))
    return [HistoryItem(at=at, kind=action, actor=name or label, changes=json.loads(changes))
            for at, action, changes, label, name in events]
