"""BIO compliance: catalogs in the database, control assessments (the statement of applicability,
with history), the compliance overview, and proposals from BIO 1.04 to BIO2. Never commits."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, func, or_, select, update
from sqlalchemy.orm import aliased, lazyload

from bio_register.accounts.models import User
from bio_register.attachments import evidence as evidence_life
from bio_register.attachments.models import Attachment, EvidenceItem
from bio_register.audit import services as audit
from bio_register.compliance.models import (
    ASPECTS,
    AspectStatus,
    Control,
    ControlAssessment,
    ControlCatalog,
    ControlKind,
    ControlMapping,
    ImplementationStatus,
)
from bio_register.database import utcnow
from bio_register.errors import Conflict, ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.i18n import lazy_gettext
from bio_register.incidents.models import Incident
from bio_register.measures.models import OPEN_MEASURE_STATUSES, Measure, measure_controls, measure_incidents
from bio_register.organisations.models import Organisation
from bio_register.queries import among_ids
from bio_register.timeutil import to_local
from bio_register.validation import Errors

MAX_TEXT = 20_000
MAX_LINKS = 20
#: weight of each status in the implementation percentage
WEIGHT = {ImplementationStatus.VOLLEDIG: 1.0, ImplementationStatus.GEDEELTELIJK: 0.5, ImplementationStatus.NIET: 0.0}
STATUS_RANK = {ImplementationStatus.NIET: 0, ImplementationStatus.GEDEELTELIJK: 1, ImplementationStatus.VOLLEDIG: 2}


# --- catalogs ---------------------------------------------------------------------------------------

def catalogs() -> list[ControlCatalog]:
    return list(db.session.scalars(select(ControlCatalog).order_by(ControlCatalog.key)))


def get_catalog(key: str) -> ControlCatalog | None:
    return db.session.scalar(select(ControlCatalog).where(ControlCatalog.key == key))


def controls_of(catalog: ControlCatalog, *, kind: ControlKind | None = None) -> list[Control]:
    stmt = select(Control).where(Control.catalog_id == catalog.id).order_by(Control.sort_key)
    if kind is not None:
        stmt = stmt.where(Control.kind == kind)
    return list(db.session.scalars(stmt))


def find_control(catalog: ControlCatalog, code: str) -> Control | None:
    return db.session.scalar(select(Control).where(Control.catalog_id == catalog.id, Control.code == code.strip()))


def sort_key(code: str) -> str:
    """'5.24.03' → '005.024.003', so text order is numeric order."""
    return ".".join(part.zfill(3) for part in code.split("."))


# --- assessments -------------------------------------------------------------------------------------

def current_assessments(organisation: Organisation, catalog: ControlCatalog,
                        as_of: dt.datetime | None = None) -> dict[int, ControlAssessment]:
    """The assessment in force per control id (the newest row of each), now or at ``as_of``."""
    newest = (
        select(func.max(ControlAssessment.id))
        .join(Control, Control.id == ControlAssessment.control_id)
        .where(ControlAssessment.organisation_id == organisation.id, Control.catalog_id == catalog.id)
        .group_by(ControlAssessment.control_id)
    )
    if as_of is not None:
        newest = newest.where(ControlAssessment.assessed_at < as_of)
    rows = db.session.scalars(select(ControlAssessment).where(ControlAssessment.id.in_(newest)))
    return {row.control_id: row for row in rows}


def assessment_history(organisation: Organisation, control: Control) -> list[ControlAssessment]:
    return list(db.session.scalars(
        select(ControlAssessment).where(ControlAssessment.organisation_id == organisation.id,
                                        ControlAssessment.control_id == control.id)
        .order_by(ControlAssessment.id.desc())))


def _snapshot(row: ControlAssessment | None) -> dict[str, Any]:
    if row is None:
        return {}
    snapshot: dict[str, Any] = {
        "applicable": row.applicable, "justification": row.justification, "status": row.status,
        "evidence": row.evidence, "evidence_links": list(row.evidence_links or []), "owner": row.owner,
        "proposed": row.proposed}
    for aspect in row.aspects:
        snapshot.update({f"{aspect.name}_status": aspect.status, f"{aspect.name}_assessed_on": aspect.assessed_on,
                         f"{aspect.name}_assessed_by": aspect.assessed_by, f"{aspect.name}_evidence": aspect.evidence,
                         f"{aspect.name}_attachment_ids": aspect.attachment_ids})
    return snapshot


#: the fields of an assessment a person gives (opzet, bestaan and werking each a mapping of ASPECT_FIELDS)
ASSESSMENT_FIELDS = frozenset({"applicable", "justification", "status", "evidence", "evidence_links", "owner",
                               *ASPECTS})
#: the fields of one of opzet, bestaan and werking
ASPECT_FIELDS = frozenset({"status", "assessed_on", "assessed_by", "evidence", "attachments"})
#: what the user reads for each aspect's status
ASPECT_STATUS_TEXT = {AspectStatus.VOLDOET: lazy_gettext("voldoet"),
                      AspectStatus.VOLDOET_GEDEELTELIJK: lazy_gettext("voldoet gedeeltelijk"),
                      AspectStatus.VOLDOET_NIET: lazy_gettext("voldoet niet"),
                      AspectStatus.NIET_BEOORDEELD: lazy_gettext("niet beoordeeld")}
#: an aspect's name inside a sentence
ASPECT_NAME_TEXT = {"opzet": lazy_gettext("opzet"), "bestaan": lazy_gettext("bestaan"),
                    "werking": lazy_gettext("werking")}


def _aspect_date(errors: Errors, key: str, value: Any, today: dt.date) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            errors.add(key, _("Geen geldige datum; gebruik jaar-maand-dag."))
            return None
    if not isinstance(value, dt.date):
        errors.add(key, _("Geen geldige datum; gebruik jaar-maand-dag."))
        return None
    if value > today:
        errors.add(key, _("De datum van beoordeling ligt in de toekomst."))
        return None
    return value


def _aspect_attachments(errors: Errors, key: str, value: Any, attachments: Mapping[int, Attachment]) -> list[int]:
    """Ids of the control's evidence attachments (of this organisation, not removed)."""
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        errors.add(key, _("Geef een lijst van nummers van bewijsstukken."))
        return []
    ids = list(dict.fromkeys(value))
    for attachment_id in ids:
        found = attachments.get(attachment_id)
        if found is None:
            errors.add(key, _("Bewijsstuk %(id)d hoort niet bij deze beheersmaatregel of overheidsmaatregel van "
                                "deze organisatie.",
                              id=attachment_id))
        elif found.removed:
            errors.add(key, _("Bewijsstuk „%(name)s” is verwijderd.", name=found.filename))
    return ids


def _clean_aspect(errors: Errors, name: str, raw: Any, previous: ControlAssessment | None, applicable: Any, *,
                  actor: User | None, today: dt.date, attachments: Mapping[int, Attachment],
                  expired: frozenset[int] = frozenset()) -> dict[str, Any]:
    """The columns of opzet, bestaan or werking. Left out: carried over from the assessment in force
    (clients that do not know the fields change nothing); not applicable: "niet beoordeeld"."""
    empty: dict[str, Any] = {f"{name}_status": AspectStatus.NIET_BEOORDEELD, f"{name}_assessed_on": None,
             f"{name}_assessed_by": None, f"{name}_evidence": None, f"{name}_attachment_ids": []}
    if raw is None:
        if previous is None or applicable is False:
            return empty
        kept = previous.aspect(name)
        return {f"{name}_status": kept.status, f"{name}_assessed_on": kept.assessed_on,
                f"{name}_assessed_by": kept.assessed_by, f"{name}_evidence": kept.evidence,
                f"{name}_attachment_ids": kept.attachment_ids}
    if not isinstance(raw, Mapping):
        errors.add(name, _("Geef status, datum, beoordelaar en bewijs als object."))
        return empty
    for unknown in sorted(set(raw) - ASPECT_FIELDS):
        errors.add(f"{name}.{unknown}", _("Onbekend veld."))
    status = AspectStatus.NIET_BEOORDEELD
    try:
        status = AspectStatus(raw.get("status") or AspectStatus.NIET_BEOORDEELD)
    except ValueError:
        errors.add(f"{name}.status", _("Kies voldoet, voldoet gedeeltelijk, voldoet niet of niet beoordeeld."))
    assessed_on = _aspect_date(errors, f"{name}.assessed_on", raw.get("assessed_on"), today)
    assessed_by = errors.text(f"{name}.assessed_by", raw.get("assessed_by"), max_length=200, single_line=True)
    evidence = errors.text(f"{name}.evidence", raw.get("evidence"), max_length=MAX_TEXT)
    attachment_ids = _aspect_attachments(errors, f"{name}.attachments", raw.get("attachments"), attachments)
    if applicable is False:
        return empty
    if status == AspectStatus.NIET_BEOORDEELD:
        # not judged: no day and no assessor; evidence gathered so far stays
        return {**empty, f"{name}_evidence": evidence, f"{name}_attachment_ids": attachment_ids}
    if name == "werking" and status == AspectStatus.VOLDOET and not evidence and not attachment_ids:
        errors.add(f"{name}.evidence", _("Werking „voldoet” vraagt om bewijs: beschrijf waaruit de werking blijkt "
                                         "of kies een bewijsstuk."))
    elif (name == "werking" and status == AspectStatus.VOLDOET and attachment_ids
          and not evidence_life.werking_shown(attachment_ids, expired)):
        errors.add(f"{name}.attachments", _("Werking „voldoet” vraagt om geldig bewijs, maar alle gekozen "
                                            "bewijsstukken zijn verlopen (hun herbeoordelingsdatum is voorbij). "
                                            "Herbeoordeel het bewijs en leg een nieuwe datum vast, kies een geldig "
                                            "bewijsstuk, of kies een andere status."))
    return {f"{name}_status": status, f"{name}_assessed_on": assessed_on or today,
            f"{name}_assessed_by": assessed_by or (actor.name if actor is not None else None),
            f"{name}_evidence": evidence, f"{name}_attachment_ids": attachment_ids}


def contradictions(assessment: ControlAssessment | None) -> list[str]:
    """Where the implementation level and opzet, bestaan and werking say different things (shown as a
    warning; the CISO resolves it): "volledig geïmplementeerd" while an aspect "voldoet niet", "niet
    geïmplementeerd" while it exists or works, or working while it does not exist."""
    if assessment is None or not assessment.applicable:
        return []
    found = []
    state = {aspect.name: aspect.status for aspect in assessment.aspects}
    meets = (AspectStatus.VOLDOET, AspectStatus.VOLDOET_GEDEELTELIJK)
    if assessment.status == ImplementationStatus.VOLLEDIG:
        found += [_("„Volledig geïmplementeerd”, maar %(aspect)s „voldoet niet”.", aspect=ASPECT_NAME_TEXT[name])
                  for name in ASPECTS if state[name] == AspectStatus.VOLDOET_NIET]
    if assessment.status == ImplementationStatus.NIET:
        found += [_("„Niet geïmplementeerd”, maar %(aspect)s „%(status)s”.", aspect=ASPECT_NAME_TEXT[name],
                    status=ASPECT_STATUS_TEXT[state[name]])
                  for name in ("bestaan", "werking") if state[name] in meets]
    if state["werking"] in meets and state["bestaan"] == AspectStatus.VOLDOET_NIET:
        found.append(_("Werking „%(status)s”, maar bestaan „voldoet niet”: wat niet bestaat, kan niet werken.",
                       status=ASPECT_STATUS_TEXT[state["werking"]]))
    return found


def _control_attachments(organisation: Organisation, control: Control) -> dict[int, Attachment]:
    return {a.id: a for a in db.session.scalars(
        select(Attachment).where(Attachment.organisation_id == organisation.id, Attachment.control_id == control.id))}


def _implementation_status(errors: Errors, raw: Any, applicable: Any) -> ImplementationStatus | None:
    """The status of an applicable control (required then); none when it is not applicable."""
    status = None
    if raw not in (None, ""):
        try:
            status = ImplementationStatus(raw)
        except ValueError:
            errors.add("status", _("Kies niet, gedeeltelijk of volledig."))
    if applicable is True and status is None and "status" not in errors.errors:
        errors.add("status", _("Geef aan hoe ver dit is geïmplementeerd: niet, gedeeltelijk of volledig."))
    return None if applicable is False else status


def _is_link(link: str) -> bool:
    return len(link) <= 500 and (link.startswith(("https://", "http://")) or link.startswith("\\\\"))


def _evidence_links(errors: Errors, value: Any) -> list[str]:
    """Links to evidence: a list, or text with one a line; web addresses or network paths."""
    links = value or []
    if isinstance(links, str):
        links = links.splitlines()
    if not isinstance(links, list) or not all(isinstance(link, str) for link in links):
        errors.add("evidence_links", _("Geef een lijst van links."))
        links = []
    links = [link.strip() for link in links if link.strip()]
    if len(links) > MAX_LINKS:
        errors.add("evidence_links", _("Hoogstens %(n)d links.", n=MAX_LINKS))
    bad = next((link for link in links if not _is_link(link)), None)
    if bad is not None:
        errors.add("evidence_links", _("Geen geldige link: %(l)s", l=bad[:80]))
    return links


def _clean_assessment(data: Mapping[str, Any], previous: ControlAssessment | None = None, *,
                      actor: User | None = None, today: dt.date | None = None,
                      attachments: Mapping[int, Attachment] | None = None,
                      expired: frozenset[int] = frozenset()) -> dict[str, Any]:
    """The assessment's fields, checked; every problem at once as :class:`ValidationFailed`."""
    errors = Errors()
    for name in sorted(set(data) - ASSESSMENT_FIELDS):
        errors.add(name, _("Onbekend veld."))
    applicable = data.get("applicable")
    if not isinstance(applicable, bool):
        errors.add("applicable", _("Kies of dit van toepassing is: ja of nee."))
    justification = errors.text("justification", data.get("justification"), max_length=MAX_TEXT)
    if applicable is False and not justification:
        errors.add("justification", _("Motiveer waarom dit niet van toepassing is."))
    values = {
        "applicable": applicable,
        "justification": justification,
        "status": _implementation_status(errors, data.get("status"), applicable),
        "evidence": errors.text("evidence", data.get("evidence"), max_length=MAX_TEXT),
        "owner": errors.text("owner", data.get("owner"), max_length=200, single_line=True),
        "evidence_links": _evidence_links(errors, data.get("evidence_links")),
    }
    for name in ASPECTS:
        values.update(_clean_aspect(errors, name, data.get(name), previous, applicable, actor=actor,
                                    today=today or dt.datetime.now(dt.UTC).date(), attachments=attachments or {},
                                    expired=expired))
    errors.raise_if_any()
    return values


def assess(actor: User | None, organisation: Organisation, control: Control, data: Mapping[str, Any], *,
           proposed: bool = False, now: dt.datetime | None = None,
           actor_label: str | None = None, today: dt.date | None = None,
           basis: str | None = None) -> ControlAssessment:
    """Record the organisation's assessment of a control (a new row; the old one stays as history).

    Opzet, bestaan and werking (``data["opzet"]`` …, each a mapping of :data:`ASPECT_FIELDS`) that
    are left out are carried over from the assessment in force. ``today``: the local calendar day
    (the default day of a judgement, and the latest one allowed).
    ``basis``: where a proposal comes from (recorded in the audit trail).
    Who may assess (the CISO: ``compliance:write`` in the organisation) is the caller's check."""
    now = now or utcnow()
    previous = current_assessments_for(organisation, [control.id]).get(control.id)
    attachments = (_control_attachments(organisation, control)
                   if any(isinstance(data.get(name), Mapping) and data[name].get("attachments") for name in ASPECTS)
                   else {})
    today = today or to_local(now).date()
    expired = (frozenset(evidence_life.invalid_attachments([organisation.id], today)[organisation.id][control.id])
               if attachments else frozenset())
    values = _clean_assessment(data, previous, actor=actor, today=today, attachments=attachments, expired=expired)
    row = ControlAssessment(organisation_id=organisation.id, control_id=control.id, **values, proposed=proposed,
                            assessed_by_id=actor.id if actor else None, assessed_at=now)
    changes = audit.diff(_snapshot(previous), _snapshot(row))
    _take_over(organisation.id, control.id)
    db.session.add(row)
    db.session.flush()
    if basis:
        changes["basis"] = {"before": None, "after": basis}
    # each link listed gets (or keeps) its owner, date and review date
    evidence_life.sync_links(actor, organisation, control, row.evidence_links or [], now=now, today=today)
    audit.record(actor, "control_assessment", row.id, "propose" if proposed else "assess",
                 {"control": {"before": None, "after": f"{control.catalog.key} {control.code}"}, **changes},
                 organisation_id=organisation.id, actor_label=actor_label)
    return row


# --- proposals: confirmed or rejected one by one by the CISO -----------------------------------------------

#: the columns a confirmation copies from the proposal (who and when are the confirmer's)
_COPIED = tuple(c.key for c in ControlAssessment.__table__.columns
                if c.key not in {"id", "organisation_id", "control_id", "proposed", "assessed_by_id", "assessed_at",
                                 "in_force"})


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def _proposal(organisation: Organisation, control: Control) -> ControlAssessment:
    current = current_assessments_for(organisation, [control.id]).get(control.id)
    if current is None or not current.proposed:
        raise Conflict(_("Er is geen voorstel om te beoordelen bij %(c)s.", c=control.code))
    return current


def confirm_proposal(actor: User | None, organisation: Organisation, control: Control, *,
                     now: dt.datetime | None = None) -> ControlAssessment:
    """The proposal in force becomes the organisation's assessment (a new row, the proposal stays as
    history), as the CISO confirms it. Who may (``compliance:write``) is the caller's check."""
    proposal = _proposal(organisation, control)
    row = ControlAssessment(organisation_id=organisation.id, control_id=control.id, proposed=False,
                            assessed_by_id=actor.id if actor else None, assessed_at=now or utcnow(),
                            **{name: _copy(getattr(proposal, name)) for name in _COPIED})
    _take_over(organisation.id, control.id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "control_assessment", row.id, "confirm",
                 {"control": {"before": None, "after": f"{control.catalog.key} {control.code}"},
                  "proposal": {"before": proposal.id, "after": None}, "proposed": {"before": True, "after": False}},
                 organisation_id=organisation.id)
    return row


def reject_proposal(actor: User | None, organisation: Organisation, control: Control) -> ControlAssessment | None:
    """The proposal in force is dropped: its row is deleted (it was never the organisation's judgement;
    the audit trail keeps every field of it), and the assessment before it, if any, is in force again.
    Returns that one. Who may (``compliance:write``) is the caller's check."""
    proposal = _proposal(organisation, control)
    changes = audit.diff(_snapshot(proposal), {})
    proposal_id = proposal.id
    db.session.delete(proposal)
    db.session.flush()
    # the row before it, if any, is in force again
    db.session.execute(
        update(ControlAssessment)
        .where(ControlAssessment.id == select(func.max(ControlAssessment.id))
               .where(ControlAssessment.organisation_id == organisation.id,
                      ControlAssessment.control_id == control.id).scalar_subquery())
        .values(in_force=True).execution_options(synchronize_session="fetch"))
    audit.record(actor, "control_assessment", proposal_id, "reject",
                 {"control": {"before": f"{control.catalog.key} {control.code}", "after": None}, **changes},
                 organisation_id=organisation.id)
    return current_assessments_for(organisation, [control.id]).get(control.id)


def _take_over(organisation_id: int, control_id: int) -> None:
    """The row in force of (organisation, control), if any, becomes history: the row added next
    takes its place. Called before that row is flushed; the unique partial index on ``in_force``
    refuses a second row in force, so of two concurrent assessments of one control the second fails
    (the pipeline answers 409, nothing stored) instead of leaving two rows in force."""
    db.session.execute(
        update(ControlAssessment)
        .where(ControlAssessment.organisation_id == organisation_id, ControlAssessment.control_id == control_id,
               ControlAssessment.in_force)  # bare, not IS TRUE: the partial index's own predicate
        .values(in_force=False).execution_options(synchronize_session="fetch"))


def current_assessments_for(organisation: Organisation, control_ids: Sequence[int]) -> dict[int, ControlAssessment]:
    if not control_ids:
        return {}
    newest = (select(func.max(ControlAssessment.id))
              .where(ControlAssessment.organisation_id == organisation.id,
                     ControlAssessment.control_id.in_(list(control_ids)))
              .group_by(ControlAssessment.control_id))
    return {row.control_id: row for row in db.session.scalars(
        select(ControlAssessment).where(ControlAssessment.id.in_(newest)))}


def evidence_file_names(organisation: Organisation, control_ids: Sequence[int]) -> dict[int, str]:
    """The file name of every evidence attachment of these controls of the organisation, by id (one
    query), so an export can name what opzet, bestaan and werking refer to."""
    if not control_ids:
        return {}
    return dict(db.session.execute(
        select(Attachment.id, Attachment.filename).where(Attachment.organisation_id == organisation.id,
                                                         Attachment.control_id.in_(list(control_ids)))).all())


@dataclass(frozen=True)
class AssessmentWithEvidence:
    """An assessment with its control's evidence in force and whether its werking is shown (the
    API's assessments resource); reads through to the assessment for everything else."""

    assessment: ControlAssessment
    evidence_items: list[EvidenceItem]
    werking_shown: bool

    def __getattr__(self, name: str) -> Any:
        return getattr(self.assessment, name)


def with_evidence(organisation: Organisation, assessments: Sequence[ControlAssessment],
                  today: dt.date) -> list[AssessmentWithEvidence]:
    """Each assessment with its control's evidence in force on ``today`` (two queries for any number)."""
    control_ids = sorted({a.control_id for a in assessments})
    items = evidence_life.items_by_control(organisation.id, control_ids)
    invalid = evidence_life.invalid_attachments([organisation.id], today)[organisation.id] if control_ids else {}
    out = []
    for assessment in assessments:
        werking = assessment.werking
        shown = (assessment.applicable and werking.status == AspectStatus.VOLDOET
                 and evidence_life.werking_shown(werking.attachment_ids, invalid.get(assessment.control_id, set())))
        out.append(AssessmentWithEvidence(assessment, items.get(assessment.control_id, []), shown))
    return out


# --- statement of applicability and the compliance overview -----------------------------------------

@dataclass(frozen=True)
class SoaRow:
    control: Control
    assessment: ControlAssessment | None
    #: a piece of the control's evidence in force is past its review date ("bewijs verlopen")
    evidence_expired: bool = False

    def aspect_status(self, name: str) -> AspectStatus:
        """Opzet, bestaan or werking of the row ("niet beoordeeld" when the control is not assessed)."""
        return self.assessment.aspect(name).status if self.assessment is not None else AspectStatus.NIET_BEOORDEELD

    @property
    def obw(self) -> list[tuple[str, str]]:
        """(aspect, status value) of opzet, bestaan and werking, for the compact indication."""
        return [(name, self.aspect_status(name).value) for name in ASPECTS]

    @property
    def contradictions(self) -> list[str]:
        return contradictions(self.assessment)


def statement_of_applicability(organisation: Organisation, catalog: ControlCatalog, *,
                               today: dt.date | None = None) -> list[SoaRow]:
    """Every control and overheidsmaatregel of the catalog with the organisation's assessment in
    force, and whether any of its evidence has expired on ``today`` (the local day; default: now)."""
    current = current_assessments(organisation, catalog)
    expired = evidence_life.expired_controls(organisation.id, today or evidence_life.local_today())
    return [SoaRow(control, current.get(control.id), control.id in expired) for control in controls_of(catalog)]


#: the applicability filter's values: applicable, not applicable, not yet assessed, a proposal to confirm
APPLICABILITY = ("ja", "nee", "onbeoordeeld", "voorstel")
MAX_QUERY = 100


@dataclass(frozen=True)
class SoaFilter:
    """What the statement of applicability is narrowed to (every field optional). ``q``: words that
    must each occur in the number or the title (case-insensitive)."""

    theme: str | None = None
    applicability: str | None = None
    status: str | None = None
    owner: str | None = None
    q: str | None = None
    #: opzet, bestaan, werking: a status each (an :class:`AspectStatus` value)
    opzet: str | None = None
    bestaan: str | None = None
    werking: str | None = None
    #: only the rows whose implementation level and opzet, bestaan and werking contradict each other
    contradiction: bool = False
    #: only the rows with evidence past its review date ("bewijs verlopen")
    expired: bool = False

    @classmethod
    def build(cls, *, theme: str | None = None, applicability: str | None = None, status: str | None = None,
              owner: str | None = None, q: str | None = None, opzet: str | None = None,
              bestaan: str | None = None, werking: str | None = None,
              contradiction: str | None = None, expired: str | None = None) -> SoaFilter:
        """From what a person sent: unknown values are ignored (the filter is then not applied)."""
        def clean(value: str | None, limit: int = MAX_QUERY) -> str | None:
            text = " ".join((value or "").split())[:limit]
            return text or None

        aspect_values = {s.value for s in AspectStatus}

        return cls(
            theme=clean(theme, 10),
            applicability=applicability if applicability in APPLICABILITY else None,
            status=status if status in {s.value for s in ImplementationStatus} else None,
            owner=clean(owner, 200),
            q=clean(q),
            opzet=opzet if opzet in aspect_values else None,
            bestaan=bestaan if bestaan in aspect_values else None,
            werking=werking if werking in aspect_values else None,
            contradiction=contradiction == "1",
            expired=expired == "verlopen",
        )

    @property
    def active(self) -> bool:
        return any((self.theme, self.applicability, self.status, self.owner, self.q, self.opzet, self.bestaan,
                    self.werking, self.contradiction, self.expired))

    def args(self) -> dict[str, str]:
        """The filter as the page's query string (Dutch parameter names), empty fields left out."""
        pairs = {"thema": self.theme, "toepassing": self.applicability, "implementatie": self.status,
                 "eigenaar": self.owner, "q": self.q, "opzet": self.opzet, "bestaan": self.bestaan,
                 "werking": self.werking, "tegenstrijdig": "1" if self.contradiction else None,
                 "bewijs": "verlopen" if self.expired else None}
        return {key: value for key, value in pairs.items() if value}

    def matches(self, row: SoaRow) -> bool:
        control, assessment = row.control, row.assessment
        if self.theme and control.group_code != self.theme:
            return False
        if self.applicability:
            state = ("onbeoordeeld" if assessment is None else "voorstel" if assessment.proposed
                     else "ja" if assessment.applicable else "nee")
            if state != self.applicability:
                return False
        if self.status and (assessment is None or assessment.status is None
                            or assessment.status.value != self.status):
            return False
        if self.owner and (assessment is None or (assessment.owner or "").strip().casefold()
                           != self.owner.casefold()):
            return False
        for name in ASPECTS:
            wanted = getattr(self, name)
            if wanted and row.aspect_status(name).value != wanted:
                return False
        if self.contradiction and not row.contradictions:
            return False
        if self.expired and not row.evidence_expired:
            return False
        if self.q:
            title = f"{control.title_nl} {control.title_en or ''}".casefold()
            if not all(_number_matches(control.sort_key, word) or word in title for word in self.q.casefold().split()):
                return False
        return True


_NUMBER = re.compile(r"\d{1,3}(\.\d{1,3})*")


def number_key(word: str) -> str | None:
    """A number as typed ("8.1", "5.24.", "8.01.01") as a sort key, or None when it is no number."""
    word = word.rstrip(".")
    return sort_key(word) if _NUMBER.fullmatch(word) else None


def _number_matches(control_sort_key: str, word: str) -> bool:
    """A number typed names the control and what hangs below it, with or without leading zeros:
    "5.24" finds 5.24 and 5.24.01, not 5.2 or 5.25; "8.1" finds 8.1 and 8.01.01."""
    key = number_key(word)
    return key is not None and (control_sort_key == key or control_sort_key.startswith(key + "."))


@dataclass
class SoaGroup:
    """One theme (chapter) of the statement: the rows shown, of how many in the theme."""

    code: str
    title: str
    total: int
    rows: list[SoaRow] = field(default_factory=list)


@dataclass
class Soa:
    """The statement of applicability narrowed by a filter, grouped per theme."""

    rows: list[SoaRow]
    groups: list[SoaGroup]
    #: every theme of the catalog (code, title, number of rows), for the filter's choices
    themes: list[tuple[str, str, int]]
    #: every owner named in the organisation's assessments, for the filter's choices
    owners: list[str]
    total: int


def filtered_statement(organisation: Organisation, catalog: ControlCatalog, flt: SoaFilter, *,
                       today: dt.date | None = None) -> Soa:
    """The statement of applicability narrowed by ``flt``, grouped per theme (three queries, whatever
    the filter: the catalog is a few hundred rows and is filtered here)."""
    everything = statement_of_applicability(organisation, catalog, today=today)
    themes: dict[str, SoaGroup] = {}
    owners: dict[str, str] = {}
    rows = []
    for row in everything:
        group = themes.setdefault(row.control.group_code, SoaGroup(row.control.group_code,
                                                                   row.control.group_title_nl, 0))
        group.total += 1
        if row.assessment is not None and row.assessment.owner and row.assessment.owner.strip():
            owners.setdefault(row.assessment.owner.strip().casefold(), row.assessment.owner.strip())
        if flt.matches(row):
            group.rows.append(row)
            rows.append(row)
    return Soa(rows=rows, groups=[g for g in themes.values() if g.rows],
               themes=[(g.code, g.title, g.total) for g in themes.values()],
               owners=sorted(owners.values(), key=str.casefold), total=len(everything))


@dataclass(frozen=True)
class Neighbours:
    """Where a control stands in the filtered statement: the one before and after it, its place."""

    previous: Control | None
    next: Control | None
    position: int | None
    count: int


def neighbours(organisation: Organisation, catalog: ControlCatalog, control: Control, flt: SoaFilter) -> Neighbours:
    """The controls before and after ``control`` in the statement narrowed by ``flt`` (in catalog
    order). A control the filter leaves out has no place; its neighbours are then the nearest
    rows of the filtered statement around it in catalog order."""
    rows = [r.control for r in filtered_statement(organisation, catalog, flt).rows]
    codes = [c.id for c in rows]
    if control.id in codes:
        index = codes.index(control.id)
        return Neighbours(rows[index - 1] if index > 0 else None, rows[index + 1] if index + 1 < len(rows) else None,
                          index + 1, len(rows))
    before = [c for c in rows if c.sort_key < control.sort_key]
    after = [c for c in rows if c.sort_key > control.sort_key]
    return Neighbours(before[-1] if before else None, after[0] if after else None, None, len(rows))


def search_controls(catalog_ids: Sequence[int], q: str | None, limit: int = 20) -> list[Control]:
    """Controls and overheidsmaatregelen of the given catalogs whose number starts with ``q`` or whose
    title holds each of its words (case-insensitive), in catalog order; at most ``limit``."""
    words = " ".join((q or "").split())[:MAX_QUERY].casefold().split()
    if not words or not catalog_ids:
        return []
    stmt = select(Control).where(Control.catalog_id.in_(list(catalog_ids)))
    number = number_key(words[0]) if len(words) == 1 else None
    title_match = [func.lower(Control.title_nl).like("%" + _escape(word) + "%", escape="\\") for word in words]
    if number is not None:
        stmt = stmt.where(or_(Control.sort_key == number, Control.sort_key.like(number + ".%"), and_(*title_match)))
    else:
        stmt = stmt.where(and_(*title_match))
    return list(db.session.scalars(stmt.order_by(Control.catalog_id.desc(), Control.sort_key).limit(limit)))


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def catalogs_of(organisation: Organisation) -> list[ControlCatalog]:
    """The catalogs the organisation has assessments in, else every catalog (newest key first)."""
    used = select(Control.catalog_id).join(ControlAssessment, ControlAssessment.control_id == Control.id).where(
        ControlAssessment.organisation_id == organisation.id).distinct()
    found = list(db.session.scalars(select(ControlCatalog).where(ControlCatalog.id.in_(used))
                                    .order_by(ControlCatalog.key.desc())))
    return found or sorted(catalogs(), key=lambda c: c.key, reverse=True)


@dataclass
class GroupSummary:
    code: str
    title: str
    total: int = 0
    assessed: int = 0
    applicable: int = 0
    volledig: int = 0
    gedeeltelijk: int = 0
    niet: int = 0
    #: applicable ones whose opzet, bestaan, werking "voldoet" (werking: with valid evidence, see
    #: ``attachments.evidence``)
    opzet_voldoet: int = 0
    bestaan_voldoet: int = 0
    werking_voldoet: int = 0
    #: applicable ones whose werking "voldoet" but whose evidence files have all expired: not shown
    werking_expired: int = 0

    @property
    def percentage(self) -> float | None:
        """Implementation of the applicable ones: volledig counts 1, gedeeltelijk ½."""
        if not self.applicable:
            return None
        return round(100 * (self.volledig + 0.5 * self.gedeeltelijk) / self.applicable, 1)

    @property
    def werking_percentage(self) -> float | None:
        """The share of the applicable ones whose werking is shown ("werking aangetoond")."""
        if not self.applicable:
            return None
        return round(100 * self.werking_voldoet / self.applicable, 1)


@dataclass(frozen=True)
class Gap:
    control: Control
    assessment: ControlAssessment
    incidents_12m: int
    open_measures: list[Measure]
    #: the assessment's status (``assessment.status``, never None in a gap): volledig is no gap
    status: ImplementationStatus


@dataclass
class Compliance:
    organisation: Organisation
    catalog: ControlCatalog
    groups: list[GroupSummary]
    total: GroupSummary
    unassessed: list[Control]
    gaps: list[Gap]
    proposed: int = 0
    notes: list[str] = field(default_factory=list)
    #: applicable assessments whose implementation level and opzet, bestaan, werking contradict each other
    contradictions: int = 0


def incidents_per_control(organisation_id: int | None, control_ids: Iterable[int], since: dt.datetime) -> Counter[int]:
    """How many incidents discovered since ``since`` are linked (through a maatregel) to each control."""
    ids = list(control_ids)
    if not ids:
        return Counter()
    stmt = (
        select(measure_controls.c.control_id, func.count(func.distinct(Incident.id)))
        .join(measure_incidents, measure_incidents.c.measure_id == measure_controls.c.measure_id)
        .join(Incident, Incident.id == measure_incidents.c.incident_id)
        .where(measure_controls.c.control_id.in_(ids), Incident.discovered_at >= since)
        .group_by(measure_controls.c.control_id)
    )
    if organisation_id is not None:
        stmt = stmt.where(Incident.organisation_id == organisation_id)
    return Counter(dict(db.session.execute(stmt).all()))


def compliance(organisation: Organisation, catalog: ControlCatalog, *, now: dt.datetime | None = None,
               kind: ControlKind | None = None, as_of: dt.datetime | None = None) -> Compliance:
    """Implementation per theme (BIO2) or chapter (1.04), the unassessed controls, and the gaps
    ordered by the incidents linked to them in the last 12 months."""
    return compliance_of_many([organisation], catalog, now=now, kind=kind, as_of=as_of)[0]


def _current_of_many(org_ids: list[int], catalog: ControlCatalog,
                     as_of: dt.datetime | None) -> dict[int, dict[int, ControlAssessment]]:
    """The assessment in force per organisation and control id, for many organisations at once."""
    newest = (
        select(func.max(ControlAssessment.id))
        .join(Control, Control.id == ControlAssessment.control_id)
        .where(ControlAssessment.organisation_id.in_(org_ids), Control.catalog_id == catalog.id)
        .group_by(ControlAssessment.organisation_id, ControlAssessment.control_id)
    )
    if as_of is not None:
        newest = newest.where(ControlAssessment.assessed_at < as_of)
    out: dict[int, dict[int, ControlAssessment]] = defaultdict(dict)
    for row in db.session.scalars(select(ControlAssessment).where(ControlAssessment.id.in_(newest))):
        out[row.organisation_id][row.control_id] = row
    return out


@dataclass
class _Tally:
    """One organisation's count of a catalog before the gaps are looked up."""

    organisation: Organisation
    groups: dict[str, GroupSummary]
    total: GroupSummary
    unassessed: list[Control] = field(default_factory=list)
    gap_rows: list[tuple[Control, ControlAssessment, ImplementationStatus]] = field(default_factory=list)
    proposed: int = 0
    contradictions: int = 0


def _count(summary: GroupSummary, assessment: ControlAssessment | None, invalid: set[int]) -> None:
    """Count ``assessment`` in ``summary``; ``invalid``: its control's evidence files that show
    nothing (expired or removed): werking counts as shown only with valid evidence."""
    summary.total += 1
    if assessment is not None:
        summary.assessed += 1
        if assessment.applicable:
            summary.applicable += 1
            if assessment.status is not None:  # always, for an applicable one (assess() requires it)
                setattr(summary, assessment.status.value, getattr(summary, assessment.status.value) + 1)
            # the statuses read straight from the row (twice per control: its group and the total),
            # without building the three Aspect objects of ``assessment.aspects`` each time
            for name in ASPECTS:
                if getattr(assessment, f"{name}_status") != AspectStatus.VOLDOET:
                    continue
                if name == "werking" and not evidence_life.werking_shown(assessment.werking_attachment_ids or [],
                                                                         invalid):
                    summary.werking_expired += 1
                    continue
                setattr(summary, f"{name}_voldoet", getattr(summary, f"{name}_voldoet") + 1)


def _tally(organisation: Organisation, controls: Sequence[Control], current: Mapping[int, ControlAssessment],
           invalid: Mapping[int, set[int]]) -> _Tally:
    """Implementation per group and in total, the unassessed controls and the gaps (no queries).
    ``invalid``: per control, the evidence files that show nothing (expired or removed)."""
    tally = _Tally(organisation, {}, GroupSummary("", _("Totaal")))
    for control in controls:
        group = tally.groups.setdefault(control.group_code, GroupSummary(control.group_code, control.group_title_nl))
        assessment = current.get(control.id)
        bad = invalid.get(control.id, set())
        _count(group, assessment, bad)
        _count(tally.total, assessment, bad)
        if assessment is None:
            tally.unassessed.append(control)
            continue
        tally.proposed += assessment.proposed
        tally.contradictions += bool(contradictions(assessment))
        status = assessment.status
        if assessment.applicable and status is not None and status != ImplementationStatus.VOLLEDIG:
            tally.gap_rows.append((control, assessment, status))
    return tally


def _gap_incidents(gap_ids: list[int], org_ids: list[int], now: dt.datetime) -> dict[tuple[int, int], int]:
    """Per (organisation, control): the incidents linked in the 12 months before ``now`` (one query).
    A maatregel is linked to a control and to its incidents through ``measure_controls`` and
    ``measure_incidents``, which both name it: the count joins them directly, not through
    ``measures``."""
    counted = db.session.execute(
        select(Incident.organisation_id, measure_controls.c.control_id, func.count(func.distinct(Incident.id)))
        .join(measure_incidents, measure_incidents.c.measure_id == measure_controls.c.measure_id)
        .join(Incident, Incident.id == measure_incidents.c.incident_id)
        .where(measure_controls.c.control_id.in_(gap_ids), Incident.organisation_id.in_(org_ids),
               Incident.discovered_at >= now - dt.timedelta(days=365))
        .group_by(Incident.organisation_id, measure_controls.c.control_id))
    return {(org_id, control_id): n for org_id, control_id, n in counted}


def _open_measures(gap_ids: list[int], org_ids: list[int]) -> dict[tuple[int, int], list[Measure]]:
    """Per (organisation, control): the open measures, soonest due first (one query)."""
    open_by: dict[tuple[int, int], list[Measure]] = defaultdict(list)
    # the measures' organisations are the ones asked for, already in the session: not joined again
    # for each of the hundreds of open measures (a lazy many-to-one load finds them in the session)
    rows = db.session.execute(
        select(measure_controls.c.control_id, Measure)
        .join(Measure, Measure.id == measure_controls.c.measure_id)
        .where(measure_controls.c.control_id.in_(gap_ids), Measure.organisation_id.in_(org_ids),
               Measure.status.in_(OPEN_MEASURE_STATUSES))
        .options(lazyload(Measure.organisation))
        .order_by(Measure.due_date))
    for control_id, measure in rows:
        open_by[(measure.organisation_id, control_id)].append(measure)
    return open_by


def _result(catalog: ControlCatalog, tally: _Tally, counts: Mapping[tuple[int, int], int],
            open_by: Mapping[tuple[int, int], list[Measure]]) -> Compliance:
    org_id = tally.organisation.id
    gaps = [Gap(c, a, counts.get((org_id, c.id), 0), open_by.get((org_id, c.id), []), status)
            for c, a, status in tally.gap_rows]
    gaps.sort(key=lambda g: (-g.incidents_12m, STATUS_RANK[g.status], g.control.sort_key))
    ordered = sorted(tally.groups.values(), key=lambda g: sort_key(g.code))
    return Compliance(tally.organisation, catalog, ordered, tally.total, tally.unassessed, gaps, tally.proposed,
                      contradictions=tally.contradictions)


def compliance_of_many(organisations: Sequence[Organisation], catalog: ControlCatalog, *,
                       now: dt.datetime | None = None, kind: ControlKind | None = None,
                       as_of: dt.datetime | None = None, with_measures: bool = True,
                       with_incidents: bool = True) -> list[Compliance]:
    """:func:`compliance` for each organisation, in a fixed number of queries however many there are
    (the overview of concern control shows hundreds side by side). Without ``with_measures`` the
    gaps' ``open_measures`` are left empty (one query less, no maatregel loaded: the quarterly
    report names the gaps, not their maatregelen); without ``with_incidents`` their
    ``incidents_12m`` too (no query: the gaps then in order of status and catalog), for callers
    that only use the figures."""
    now = now or utcnow()
    kind = kind or (ControlKind.MEASURE if _has_measures(catalog) else ControlKind.CONTROL)
    controls = [c for c in controls_of(catalog, kind=kind) if c.status == "active"]
    org_ids = [o.id for o in organisations]
    current_by_org = _current_of_many(org_ids, catalog, as_of) if org_ids else {}
    # evidence counts on the local day of the moment counted (now, or just before ``as_of``)
    day = evidence_life.local_today(as_of - dt.timedelta(microseconds=1) if as_of is not None else now)
    invalid = evidence_life.invalid_attachments(org_ids, day)
    tallies = [_tally(organisation, controls, current_by_org.get(organisation.id, {}), invalid.get(organisation.id, {}))
               for organisation in organisations]
    gap_ids = sorted({c.id for tally in tallies for c, _a, _s in tally.gap_rows})
    counts = _gap_incidents(gap_ids, org_ids, now) if gap_ids and with_incidents else {}
    open_by = _open_measures(gap_ids, org_ids) if gap_ids and with_measures else {}
    return [_result(catalog, tally, counts, open_by) for tally in tallies]


def _has_measures(catalog: ControlCatalog) -> bool:
    return db.session.execute(select(func.count()).select_from(Control).where(
        Control.catalog_id == catalog.id, Control.kind == ControlKind.MEASURE)).scalar_one() > 0


def control_kind_for_soa(catalog: ControlCatalog) -> ControlKind:
    return ControlKind.MEASURE if _has_measures(catalog) else ControlKind.CONTROL


# --- from BIO 1.04 to BIO2 ------------------------------------------------------------------------------

def propose_from_mapping(actor: User | None, organisation: Organisation, source: ControlCatalog,
                         target: ControlCatalog, *, now: dt.datetime | None = None) -> list[ControlAssessment]:
    """Proposed assessments of ``target`` controls from the organisation's assessments of ``source``
    through the correspondence, each marked "proposed, to be confirmed". Controls that already have
    an assessment in ``target`` are left alone. The status proposed is the weakest of the sources.
    Who may propose (``compliance:write`` in the organisation) is the caller's check."""
    now = now or utcnow()
    source_current = current_assessments(organisation, source)
    if not source_current:
        raise ValidationFailed(_("Er zijn geen beoordelingen onder %(c)s om van uit te gaan.", c=source.name),
                               field="source")
    target_current = current_assessments(organisation, target)
    origin, destination = aliased(Control), aliased(Control)
    pairs = db.session.execute(
        select(ControlMapping.from_control_id, ControlMapping.to_control_id)
        .join(origin, origin.id == ControlMapping.from_control_id)
        .join(destination, destination.id == ControlMapping.to_control_id)
        .where(origin.catalog_id == source.id, destination.catalog_id == target.id)).all()
    by_target: dict[int, list[ControlAssessment]] = defaultdict(list)
    for from_id, to_id in pairs:
        if from_id in source_current and to_id not in target_current:
            by_target[to_id].append(source_current[from_id])
    controls = {c.id: c for c in db.session.scalars(select(Control).where(Control.id.in_(list(by_target))))}
    created = []
    for to_id, sources in sorted(by_target.items(), key=lambda item: controls[item[0]].sort_key):
        applicable = [s for s in sources if s.applicable]
        basis = ", ".join(
            f"{s.control.code} ({s.status.value if s.applicable and s.status else _('n.v.t.')})" for s in sources)
        if applicable:
            # Every applicable assessment has a status (assess() requires one); were one missing,
            # assess() below refuses the proposal as it would any applicable one without a status.
            statuses = [s.status for s in applicable if s.status is not None]
            status = min(statuses, key=lambda st: STATUS_RANK[st]) if statuses else None
            data = {"applicable": True, "status": status,
                    "justification": _("Voorstel uit %(c)s: %(b)s. Te bevestigen.", c=source.name, b=basis),
                    "owner": next((s.owner for s in applicable if s.owner), None)}
        else:
            data = {"applicable": False,
                    "justification": _("Voorstel uit %(c)s (daar niet van toepassing): %(b)s. Te bevestigen.",
                                       c=source.name, b=basis)}
        created.append(assess(actor, organisation, controls[to_id], data, proposed=True, now=now))
    return created


# --- figures in aggregate: the overview of hundreds of organisations, and the history ----------------

@dataclass(frozen=True)
class OrganisationSummary:
    """One organisation's implementation in a catalog, counted in SQL (no assessment is loaded): the
    same figures as :func:`compliance`'s ``total``, its unassessed and gaps counted."""

    organisation_id: int
    total: GroupSummary
    proposed: int = 0

    @property
    def unassessed(self) -> int:
        return self.total.total - self.total.assessed

    @property
    def gaps(self) -> int:
        """Applicable and not fully implemented (as :attr:`Compliance.gaps`)."""
        return self.total.gedeeltelijk + self.total.niet


def overview_kind(catalog: ControlCatalog) -> ControlKind:
    """What the overview counts: the overheidsmaatregelen where the catalog has them (BIO2), else
    the controls."""
    return ControlKind.MEASURE if _has_measures(catalog) else ControlKind.CONTROL


def summaries(org_ids: Sequence[int], catalog: ControlCatalog, *, kind: ControlKind | None = None,
              as_of: dt.datetime | None = None, now: dt.datetime | None = None) -> dict[int, OrganisationSummary]:
    """:func:`compliance`'s totals for each organisation in two aggregate queries (GROUP BY), with
    memory bounded by the number of organisations, not of assessments: the assessment in force per
    (organisation, control) is the row marked ``in_force`` now, or chosen inside the database (the
    newest before ``as_of``) for an earlier moment.
    Werking counts as shown only with valid evidence on the local day of ``as_of`` (or of ``now``):
    the assessments whose evidence files have all expired are looked up apart and taken off (one
    query more, only when some evidence file has expired or was removed)."""
    kind = kind or overview_kind(catalog)
    active = select(Control.id).where(Control.catalog_id == catalog.id, Control.kind == kind,
                                      Control.status == "active")
    controls = db.session.execute(select(func.count()).select_from(active.subquery())).scalar_one()
    if not org_ids:
        return {}

    def counted(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    among = (among_ids(ControlAssessment.organisation_id, list(org_ids)), ControlAssessment.control_id.in_(active))
    applies = ControlAssessment.applicable.is_(True)
    if as_of is None:
        # now: the rows marked in force, counted in one pass (at 350 organisations about half the
        # time of first finding the newest row of every history)
        rows = db.session.execute(
            select(ControlAssessment.organisation_id, func.count(), counted(applies),
                   *(counted(and_(applies, ControlAssessment.status == status))
                     for status in (ImplementationStatus.VOLLEDIG, ImplementationStatus.GEDEELTELIJK,
                                    ImplementationStatus.NIET)),
                   counted(ControlAssessment.proposed.is_(True)),
                   *(counted(and_(applies, column == AspectStatus.VOLDOET))
                     for column in (ControlAssessment.opzet_status, ControlAssessment.bestaan_status,
                                    ControlAssessment.werking_status)))
            .where(*among, ControlAssessment.in_force)
            .group_by(ControlAssessment.organisation_id))
    else:
        # at an earlier moment, one pass with no join back: the newest row per (organisation,
        # control) before it is the one with the highest id, so max(id × 128 + code) is that row's
        # code: its status (0 not applicable, 1 volledig, 2 gedeeltelijk, 3 niet, 4 applicable
        # without one), plus 8 when proposed, plus 16, 32, 64 when it is applicable and its opzet,
        # bestaan, werking "voldoet"
        code = (case((ControlAssessment.applicable.is_(False), 0),
                     (ControlAssessment.status == ImplementationStatus.VOLLEDIG, 1),
                     (ControlAssessment.status == ImplementationStatus.GEDEELTELIJK, 2),
                     (ControlAssessment.status == ImplementationStatus.NIET, 3), else_=4)
                + case((ControlAssessment.proposed.is_(True), 8), else_=0)
                + case((and_(applies, ControlAssessment.opzet_status == AspectStatus.VOLDOET), 16), else_=0)
                + case((and_(applies, ControlAssessment.bestaan_status == AspectStatus.VOLDOET), 32), else_=0)
                + case((and_(applies, ControlAssessment.werking_status == AspectStatus.VOLDOET), 64), else_=0))
        newest = (select(ControlAssessment.organisation_id,
                         func.max(cast(ControlAssessment.id, BigInteger) * 128 + code).label("packed"))
                  .where(*among, ControlAssessment.assessed_at < as_of)
                  .group_by(ControlAssessment.organisation_id, ControlAssessment.control_id).subquery())
        packed = newest.c.packed
        status = packed % 8
        rows = db.session.execute(
            select(newest.c.organisation_id, func.count(), counted(status != 0), counted(status == 1),
                   counted(status == 2), counted(status == 3), counted(packed % 16 >= 8), counted(packed % 32 >= 16),
                   counted(packed % 64 >= 32), counted(packed % 128 >= 64))
            .group_by(newest.c.organisation_id))
    label = _("Totaal")  # translated once, not once an organisation
    out = {org_id: OrganisationSummary(org_id, GroupSummary("", label, controls)) for org_id in org_ids}
    for org_id, assessed, n_applicable, volledig, gedeeltelijk, niet, proposed, opzet, bestaan, werking in rows:
        out[org_id] = OrganisationSummary(org_id, GroupSummary(
            "", label, controls, int(assessed), int(n_applicable), int(volledig), int(gedeeltelijk),
            int(niet), int(opzet), int(bestaan), int(werking)), int(proposed))
    _without_expired_werking(out, active, as_of, now)
    return out


def _without_expired_werking(out: Mapping[int, OrganisationSummary], active: Any, as_of: dt.datetime | None,
                             now: dt.datetime | None) -> None:
    """Take off the werking counted as shown whose evidence files have all expired or were removed."""
    day = evidence_life.local_today(as_of - dt.timedelta(microseconds=1) if as_of is not None else now)
    invalid = evidence_life.invalid_attachments(list(out), day)
    if not invalid:
        return
    control_ids = sorted({control_id for by_control in invalid.values() for control_id in by_control})
    among = (ControlAssessment.organisation_id.in_(list(invalid)), ControlAssessment.control_id.in_(control_ids),
             ControlAssessment.control_id.in_(active))
    if as_of is None:
        which: Any = and_(*among, ControlAssessment.in_force)
    else:
        which = ControlAssessment.id.in_(
            select(func.max(ControlAssessment.id)).where(*among, ControlAssessment.assessed_at < as_of)
            .group_by(ControlAssessment.organisation_id, ControlAssessment.control_id))
    for org_id, control_id, attachment_ids in db.session.execute(
            select(ControlAssessment.organisation_id, ControlAssessment.control_id,
                   ControlAssessment.werking_attachment_ids)
            .where(which, ControlAssessment.applicable.is_(True),
                   ControlAssessment.werking_status == AspectStatus.VOLDOET)):
        bad = invalid[org_id].get(control_id)
        if bad and not evidence_life.werking_shown(list(attachment_ids or []), bad):
            out[org_id].total.werking_voldoet -= 1
            out[org_id].total.werking_expired += 1


def implementation_history(organisation: Organisation, catalog: ControlCatalog,
                           moments: Sequence[dt.datetime | None], *,
                           kind: ControlKind | None = None, now: dt.datetime | None = None) -> list[GroupSummary]:
    """The organisation's total implementation as it stood at each of ``moments`` (``None``: now),
    from the assessments' history (append-only: the newest row before the moment was in force).
    One query for the rows of one organisation (a few per control), counted in Python."""
    kind = kind or overview_kind(catalog)
    active = select(Control.id).where(Control.catalog_id == catalog.id, Control.kind == kind,
                                      Control.status == "active")
    controls = db.session.execute(select(func.count()).select_from(active.subquery())).scalar_one()
    rows = db.session.execute(
        select(ControlAssessment.control_id, ControlAssessment.assessed_at, ControlAssessment.applicable,
               ControlAssessment.status, ControlAssessment.werking_status, ControlAssessment.werking_attachment_ids)
        .where(ControlAssessment.organisation_id == organisation.id, ControlAssessment.control_id.in_(active))
        .order_by(ControlAssessment.id)).all()
    # werking is shown at a moment when its evidence was valid on that moment's local day (by the
    # review dates as they stand now: earlier review dates are not kept)
    lives = evidence_life.attachment_lives(organisation.id, sorted({row[0] for row in rows}))
    out = []
    for moment in moments:
        day = evidence_life.local_today(moment - dt.timedelta(microseconds=1) if moment is not None else now)
        invalid: dict[int, set[int]] = defaultdict(set)
        for control_id, attachment_id, review_date, retired_at in lives:
            if review_date < day or (retired_at is not None and (moment is None or retired_at < moment)):
                invalid[control_id].add(attachment_id)
        in_force: dict[int, tuple[bool, ImplementationStatus | None, AspectStatus, list[int]]] = {}
        for control_id, assessed_at, is_applicable, status, werking, werking_ids in rows:
            if moment is None or assessed_at < moment:
                in_force[control_id] = (is_applicable, status, werking, list(werking_ids or []))
        summary = GroupSummary("", _("Totaal"), controls, len(in_force))
        for control_id, (is_applicable, status, werking, werking_ids) in in_force.items():
            if is_applicable:
                summary.applicable += 1
                if werking == AspectStatus.VOLDOET:
                    if evidence_life.werking_shown(werking_ids, invalid.get(control_id, set())):
                        summary.werking_voldoet += 1
                    else:
                        summary.werking_expired += 1
                if status is not None:
                    setattr(summary, status.value, getattr(summary, status.value) + 1)
        out.append(summary)
    return out
