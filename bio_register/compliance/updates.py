"""Catalog updates: what changed between two versions of a catalog (added, changed, moved, withdrawn),
and carrying an organisation's assessments over to the new version as proposals to confirm.

The proposals are the same as those from BIO 1.04 to BIO2 (:func:`services.assess` with
``proposed=True``): each is confirmed or rejected by the CISO, one by one
(:func:`services.confirm_proposal`, :func:`services.reject_proposal`). Nothing is carried silently.
Plain arguments in, read models out; flush, never commit; no Flask.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from bio_register.accounts.models import User
from bio_register.attachments.models import Attachment
from bio_register.audit import services as audit
from bio_register.compliance import services
from bio_register.compliance.models import Control, ControlAssessment, ControlCatalog
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.i18n import lazy_gettext
from bio_register.organisations.models import Organisation

#: the kinds of change, in the order the page shows them
KINDS = ("added", "changed", "moved", "withdrawn")
KIND_TEXT = {"added": lazy_gettext("toegevoegd"), "changed": lazy_gettext("gewijzigd"),
             "moved": lazy_gettext("verplaatst"), "withdrawn": lazy_gettext("vervallen")}
#: the kinds in the page's query string (Dutch) and back
KIND_BY_WORD = {"toegevoegd": "added", "gewijzigd": "changed", "verplaatst": "moved", "vervallen": "withdrawn"}
WORD_BY_KIND = {kind: word for word, kind in KIND_BY_WORD.items()}
#: what may differ between two versions of one control or measure, and what the user reads for it
FIELD_TEXT = {"title_nl": lazy_gettext("titel"), "title_en": lazy_gettext("Engelse titel"),
              "categories": lazy_gettext("categorie"), "bbn": lazy_gettext("BBN"),
              "parent_code": lazy_gettext("beheersmaatregel"), "status": lazy_gettext("status"),
              "full_text": lazy_gettext("tekst"), "revision": lazy_gettext("tekst herzien")}
_COMPARED = ("title_nl", "title_en", "categories", "bbn", "parent_code")
_GONE = ("moved", "withdrawn")


def family(catalog: ControlCatalog) -> str:
    """The catalog's line of versions: the key before its version (``BIO2`` for ``BIO2-1.3``)."""
    suffix = "-" + catalog.version
    return catalog.key[: -len(suffix)] if catalog.key.endswith(suffix) else catalog.key.split("-", 1)[0]


def version_key(catalog: ControlCatalog) -> tuple[tuple[int, ...], str]:
    """Versions in numeric order: 1.3 before 1.4-test before 1.10."""
    numbers = tuple(int(part) for part in re.findall(r"\d+", catalog.version.split("-", 1)[0]))
    return numbers, catalog.version


def earlier_versions(catalog: ControlCatalog) -> list[ControlCatalog]:
    """The versions of the same catalog before this one, newest first."""
    mine = version_key(catalog)
    return sorted((c for c in services.catalogs() if c.id != catalog.id and family(c) == family(catalog)
                   and version_key(c) < mine), key=version_key, reverse=True)


def later_versions(catalog: ControlCatalog) -> list[ControlCatalog]:
    """The versions of the same catalog after this one, newest first."""
    mine = version_key(catalog)
    return sorted((c for c in services.catalogs() if c.id != catalog.id and family(c) == family(catalog)
                   and version_key(c) > mine), key=version_key, reverse=True)


def version_in_use(organisation: Organisation, catalog: ControlCatalog) -> ControlCatalog | None:
    """The earlier version the organisation uses: the newest one it has assessments in, else the newest."""
    earlier = earlier_versions(catalog)
    used = {c.id for c in services.catalogs_of(organisation)}
    return next((c for c in earlier if c.id in used), earlier[0] if earlier else None)


@dataclass(frozen=True)
class Change:
    """One control or measure that differs between the two versions."""

    kind: str  # one of KINDS
    code: str  # its number in the new version (withdrawn: in the old one)
    previous_code: str | None  # its number in the old version (added: none)
    control: Control | None  # in the new version (withdrawn and gone from the file: none)
    previous: Control | None  # in the old version (added: none)
    fields: tuple[str, ...] = ()  # what changed besides the number

    @property
    def title(self) -> str:
        item = self.control or self.previous
        return item.title_nl if item is not None else ""

    @property
    def revision(self) -> str | None:
        return self.control.revision if self.control is not None else None

    @property
    def is_measure(self) -> bool:
        item = self.control or self.previous
        return item is not None and item.parent_code is not None

    @property
    def sort_key(self) -> str:
        item = self.control if self.control is not None else self.previous
        return item.sort_key if item is not None else self.code


@dataclass
class CatalogDiff:
    old: ControlCatalog
    new: ControlCatalog
    changes: list[Change]
    unchanged: int
    #: (old, new) controls and measures whose assessment may be carried over: the same or changed, or moved
    pairs: list[tuple[Control, Control]] = field(default_factory=list)
    #: the changes a caller shows (a filter's result; all of them by default)
    shown: list[Change] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.shown = self.shown or list(self.changes)

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(change.kind for change in self.changes)
        return {kind: counted[kind] for kind in KINDS}

    def of_kind(self, kind: str | None) -> list[Change]:
        return [c for c in self.changes if kind is None or c.kind == kind]


def _differences(old: Control, new: Control) -> tuple[str, ...]:
    found = [name for name in _COMPARED if (getattr(old, name) or None) != (getattr(new, name) or None)]
    if old.full_text and new.full_text and old.full_text.strip() != new.full_text.strip():
        found.append("full_text")
    if new.revision and new.revision != old.revision:
        found.append("revision")
    return tuple(found)


def diff(old: ControlCatalog, new: ControlCatalog) -> CatalogDiff:
    """What changed from ``old`` to ``new`` (two versions of one catalog), in two queries.

    A move is said by the new version: a number whose ``replaces`` names the old number, or the old
    number listed with status "moved" and ``moved_to``. Withdrawn: status "withdrawn" where it was
    not, or an active number left out of the new file."""
    if old.id == new.id or family(old) != family(new):
        raise ValidationFailed(_("Vergelijk twee versies van dezelfde catalogus, niet %(a)s en %(b)s.",
                                 a=old.key, b=new.key), field="from")
    before = {c.code: c for c in db.session.scalars(select(Control).where(Control.catalog_id == old.id))}
    after = {c.code: c for c in db.session.scalars(select(Control).where(Control.catalog_id == new.id))}
    moves: dict[str, str] = {}
    for code, item in after.items():
        # a move said again by a later version (the old number already gone before) is no change
        if (item.replaces and item.replaces in before and item.replaces != code
                and before[item.replaces].status not in _GONE and code not in before):
            moves.setdefault(item.replaces, code)
    for code, item in after.items():
        gone_before = code in before and before[code].status in _GONE
        if item.status == "moved" and item.moved_to and code in before and not gone_before and code not in moves:
            moves[code] = item.moved_to
    targets = set(moves.values())
    changes: list[Change] = []
    pairs: list[tuple[Control, Control]] = []
    unchanged = 0
    for old_code, new_code in moves.items():
        target = after.get(new_code)
        changes.append(Change("moved", new_code, old_code, target, before[old_code],
                              _differences(before[old_code], target) if target is not None else ()))
        if target is not None and target.status == "active":
            pairs.append((before[old_code], target))
    for code, item in after.items():
        if code in targets or code in moves:
            continue
        previous = before.get(code)
        if previous is None or previous.status in _GONE:
            if item.status == "active":
                changes.append(Change("added", code, None, item, previous))
            elif previous is not None:
                unchanged += 1
            continue
        if item.status == "withdrawn" and previous.status != "withdrawn":
            changes.append(Change("withdrawn", code, code, item, previous))
            continue
        fields = _differences(previous, item)
        if fields:
            changes.append(Change("changed", code, code, item, previous, fields))
        else:
            unchanged += 1
        pairs.append((previous, item))
    for code, previous in before.items():
        if code not in after and code not in moves and previous.status not in _GONE:
            changes.append(Change("withdrawn", code, code, None, previous))
    changes.sort(key=lambda change: change.sort_key)
    return CatalogDiff(old, new, changes, unchanged, pairs)


@dataclass
class CarryOver:
    created: list[ControlAssessment]
    #: (number in the new version, why it was not carried over)
    skipped: list[tuple[str, str]]


def _with_files(evidence: str | None, files: list[str], old: Control) -> str | None:
    """Evidence files belong to one control of one catalog version: a proposal names them, to be linked again."""
    if not files:
        return evidence
    note = _("Bewijsstukken bij %(k)s %(c)s: %(f)s (opnieuw toevoegen).", k=old.catalog.key, c=old.code,
             f=", ".join(files))
    return f"{evidence}\n{note}" if evidence else note


def _proposal_data(assessment: ControlAssessment, files: dict[int, str]) -> dict[str, Any]:
    if not assessment.applicable:
        return {"applicable": False, "justification": assessment.justification}
    data: dict[str, Any] = {
        "applicable": True, "status": assessment.status, "justification": assessment.justification,
        "evidence": assessment.evidence, "evidence_links": list(assessment.evidence_links or []),
        "owner": assessment.owner}
    for aspect in assessment.aspects:
        names = [files[i] for i in aspect.attachment_ids if i in files]
        data[aspect.name] = {"status": aspect.status.value, "assessed_on": aspect.assessed_on,
                             "assessed_by": aspect.assessed_by, "attachments": [],
                             "evidence": _with_files(aspect.evidence, names, assessment.control)}
    return data


def carry_over(actor: User | None, organisation: Organisation, old: ControlCatalog, new: ControlCatalog, *,
               now: dt.datetime | None = None, today: dt.date | None = None) -> CarryOver:
    """The organisation's confirmed assessments under ``old`` proposed for the same (or moved, or
    changed) controls and measures of ``new``, each to be confirmed. Left alone: what already has an
    assessment in ``new``, what is withdrawn or added, and proposals not yet confirmed under ``old``.
    Who may (``compliance:write`` in the organisation) is the caller's check."""
    changes = diff(old, new)
    before = services.current_assessments(organisation, old)
    confirmed = {control_id: a for control_id, a in before.items() if not a.proposed}
    if not confirmed:
        raise ValidationFailed(_("Er zijn geen bevestigde beoordelingen onder %(c)s om over te nemen.", c=old.name),
                               field="from")
    after = services.current_assessments(organisation, new)
    files: dict[int, str] = {attachment_id: name for attachment_id, name in db.session.execute(
        select(Attachment.id, Attachment.filename).where(
            Attachment.organisation_id == organisation.id, Attachment.removed_at.is_(None),
            Attachment.control_id.in_([old_control.id for old_control, _new in changes.pairs])))}
    kinds: dict[tuple[int, int], str] = {}
    for change in changes.changes:
        if change.previous is not None and change.control is not None:
            kinds[(change.previous.id, change.control.id)] = change.kind
    result = CarryOver([], [])
    tally: defaultdict[str, int] = defaultdict(int)
    for old_control, new_control in sorted(changes.pairs, key=lambda pair: pair[1].sort_key):
        assessment = confirmed.get(old_control.id)
        if assessment is None or new_control.id in after:
            continue
        kind = kinds.get((old_control.id, new_control.id), "unchanged")
        basis = f"{old.key} {old_control.code} ({kind})"
        try:
            result.created.append(services.assess(actor, organisation, new_control, _proposal_data(assessment, files),
                                                  proposed=True, now=now, today=today, basis=basis))
        except ValidationFailed as error:
            # what no longer passes today's checks is named, not carried
            reasons = [message for messages in error.errors.values() for message in messages]
            result.skipped.append((new_control.code, "; ".join(reasons) or error.message))
            continue
        tally[kind] += 1
    audit.record(actor, "control_catalog", new.id, "carry_over",
                 {"from": {"before": None, "after": old.key}, "proposals": {"before": None, "after": dict(tally)},
                  "skipped": {"before": None, "after": [code for code, _reason in result.skipped]}},
                 organisation_id=organisation.id)
    return result
