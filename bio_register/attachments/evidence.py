"""Evidence with a life (issue 21, item 2): the owner, date and review date of each piece of
evidence for an organisation's assessment of a control (an evidence attachment or an evidence
link), its expiry, and the reminders to its owner. Never commits.

**Expiry.** A piece of evidence is valid up to and including its review date and *expired* from
the next local calendar day (Europe/Amsterdam): evidence reviewed by 10 December expires at
00:00 on 11 December in Amsterdam (23:00 UTC on the 10th in winter), whatever the server's clock
zone. Expired evidence is marked on the control page and in the statement of applicability, and
no longer shows that a control works: ``werking`` counts as shown ("werking aangetoond") only
when it refers to no evidence file, or to at least one that is valid (not expired, not removed).

**The default life.** A new piece of evidence is dated the day it is added, owned by whoever added
it, and reviewed by its date plus the organisation's ``evidence_review_months`` (12 unless the
beheerder or the CISO set another); the CISO changes owner, date and review date per piece.

**Reminders** go to the owner (a user; for an owner who is only a name, the organisation's CISO)
30 and 7 days before the review date and on the day it has expired, each once: the
``evidence_reminders`` row is written in the same transaction as the e-mail and the notice, and
its unique key makes a second run skip it or, run concurrently, fail instead of sending twice —
the mechanism of the AP deadline warnings (``breaches.send_due_warnings``), run by the scheduler's
job (:func:`bio_register.scheduler.send_due_once`), which commits and then sends the outbox.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from bio_register.accounts.models import Membership, Role, User
from bio_register.attachments.models import Attachment, EvidenceItem, EvidenceReminder
from bio_register.audit import services as audit
from bio_register.compliance.models import Control
from bio_register.database import utcnow
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.notifications import services as notifications
from bio_register.organisations.models import Organisation
from bio_register.permissions import organisation_tree
from bio_register.queries import among_ids
from bio_register.timeutil import DEFAULT_TZ, to_local
from bio_register.validation import Errors

log = logging.getLogger(__name__)

#: the organisation's default life of evidence: at least one month, at most five years
MIN_MONTHS, MAX_MONTHS = 1, 60
#: the reminders before the review date (days before it), most urgent last; then "verlopen"
REMINDER_DAYS = (30, 7)
EXPIRED = "verlopen"
THRESHOLDS = (*(str(days) for days in REMINDER_DAYS), EXPIRED)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (31 January + 1 month: the last day of February)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def local_today(now: dt.datetime | None = None, tz: str = DEFAULT_TZ) -> dt.date:
    """Today's calendar day in ``tz``: evidence expires on local days."""
    return to_local(now or utcnow(), tz).date()


def default_review_date(organisation: Organisation, day: dt.date) -> dt.date:
    return add_months(day, organisation.evidence_review_months or 12)


# --- the organisation's default life ---------------------------------------------------------------------

def set_review_months(actor: User | None, organisation: Organisation, months: Any) -> Organisation:
    """The beheerder or the CISO sets the default life of new evidence (existing review dates stay)."""
    if isinstance(months, str) and months.strip().isdigit():
        months = int(months.strip())
    if not isinstance(months, int) or isinstance(months, bool) or not MIN_MONTHS <= months <= MAX_MONTHS:
        raise ValidationFailed(_("Geef een termijn van %(low)d tot en met %(high)d maanden.", low=MIN_MONTHS,
                                 high=MAX_MONTHS), field="evidence_review_months")
    before = organisation.evidence_review_months
    if before != months:
        organisation.evidence_review_months = months
        db.session.flush()
        audit.record(actor, "organisation", organisation.id, "update",
                     {"evidence_review_months": {"before": before, "after": months}},
                     organisation_id=organisation.id)
    return organisation


# --- the life of one piece of evidence --------------------------------------------------------------------

def start_for_attachment(actor: User | None, organisation: Organisation, attachment: Attachment) -> EvidenceItem:
    """A control's new evidence file: dated the day it was uploaded, owned by the uploader."""
    day = local_today(attachment.uploaded_at)
    item = EvidenceItem(organisation_id=organisation.id, control_id=attachment.control_id,
                        attachment_id=attachment.id, owner_id=actor.id if actor else None, evidence_date=day,
                        review_date=default_review_date(organisation, day))
    db.session.add(item)
    db.session.flush()
    return item


def retire_attachment(attachment: Attachment, now: dt.datetime) -> None:
    """A removed evidence file is no longer evidence (its item stays, retired)."""
    item = db.session.scalar(select(EvidenceItem).where(EvidenceItem.attachment_id == attachment.id))
    if item is not None and item.retired_at is None:
        item.retired_at = now
        db.session.flush()


def sync_links(actor: User | None, organisation: Organisation, control: Control, links: Sequence[str], *,
               now: dt.datetime, today: dt.date) -> None:
    """The assessment in force lists ``links``: a new one gets its item (dated today, owned by
    ``actor``), one listed again gets its old item back, one no longer listed is retired."""
    existing: dict[str | None, EvidenceItem] = {item.link: item for item in db.session.scalars(
        select(EvidenceItem).where(EvidenceItem.organisation_id == organisation.id,
                                   EvidenceItem.control_id == control.id, EvidenceItem.link.is_not(None)))}
    wanted = list(dict.fromkeys(links))
    for link in wanted:
        item = existing.get(link)
        if item is None:
            db.session.add(EvidenceItem(organisation_id=organisation.id, control_id=control.id, link=link,
                                        owner_id=actor.id if actor else None, evidence_date=today,
                                        review_date=default_review_date(organisation, today)))
        elif item.retired_at is not None:
            item.retired_at = None
    for known, item in existing.items():
        if known not in wanted and item.retired_at is None:
            item.retired_at = now
    db.session.flush()


def for_control(organisation: Organisation, control: Control) -> list[EvidenceItem]:
    """The control's evidence in force (files not removed, links listed), files first, oldest first."""
    return items_by_control(organisation.id, [control.id]).get(control.id, [])


def items_by_control(organisation_id: int, control_ids: Iterable[int]) -> dict[int, list[EvidenceItem]]:
    """The evidence in force per control id (one query)."""
    ids = list(control_ids)
    if not ids:
        return {}
    out: dict[int, list[EvidenceItem]] = defaultdict(list)
    for item in db.session.scalars(
            select(EvidenceItem).where(EvidenceItem.organisation_id == organisation_id,
                                       EvidenceItem.control_id.in_(ids), EvidenceItem.retired_at.is_(None))
            .order_by(EvidenceItem.attachment_id.is_(None), EvidenceItem.id)):
        out[item.control_id].append(item)
    return out


def by_attachment(attachment_ids: Iterable[int]) -> dict[int, EvidenceItem]:
    ids = list(attachment_ids)
    if not ids:
        return {}
    return {item.attachment_id: item for item in db.session.scalars(
        select(EvidenceItem).where(EvidenceItem.attachment_id.in_(ids))) if item.attachment_id is not None}


def get_item(organisation: Organisation, control: Control, item_id: int) -> EvidenceItem | None:
    """The control's piece of evidence ``item_id`` (of another organisation or control: None)."""
    item = db.session.get(EvidenceItem, item_id)
    if item is None or item.organisation_id != organisation.id or item.control_id != control.id:
        return None
    return item


def owner_choices(organisation: Organisation) -> list[User]:
    """Who may own the organisation's evidence: the active users holding a role that covers it."""
    lineage = organisation_tree().lineage(organisation.id)
    holders = select(Membership.user_id).where(Membership.organisation_id.in_(lineage),
                                               Membership.role != Role.MEDEWERKER)
    return list(db.session.scalars(select(User).where(User.id.in_(holders), User.active.is_(True))
                                   .order_by(User.name, User.id)))


def _date(errors: Errors, key: str, value: Any) -> dt.date | None:
    if value in (None, ""):
        errors.add(key, _("Geef een datum."))
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors.add(key, _("Geen geldige datum; gebruik jaar-maand-dag."))
    return None


def update_item(actor: User | None, organisation: Organisation, item: EvidenceItem, data: Mapping[str, Any], *,
                today: dt.date) -> EvidenceItem:
    """The CISO sets a piece of evidence's owner (``owner_id``: a user of the organisation, or
    ``owner_name``), its date and its review date. Fields left out stay as they are; a new date
    without a review date moves the review date to the new date plus the default life."""
    errors = Errors()
    for unknown in sorted(set(data) - {"owner_id", "owner_name", "evidence_date", "review_date"}):
        errors.add(unknown, _("Onbekend veld."))
    before = snapshot(item)
    owner_id, owner_name = item.owner_id, item.owner_name
    if "owner_id" in data or "owner_name" in data:
        owner_id = data.get("owner_id") or None
        owner_name = errors.text("owner_name", data.get("owner_name"), max_length=200, single_line=True)
        if owner_id is not None:
            if not isinstance(owner_id, int) or isinstance(owner_id, bool) or owner_id not in {
                    u.id for u in owner_choices(organisation)}:
                errors.add("owner_id", _("Kies een eigenaar uit de medewerkers van %(org)s.", org=organisation.name))
            elif owner_name:
                errors.add("owner_name", _("Kies een medewerker of vul een naam in, niet allebei."))
    evidence_date = item.evidence_date
    if "evidence_date" in data:
        evidence_date = _date(errors, "evidence_date", data.get("evidence_date")) or item.evidence_date
        if evidence_date > today:
            errors.add("evidence_date", _("De datum van het bewijs ligt in de toekomst."))
    review_date = item.review_date
    if "review_date" in data:
        review_date = _date(errors, "review_date", data.get("review_date")) or item.review_date
    elif "evidence_date" in data and evidence_date != item.evidence_date:
        review_date = default_review_date(organisation, evidence_date)
    if review_date < evidence_date:
        errors.add("review_date", _("De herbeoordelingsdatum ligt vóór de datum van het bewijs."))
    errors.raise_if_any()
    item.owner_id, item.owner_name = owner_id, owner_name
    item.evidence_date, item.review_date = evidence_date, review_date
    db.session.flush()
    db.session.refresh(item, ["owner"])
    changes = audit.diff(before, snapshot(item))
    if changes:
        audit.record(actor, "evidence_item", item.id, "update", changes, organisation_id=organisation.id)
    return item


def snapshot(item: EvidenceItem) -> dict[str, Any]:
    return {"owner": item.owner_label, "evidence_date": item.evidence_date, "review_date": item.review_date}


# --- expiry in the figures -----------------------------------------------------------------------------

def invalid_attachments(org_ids: Sequence[int], today: dt.date) -> dict[int, dict[int, set[int]]]:
    """Per organisation and control: the evidence files that show nothing on ``today`` — expired
    (past their review date) or removed (one query, as many rows as there are such files)."""
    out: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    if not org_ids:
        return out
    for org_id, control_id, attachment_id in db.session.execute(
            select(EvidenceItem.organisation_id, EvidenceItem.control_id, EvidenceItem.attachment_id)
            .where(among_ids(EvidenceItem.organisation_id, list(org_ids)), EvidenceItem.attachment_id.is_not(None),
                   or_(EvidenceItem.review_date < today, EvidenceItem.retired_at.is_not(None)))):
        if attachment_id is not None:
            out[org_id][control_id].add(attachment_id)
    return out


def werking_shown(attachment_ids: Sequence[int], invalid: Set[int]) -> bool:
    """Whether werking's evidence is valid: it refers to no evidence file (a description alone, as
    issue 21.1 allowed), or to at least one that is not in ``invalid``."""
    return not attachment_ids or any(i not in invalid for i in attachment_ids)


def expired_controls(organisation_id: int, today: dt.date) -> set[int]:
    """The controls of the organisation with a piece of evidence in force past its review date."""
    return set(db.session.scalars(
        select(EvidenceItem.control_id).where(EvidenceItem.organisation_id == organisation_id,
                                              EvidenceItem.retired_at.is_(None), EvidenceItem.review_date < today)
        .distinct()))


def attachment_lives(organisation_id: int, control_ids: Sequence[int]
                     ) -> list[tuple[int, int, dt.date, dt.datetime | None]]:
    """(control id, attachment id, review date, retired at) of the organisation's evidence files, for
    the figures at past moments (one query)."""
    if not control_ids:
        return []
    return [(c, a, r, t) for c, a, r, t in db.session.execute(
        select(EvidenceItem.control_id, EvidenceItem.attachment_id, EvidenceItem.review_date,
               EvidenceItem.retired_at)
        .where(EvidenceItem.organisation_id == organisation_id, EvidenceItem.attachment_id.is_not(None),
               EvidenceItem.control_id.in_(list(control_ids)))) if a is not None]


# --- reminders ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DueReminder:
    item: EvidenceItem
    threshold: str


def due_threshold(review_date: dt.date, today: dt.date) -> str | None:
    """The most urgent threshold reached on ``today``: "verlopen" once the review date has passed,
    else "7" or "30" days before it, else none."""
    days_left = (review_date - today).days
    if days_left < 0:
        return EXPIRED
    for days in sorted(REMINDER_DAYS):
        if days_left <= days:
            return str(days)
    return None


def due_reminders(today: dt.date) -> list[DueReminder]:
    """Each piece of evidence in force whose threshold is reached and not yet reminded of (two
    queries): only the most urgent one, so evidence first seen 5 days before its review date gets
    the 7-day reminder, not the 30-day one as well."""
    horizon = today + dt.timedelta(days=max(REMINDER_DAYS))
    items = list(db.session.scalars(
        select(EvidenceItem).join(Organisation, Organisation.id == EvidenceItem.organisation_id)
        .outerjoin(Attachment, Attachment.id == EvidenceItem.attachment_id)
        .where(EvidenceItem.retired_at.is_(None), EvidenceItem.review_date <= horizon,
               or_(Attachment.id.is_(None), Attachment.removed_at.is_(None)))
        .order_by(EvidenceItem.review_date, EvidenceItem.id)))
    if not items:
        return []
    sent = {(r.evidence_item_id, r.review_date, r.threshold) for r in db.session.execute(
        select(EvidenceReminder.evidence_item_id, EvidenceReminder.review_date, EvidenceReminder.threshold)
        .where(EvidenceReminder.evidence_item_id.in_([item.id for item in items])))}
    due = []
    for item in items:
        threshold = due_threshold(item.review_date, today)
        if threshold and (item.id, item.review_date, threshold) not in sent:
            due.append(DueReminder(item, threshold))
    return due


def describe(item: EvidenceItem) -> str:
    """The piece of evidence as named in a message: the file name or the link."""
    if item.attachment is not None:
        return item.attachment.filename
    return item.link or "—"


def _reminder_text(reminder: DueReminder, control: Control, organisation: Organisation,
                   url: str) -> tuple[str, str]:
    item = reminder.item
    review = item.review_date.strftime("%d-%m-%Y")
    what = describe(item)
    if reminder.threshold == EXPIRED:
        subject = _("Bewijs verlopen: %(what)s bij %(code)s (%(org)s)", what=what, code=control.code,
                    org=organisation.code)
        lead = _("De herbeoordelingsdatum van dit bewijs was %(date)s. Het telt niet meer mee als bewijs dat "
                 "de maatregel werkt, tot u het herbeoordeelt en een nieuwe datum vastlegt.", date=review)
    else:
        subject = _("Bewijs herbeoordelen vóór %(date)s: %(what)s bij %(code)s (%(org)s)", date=review, what=what,
                    code=control.code, org=organisation.code)
        lead = _("Dit bewijs moet uiterlijk %(date)s worden herbeoordeeld (nog %(days)s dagen).", date=review,
                 days=reminder.threshold)
    body = _("%(lead)s\n\nBewijs: %(what)s\nMaatregel: %(code)s — %(title)s\nOrganisatie: %(org)s\n"
             "Openen: %(url)s\n", lead=lead, what=what, code=control.code, title=control.title_nl,
             org=organisation.name, url=url)
    return subject, body


def _cisos(organisation_id: int) -> list[User]:
    """The active users whose CISO role covers the organisation (held in it or above it)."""
    holders = select(Membership.user_id).where(
        Membership.organisation_id.in_(organisation_tree().lineage(organisation_id)), Membership.role == Role.CISO)
    return list(db.session.scalars(select(User).where(User.id.in_(holders), User.active.is_(True))
                                   .order_by(User.id)))


def send_due_reminders(now: dt.datetime, *, url: Callable[[Organisation, Control], str],
                       path: Callable[[Organisation, Control], str], tz: str = DEFAULT_TZ) -> list[DueReminder]:
    """Queue each due reminder once, to the owner (a user), else to the organisation's CISO.

    The (item, review date, threshold) row is inserted in the same transaction as the e-mail and
    the notice; the caller's boundary commits, then sends the outbox
    (:func:`bio_register.scheduler.send_due_once`)."""
    today = local_today(now, tz)
    sent = []
    for reminder in due_reminders(today):
        item = reminder.item
        control = db.session.get(Control, item.control_id)
        organisation = db.session.get(Organisation, item.organisation_id)
        assert control is not None and organisation is not None
        recipients = ([item.owner] if item.owner is not None and item.owner.active
                      else _cisos(organisation.id))
        if not recipients:
            # nobody to remind: record nothing, so it goes out once someone can receive it
            log.warning("no owner or CISO for evidence item %s: reminder %s not sent", item.id, reminder.threshold)
            continue
        subject, body = _reminder_text(reminder, control, organisation, url(organisation, control))
        db.session.add(EvidenceReminder(evidence_item_id=item.id, review_date=item.review_date,
                                        threshold=reminder.threshold, sent_at=now))
        notifications.notify_users(recipients, subject, body, path(organisation, control))
        audit.record(None, "evidence_item", item.id, "review_reminder",
                     {"reminder": {"before": None, "after": f"{reminder.threshold}:{item.review_date.isoformat()}"}},
                     organisation_id=organisation.id, actor_label="scheduler")
        sent.append(reminder)
    db.session.flush()
    return sent


# --- the weekly digest -----------------------------------------------------------------------------------

#: the digest names the reviews due within this many days (and those expired)
DIGEST_HORIZON_DAYS = 30


def reviews_due_for(user: User, today: dt.date) -> list[EvidenceItem]:
    """The evidence ``user`` owns (as a user, or by name or e-mail address) in force whose review
    date is within :data:`DIGEST_HORIZON_DAYS` or has passed, soonest first."""
    names = [value.strip().lower() for value in (user.name, user.email) if value and value.strip()]
    mine = EvidenceItem.owner_id == user.id
    if names:
        mine = or_(mine, func.lower(func.trim(EvidenceItem.owner_name)).in_(names))
    return list(db.session.scalars(
        select(EvidenceItem).outerjoin(Attachment, Attachment.id == EvidenceItem.attachment_id)
        .where(mine, EvidenceItem.retired_at.is_(None),
               EvidenceItem.review_date <= today + dt.timedelta(days=DIGEST_HORIZON_DAYS),
               or_(Attachment.id.is_(None), Attachment.removed_at.is_(None)))
        .options(joinedload(EvidenceItem.control), joinedload(EvidenceItem.organisation),
                 joinedload(EvidenceItem.attachment))
        .order_by(EvidenceItem.review_date, EvidenceItem.id)))
