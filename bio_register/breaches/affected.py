"""The verwerkingen a datalek affected, and what they propose for its assessment (issue 20, item 4).

A datalek is linked to verwerkingen of its own organisation only: another organisation's verwerking
answers as if it did not exist (:class:`~bio_register.errors.NotFound`, 404). From the linked
verwerkingen the categories of data subjects and of personal data, special categories, BSN, the
verwerkers and the legal context are *proposed*: the FG takes the proposal over (adding to what is
filled in, never replacing it) and adjusts it. No Flask; never commits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import selectinload

from bio_register.accounts.models import User
from bio_register.audit import services as audit
from bio_register.breaches import catalog
from bio_register.breaches.models import BreachAssessment, breach_processing_activities
from bio_register.errors import NotFound, ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.incidents.models import Incident
from bio_register.permissions import Permission, Principal, organisation_scope
from bio_register.processing.labels import ART9_GROUNDS, LEGAL_BASES
from bio_register.processing.models import ProcessingActivity

#: at most this many verwerkingen per datalek (a datalek hitting more is described, not enumerated)
MAX_LINKS = 50
FIELD = "processing_activity_ids"
LINK = breach_processing_activities


def as_ids(values: Any, name: str = FIELD) -> list[int]:
    """A list of verwerking ids (duplicates dropped, order kept), or ValidationFailed naming ``name``."""
    if values is None:
        return []
    if not isinstance(values, (list, tuple)) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**31 for v in values):
        raise ValidationFailed(_("Geef een lijst van nummers van verwerkingen."), field=name)
    ids = list(dict.fromkeys(values))
    if len(ids) > MAX_LINKS:
        raise ValidationFailed(_("Koppel ten hoogste %(n)d verwerkingen.", n=MAX_LINKS), field=name)
    return ids


def resolve(organisation_id: int, values: Any, name: str = FIELD) -> list[ProcessingActivity]:
    """The verwerkingen with these ids of this organisation, by name; an id that is unknown or of
    another organisation: NotFound naming ``name`` (the two look the same)."""
    ids = as_ids(values, name)
    if not ids:
        return []
    found = list(db.session.scalars(select(ProcessingActivity).where(
        ProcessingActivity.id.in_(ids), ProcessingActivity.organisation_id == organisation_id)
        .order_by(ProcessingActivity.name, ProcessingActivity.id)))
    missing = sorted(set(ids) - {a.id for a in found})
    if missing:
        raise NotFound(_("Onbekende verwerking bij deze organisatie: %(ids)s.",
                         ids=", ".join(str(i) for i in missing)), field=name)
    return found


def linked(incident: Incident) -> list[ProcessingActivity]:
    """The verwerkingen linked to the datalek, by name, with their verwerkers (two queries)."""
    return list(db.session.scalars(
        select(ProcessingActivity).join(LINK, LINK.c.activity_id == ProcessingActivity.id)
        .where(LINK.c.incident_id == incident.id).options(selectinload(ProcessingActivity.processors))
        .order_by(ProcessingActivity.name, ProcessingActivity.id)))


def linked_ids(incident_ids: Sequence[int]) -> dict[int, list[int]]:
    """For each incident, the ids of its linked verwerkingen (one query)."""
    out: dict[int, list[int]] = {i: [] for i in incident_ids}
    if incident_ids:
        for incident_id, activity_id in db.session.execute(
                select(LINK.c.incident_id, LINK.c.activity_id).where(LINK.c.incident_id.in_(list(incident_ids)))
                .order_by(LINK.c.incident_id, LINK.c.activity_id)):
            out[incident_id].append(activity_id)
    return out


def set_links(actor: User | None, incident: Incident, values: Any, *, actor_label: str | None = None,
              ) -> list[ProcessingActivity]:
    """Link the datalek to exactly these verwerkingen of its organisation (audited on the incident
    when it changes). Who may link is checked at the route."""
    if not incident.is_datalek:
        raise ValidationFailed(_("Dit incident is niet als datalek gemarkeerd."), field="is_datalek")
    activities = resolve(incident.organisation_id, values)
    before = linked(incident)
    old, new = {a.id for a in before}, {a.id for a in activities}
    if old == new:
        return activities
    if old - new:
        db.session.execute(delete(LINK).where(LINK.c.incident_id == incident.id,
                                              LINK.c.activity_id.in_(sorted(old - new))))
    if new - old:
        db.session.execute(insert(LINK), [{"incident_id": incident.id, "activity_id": i} for i in sorted(new - old)])
    db.session.flush()
    audit.record(actor, "incident", incident.id, "link_processing",
                 {"processing_activities": {"before": [a.name for a in before],
                                            "after": [a.name for a in activities]}},
                 organisation_id=incident.organisation_id, actor_label=actor_label)
    return activities


def datalekken_of(user: Principal | None, activity: ProcessingActivity, limit: int = 100) -> list[Incident]:
    """The datalekken linked to a verwerking that the user may read, newest first (a signal for the
    verwerking's DPIA)."""
    scope = organisation_scope(user, Permission.BREACH_READ, Incident.organisation_id)
    return list(db.session.scalars(
        select(Incident).join(LINK, LINK.c.incident_id == Incident.id)
        .where(LINK.c.activity_id == activity.id, Incident.is_datalek.is_(True), scope)
        .order_by(Incident.discovered_at.desc(), Incident.id.desc()).limit(limit)))


def count_datalekken(activity: ProcessingActivity) -> int:
    return db.session.scalar(select(func.count()).select_from(LINK).where(LINK.c.activity_id == activity.id)) or 0


# --- the proposal ----------------------------------------------------------------------------------------

#: the assessment's list fields a proposal fills, each with the catalog that orders it
LIST_FIELDS: tuple[tuple[str, Mapping[str, Any]], ...] = (
    ("data_categories", catalog.DATA_CATEGORIES), ("special_categories", catalog.SPECIAL_CATEGORIES),
    ("subject_categories", catalog.SUBJECT_CATEGORIES), ("legal_bases", LEGAL_BASES),
    ("art9_grounds", ART9_GROUNDS))


def _ordered(values: Iterable[str], allowed: Mapping[str, Any]) -> list[str]:
    order = list(allowed)
    return sorted({v for v in values if v in allowed}, key=order.index)


@dataclass(frozen=True)
class Proposal:
    """What the linked verwerkingen say about the datalek: the union of their categories, BSN when
    any of them holds it, their verwerkers and their legal context."""

    activities: list[ProcessingActivity]
    data_categories: list[str] = field(default_factory=list)
    special_categories: list[str] = field(default_factory=list)
    subject_categories: list[str] = field(default_factory=list)
    bsn: bool = False
    processors: list[str] = field(default_factory=list)
    legal_bases: list[str] = field(default_factory=list)
    art9_grounds: list[str] = field(default_factory=list)

    @property
    def processor_involved(self) -> bool:
        return bool(self.processors)

    @property
    def processor_name(self) -> str | None:
        return ", ".join(self.processors)[:200] or None

    @property
    def processing_activity_ids(self) -> list[int]:
        return [a.id for a in self.activities]

    def values(self) -> dict[str, Any]:
        """The proposal in the assessment's field names."""
        return {**{name: getattr(self, name) for name, _allowed in LIST_FIELDS}, "bsn": self.bsn,
                "processor_involved": self.processor_involved, "processor_name": self.processor_name}

    def adds_to(self, assessment: BreachAssessment | Mapping[str, Any] | None) -> dict[str, Any]:
        """What taking the proposal over would add to what is filled in (empty: nothing new)."""
        current = _current(assessment)
        merged = merge(current, self)
        return {name: value for name, value in merged.items() if value != current.get(name)}


def _current(assessment: BreachAssessment | Mapping[str, Any] | None) -> dict[str, Any]:
    names = [name for name, _allowed in LIST_FIELDS] + ["bsn", "processor_involved", "processor_name"]
    if assessment is None:
        return {name: [] for name, _allowed in LIST_FIELDS} | {"bsn": False, "processor_involved": False,
                                                                "processor_name": None}
    if isinstance(assessment, Mapping):
        return {name: assessment.get(name) for name in names}
    return {name: getattr(assessment, name) for name in names}


def propose(activities: Sequence[ProcessingActivity]) -> Proposal:
    """The proposal of these verwerkingen (their verwerkers loaded)."""
    lists: dict[str, list[str]] = {name: [] for name, _allowed in LIST_FIELDS}
    for activity in activities:
        lists["data_categories"] += activity.data_categories or []
        lists["special_categories"] += activity.special_categories or []
        lists["subject_categories"] += activity.subject_categories or []
        lists["legal_bases"] += [activity.legal_basis] if activity.legal_basis else []
        lists["art9_grounds"] += [activity.art9_ground] if activity.art9_ground else []
    processors = sorted({p.name for a in activities for p in a.processors}, key=str.casefold)
    return Proposal(list(activities), bsn=any(a.bsn for a in activities), processors=processors,
                    **{name: _ordered(lists[name], allowed) for name, allowed in LIST_FIELDS})


def proposal_for(incident: Incident) -> Proposal:
    return propose(linked(incident))


def merge(current: Mapping[str, Any], proposal: Proposal) -> dict[str, Any]:
    """What is filled in with the proposal taken over: lists joined (nothing removed), BSN and the
    verwerker added, a verwerker's name already filled in kept as it is."""
    out = dict(current)
    for name, allowed in LIST_FIELDS:
        out[name] = _ordered([*(current.get(name) or []), *getattr(proposal, name)], allowed)
    out["bsn"] = bool(current.get("bsn")) or proposal.bsn
    if proposal.processor_involved:
        out["processor_involved"] = True
        if not (current.get("processor_name") or "").strip():
            out["processor_name"] = proposal.processor_name
    return out
